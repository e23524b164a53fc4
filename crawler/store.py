"""One evidence-store connection per database per crawl process."""

from functools import lru_cache

from clientvet.evidence.store import Store


@lru_cache(maxsize=4)
def open_store(path: str) -> Store:
    """Spiders, middlewares and pipelines of one process share a connection (one thread)."""
    return Store(path)
