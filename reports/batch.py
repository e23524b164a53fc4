"""What `clientvet check --from` shows: a progress bar on standard error, a line per company, a final table.

With --json each company is one JSON object on one line of standard output: the document of
`check --json` for a verdict, or {"error", "company", "line", "exit_code"} for a check that
ended without one. The bar is drawn only on a terminal; a line printed while it is drawn
goes above it, and never onto standard error when standard output is a file.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any, Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clientvet.checks.run import BatchProgress, Company, Outcome
from clientvet.evidence.identifiers import Identity
from clientvet.reports.document import report
from clientvet.reports.sanitise import json_text, markup
from clientvet.reports.terminal import COLOURS

TOP_FACTORS = 3  # the largest factors named on a company's line


SCHEMES = {"inn": "INN", "ogrn": "OGRN", "company_number": "company number", "cik": "CIK"}


def identifier(identity: Identity) -> str:
    return f"{SCHEMES.get(identity.scheme, identity.scheme)} {identity.value}"


def document(outcome: Outcome, line: int | None = None) -> dict[str, Any]:
    """The JSON object of one company: `check --json`'s document, or why there is no verdict."""
    if outcome.result is not None:
        return report(outcome.result.evidence, outcome.result.verdict)
    identity = outcome.company.identity
    return {"error": str(outcome.error), "exit_code": outcome.error.exit_code,
            "company": {"jurisdiction": identity.jurisdiction, "identifiers": {identity.scheme: identity.value}},
            **({"line": line} if line is not None else {})}


def name_of(outcome: Outcome) -> str:
    """The registry's name of the company when the check found one, else its identifier."""
    if outcome.result is not None:
        name = outcome.result.evidence.company()["name"]
        if name:
            return name
    return identifier(outcome.company.identity)


def summary_line(outcome: Outcome, where: str | None = None) -> str:
    """One line (Rich markup) per company: the light, the score, the largest factors, what was not checked."""
    prefix = f"{markup(where)}: " if where else ""
    identity = outcome.company.identity
    if outcome.result is None:
        return f"{prefix}[bold red]NO VERDICT[/] {identifier(identity)}: {markup(outcome.error)}"
    verdict, evidence = outcome.result.verdict, outcome.result.evidence
    parts = [f"check #{outcome.result.check_id}"]
    factors = sorted((f for f in verdict.factors if f.points > 0 or f.rule.deal_killer), key=lambda f: -f.points)
    if factors:
        parts.append(", ".join(("killer " if f.rule.deal_killer else "") + f"{f.rule.code} {f.points}"
                               for f in factors[:TOP_FACTORS]) + ("…" if len(factors) > TOP_FACTORS else ""))
    unchecked = evidence.unchecked()
    if unchecked:
        parts.append(f"{len(unchecked)} source(s) not checked")
    colour = verdict.colour
    name = markup(name_of(outcome))
    return (f"{prefix}[{COLOURS[colour]}]{colour.upper()}[/] {verdict.score:>3}  {name} ({identifier(identity)})"
            f" · {markup(' · '.join(parts))}")


def table(outcomes: Sequence[Outcome], where: Callable[[Outcome], str] | None = None) -> Table:
    """Every company of the batch, in the file's order; `where` labels a company (its line in the file)."""
    verdicts = [o.result.verdict.colour for o in outcomes if o.result]
    counts = ", ".join(f"{verdicts.count(c)} {c}" for c in ("red", "amber", "green") if c in verdicts)
    failed = sum(o.result is None for o in outcomes)
    title = f"{len(outcomes)} companies: {counts or 'no verdicts'}" + (f", {failed} without a verdict" if failed else "")
    grid = Table(title=title, title_justify="left", expand=True)
    grid.add_column("line" if where else "#", justify="right", no_wrap=True)
    grid.add_column("company", ratio=1, min_width=20)
    grid.add_column("verdict", no_wrap=True)
    grid.add_column("check", justify="right", no_wrap=True)
    grid.add_column("unchecked", justify="right", no_wrap=True)
    for outcome in outcomes:
        label = where(outcome) if where else str(outcome.index + 1)
        if outcome.result is None:
            grid.add_row(label, f"{identifier(outcome.company.identity)}\n[red]{markup(outcome.error)}[/]",
                         "[bold red]none[/]", "", "")
            continue
        company = f"{markup(name_of(outcome))}\n[dim]{identifier(outcome.company.identity)}[/]"
        verdict = outcome.result.verdict
        grid.add_row(label, company, f"[{COLOURS[verdict.colour]}]{verdict.colour}[/] {verdict.score}",
                     f"#{outcome.result.check_id}", str(len(outcome.result.evidence.unchecked())))
    return grid


class BatchTerminal(BatchProgress):
    """The bar while the batch runs (when standard error is a terminal), and `on_done` for each company."""

    def __init__(self, out: Console, err: Console, on_done: Callable[[Outcome], None], *, bar: bool):
        self.out, self.err, self.on_done = out, err, on_done
        self.bar: Progress | None = None
        self.show_bar = bar and err.is_terminal

    def checking(self, companies: Sequence[Company], source_runs: int) -> AbstractContextManager[Any]:
        if not self.show_bar:
            return nullcontext()
        # Writes to standard output are not redirected to the bar's console: that is standard error.
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[last]}"), console=self.err, transient=True,
                            redirect_stdout=False)
        self.task = self.bar.add_task(f"Checking {len(companies)} companies", total=source_runs, last="")
        return self.bar

    def source_done(self, company: Company, source: str, status: str, reason: str | None) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, last=markup(f"{identifier(company.identity)} {source}: {status}"))

    def done(self, outcome: Outcome) -> None:
        self.on_done(outcome)

    def print(self, text: str) -> None:
        """A line of Rich markup on standard output, above the bar when both are the terminal."""
        self.console().print(text, soft_wrap=True, emoji=False)

    def print_json(self, value: Any) -> None:
        """One JSON object on one line of standard output."""
        self.console().out(json_text(value), highlight=False)

    def console(self) -> Console:
        """Standard output's console, or the bar's while the bar is drawn on the same terminal."""
        live = self.bar is not None and self.bar.live.is_started
        return self.bar.console if live and self.out.is_terminal else self.out
