"""The readable summary a salesperson sees after `clientvet check`."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

COLOURS = {"green": "bold green", "amber": "bold yellow", "red": "bold red"}
LABELS = {"green": "GREEN — proceed on standard terms", "amber": "AMBER — proceed with safeguards",
          "red": "RED — decline, or only with full prepayment"}
STATUS_STYLE = {"ok": "green", "empty": "cyan", "failed": "red", "skipped": "yellow", "running": "red"}
# Headings of the reasons, in the order a salesperson reads them: public records first, then
# what the salesperson entered and the account's history, then what could not be checked.
GROUP_ORDER = ("courts", "debts", "bankruptcy", "finances", "registers", "reviews",
               "registry", "conversation", "history", "coverage")


def group_rank(group: str) -> tuple[int, str]:
    """A group's place among the headings; groups not listed come last, by name."""
    return (GROUP_ORDER.index(group), "") if group in GROUP_ORDER else (len(GROUP_ORDER), group)


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
    if report["factors"]:
        factors = Table(title="Reasons", title_justify="left", expand=True)
        factors.add_column("pts", justify="right")
        factors.add_column("finding", ratio=1)
        for group in sorted({f["group"] for f in report["factors"]}, key=group_rank):
            factors.add_row("", f"[bold]{escape(group.capitalize())}[/]")
            for factor in sorted((f for f in report["factors"] if f["group"] == group), key=lambda f: -f["points"]):
                style = "bold red" if factor["deal_killer"] else ""
                factors.add_row(str(factor["points"]), f"[{style}]{escape(factor['summary'])}[/]"
                                if style else escape(factor["summary"]))
            factors.add_section()
        parts += ["", factors]
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
    console.print(Panel(Group(*parts), title=f"clientvet check #{report['check_id']}",
                        subtitle=report["checked_at"], border_style=COLOURS[verdict].split()[-1]))
