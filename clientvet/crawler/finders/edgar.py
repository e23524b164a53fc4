"""SEC company_tickers.json — www.sec.gov: the listed US companies' names → CIK."""

from __future__ import annotations

from typing import Iterator

import scrapy

from clientvet import config
from clientvet.crawler.base import SourceFailure
from clientvet.crawler.finders import FinderSpider
from clientvet.identifiers import Identity
from clientvet.matching import normalise_name
from clientvet.resolve import Candidate

TICKERS_URL = "https://www.sec.gov/files/company_tickers.json"


def cik_identity(cik: int | str) -> Identity:
    """Identity('US', 'cik', ten digits). To be replaced by identifiers.parse_cik when the US checks merge."""
    digits = str(cik).strip()
    if not digits.isdigit() or len(digits) > 10:
        raise SourceFailure(f"unparseable answer: CIK {cik!r} is not up to 10 digits")
    return Identity("US", "cik", digits.zfill(10))


def parse_tickers(answer: dict, query: str) -> list[Candidate]:
    """Companies sharing a word with the query (the table lists ~10,000); one per CIK."""
    wanted = set(normalise_name(query).split())
    candidates: dict[str, Candidate] = {}
    for entry in answer.values():
        if not isinstance(entry, dict) or "cik_str" not in entry or not entry.get("title"):
            raise SourceFailure("unparseable answer: company_tickers.json entry without cik_str or title")
        if wanted & set(normalise_name(entry["title"]).split()):
            identity = cik_identity(entry["cik_str"])
            candidates.setdefault(identity.value, Candidate(identity, entry["title"], "edgar"))
    return list(candidates.values())


class EdgarFinder(FinderSpider):
    name = "edgar_search"

    def __init__(self, query: str, **kwargs):
        super().__init__(**kwargs)
        self.query = query

    def first_requests(self) -> Iterator[scrapy.Request]:
        # SEC refuses requests without a User-Agent naming a person or company and an e-mail.
        contact = config.setting("edgar.user_agent")
        if not contact and not self.replay:
            self.skipped = "no SEC contact User-Agent (set edgar.user_agent in the config file)"
            return
        headers = {"Accept": "application/json", **({"User-Agent": contact} if contact else {})}
        yield self.request(TICKERS_URL, self.parse, headers=headers)

    def parse(self, response):
        self.candidates += parse_tickers(self.json(response), self.query)
