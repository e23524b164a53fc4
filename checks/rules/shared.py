"""What the rules of more than one group read alike: the check's clock, notices, federal cases."""

from __future__ import annotations

from datetime import date, timedelta

from clientvet.checks.evidence import CheckEvidence
from clientvet.evidence.store import Observation


def since(evidence: CheckEvidence, iso: str | None, days: int) -> bool:
    """Whether the ISO date (or the day of a timestamp) is at most `days` before the check's day."""
    return bool(iso) and date.fromisoformat(iso[:10]) >= evidence.today - timedelta(days=days)


def live_notices(evidence: CheckEvidence, category: str) -> list[Observation]:
    """The notices of the category that were not annulled."""
    return [n for n in evidence.of("notice") if n.data["category"] == category and not n.data.get("annulled")]


def gazette_notices(evidence: CheckEvidence, categories: tuple[str, ...], days: int) -> list[Observation]:
    """The Gazette's notices of these categories published in the last `days`, newest first."""
    return sorted((n for n in evidence.of("notice") if n.source == "gazette" and n.data["category"] in categories
                   and since(evidence, n.data["published"], days)), key=lambda n: n.data["published"], reverse=True)


def describe_notice(notice: Observation) -> str:
    return (f"«{notice.data['type']}» of {notice.data['published']} ({notice.data.get('url')}, "
            f"matched by {notice.data.get('attributed_by')})")


def describe_federal_case(case: Observation) -> str:
    d = case.data
    court = d.get("court_citation") or d.get("court_id")
    chapter = f", chapter {d['chapter']}" if d.get("chapter") else ""
    state = "open" if d.get("open") else f"closed {d.get('terminated_on')}"
    return f"{court} {d.get('docket_number')} «{d.get('case_name')}»{chapter}, filed {d.get('filed_on')}, {state}"
