"""Item pipelines every source passes through: normalise, validate against the declaration, store, count.

A fact that fails a step is dropped and fails its source for the subject; how many facts
of each kind were stored is what the source's declared counts are checked against.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DropItem

from clientvet.crawler.base import SourceSpider
from clientvet.crawler.items import FACT_KINDS, Fact, plain
from clientvet.crawler.store import open_store, stop_if_failed
from clientvet.evidence.store import StoreError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

JSON_SCALARS = (str, int, float, bool, type(None))


class FactStep:
    """One step: reads the spider of the crawl, fails the subject's source when it refuses a fact."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FactStep:
        return cls(crawler)

    def refuse(self, item: Fact, problem: str) -> None:
        self.crawler.spider.ledger.fail(item.subject, problem)
        raise DropItem(problem)


class NormaliseFact(FactStep):
    """Fact data as it will be stored: plain JSON values (the raw records it was read from let go)."""

    def process_item(self, item: Fact) -> Fact:
        item.data = plain(item.data)
        if odd := next((name for name, value in item.data.items() if not _json(value)), None):
            self.refuse(item, f"unparseable answer: {item.kind} {item.key} field {odd} is not JSON data")
        return item


def _json(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(key, str) and _json(item) for key, item in value.items())
    if isinstance(value, list):
        return all(map(_json, value))
    return isinstance(value, JSON_SCALARS)


class ValidateFact(FactStep):
    """Refuse facts the source does not declare or could not fill: it fails loudly instead of storing nonsense."""

    def process_item(self, item: Fact) -> Fact:
        required = FACT_KINDS.get(item.kind)
        if required is None:
            self.refuse(item, f"unparseable answer: unknown fact kind {item.kind!r}")
        if item.kind not in self.crawler.spider.evidence:
            self.refuse(item, f"layout changed ({item.kind} facts, which the source does not declare)")
        if not item.key:
            self.refuse(item, f"layout changed ({item.kind} without a key)")
        if missing := [name for name in required if item.data.get(name) in (None, "")]:
            self.refuse(item, f"layout changed ({item.kind} {item.key} lacks {', '.join(missing)})")
        return item


class StoreFact(FactStep):
    """Upsert the fact with first_seen / last_seen and the response it came from.

    The store holds it with its answer, written in one transaction once the answer is parsed
    (AnswerMiddleware); what the source still holds is written when it closes, before its status
    is decided, and its status right after. A fact that cannot be stored fails its source.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.store = open_store(crawler.settings["CLIENTVET_DB"])
        crawler.signals.connect(self.write_statuses, signal=signals.spider_closed)

    def process_item(self, item: Fact) -> Fact:
        if stop_if_failed(self.crawler, self.store):
            self.refuse(item, f"not stored: {self.store.failure}")
        self.store.record_fact(
            check_id=item.subject.check_id,
            company_key=item.subject.company_key,
            source=item.source,
            kind=item.kind,
            key=item.key,
            data=item.data,
            response_id=item.response_id,
        )
        return item

    def close_spider(self) -> None:
        """The source's answers not written yet (never parsed, or parsed while the store failed)."""
        spider = self.crawler.spider
        try:
            self.store.flush(source=spider.name)
        except StoreError as error:
            if isinstance(spider, SourceSpider):
                for subject in spider.subjects:
                    spider.ledger.fail(subject, f"not stored: {error}")

    def write_statuses(self) -> None:
        """The source_runs rows the spider's `closed` has just set (spider_closed, after it)."""
        with suppress(StoreError):  # kept on the store: the check fails with it
            self.store.flush()


class CountFact(FactStep):
    """The source's status for the subject counts the stored fact (by kind, for the declared counts)."""

    def process_item(self, item: Fact) -> Fact:
        self.crawler.spider.ledger.fact_stored(item.subject, item.kind)
        return item
