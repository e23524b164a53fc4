"""Run the sources for a set of subjects in one Scrapy process."""

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


def crawl(subjects: Iterable[Subject], settings: Settings, on_source_done: SourceCallback | None = None) -> list[str]:
    """Crawl every source of the subjects' jurisdictions concurrently; returns the source names run."""
    subjects = list(subjects)
    process = CrawlerProcess(settings)
    names = []
    for jurisdiction in sorted({s.jurisdiction for s in subjects}):
        ours = [s for s in subjects if s.jurisdiction == jurisdiction]
        for source in sources_for(jurisdiction):
            crawler = process.create_crawler(source)
            if on_source_done:
                crawler.signals.connect(on_source_done, signal=source_finished, weak=False)
            process.crawl(crawler, subjects=ours)
            names.append(source.name)
    process.start()
    return names
