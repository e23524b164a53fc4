"""ГИР БО — bo.nalog.ru: the company's annual financial statements (search, periods, details).

Only the latest period's details are fetched: that form carries the current and the
previous year's financial result and three year-ends of the balance sheet, which is
all the "two years running" and "year on year" rules compare. Revenue and total assets
of older years come from the period list (`gainSum`, `actives`). Amounts stay in
thousands of roubles, as the forms give them.
"""

from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject

BASE = "https://bo.nalog.ru"
HEADERS = {"Referer": f"{BASE}/", "Accept": "application/json, text/plain, */*"}
TAG = re.compile(r"<[^>]+>")

# Fact field → (block of the details form, line of the form).
LINES = {
    "revenue_thousand_rub": ("financialResult", "2110"),
    "net_profit_thousand_rub": ("financialResult", "2400"),
    "total_assets_thousand_rub": ("balance", "1600"),
    "net_assets_thousand_rub": ("balance", "1300"),
}
# Column prefix of the details form → how many years before the form's period it describes.
COLUMNS = {"current": 0, "previous": 1, "beforePrevious": 2}
# Fact field → (field of the period list, the form line it mirrors).
LIST_FIELDS = {
    "gain_sum_thousand_rub": ("gainSum", "2110"),
    "total_assets_thousand_rub": ("actives", "1600"),
}


def amount(value: Any, where: str) -> int | float | None:
    """Thousands of roubles as a number; anything else means the format changed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SourceFailure(f"unparseable answer: {where} is {value!r}, not an amount")
    return int(value) if float(value).is_integer() else value


def year_of(period: dict) -> int:
    try:
        return int(period["period"])
    except (KeyError, TypeError, ValueError):
        raise SourceFailure(f"layout changed (a bo.nalog.ru period without a year: {period!r:.200})") from None


def details_form(answer: Any, bfo_id: int) -> dict:
    """The details reply is a list of forms; the highest correction wins."""
    blocks = ("balance", "financialResult")
    candidates = answer if isinstance(answer, list) else []
    forms = [f for f in candidates if isinstance(f, dict) and any(isinstance(f.get(b), dict) for b in blocks)]
    if not forms:
        raise SourceFailure(f"unparseable answer: bo.nalog.ru details of bfo {bfo_id} hold no balance "
                            "or financial result")
    form = max(forms, key=lambda f: f.get("correctionVersion") or 0)
    for block in blocks:
        values = form.get(block)
        lines = [line for b, line in LINES.values() if b == block]
        if isinstance(values, dict) and not any(f"current{line}" in values for line in lines):
            raise SourceFailure(f"unparseable answer: bo.nalog.ru {block} of bfo {bfo_id} has none of lines "
                                f"{', '.join(lines)}")
    return form


def statements(periods: list[dict], form: dict, form_year: int, bfo_id: int) -> dict[int, dict]:
    """Year → the fact's fields, each number with the line and column it was read from."""
    years: dict[int, dict] = {}
    # A later correction of the same period overwrites the earlier one.
    for period in sorted(periods, key=lambda p: (year_of(p), p.get("actualCorrectionNumber") or 0)):
        year = year_of(period)
        entry = years.setdefault(year, {"year": year, "lines": {}})
        entry["bfo_id"] = period.get("id")
        for field, (name, line) in LIST_FIELDS.items():
            value = amount(period.get(name), f"{name} of period {year}")
            if value is not None:
                entry[field] = value
                entry["lines"][field] = f"{line}: period list, bfo {period.get('id')} field {name}"
    for column, years_back in COLUMNS.items():
        year = form_year - years_back
        for field, (block, line) in LINES.items():
            key = f"{column}{line}"
            value = amount((form.get(block) or {}).get(key), f"{key} of bfo {bfo_id}")
            if value is not None:
                entry = years.setdefault(year, {"year": year, "bfo_id": None, "lines": {}})
                entry[field] = value
                entry["lines"][field] = f"{line}: details of bfo {bfo_id}, column {column}"
    return {year: entry for year, entry in years.items() if entry["lines"]}


class BoNalogSpider(SourceSpider):
    # A search hit (read for its id) and a period of the list; the details form is checked line by line.
    reads = {"organisation": Reads("id inn ogrn", ignored="*"),
             "period": Reads("id period", ignored="actualBfoDate actualCorrectionDate hasAz hasKs isCb knd mspCategory "
                                                  "organizationInfo publication published publishedCorrectionDate "
                                                  "publishedCorrectionNumber requiredAz")}

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        if subject.is_sole_trader:
            self.ledger.skip(subject, "sole traders file no financial statements to ГИР БО")
            return
        query = urlencode({"query": subject.value, "page": 0})
        yield self.request(subject, f"{BASE}/advanced-search/organizations/search?{query}", self.parse_search,
                           headers=HEADERS)

    def parse_search(self, response):
        answer = self.json(response)
        if not isinstance(answer, dict) or not isinstance(answer.get("content"), list):
            raise SourceFailure("unparseable answer: bo.nalog.ru search has no content list")
        subject = response.meta["subject"]
        # The INN comes marked up as the search highlights it: <strong>5036045205</strong>.
        rows = self.records(response, "organisation", answer["content"],
                            about=lambda row: subject.value in (TAG.sub("", row["inn"] or ""), row["ogrn"]))
        for org_id in sorted({row["id"] for row in rows if row["id"]}):
            yield self.request(subject, f"{BASE}/nbo/organizations/{org_id}/bfo/", self.parse_periods,
                               headers=HEADERS, meta={"org_id": org_id})

    def parse_periods(self, response):
        periods = self.records(response, "period", self.json(response))
        if not all(period["id"] for period in periods):
            raise SourceFailure("layout changed (a bo.nalog.ru period without an id)")
        if not periods:
            return
        latest = max(periods, key=lambda p: (year_of(p), p.get("actualCorrectionNumber") or 0))
        yield self.request(response.meta["subject"], f"{BASE}/nbo/bfo/{latest['id']}/details", self.parse_details,
                           headers=HEADERS, meta={"org_id": response.meta["org_id"], "periods": periods,
                                                  "bfo_id": latest["id"], "form_year": year_of(latest)})

    def parse_details(self, response):
        meta = response.meta
        form = details_form(self.json(response), meta["bfo_id"])
        for year, data in sorted(statements(meta["periods"], form, meta["form_year"], meta["bfo_id"]).items()):
            yield self.fact(response, "financial_statement", f"{meta['org_id']}:{year}", **data,
                            organisation_id=meta["org_id"], url=f"{BASE}/organizations-card/{meta['org_id']}")
