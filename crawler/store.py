"""One evidence-store connection per database per crawl process, and what a crawl does when it fails."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

from clientvet.evidence.store import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

STORE_FAILED = "the evidence database could not be written"  # why a spider was closed early


@lru_cache(maxsize=4)
def open_store(path: str) -> Store:
    """Spiders, middlewares and pipelines of one process share a connection (one thread).

    It holds answers: a response and the facts read from it are written in one transaction
    (AnswerMiddleware), and a source's remaining writes when it closes (StoreFact).
    """
    return Store(path, hold_answers=True)


def stop_if_failed(crawler: Crawler, store: Store) -> bool:
    """Once a write of the run has failed, close the spider: the check gets no verdict, so stop asking."""
    if store.failure is None:
        return False
    if crawler.engine is not None and crawler.engine.spider is not None:  # a second call waits for the first
        deferred_from_coro(crawler.engine.close_spider_async(reason=STORE_FAILED)).addErrback(lambda _: None)
    return True
