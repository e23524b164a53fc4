"""Helpers for the register sources' tests: subjects, and the verdict the rules give on parsed facts."""

from __future__ import annotations

from datetime import date

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.verdict import Verdict, evaluate
from clientvet.crawler.items import Fact, Subject
from clientvet.evidence.store import CheckRecord, Observation

AS_OF = date(2026, 11, 23)


def subject(inn: str, check_id: int = 1) -> Subject:
    return Subject(check_id, f"ru:inn:{inn}", "RU", "inn", inn)


def observation(fact: Fact) -> Observation:
    return Observation(f"{fact.kind}:{fact.key}", fact.kind, fact.key, fact.source, fact.data,
                       "2026-11-23T00:00:00+00:00", "2026-11-23T00:00:00+00:00", fact.response_id)


def verdict(facts: list[Fact], inn: str, today: date = AS_OF) -> Verdict:
    """The rules' verdict on these facts alone, as a check of `inn` on `today` would give it."""
    check = CheckRecord(1, f"ru:inn:{inn}", "RU", "inn", inn, "2026-11-23T00:00:00+00:00", None, "done", None)
    return evaluate(CheckEvidence(check, [observation(f) for f in facts], frozenset(), today))


def codes(result: Verdict) -> set[str]:
    return {factor.rule.code for factor in result.factors}
