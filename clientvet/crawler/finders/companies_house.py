"""Companies House company search — api.company-information.service.gov.uk/search/companies."""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlencode

import scrapy
from w3lib.http import basic_auth_header

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.finders import FinderSpider
from clientvet.crawler.spiders.companies_house import BASE, CompaniesHouseSpider
from clientvet.identifiers import parse_company_number
from clientvet.resolve import Candidate

ITEMS_PER_PAGE = 100  # the API's largest page: one request for the whole first page of a common name


def parse_search(answer: dict) -> list[Candidate]:
    """Candidates from a search#companies answer; an item without a title cannot be ranked by name."""
    if "items" not in answer:
        raise SourceFailure("unparseable answer: Companies House search has no items")
    return [
        Candidate(parse_company_number(item["company_number"]), " ".join(item["title"].split()), "companies_house",
                  item.get("company_status"), item.get("address_snippet"))
        for item in answer["items"] if item.get("title") and item.get("company_number")
    ]


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
        query = urlencode({"q": self.query, "items_per_page": ITEMS_PER_PAGE})
        yield self.request(f"{BASE}/search/companies?{query}", self.parse, headers=headers)

    def parse(self, response):
        self.candidates += parse_search(self.json(response))
