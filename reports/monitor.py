"""What the watch list and the re-checks show: the watch list table, a re-check's diff, the alert message."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from rich.markup import escape
from rich.table import Table

from clientvet.checks.evidence import money
from clientvet.checks.watch import Watched, every_text
from clientvet.reports.batch import identifier
from clientvet.reports.terminal import COLOURS


def deal(terms: dict[str, Any]) -> str:
    """'deferred · 1 200 000 RUB · contact Ivan Petrov'; '' for no deal."""
    amount = money(terms["amount"], terms.get("currency") or "").strip() if "amount" in terms else None
    contact = f"contact {terms['contact']}" if terms.get("contact") else None
    return " · ".join(part for part in (terms.get("purpose"), amount, contact) if part)


def light(verdict: str | None, score: int | None) -> str:
    """A verdict as markup: 'amber 45'."""
    if verdict is None:
        return "—"
    return f"[{COLOURS.get(verdict, 'bold')}]{verdict}[/] {score}"


def watch_table(watched: Sequence[Watched], now: datetime) -> Table:
    table = Table(title=f"Watched companies ({len(watched)}, {sum(w.due(now) for w in watched)} due now)",
                  title_justify="left", expand=True)
    table.add_column("company", ratio=1, min_width=24)
    table.add_column("every", no_wrap=True)
    table.add_column("deal", ratio=1, min_width=24)
    table.add_column("last check", no_wrap=True)
    table.add_column("next due", no_wrap=True)
    table.add_column("note", ratio=1)
    for w in watched:
        company = f"{escape(w.name)}\n[dim]{identifier(w.identity)}[/]" if w.name else identifier(w.identity)
        last = w.last_check
        checked = f"#{last['id']} {last['started_at'][:10]} {light(last['verdict'], last['score'])}" if last else "never"
        due = w.next_due()
        table.add_row(company, every_text(w.every_seconds), escape(deal(w.terms)), checked,
                      "[bold]now[/]" if w.due(now) else due.strftime("%Y-%m-%d %H:%M"), escape(w.note or ""))
    return table
