"""What each source declares it is, readable without importing Scrapy or the spiders.

`clientvet sources` and the benchmarks read these; each registered SourceSpider takes its
facts from its entry (crawler/spiders/__init__.py), so each fact has one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TypeVar

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
    egrul's token → result is 2. `pause` is the source's politeness between two requests to its host, in
    seconds: the spider's DOWNLOAD_DELAY (None: settings.py's), and kad.arbitr.ru's wait before each fetch.
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

    # The facts a spider class carries as class attributes (SourceSpider.__init_subclass__ sets them).
    CLASS_FACTS = ("name", "jurisdiction", "evidence", "covers", "essential", "needs_browser", "api_key", "after")

    @property
    def seconds_between(self) -> float:
        return settings.DOWNLOAD_DELAY if self.pause is None else self.pause


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
