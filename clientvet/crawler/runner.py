"""Run the sources for a set of subjects in one Scrapy process.

Sources run concurrently; a source that declares `after = ("egrul",)` (it needs
facts another source stores, e.g. the director's name) starts in a later wave.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from clientvet.crawler import settings as default_settings
from clientvet.crawler.base import source_finished
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders import sources_for

SourceCallback = Callable[..., None]


def build_settings(db_path: str, replay_dir: str | None, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("CLIENTVET_DB", db_path, priority="project")
    if replay_dir:
        settings.set("CLIENTVET_REPLAY", replay_dir, priority="project")
        settings.setdict(default_settings.REPLAY_OVERRIDES, priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def waves(sources: list[type]) -> list[list[type]]:
    """Group sources so that each runs after the sources it names in `after`."""
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


def crawl(subjects: Iterable[Subject], settings: Settings, on_source_done: SourceCallback | None = None) -> list[str]:
    """Crawl every source of the subjects' jurisdictions; returns the source names run."""
    subjects = list(subjects)
    process = CrawlerProcess(settings)
    plan = []
    for jurisdiction in sorted({s.jurisdiction for s in subjects}):
        ours = [s for s in subjects if s.jurisdiction == jurisdiction]
        sources = sources_for(jurisdiction)
        plan += [(wave, ours) for wave in waves(sources)]

    def start_wave(index: int) -> None:
        wave, ours = plan[index]
        for source in wave:
            crawler = process.create_crawler(source)
            if on_source_done:
                crawler.signals.connect(on_source_done, signal=source_finished, weak=False)
            process.crawl(crawler, subjects=ours)
        process.join().addBoth(lambda _: start_wave(index + 1) if index + 1 < len(plan) else stop_reactor())

    def stop_reactor() -> None:
        from twisted.internet import reactor  # installed by the first crawl, not before

        reactor.stop()

    if plan:
        start_wave(0)
        process.start(stop_after_crawl=False)
    return [source.name for wave, _ in plan for source in wave]
