"""Account history rules: friction events (one rule per kind of checks/history.py), payment discipline, loyalty."""

from __future__ import annotations

from typing import Iterable, Mapping

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.groups import CREDIT_RISK
from clientvet.checks.history import EVENT_KINDS, NORMAL_DELAY_DAYS, PART_WAYS_DELAY_DAYS, EventKind
from clientvet.checks.rules import Hit, rule

# Purpose weights of the friction events that weigh differently per deal (`check --purpose`), by event kind.
FRICTION_PURPOSE_WEIGHTS: dict[str, Mapping[str, float]] = {
    "scope_added_without_fee": {"long-project": 1.5},  # scope creep grows with the project
}


def _friction_rule(kind: EventKind) -> None:
    @rule(f"history_{kind.code}", "history", kind.severity, kind.points,
          f"{kind.explanation.rstrip('.')} ({kind.points} points each, at most {kind.max_points}).",
          purpose_weights=FRICTION_PURPOSE_WEIGHTS.get(kind.code))
    def happened(evidence: CheckEvidence) -> Iterable[Hit]:
        dates = sorted(e.date.isoformat() for e in evidence.account.events if e.kind == kind.code)
        if dates:
            yield Hit(f"{len(dates)} time(s), latest {dates[-1]}",
                      points=min(kind.max_points, kind.points * len(dates)))


for _kind in EVENT_KINDS.values():
    if _kind.friction:
        _friction_rule(_kind)


def _delays(evidence: CheckEvidence) -> str:
    d = evidence.account.discipline(evidence.today)
    return (f"worst {d.worst_days_late} days late; average {d.average_days_late} days over {d.paid} paid invoice(s); "
            f"{d.share_paid_late:.0%} paid more than {NORMAL_DELAY_DAYS} days late" if d.paid
            else f"worst {d.worst_days_late} days late; no invoice paid yet")


@rule("history_late_payments", "history", "medium", 10,
      f"The client pays more than {NORMAL_DELAY_DAYS} days late (1–{NORMAL_DELAY_DAYS} days is normal).",
      purpose_weights=CREDIT_RISK)
def history_late_payments(evidence: CheckEvidence) -> Iterable[Hit]:
    worst = evidence.account.discipline(evidence.today).worst_days_late or 0
    if NORMAL_DELAY_DAYS < worst < PART_WAYS_DELAY_DAYS:
        yield Hit(_delays(evidence))


@rule("history_very_late_payments", "history", "high", 25,
      f"An invoice was paid, or stays unpaid, {PART_WAYS_DELAY_DAYS}+ days after due: renegotiate or part ways.",
      purpose_weights=CREDIT_RISK)
def history_very_late_payments(evidence: CheckEvidence) -> Iterable[Hit]:
    if (evidence.account.discipline(evidence.today).worst_days_late or 0) >= PART_WAYS_DELAY_DAYS:
        yield Hit(_delays(evidence))


@rule("history_unpaid_overdue", "history", "medium", 10, "Invoices are unpaid past their due date now.",
      purpose_weights=CREDIT_RISK)
def history_unpaid_overdue(evidence: CheckEvidence) -> Iterable[Hit]:
    discipline = evidence.account.discipline(evidence.today)
    if discipline.unpaid_overdue:
        totals = ", ".join(f"{amount:,.2f} {cur}" for cur, amount in discipline.unpaid_overdue_totals().items())
        yield Hit(f"{len(discipline.unpaid_overdue)} invoice(s), {totals}")


@rule("history_loyal_client", "history", "info", -10,
      "A loyal client: pays on time, orders again, little friction.")
def history_loyal_client(evidence: CheckEvidence) -> Iterable[Hit]:
    placed = evidence.account.classify(evidence.today)
    if placed.label == "loyal":
        yield Hit(f"({'; '.join(placed.reasons)})")
