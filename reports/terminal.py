"""The readable summary a salesperson sees after `clientvet check`."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from clientvet.checks.groups import GROUPS

COLOURS = {"green": "bold green", "amber": "bold yellow", "red": "bold red"}
LABELS = {"green": "GREEN — proceed on standard terms", "amber": "AMBER — proceed with safeguards",
          "red": "RED — decline, or only with full prepayment"}
STATUS_STYLE = {"ok": "green", "empty": "cyan", "failed": "red", "skipped": "yellow", "running": "red"}


def render(report: dict[str, Any], console: Console) -> None:
    company = report["company"]
    ids = ", ".join(f"{k.upper()} {v}" for k, v in company["identifiers"].items())
    header = (f"[bold]{escape(company['name'] or 'unknown company')}[/]  ({escape(ids)}, {company['jurisdiction']})\n"
              f"status: {escape(company['status'])}"
              + (f" — {escape(company['status_detail'])}" if company.get("status_detail") else ""))
    verdict = report["verdict"]
    headline = f"[{COLOURS[verdict]}]{LABELS[verdict]}[/]   score {report['score']}/100"
    if report["verdict_reasons"]:
        headline += f"\n[dim]{escape('; '.join(report['verdict_reasons']))}[/]"

    parts: list[Any] = [header, "", headline]
    if report.get("terms"):
        parts += ["", _terms(report["terms"])]
    if report["factors"]:
        parts += ["", _factors(report["factors"])]
    else:
        parts += ["", "No risk factors found in the sources that answered."]

    coverage = Table(title="What was checked", title_justify="left", expand=True)
    coverage.add_column("source")
    coverage.add_column("status")
    coverage.add_column("facts", justify="right")
    coverage.add_column("reason", ratio=1)
    for run in report["coverage"]:
        style = STATUS_STYLE.get(run["status"], "")
        coverage.add_row(run["source"] + (" *" if run["essential"] else ""), f"[{style}]{run['status']}[/]",
                         str(run["facts"]), escape(run["reason"] or ""))
    parts += ["", coverage, "[dim]* essential source[/]"]
    parts += ["", "[bold]Safeguards[/]"] + [f"• {escape(s)}" for s in report["safeguards"]]
    if report.get("would_change"):
        parts += ["", "[bold]What would change this verdict[/]"]
        parts += [f"• {escape(change['text'])}" for change in report["would_change"]]
    console.print(Panel(Group(*parts), title=f"clientvet check #{report['check_id']}",
                        subtitle=report["checked_at"], border_style=COLOURS[verdict].split()[-1]))


def _terms(terms: dict[str, Any]) -> str:
    """The deal being judged, e.g. 'Deal: deferred · 1 200 000 RUB · contact Ivan Petrov'."""
    amount = None
    if "amount" in terms:
        amount = f"{terms['amount']:,.0f} {terms.get('currency', '')}".replace(",", " ").strip()
    parts = [terms.get("purpose"), amount, f"contact {terms['contact']}" if terms.get("contact") else None]
    return f"[bold]Deal:[/] {escape(' · '.join(p for p in parts if p))}"


def _factors(factors: list[dict[str, Any]]) -> Table:
    """The factors under one heading per group, in GROUPS order; groups without factors are left out."""
    order = {group: n for n, group in enumerate(GROUPS)}
    table = Table(title="Reasons", title_justify="left", expand=True, show_header=False)
    table.add_column("pts", justify="right")
    table.add_column("finding", ratio=1)
    groups = sorted({f["group"] for f in factors}, key=lambda g: (order.get(g, len(order)), g))
    for n, group in enumerate(groups):
        if n:
            table.add_section()
        heading = GROUPS[group].heading if group in GROUPS else group.capitalize()
        table.add_row("", f"[bold underline]{escape(heading)}[/]")
        for factor in sorted((f for f in factors if f["group"] == group), key=lambda f: -f["points"]):
            summary = escape(factor["summary"])
            if "purpose_weight" in factor:
                summary += f" [dim](×{factor['purpose_weight']:g} for this deal)[/]"
            table.add_row(str(factor["points"]), f"[bold red]{summary}[/]" if factor["deal_killer"] else summary)
    return table
