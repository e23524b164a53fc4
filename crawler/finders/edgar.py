"""SEC company_tickers.json — www.sec.gov: the listed US companies' names → CIK."""

from __future__ import annotations

from typing import Iterator

import scrapy

from clientvet.crawler.finders import FinderSpider
from clientvet.crawler.spiders.edgar import NO_CONTACT, contact_user_agent, ticker_candidates
from clientvet.evidence.identifiers import parse_cik
from clientvet.evidence.matching import normalise_name
from clientvet.crawler.resolve import Candidate

TICKERS_URL = "https://www.sec.gov/files/company_tickers.json"


def parse_tickers(body: str | bytes, query: str) -> list[Candidate]:
    """Companies sharing a word with the query (the table lists ~10,000); one per CIK."""
    wanted = set(normalise_name(query).split())
    candidates: dict[str, Candidate] = {}
    for row in ticker_candidates(body):
        if wanted & set(normalise_name(row.title).split()):
            identity = parse_cik(row.cik)
            candidates.setdefault(identity.value, Candidate(identity, row.title, "edgar"))
    return list(candidates.values())


class EdgarFinder(FinderSpider):
    name = "edgar_search"

    def __init__(self, query: str, **kwargs):
        super().__init__(**kwargs)
        self.query = query

    def first_requests(self) -> Iterator[scrapy.Request]:
        # SEC refuses requests without a User-Agent naming a person or company and an e-mail.
        contact = contact_user_agent(self.settings.get("USER_AGENT"))
        if not contact and not self.replay:
            self.skipped = NO_CONTACT
            return
        headers = {"Accept": "application/json", **({"User-Agent": contact} if contact else {})}
        yield self.request(TICKERS_URL, self.parse, headers=headers)

    def parse(self, response):
        self.candidates += parse_tickers(response.body, self.query)
