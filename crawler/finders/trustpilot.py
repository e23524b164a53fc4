"""Trustpilot — www.trustpilot.com/review/<domain>: the name (and country) a website trades under."""

from __future__ import annotations

import json
from typing import Iterator

import scrapy
from scrapy.http import Response

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.finders import FinderSpider


def business_unit(response: Response) -> dict:
    """props.pageProps.businessUnit of the page's __NEXT_DATA__; a page without it is a block."""
    script = response.css("script#__NEXT_DATA__::text").get() if hasattr(response, "css") else None
    if not script:
        raise SourceFailure(f"blocked: no page data in {response.url} (a Cloudflare challenge?)")
    try:
        unit = json.loads(script)["props"]["pageProps"]["businessUnit"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise SourceFailure(f"unparseable answer: no businessUnit in the page data of {response.url}") from None
    if not isinstance(unit, dict) or not unit.get("displayName"):
        raise SourceFailure(f"unparseable answer: businessUnit without displayName in {response.url}")
    return unit


class TrustpilotFinder(FinderSpider):
    name = "trustpilot"
    registry = False

    def __init__(self, domain: str, **kwargs):
        super().__init__(**kwargs)
        self.domain = domain

    def first_requests(self) -> Iterator[scrapy.Request]:
        # 404: Trustpilot has no page for the domain — nothing to learn, not a failure.
        yield self.request(f"https://www.trustpilot.com/review/{self.domain}", self.parse,
                           meta={"handle_httpstatus_list": [404]})

    def parse(self, response: Response):
        if response.status == 404:
            return
        unit = business_unit(response)
        self.company_name = " ".join(unit["displayName"].split())
        self.country = (unit.get("contactInfo") or {}).get("country") or None
