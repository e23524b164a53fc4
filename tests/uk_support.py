"""Helpers for the UK sources' tests: subjects, parsed hand-made replies, and the rules' verdict on facts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.verdict import Verdict, evaluate
from clientvet.crawler.items import Fact, Subject
from clientvet.evidence.store import CheckRecord
from tests.conftest import ROOT, har_response
from tests.registers_support import observation

AS_OF = date(2026, 11, 23)
FIXTURES = ROOT / "tests" / "fixtures"
MADE_UP = "99000042"  # MADE-UP WIDGETS LIMITED: a hand-made company that does not exist
MADE_UP_NAME = "MADE-UP WIDGETS LIMITED"


def subject(number: str = MADE_UP) -> Subject:
    return Subject(1, f"gb:company_number:{number}", "GB", "company_number", number)


def parsed(callback, har: Path, url_part: str, number: str = MADE_UP, **meta) -> list:
    """What a spider callback makes of one recorded reply (facts and follow-up requests)."""
    return list(callback(har_response(har, url_part, {"subject": subject(number), **meta})))


def facts(items: list) -> list[Fact]:
    return [item for item in items if isinstance(item, Fact)]


def verdict(found: list[Fact], number: str = MADE_UP, today: date = AS_OF) -> Verdict:
    check = CheckRecord(1, f"gb:company_number:{number}", "GB", "company_number", number,
                        "2026-11-23T00:00:00+00:00", None, "done", None)
    return evaluate(CheckEvidence(check, [observation(f) for f in found], frozenset(), today))


def factor(result: Verdict, code: str):
    return next((f for f in result.factors if f.rule.code == code), None)
