"""What the watch list and the re-checks show: the watch list table, a re-check's diff, the alert message."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from clientvet.reports.sanitise import markup
from rich.table import Table

from clientvet.checks.diff import KIND_NAMES, Change, CheckDiff, Seen, Unchecked
from clientvet.checks.evidence import money
from clientvet.checks.watch import Recheck, Watched, every_text
from clientvet.reports.batch import identifier
from clientvet.reports.document import report
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
        company = f"{markup(w.name)}\n[dim]{identifier(w.identity)}[/]" if w.name else identifier(w.identity)
        last = w.last_check
        checked = f"#{last['id']} {last['started_at'][:10]} {light(last['verdict'], last['score'])}" if last else "never"
        due = w.next_due()
        table.add_row(company, every_text(w.every_seconds), markup(deal(w.terms)), checked,
                      "[bold]now[/]" if w.due(now) else due.strftime("%Y-%m-%d %H:%M"), markup(w.note or ""))
    return table


# --- a diff, a re-check -------------------------------------------------------------------------------

MARKS = {"new": "+", "gone": "-", "changed": "~"}
VALUE_WIDTH = 60  # a changed field's value is cut to this many characters


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 1] + "…"


def _evidence(seen: Seen | None) -> str:
    if seen is None:
        return ""
    parts = [f"check #{seen.check_id}"] + [part for part in (
        seen.url, seen.fetched_at and f"fetched {seen.fetched_at}", seen.sha256 and f"sha256 {seen.sha256[:12]}…")
        if part]
    return "; ".join(parts)


def change_line(change: Change) -> str:
    """'+ court case …', '- officer … (gone)', '~ registry record …: status active → ceased', with the evidence."""
    kind = KIND_NAMES.get(change.kind, change.kind)
    text = f"{MARKS[change.change]} {kind} {change.text}"
    if change.change == "gone":
        text += f" — gone since check #{change.was.check_id}" if change.was else " — gone"
    if change.fields:
        text += ": " + "; ".join(f"{name} {_value(was)} → {_value(now)}" for name, was, now in change.fields)
    if change.risk:
        text += " [against the company" + (f": {', '.join(change.factors)}" if change.factors else "") + "]"
    seen = change.now or change.was
    return f"{text} ({change.source}; {_evidence(seen)})"


def unchecked_line(unchecked: Unchecked) -> str:
    facts = f"; {unchecked.facts} earlier fact(s) unconfirmed" if unchecked.facts else ""
    return (f"? could not re-check {unchecked.source}: {unchecked.status}"
            + (f" ({unchecked.reason})" if unchecked.reason else "") + facts)


def diff_lines(diff: CheckDiff) -> list[str]:
    """The diff in plain text, a line each: the light and score, why worse, each change, each unchecked source."""
    was, now = diff.before, diff.after
    lines = [f"{was.verdict} {was.score} → {now.verdict} {now.score} (check #{was.check_id} of {was.checked_at[:10]}"
             f" → #{now.check_id} of {now.checked_at[:10]})"]
    if diff.worse:
        lines.append("worse: " + "; ".join(diff.worse_reasons))
    if diff.gone_deal_killers:
        lines.append(f"deal-killer(s) gone: {', '.join(diff.gone_deal_killers)}")
    lines += [change_line(change) for change in diff.changes]
    lines += [unchecked_line(unchecked) for unchecked in diff.could_not_recheck]
    return lines


def state(found: Recheck) -> str:
    """WORSE | CHANGED | NO CHANGE | BASELINE | NO VERDICT."""
    if found.problem:
        return "NO VERDICT" if found.outcome.result is None else "NOT COMPARED"
    if found.baseline:
        return "BASELINE"
    return "WORSE" if found.worse else "CHANGED" if found.changed else "NO CHANGE"


STATE_STYLE = {"WORSE": "bold red", "CHANGED": "bold yellow", "NO CHANGE": "green", "BASELINE": "cyan",
               "NO VERDICT": "bold red", "NOT COMPARED": "bold red"}


def recheck_lines(found: Recheck, report: str | None = None) -> list[str]:
    """A re-checked company in plain text: a headline, then the diff (or why there is none), then the report."""
    label = (f"{found.watched.name} ({identifier(found.watched.identity)})" if found.watched.name
             else identifier(found.watched.identity))
    result = found.outcome.result
    if result is not None and not found.watched.name and result.evidence.company()["name"]:
        label = f"{result.evidence.company()['name']} ({identifier(found.watched.identity)})"
    head = f"{label}: {state(found)}"
    if found.diff and found.diff.could_not_recheck:
        head += f" — {len(found.diff.could_not_recheck)} source(s) could not re-check"
    lines: list[str] = []
    if found.problem:
        lines.append(found.problem)
    elif found.baseline:
        head += f" — {result.verdict.colour} {result.verdict.score}, check #{result.check_id}: the first check, " \
                "later ones are compared with it"
    else:
        lines = diff_lines(found.diff)
        if not found.diff.changes and not found.diff.could_not_recheck:
            lines.append("nothing changed in any source")
        elif not found.diff.changes:
            lines.append("nothing changed in the sources that answered")
    if report:
        lines.append(f"report: {report}")
    return [head] + [f"  {line}" for line in lines]


def print_recheck(console, found: Recheck, report: str | None = None) -> None:
    """The re-checked company on the terminal, its state coloured."""
    head, *rest = recheck_lines(found, report)
    status = state(found)
    name, _, tail = head.partition(f": {status}")
    tail = status + tail
    console.print(f"{markup(name)}: [{STATE_STYLE[status]}]{markup(tail)}[/]", soft_wrap=True, emoji=False,
                  highlight=False)
    for line in rest:
        style = {"+": "red" if "[against the company" in line else "yellow", "-": "yellow", "~": "yellow",
                 "?": "magenta"}.get(line.strip()[:1])
        console.print(f"[{style}]{markup(line)}[/]" if style else markup(line), soft_wrap=True, emoji=False,
                      highlight=False)


def recheck_document(found: Recheck, report: str | None = None) -> dict[str, Any]:
    """One re-checked company as JSON: the same diff document `diff --json` prints, with the state."""
    w = found.watched
    result = found.outcome.result
    return {"company": w.key, "name": (result.evidence.company()["name"] if result else None) or w.name,
            "identifiers": {w.identity.scheme: w.identity.value}, "state": state(found).lower().replace(" ", "_"),
            "check_id": result.check_id if result else None, "previous_check_id": found.previous_check_id,
            "baseline": found.baseline, "worse": found.worse, "changed": found.changed,
            "verdict": result.verdict.colour if result else None, "score": result.verdict.score if result else None,
            "error": found.problem, "diff": found.diff.as_dict() if found.diff else None, "report": report}


def write_report(directory: Path, found: Recheck) -> Path:
    """The re-checked company's report, for a person to open later and an alert to point at: its check's
    document (as `check --json` prints it) and the re-check (the diff), one JSON file per check."""
    result = found.outcome.result
    identity = found.watched.identity
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"clientvet-{identity.scheme}-{identity.value}-check{result.check_id}.json"
    path.write_text(json.dumps({"check": report(result.evidence, result.verdict),
                                "recheck": recheck_document(found)}, ensure_ascii=False, indent=2),
                    encoding="utf-8")
    return path.resolve()
