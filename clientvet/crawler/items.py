"""The one item every source yields: a normalised fact about the subject."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Fact kinds and the fields a source must fill for each: a parser that cannot
# fill them has met a format it does not understand, which is a failure.
FACT_KINDS: dict[str, tuple[str, ...]] = {
    "registry_record": ("name", "status"),
    "officer": ("name", "role"),
    "status_record": ("name", "status"),
    "bankruptcy_case": ("stage", "active"),
    "notice": ("type", "category", "published"),
    "charge": ("status",),
    "insolvency_case": ("type",),
    "financial_statement": ("year", "lines"),  # amounts in thousands of roubles, lines = where each came from
    "tax_risk_flags": ("inn", "name"),
    "disqualification": ("person", "organisation", "starts", "ends"),
    "warning_list_entry": ("name", "inn", "listed_on", "signs"),
    "court_case": ("case_number", "case_kind", "filed_on", "court", "role"),  # parties: plaintiffs, respondents
    "court_search": ("inn", "total", "pages_read"),  # how much of a court search was read
    "review": ("site", "rating", "published", "url", "reviewer"),  # text, topics (clientvet.reviews)
    "review_page": ("site", "url", "count", "pages_read"),  # a company's page on a review site: rating, cap
}


@dataclass(frozen=True)
class Subject:
    """One company in one check run."""

    check_id: int
    company_key: str
    jurisdiction: str
    scheme: str
    value: str

    @property
    def is_sole_trader(self) -> bool:
        return len(self.value) in (12, 15) and self.jurisdiction == "RU"


@dataclass
class Fact:
    subject: Subject
    source: str
    kind: str
    key: str
    data: dict[str, Any] = field(default_factory=dict)
    response_id: int | None = None
