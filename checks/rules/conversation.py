"""Conversation rules: one per signal of the catalogue (checks/signals.py), which holds its code, points and text."""

from __future__ import annotations

from typing import Iterable, Mapping

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.groups import CREDIT_RISK
from clientvet.checks.rules import Hit, rule
from clientvet.checks.signals import CATALOGUE, Signal

# Purpose weights of the signals that weigh differently per deal (`check --purpose`), by signal code.
SIGNAL_PURPOSE_WEIGHTS: dict[str, Mapping[str, float]] = {
    "business_sinking": CREDIT_RISK,
    "promises_broken": {"prepaid": 0.5},  # a deposit not paid matters less when nothing starts unpaid
    "fast_results_slow_work": {"long-project": 1.5},
}


def _signal_rule(signal: Signal) -> None:
    @rule(f"signal_{signal.code}", "conversation", signal.severity, signal.points, signal.explanation,
          purpose_weights=SIGNAL_PURPOSE_WEIGHTS.get(signal.code))
    def entered(evidence: CheckEvidence) -> Iterable[Hit]:
        for stored in evidence.signals:
            if stored.code == signal.code:
                note = f": {stored.note}" if stored.note else ""
                yield Hit(f"(entered by {stored.entered_by} on {stored.entered_at[:10]}{note})")


for _entry in CATALOGUE:
    _signal_rule(_entry)
