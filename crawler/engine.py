"""The crawler as a check uses it: clientvet.checks.run.Engine on the Scrapy runner, the spiders and finders."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from scrapy.settings import Settings

from clientvet.checks.run import Ask, Choice, CrawlSettings, Lookup, NoChoice, Search, SourceDone, Sources, Target
from clientvet.crawler import captcha, resolve, runner
from clientvet.crawler.finders import find
from clientvet.crawler.har import load_archive
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders import sources_for
from clientvet.crawler.store import open_store
from clientvet.evidence import errors
from clientvet.evidence.store import Store


class ScrapyEngine:
    """Every registered source, run in this process's one Scrapy crawl."""

    def sources_for(self, jurisdiction: str) -> Sources:
        sources = sources_for(jurisdiction)
        return Sources(names=tuple(s.name for s in sources),
                       essential=frozenset(s.name for s in sources if s.essential),
                       registry=tuple(s.name for s in sources if "registry_record" in s.evidence),
                       reviews=frozenset(s.name for s in sources if "review" in s.evidence),
                       kinds={s.name: s.covers for s in sources},
                       key_settings={s.name: f"{s.api_key.env} or {s.api_key.config} in the config file"
                                     for s in sources if s.api_key})

    def open_store(self, db_path: Path) -> Store:
        return open_store(str(db_path))

    def check_recordings(self, replay: Path) -> None:
        load_archive(str(replay))  # HarError is a ValueError

    def crawl(self, targets: Sequence[Target], settings: CrawlSettings, on_source_done: SourceDone) -> None:
        runner.crawl([_subject(t) for t in targets], _scrapy_settings(settings), _reporting(on_source_done))

    def search_then_crawl(self, lookup: Lookup, decide: Callable[[Search], Sequence[Target]],
                          settings: CrawlSettings, on_source_done: SourceDone) -> None:
        async def search(searcher: runner.Searcher) -> resolve.Found:
            return await find(searcher, name=lookup.name, domain=lookup.domain, country=lookup.country,
                              city=lookup.city)

        def subjects(found: resolve.Found) -> list[Subject]:
            return [_subject(target) for target in decide(RankedSearch(found, lookup.city))]

        try:
            runner.search_then_crawl(search, subjects, _scrapy_settings(settings), _reporting(on_source_done))
        except runner.SearchInterrupted as exc:
            raise NoChoice(str(exc), errors.FAILED) from None


class RankedSearch:
    """A search's answer with its candidates ranked (clientvet.checks.run.Search)."""

    def __init__(self, found: resolve.Found, city: str | None):
        self.found = found
        self.ranked = resolve.rank(found.candidates, found.name, city)
        self.shown = self.ranked[:resolve.MAX_SHOWN]
        self.candidates = _numbered(self.shown)

    @property
    def query(self) -> dict[str, Any]:
        return self.found.query

    @property
    def runs(self) -> list[resolve.SearchRun]:
        return self.found.runs

    @property
    def incomplete(self) -> list[resolve.SearchRun]:
        return self.found.incomplete

    @property
    def response_ids(self) -> list[int]:
        return self.found.response_ids

    def nothing_found(self) -> NoChoice:
        return _no_choice(resolve.nothing_found(self.found))

    def choose(self, pick: int | None, ask: Ask | None) -> Choice:
        asking = (lambda shown: ask(_numbered(shown))) if ask else None
        try:
            number, how = resolve.choose(self.ranked, pick=pick, ask=asking, complete=self.found.complete)
        except resolve.ResolveError as error:
            raise _no_choice(error) from None
        candidate = self.shown[number - 1].candidate
        return Choice(candidate.identity, candidate.name, how, resolve.found_by(self.found, self.shown, number, how))


def _numbered(shown: list[resolve.Ranked]) -> list[dict[str, Any]]:
    return [ranked.as_dict(number) for number, ranked in enumerate(shown, 1)]


def _no_choice(error: resolve.ResolveError) -> NoChoice:
    return NoChoice(str(error), error.exit_code, _numbered(error.shown))


def _subject(target: Target) -> Subject:
    identity = target.identity
    return Subject(target.check_id, identity.key, identity.jurisdiction, identity.scheme, identity.value)


def _scrapy_settings(settings: CrawlSettings) -> Settings:
    return runner.build_settings(str(settings.db_path), str(settings.replay) if settings.replay else None,
                                 dict(settings.overrides))


def _reporting(on_source_done: SourceDone) -> Callable[..., None]:
    """The source_finished signal handler: a line between captcha prompts, never in the middle of one."""
    def report(source: str, subject: Subject, status: str, reason: str | None) -> None:
        with captcha.terminal:
            on_source_done(subject.check_id, source, status, reason)
    return report
