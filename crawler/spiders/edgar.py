"""SEC EDGAR: the US registry card, 8-K bankruptcy reports and XBRL annual figures of a CIK.

Submissions (data.sec.gov/submissions/CIK##########.json) give the card and the
recent filings as parallel arrays; an 8-K with item 1.03 reports a bankruptcy or
receivership. Company facts (data.sec.gov/api/xbrl/companyfacts/…) give the
figures filed in 10-K reports: every figure once per filing that shows it (a 10-K repeats the two
years before as comparatives), each with the filing's own fiscal year `fy` and period `fp`, and the
one figure SEC picked per calendar period marked with a `frame`. A year's figure is the one the
latest annual report gives, under the most preferred concept that report uses; the year is the
filer's own fiscal year (`fy` of the 10-K whose year it is: Snowflake's year to 31 January 2025
is its fiscal 2025). SEC wants a User-Agent naming a contact e-mail and
at most 10 requests a second; over that it serves a 403 "Request Rate Threshold
Exceeded" page for a while, which is a rate limit, not a block.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

import scrapy

from clientvet import config
from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject

SUBMISSIONS_URL = "https://data.sec.gov/submissions/CIK{cik}.json"
COMPANY_FACTS_URL = "https://data.sec.gov/api/xbrl/companyfacts/CIK{cik}.json"
TICKERS_URL = "https://www.sec.gov/files/company_tickers.json"
ARCHIVES_URL = "https://www.sec.gov/Archives/edgar/data/{cik}/{accession}/{document}"

NO_CONTACT = "no contact e-mail configured for SEC EDGAR"
RATE_LIMIT_PAGE = b"Request Rate Threshold Exceeded"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

BANKRUPTCY_ITEM = "1.03"  # Form 8-K item 1.03: Bankruptcy or Receivership
CURRENT_REPORTS = frozenset({"8-K", "8-K/A"})
ANNUAL_REPORTS = frozenset({"10-K", "10-K/A", "10-KT", "10-KT/A"})
YEARS_KEPT = 5

# us-gaap concepts per measure, preferred first: filers moved from Revenues to the ASC 606
# concept in 2018, so one company's years may come from different concepts, and a later report
# restating a year under the new concept beats the older figure (ONE_FIGURE_UNDER_SEVERAL_CONCEPTS).
DURATION_CONCEPTS = {
    "revenue": ("Revenues", "RevenueFromContractWithCustomerExcludingAssessedTax",
                "RevenueFromContractWithCustomerIncludingAssessedTax", "SalesRevenueNet"),
    "net_income": ("NetIncomeLoss", "ProfitLoss"),
}
INSTANT_CONCEPTS = {
    "stockholders_equity": ("StockholdersEquity",
                            "StockholdersEquityIncludingPortionAttributableToNoncontrollingInterest"),
}
# The revenue concepts are one figure under the tags of different years; the net income and equity
# concepts are different figures (the parent's share, or the total with minority interests), so for
# them the first concept that has a year decides, however recent the other's report.
ONE_FIGURE_UNDER_SEVERAL_CONCEPTS = frozenset({"revenue"})
# A boolean element (2017 taxonomy); company facts may carry only numeric facts, so it is read when present.
GOING_CONCERN_CONCEPT = "SubstantialDoubtAboutGoingConcernWithinOneYear"
# One figure of a concept (units.<unit>[]): every one carries these, a duration's also its start.
FIGURE = Reads("accn end filed form val")
TAXONOMIES_WITHOUT_FIGURES = frozenset({"dei"})  # the cover page: shares outstanding, public float


@dataclass(frozen=True)
class TickerCandidate:
    cik: str
    ticker: str
    title: str


def ticker_candidates(body: str | bytes) -> list[TickerCandidate]:
    """Every row of company_tickers.json ({"0": {"cik_str", "ticker", "title"}, …}), in file order."""
    table = json.loads(body)
    if not isinstance(table, dict):
        raise SourceFailure("unparseable answer: company_tickers.json is not an object of rows")
    try:
        return [TickerCandidate(str(row["cik_str"]).zfill(10), row["ticker"], row["title"])
                for row in table.values()]
    except (KeyError, TypeError) as exc:
        raise SourceFailure(f"unparseable answer: company_tickers.json row without {exc}") from None


def contact_user_agent(user_agent: str | None) -> str | None:
    """SEC's format is '<name> <e-mail>': from edgar.contact_email, or a user_agent that holds an e-mail."""
    if email := config.setting("edgar.contact_email"):
        return f"clientvet {email}"
    return user_agent if user_agent and EMAIL.search(user_agent) else None


def check_answer(response) -> None:
    """SEC answers over-eager clients with a 403 page: a rate limit to wait out, unlike other 403s."""
    if response.status == 403:
        if RATE_LIMIT_PAGE in response.body:
            raise SourceFailure(f"rate limited: HTTP 403 '{RATE_LIMIT_PAGE.decode()}' from {response.url}")
        raise SourceFailure(f"blocked: HTTP 403 from {response.url}")


def address_line(address: dict | None) -> str | None:
    parts = ("street1", "street2", "city", "stateOrCountry", "zipCode")
    # 'None' is how one recording's re-serialisation wrote a null street2.
    values = [str(address[p]) for p in parts if address and address.get(p) and address[p] != "None"]
    return ", ".join(values) or None


def recent_filings(submissions: dict) -> list[dict[str, Any]]:
    """filings.recent's parallel arrays as one dict per filing."""
    recent = (submissions.get("filings") or {}).get("recent")
    if not isinstance(recent, dict) or "form" not in recent or "filingDate" not in recent:
        raise SourceFailure("unparseable answer: EDGAR submissions have no filings.recent form/filingDate")
    lengths = {len(values) for values in recent.values() if isinstance(values, list)}
    if len(lengths) != 1:
        raise SourceFailure("unparseable answer: EDGAR filings.recent arrays differ in length")
    return [dict(zip(recent, row)) for row in zip(*recent.values())]


def bankruptcy_reports(cik: str, filings: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """8-K reports that include item 1.03 (Bankruptcy or Receivership)."""
    for filing in filings:
        items = [item.strip() for item in (filing.get("items") or "").split(",") if item.strip()]
        if filing["form"] in CURRENT_REPORTS and BANKRUPTCY_ITEM in items:
            accession = filing.get("accessionNumber") or ""
            document = filing.get("primaryDocument")
            yield {
                "accession": accession, "form": filing["form"], "filed_on": filing["filingDate"],
                "report_date": filing.get("reportDate") or None, "items": items,
                "url": ARCHIVES_URL.format(cik=int(cik), accession=accession.replace("-", ""),
                                           document=document) if accession and document else None,
            }


def figures(concept: str, concept_facts: Any, unit: str | None = "USD", duration: bool = False) -> list[dict]:
    """The figures of a concept in one unit (None: every unit); a figure without its fields is a changed layout."""
    units = concept_facts.get("units") if isinstance(concept_facts, dict) else None
    if not isinstance(units, dict) or not all(isinstance(values, list) for values in units.values()):
        raise SourceFailure(f"layout changed (us-gaap:{concept} has no units of figures)")
    if unit is not None and unit not in units:
        raise SourceFailure(f"layout changed (us-gaap:{concept} has figures in {', '.join(units)}, none in {unit})")
    found = [value for name, values in units.items() if unit in (None, name) for value in values]
    required = FIGURE.required + (("start",) if duration else ())
    for value in found:
        missing = [field for field in required if not isinstance(value, dict) or field not in value]
        if missing:
            raise SourceFailure(f"layout changed (a us-gaap:{concept} figure lacks {', '.join(missing)})")
    return found


def _annual_values(concept: str, concept_facts: dict, duration: bool) -> dict[str, dict[str, Any]]:
    """USD values from annual reports by period end; a later filing (a restatement) wins."""
    by_end: dict[str, dict[str, Any]] = {}
    for value in figures(concept, concept_facts, duration=duration):
        if value.get("form") not in ANNUAL_REPORTS or not value.get("end") or value.get("val") is None:
            continue
        if duration != bool(value.get("start")):
            continue
        if duration and not 350 <= (date.fromisoformat(value["end"]) - date.fromisoformat(value["start"])).days <= 380:
            continue  # a quarter or a transition period, not a fiscal year
        if value["end"] not in by_end or value.get("filed", "") > by_end[value["end"]].get("filed", ""):
            by_end[value["end"]] = value
    return by_end


def _line(concept: str, value: dict[str, Any]) -> str:
    """Where a figure came from, for the evidence: concept, report, accession, filing date."""
    return f"us-gaap:{concept} in {value['form']} {value.get('accn')} filed {value.get('filed')}"


def _by_end(concepts: tuple[str, ...], gaap: dict, duration: bool,
            latest_first: bool) -> dict[str, tuple[str, dict[str, Any]]]:
    """(concept, figure) per period end: the latest filing's under its most preferred concept
    (`latest_first`), or the most preferred concept's latest filing."""
    best: dict[str, tuple[tuple, str, dict[str, Any]]] = {}
    for preference, name in enumerate(concepts):
        if name not in gaap:
            continue
        for end, value in _annual_values(name, gaap[name], duration).items():
            filed = value.get("filed") or ""
            rank = (filed, -preference) if latest_first else (-preference, filed)
            if end not in best or rank > best[end][0]:
                best[end] = (rank, name, value)
    return {end: (name, value) for end, (_, name, value) in best.items()}


def _fiscal_year_offset(annual_figures: list[dict[str, Any]]) -> int:
    """How the filer names a year from the calendar year it ends in: 0 for most (Snowflake's year to
    31 January 2025 is fiscal 2025), -1 for one that calls it 2024. Read from the fiscal year `fy` of each
    annual report against its latest period end; 0 when the reports do not agree on one offset."""
    report_end: dict[str, str] = {}
    report_year: dict[str, int] = {}
    for value in annual_figures:
        accession = value.get("accn")
        report_end[accession] = max(value["end"], report_end.get(accession, ""))
        if isinstance(value.get("fy"), int) and value.get("fp") == "FY":
            report_year[accession] = value["fy"]
    offsets = {report_year[accession] - int(end[:4]) for accession, end in report_end.items()
               if accession in report_year}
    return offsets.pop() if len(offsets) == 1 and offsets <= {-1, 0} else 0


def annual_financials(company_facts: dict) -> list[dict[str, Any]]:
    """Revenue, net income and stockholders' equity per fiscal year-end, newest first, in USD."""
    if "facts" not in company_facts:
        raise SourceFailure("unparseable answer: EDGAR company facts have no facts")
    taxonomies = company_facts["facts"]
    if "us-gaap" not in taxonomies and set(taxonomies) - TAXONOMIES_WITHOUT_FIGURES:
        raise SourceFailure(f"layout changed (company facts in {', '.join(taxonomies)}, none in us-gaap)")
    gaap = taxonomies.get("us-gaap") or {}
    known = [name for concepts in (DURATION_CONCEPTS, INSTANT_CONCEPTS) for names in concepts.values()
             for name in names if name in gaap]
    if gaap and not known:
        raise SourceFailure(f"layout changed ({len(gaap)} us-gaap concepts, none of revenue, net income or equity)")
    years: dict[str, dict[str, Any]] = {}
    for concepts, duration in ((DURATION_CONCEPTS, True), (INSTANT_CONCEPTS, False)):
        for measure, names in concepts.items():
            latest_first = measure in ONE_FIGURE_UNDER_SEVERAL_CONCEPTS
            for end, (name, value) in _by_end(names, gaap, duration, latest_first).items():
                year = years.setdefault(end, {"lines": {}})
                year[measure] = value["val"]
                year["lines"][measure] = _line(name, value)
    offset = _fiscal_year_offset([value for names in DURATION_CONCEPTS.values() for name in names if name in gaap
                                  for value in figures(name, gaap[name], duration=True)
                                  if value.get("form") in ANNUAL_REPORTS])
    if GOING_CONCERN_CONCEPT in gaap:
        for value in figures(GOING_CONCERN_CONCEPT, gaap[GOING_CONCERN_CONCEPT], unit=None):
            if value.get("end") in years and value.get("form") in ANNUAL_REPORTS:
                years[value["end"]]["going_concern_doubt"] = bool(value.get("val"))
                years[value["end"]]["lines"]["going_concern_doubt"] = _line(GOING_CONCERN_CONCEPT, value)
    return [{"year": int(end[:4]) + offset, "period_end": end, "currency": "USD",
             "revenue": years[end].get("revenue"), "net_income": years[end].get("net_income"),
             "stockholders_equity": years[end].get("stockholders_equity"),
             "going_concern_doubt": years[end].get("going_concern_doubt"), "lines": years[end]["lines"]}
            for end in sorted(years, reverse=True)[:YEARS_KEPT]]


class EdgarSpider(SourceSpider):
    # The submissions (the registry card and the recent filings); company facts' figures are checked by FIGURE.
    reads = {"registry_record": Reads(
        "cik name filings.recent",
        ignored="addresses.business.stateOrCountryDescription addresses.mailing.stateOrCountryDescription description "
                "filings.files flags formerNames.from formerNames.to insiderTransactionForIssuerExists "
                "insiderTransactionForOwnerExists investorWebsite phone stateOfIncorporationDescription website")}
    counts = {"registry_record": (1, 1), "annual_financials": (0, YEARS_KEPT)}
    answer_cap_mb = 64  # the company facts of the largest filers run to tens of MB
    # SEC fair access: at most 10 requests a second. One at a time (the entry's concurrency), the entry's pause
    # (0.25 s) ± 50% apart stays under 8.

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        if not self.replay and not contact_user_agent(self.settings.get("USER_AGENT")):
            self.ledger.skip(subject, NO_CONTACT)
            return
        yield self.api(subject, SUBMISSIONS_URL.format(cik=subject.value), self.parse_submissions)

    def api(self, subject: Subject, url: str, callback) -> scrapy.Request:
        headers = {"Accept": "application/json"}
        if user_agent := contact_user_agent(self.settings.get("USER_AGENT")):
            headers["User-Agent"] = user_agent
        # 404: no such CIK, or no XBRL figures filed; 403: a block or the rate-limit page.
        return self.request(subject, url, callback, headers=headers, meta={"handle_httpstatus_list": [403, 404]})

    def parse_submissions(self, response):
        check_answer(response)
        if response.status == 404:
            return
        submissions = self.json(response)
        if not submissions.get("name") or not submissions.get("cik"):
            raise SourceFailure("unparseable answer: EDGAR submissions have no name or cik")
        submissions = self.record(response, "registry_record", submissions)
        cik = str(submissions["cik"]).zfill(10)
        filings = recent_filings(submissions)
        dates = sorted(f["filingDate"] for f in filings if f.get("filingDate"))
        yield self.fact(
            response, "registry_record", cik,
            name=submissions["name"], cik=cik,
            # EDGAR records filers, not a legal status: that the company exists and files is all it says.
            status="registered",
            status_detail=", ".join(filter(None, (submissions.get("entityType"), submissions.get("category")))),
            entity="company", sic=submissions.get("sic"), sic_description=submissions.get("sicDescription"),
            state_of_incorporation=submissions.get("stateOfIncorporation"),
            address=address_line((submissions.get("addresses") or {}).get("business")),
            mailing_address=address_line((submissions.get("addresses") or {}).get("mailing")),
            previous_names=[n.get("name") for n in submissions.get("formerNames") or [] if n.get("name")],
            tickers=submissions.get("tickers") or [], exchanges=submissions.get("exchanges") or [],
            ein=submissions.get("ein"), fiscal_year_end=submissions.get("fiscalYearEnd"),
            last_filed_on=dates[-1] if dates else None,
            filings_read_since=dates[0] if dates else None,
            older_filing_files=len((submissions.get("filings") or {}).get("files") or []),
        )
        for report in bankruptcy_reports(cik, filings):
            yield self.fact(response, "bankruptcy_report", report["accession"], **report)
        yield self.api(response.meta["subject"], COMPANY_FACTS_URL.format(cik=cik), self.parse_company_facts)

    def parse_company_facts(self, response):
        check_answer(response)
        if response.status == 404:
            return
        for year in annual_financials(self.json(response)):
            yield self.fact(response, "annual_financials", year["period_end"], **year)
