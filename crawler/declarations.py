"""What each source declares it is, readable without importing Scrapy or the spiders.

`clientvet sources` and the benchmarks read these; each registered SourceSpider takes its
facts from its entry (crawler/spiders/__init__.py), so each fact has one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence, TypeVar

from clientvet import config
from clientvet.crawler import settings


@dataclass(frozen=True)
class ApiKey:
    env: str
    config: str

    def get(self) -> str | None:
        return config.secret(self.env, self.config)


@dataclass(frozen=True)
class Declared:
    """One registered source: its spider class (an import path) and the facts every spider class gets from it.

    `chain` is the longest chain of requests that wait on each other in one answer (the demo's):
    egrul's token → result is 2. `pause` and `concurrency` are the source's politeness towards its host:
    `concurrency` requests in flight at most (None: settings.py's CONCURRENT_REQUESTS_PER_DOMAIN), each
    waiting `pause` seconds after the one before it (None: settings.py's DOWNLOAD_DELAY), so the host gets
    `concurrency` requests per `pause` (Scrapy spaces them evenly: its DOWNLOAD_DELAY is the time between
    any two requests of a host); kad.arbitr.ru also waits its pause before each fetch of its browser page.
    """

    name: str
    spider: str
    jurisdiction: str
    evidence: tuple[str, ...]  # the kinds of fact it yields
    covers: tuple[str, ...] = ()  # the evidence kinds a verdict reports (clientvet.checks.kinds)
    essential: bool = False
    needs_browser: bool = False
    api_key: ApiKey | None = None
    after: tuple[str, ...] = ()  # the sources whose stored facts it needs: it runs in a later wave
    chain: int = 1
    pause: float | None = None
    concurrency: int | None = None

    # The facts a spider class carries as class attributes (SourceSpider.__init_subclass__ sets them).
    CLASS_FACTS = ("name", "jurisdiction", "evidence", "covers", "essential", "needs_browser", "api_key", "after")

    @property
    def seconds_between(self) -> float:
        return settings.DOWNLOAD_DELAY if self.pause is None else self.pause

    @property
    def in_flight(self) -> int:
        return settings.CONCURRENT_REQUESTS_PER_DOMAIN if self.concurrency is None else self.concurrency

    @property
    def seconds_per_request(self) -> float:
        """The time the politeness gives each request to the host when many are waiting."""
        return self.seconds_between / self.in_flight


Source = TypeVar("Source")  # a Declared entry or a spider class: anything with a name and maybe `after`


def waves(sources: Sequence[Source]) -> list[list[Source]]:
    """Group sources (declarations or spider classes) so that each runs after the sources it names in `after`."""
    done: set[str] = set()
    remaining = list(sources)
    result = []
    while remaining:
        ready = [s for s in remaining if set(getattr(s, "after", ())) <= done]
        if not ready:
            raise ValueError(f"sources wait on each other: {[s.name for s in remaining]}")
        result.append(ready)
        done |= {s.name for s in ready}
        remaining = [s for s in remaining if s not in ready]
    return result


def critical_path(sources: Sequence[Declared], latency: float) -> float:
    """The least wall time a check of these sources waits on the network, in seconds.

    Waves run one after another, the sources of a wave at once: each wave takes as long as its
    longest chain, every request of which waits for its answer and, before the next, the source's pause.
    Scrapy counts DOWNLOAD_DELAY from the previous request's start, so where the latency overlaps the
    pause the real wait is a little shorter.
    """
    return sum(max(s.chain * latency + (s.chain - 1) * s.seconds_between for s in wave) for wave in waves(sources))


def politeness_bound(requests: Mapping[str, int], sources: Sequence[Declared], scale: float = 1.0) -> float:
    """The least wall time the politeness lets a crawl take that sends `requests` (source → count), in seconds.

    Each source has its own download slot for its host, so the slowest source sets it: its requests ×
    its pause / its concurrency (`scale`: the pauses' factor, CLIENTVET_REPLAY_POLITE).
    """
    return max(requests.get(s.name, 0) * s.seconds_per_request * scale for s in sources)
