"""Item pipelines every source passes through: validate, then store with history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem

from clientvet.crawler.items import FACT_KINDS, Fact
from clientvet.crawler.store import open_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class ValidateFact:
    """Refuse facts a parser could not fill: the source fails loudly instead of storing nonsense."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateFact:
        return cls(crawler)

    def process_item(self, item: Fact) -> Fact:
        required = FACT_KINDS.get(item.kind)
        problem = None
        if required is None:
            problem = f"unknown fact kind {item.kind!r}"
        elif not item.key:
            problem = f"{item.kind} without a key"
        else:
            missing = [name for name in required if item.data.get(name) in (None, "")]
            if missing:
                problem = f"{item.kind} {item.key} lacks {', '.join(missing)}"
        if problem:
            self.crawler.spider.ledger.fail(item.subject, f"unparseable answer: {problem}")
            raise DropItem(problem)
        return item


class StoreFact:
    """Upsert the fact with first_seen / last_seen and the response it came from."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.store = open_store(crawler.settings["CLIENTVET_DB"])

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreFact:
        return cls(crawler)

    def process_item(self, item: Fact) -> Fact:
        self.store.record_fact(
            check_id=item.subject.check_id,
            company_key=item.subject.company_key,
            source=item.source,
            kind=item.kind,
            key=item.key,
            data=item.data,
            response_id=item.response_id,
        )
        self.crawler.spider.ledger.fact_stored(item.subject)
        return item
