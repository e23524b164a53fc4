"""Search spiders: from a name or a website to registry candidates, before a check.

One small module per source. A finder stores no facts: it answers with
candidates (or a name to search for) and an honest status, through the same
settings and middlewares as the sources, so replay answers it from HAR and every
raw answer is archived. `find` runs them in order inside the crawl's one
reactor run (see runner.search_then_crawl).
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable, ClassVar, Iterable

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from clientvet.crawler.base import SourceSpider, describe_failure
from clientvet.crawler.declarations import ApiKey
from clientvet.crawler.runner import Searcher
from clientvet.crawler.resolve import COUNTRIES, Candidate, Found, SearchRun, search_country


class FinderSpider(scrapy.Spider):
    """One search: fills `candidates` (or `company_name`) and notes every failure instead of raising it."""

    api_key: ClassVar[ApiKey | None] = None
    registry: ClassVar[bool] = True  # False for sources that only hint (a name, an identifier)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.candidates: list[Candidate] = []
        self.failures: list[str] = []
        self.skipped: str | None = None
        self.response_ids: list[int] = []
        self.company_name: str | None = None
        self.country: str | None = None
        self.key: str | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> FinderSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.replay = bool(crawler.settings.get("CLIENTVET_REPLAY"))
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider._on_response, signal=signals.response_received)
        return spider

    def first_requests(self) -> Iterable[scrapy.Request]:
        raise NotImplementedError

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.api_key and not self.replay:
            self.key = self.api_key.get()
            if not self.key:
                self.skipped = "no API key"
                return
        for request in self.first_requests():
            yield request

    def request(self, url: str, callback: Callable, *, errback: Callable | None = None,
                request_class: type[scrapy.Request] = scrapy.Request, **kwargs: Any) -> scrapy.Request:
        return request_class(url, callback=callback, errback=errback or self.fail, **kwargs)

    json = SourceSpider.json  # the JSON body, or a SourceFailure naming what came back instead

    def fail(self, failure: Failure) -> None:
        reason = describe_failure(failure)
        if reason not in self.failures:
            self.failures.append(reason)

    def outcome(self) -> SearchRun:
        if self.skipped:
            status, reason = "skipped", self.skipped
        elif self.failures:
            status, reason = "failed", "; ".join(self.failures)
        else:
            status, reason = ("ok" if self.candidates or self.company_name else "empty"), None
        return SearchRun(self.name, status, reason, self.candidates, self.response_ids, self.company_name,
                         self.registry)

    def closed(self, reason: str) -> None:
        if reason != "finished" and not self.skipped:
            self.failures.append(f"interrupted: search ended with {reason}")

    def _on_response(self, response: Response, request: scrapy.Request, spider: scrapy.Spider) -> None:
        if request.meta.get("response_id"):
            self.response_ids.append(request.meta["response_id"])

    def _on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        self.fail(failure)


def registry_finders(country: str) -> list[type[FinderSpider]]:
    from clientvet.crawler.finders.companies_house import CompaniesHouseFinder
    from clientvet.crawler.finders.edgar import EdgarFinder
    from clientvet.crawler.finders.egrul import EgrulFinder

    return {"ru": [EgrulFinder], "gb": [CompaniesHouseFinder], "us": [EdgarFinder]}[country]


async def find(searcher: Searcher, *, name: str | None = None, domain: str | None = None,
               country: str | None = None, city: str | None = None) -> Found:
    """Registry candidates for a name, or for a website: its own pages' identifiers first, then Trustpilot's name."""
    from clientvet.crawler.finders.trustpilot import TrustpilotFinder
    from clientvet.crawler.finders.website import WebsiteFinder

    query = {key: value for key, value in (("name", name), ("domain", domain), ("country", country),
                                           ("city", city)) if value}
    runs: list[SearchRun] = []
    if domain:
        [site] = await searcher.run([WebsiteFinder], domain=domain)
        runs.append(site.outcome())
        if site.candidates:  # an identifier beats a name
            return Found(query, None, runs)
        [page] = await searcher.run([TrustpilotFinder], domain=domain)
        runs.append(page.outcome())
        name = page.company_name
        if not name:
            return Found(query, None, runs)
        query["name_found"] = name
        if not country and (page.country or "").lower() in COUNTRIES:
            country = page.country.lower()
    country = search_country(name, country)
    query["searched_country"] = country
    spiders = await searcher.run(registry_finders(country), query=name)
    runs += [spider.outcome() for spider in spiders]
    return Found(query, name, runs)
