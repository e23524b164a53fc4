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
    "tax_card": ("inn", "name"),  # pb.nalog.ru company card: tax debt, non-filing, mass address/head flags
    "disqualification": ("person", "organisation", "starts", "ends"),
    "warning_list_entry": ("name", "inn", "listed_on", "signs"),
    "court_case": ("case_number", "case_kind", "filed_on", "court", "role"),  # parties: plaintiffs, respondents
    "court_search": ("side", "total", "pages_read"),  # how much of a court search (by INN, or name) was read
    "court_card": ("case_number", "url"),  # a case card: claim_rub, dispute, debt_collection
    "enforcement_proceeding": ("number", "started_on", "debtor", "subject", "open"),  # amounts in roubles
    "officer_appointments": ("total", "read"),  # a director's appointments at all companies (Companies House)
    "psc": ("type",),  # a person with significant control; super-secure ones have no name
    "psc_register": ("active_count",),
    "filing": ("event", "date"),  # a filing-history entry a rule reads (name, office, strike-off)
    "bankruptcy_report": ("form", "filed_on", "items"),  # an SEC 8-K with item 1.03 (bankruptcy or receivership)
    "annual_financials": ("year", "period_end", "currency"),  # SEC XBRL figures of one fiscal year, in USD
    "federal_case": ("docket_id", "court_id", "role"),  # a US federal docket naming the company (RECAP)
    "federal_case_search": ("query", "total", "pages_read"),  # how much of a CourtListener search was read
    "review": ("site", "rating", "published", "url", "reviewer"),  # text, topics (clientvet.checks.complaints)
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
