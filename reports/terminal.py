"""What a salesperson sees of `clientvet check`: progress on standard error, the candidates, the summary."""

from __future__ import annotations

import signal
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from clientvet.checks.run import Choice, NoChoice, Progress, SearchRun
from clientvet.evidence.identifiers import Identity
from clientvet.checks.groups import GROUPS
from clientvet.reports.sanitise import markup
from clientvet.reports.i18n import (COMPANY_STATUSES, IDENTIFIERS, PURPOSES, SOURCE_STATUSES, VERDICT_LABELS, Translator,
                                    localise)

COLOURS = {"green": "bold green", "amber": "bold yellow", "red": "bold red"}
STATUS_STYLE = {"ok": "green", "empty": "cyan", "failed": "red", "skipped": "yellow", "running": "red"}
KIND_STATES = {"checked": ("checked", "green"), "partly_checked": ("partly checked", "yellow"),
               "not_checked": ("not checked", "red"), "no_public_source": ("no public source", "dim")}


def render(report: dict[str, Any], console: Console, lang: str = "en") -> None:
    """The summary of a check's document, in `lang` (English: the document's own words)."""
    t = Translator(lang)
    report = localise(report, t)
    company = report["company"]
    ids = ", ".join(f"{k.upper() if t.english else t.word(IDENTIFIERS, k)} {v}"
                    for k, v in company["identifiers"].items())
    name = markup(company["name"] or t("unknown company"))
    status = t("status:") + " " + markup(t.word(COMPANY_STATUSES, company["status"]))
    header = (f"[bold]{name}[/]  ({markup(ids)}, {company['jurisdiction']})\n{status}"
              + (f" — {markup(company['status_detail'])}" if company.get("status_detail") else ""))
    verdict = report["verdict"]
    score = t("score {score}/100", score=report["score"])
    headline = f"[{COLOURS[verdict]}]{t(VERDICT_LABELS[verdict])}[/]   {score}"
    if report["verdict_reasons"]:
        headline += "".join(f"\n[dim]{markup(reason)}[/]" for reason in report["verdict_reasons"])

    parts: list[Any] = [header, "", headline]
    terms = report.get("terms") or {}
    if deal := [line for line in (_terms(terms, t), _accepted(terms, report.get("coverage_by_kind") or {})) if line]:
        parts += ["", *deal]
    if report["factors"]:
        parts += ["", _factors(report["factors"], t)]
    else:
        parts += ["", t("No risk factors found in the sources that answered.")]

    if report.get("coverage_by_kind"):
        parts += ["", _kinds(report["coverage_by_kind"])]
    coverage = Table(title=t("What was checked"), title_justify="left", expand=True)
    coverage.add_column(t("source"))
    coverage.add_column(t("status"))
    coverage.add_column(t("facts"), justify="right")
    coverage.add_column(t("reason"), ratio=1)
    for run in report["coverage"]:
        style = STATUS_STYLE.get(run["status"], "")
        coverage.add_row(run["source"] + (" *" if run["essential"] else ""),
                         f"[{style}]{t.word(SOURCE_STATUSES, run['status'])}[/]",
                         str(run["facts"]), markup(run["reason"] or ""))
    essential, safeguards, changes = t("essential source"), t("Safeguards"), t("What would change this verdict")
    parts += ["", coverage, f"[dim]* {essential}[/]"]
    parts += ["", f"[bold]{safeguards}[/]"] + [f"• {markup(s)}" for s in report["safeguards"]]
    if report.get("would_change"):
        parts += ["", f"[bold]{changes}[/]"]
        parts += [f"• {markup(change['text'])}" for change in report["would_change"]]
    console.print(Panel(Group(*parts), title=t("clientvet check #{check_id}", check_id=report["check_id"]),
                        subtitle=report["checked_at"], border_style=COLOURS[verdict].split()[-1]))


def _terms(terms: dict[str, Any], t: Translator) -> str | None:
    """The deal being judged, e.g. 'Deal: deferred · 1 200 000 RUB · contact Ivan Petrov'; None without one."""
    amount = None
    if "amount" in terms:
        amount = f"{terms['amount']:,.0f} {terms.get('currency', '')}".replace(",", " ").strip()
    purpose = t.word(PURPOSES, terms["purpose"]) if terms.get("purpose") else None
    parts = [purpose, amount, t("contact {contact}", contact=terms["contact"]) if terms.get("contact") else None]
    if not any(parts):
        return None
    deal = t("Deal:")
    return f"[bold]{deal}[/] {markup(' · '.join(p for p in parts if p))}"


def _accepted(terms: dict[str, Any], kinds: dict[str, Any]) -> str | None:
    """The gaps the user accepted for this check (--accept-unchecked), in the verdict's words."""
    accepted = terms.get("accept_unchecked") or []
    if not accepted:
        return None
    labels = [kinds[code]["label"] if code in kinds else code for code in accepted]
    return f"[bold]Accepted unchecked by you:[/] {markup(', '.join(labels))}"


def _kinds(kinds: dict[str, dict[str, Any]]) -> Table:
    """Each evidence kind: checked, partly, not, or no public source; what would check it, or where to look by hand.

    The sources' reasons are in the table of sources below; this one says what would make them checkable.
    """
    table = Table(title="Coverage by evidence kind", title_justify="left", expand=True,
                  caption="* needed for green where the country has a public source", caption_justify="left")
    table.add_column("kind", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("sources", ratio=1)
    table.add_column("to check it, or where to look by hand", ratio=2)
    for kind in kinds.values():
        state, style = KIND_STATES.get(kind["state"], (kind["state"], ""))
        if kind["accepted"] and kind["state"] in ("partly_checked", "not_checked"):
            state += ", accepted"
        sources = ", ".join(f"{source} {status}" for source, status in kind["sources"].items()) or "—"
        notes = kind["to_check"] + ([kind["by_hand"]] if kind.get("by_hand") else [])
        table.add_row(kind["label"] + (" *" if kind["gates_green"] else ""), f"[{style}]{state}[/]",
                      markup(sources), markup("\n".join(notes)))
    return table


def _factors(factors: list[dict[str, Any]], t: Translator) -> Table:
    """The factors under one heading per group, in GROUPS order; groups without factors are left out."""
    order = {group: n for n, group in enumerate(GROUPS)}
    table = Table(title=t("Reasons"), title_justify="left", expand=True, show_header=False)
    table.add_column("pts", justify="right")
    table.add_column("finding", ratio=1)
    groups = sorted({f["group"] for f in factors}, key=lambda g: (order.get(g, len(order)), g))
    for n, group in enumerate(groups):
        if n:
            table.add_section()
        heading = t(GROUPS[group].heading) if group in GROUPS else group.capitalize()
        table.add_row("", f"[bold underline]{markup(heading)}[/]")
        for factor in sorted((f for f in factors if f["group"] == group), key=lambda f: -f["points"]):
            summary = markup(factor["summary"])
            if "purpose_weight" in factor:
                weight = t("×{weight} for this deal", weight=format(factor["purpose_weight"], "g"))
                summary += f" [dim]({weight})[/]"
            table.add_row(str(factor["points"]), f"[bold red]{summary}[/]" if factor["deal_killer"] else summary)
    return table


# --- while the check runs (standard error) --------------------------------------------------------

HOW_CHOSEN = {"only-strong": "the only strong match", "site-identifier": "the number on its own website",
              "user": "your choice", "--pick": "--pick"}


class TerminalProgress(Progress):
    """One line per search and source; a spinner while the sources run, unless a prompt may need the terminal."""

    def __init__(self, console: Console, *, spinner: bool = True):
        self.console = console
        self.spinner = spinner

    def searching(self, query: dict[str, str]) -> None:
        self.console.print("Searching for " + ", ".join(f"{k} {markup(str(v))}" for k, v in query.items()) + "…")

    def searched(self, run: SearchRun) -> None:
        self.console.print(f"  {run.source}: {run.status}" + (f" ({markup(run.reason)})" if run.reason else "")
                           + (f", {len(run.candidates)} candidate(s)" if run.candidates else ""))

    def search_incomplete(self, run: SearchRun) -> None:
        self.console.print(f"[yellow]warning:[/] {run.source} {run.status}: the list may lack the right company")

    def chosen(self, choice: Choice, sources: int) -> None:
        identity = choice.identity
        self.console.print(f"Using {markup(choice.name or '')} {identity.scheme.upper()} {identity.value}"
                           f" ({HOW_CHOSEN[choice.how]}); checking it in {sources} sources…")

    def checking(self, identity: Identity, sources: int) -> AbstractContextManager[Any]:
        checking = f"Checking {identity.scheme.upper()} {identity.value} in {sources} sources…"
        if self.spinner:
            return self.console.status(checking)
        self.console.print(checking)
        return nullcontext()

    def source_done(self, source: str, status: str, reason: str | None) -> None:
        self.console.print(f"  {source}: {status}" + (f" ({markup(reason)})" if reason else ""))


def candidates_table(candidates: list[dict[str, Any]]) -> Table:
    """The candidates of a search, numbered best first (clientvet.crawler.resolve.Ranked.as_dict)."""
    table = Table(title="Candidates (best first)", title_justify="left")
    for column in ("#", "name", "identifier", "status", "address", "source", "match"):
        table.add_column(column, justify="right" if column == "#" else "left")
    for c in candidates:
        table.add_row(str(c["number"]), markup(c["name"] or "—"), markup(f"{c['scheme'].upper()} {c['identifier']}"),
                      markup(c["status"] or "—"), markup(c["address"] or c.get("url") or "—"), c["source"],
                      ("strong: " if c["strong"] else "") + markup(c["match"]))
    return table


def ask_which(console: Console, candidates: list[dict[str, Any]]) -> int | None:
    """Show the candidates and read a number on the terminal; None when the person stops (Ctrl-C, end of input)."""
    console.print(candidates_table(candidates))
    # Scrapy's Ctrl-C handler would only schedule a shutdown and leave the prompt waiting.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return click.prompt("Which company? Number", type=click.IntRange(1, len(candidates)), err=True)
    except click.Abort:
        return None
    finally:
        signal.signal(signal.SIGINT, previous)


def error(console: Console, message: str) -> None:
    console.print(f"[red]error:[/] {markup(message)}")


def nothing_stored(console: Console, failure: Exception) -> None:
    """A check that ended without a verdict and left nothing behind."""
    error(console, f"{failure}; nothing was stored.")


def no_choice(console: Console, failure: NoChoice, *, candidates: bool = True) -> None:
    """Why no company was chosen, after the candidates that were shown (unless a JSON document lists them)."""
    if candidates and failure.candidates:
        console.print(candidates_table(failure.candidates))
    nothing_stored(console, failure)
