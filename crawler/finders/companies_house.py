"""Companies House company search — api.company-information.service.gov.uk/search/companies."""

from __future__ import annotations

from typing import Iterator

import scrapy
from w3lib.http import basic_auth_header

from clientvet.crawler.finders import FinderSpider
from clientvet.crawler.spiders.companies_house import CompaniesHouseSpider, search_candidates, search_url
from clientvet.evidence.identifiers import parse_company_number
from clientvet.crawler.resolve import Candidate


def parse_search(answer: dict) -> list[Candidate]:
    """Candidates from a search#companies answer; a hit without a title cannot be ranked by name."""
    return [Candidate(parse_company_number(hit.company_number), hit.name, "companies_house", hit.status, hit.address)
            for hit in search_candidates(answer) if hit.name]


class CompaniesHouseFinder(FinderSpider):
    name = "companies_house_search"
    api_key = CompaniesHouseSpider.api_key
    custom_settings = CompaniesHouseSpider.custom_settings

    def __init__(self, query: str, **kwargs):
        super().__init__(**kwargs)
        self.query = query

    def first_requests(self) -> Iterator[scrapy.Request]:
        headers = {"Accept": "application/json"}
        if self.key:  # HTTP Basic: the key is the user name, the password is empty
            headers["Authorization"] = basic_auth_header(self.key, "")
        yield self.request(search_url(self.query), self.parse, headers=headers)

    def parse(self, response):
        self.candidates += parse_search(self.json(response))
