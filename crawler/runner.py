"""Run the sources for a set of subjects in one Scrapy process.

Sources run concurrently; a source that declares `after = ("egrul",)` (it needs
facts another source stores, e.g. the director's name) is in a later wave: it starts each
subject once the sources it needs have finished that subject, so in a batch it works beside them.

Twisted's reactor runs once per process, so a check that starts from a name or a
website searches first and checks second in the same run: `search_then_crawl`
awaits the search spiders, hands their result to a (possibly interactive)
decision, and crawls the subjects that decision returns.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterable, TypeVar

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred, DeferredList
from twisted.python.failure import Failure

from clientvet.crawler import browser, settings as default_settings
from clientvet.crawler.base import Finished, source_finished
from clientvet.crawler.declarations import waves
from clientvet.crawler.items import Subject
from clientvet.crawler.middlewares import REPLAY_HANDLER, HostRateLimit, pause_scale
from clientvet.evidence.parsing import NUMBER, WHOLE_NUMBER
from clientvet.crawler.spiders import sources_for

SourceCallback = Callable[..., None]
Found = TypeVar("Found")


AUTOTHROTTLE_DELAYS = ("AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY")
GLOBAL_POLITENESS = "clientvet.crawler.queue.GlobalPoliteness"


class SearchInterrupted(RuntimeError):
    """The run was stopped (Ctrl-C) before the search had an answer: nothing was decided."""


class UnusableSetting(ValueError):
    """A setting given to a run (`--set NAME=VALUE`) that the crawl could not use."""


def check_overrides(overrides: dict[str, Any]) -> None:
    """Refuse, before anything runs, a value that would break the crawl midway: a number, a whole number or a
    true/false where the setting's default is one, and a replay rate limit that is not REQUESTS/SECONDS."""
    defaults = Settings()
    defaults.setmodule(default_settings, priority="project")
    for name, value in overrides.items():
        default = defaults.get(name)
        if not isinstance(value, str) or default is None:
            continue  # set by the program itself, or a setting without a default to compare with
        if isinstance(default, bool):
            usable, wanted = value.lower() in ("0", "1", "true", "false"), "true or false"
        elif isinstance(default, int):
            usable, wanted = WHOLE_NUMBER.fullmatch(value), "a whole number"
        elif isinstance(default, float):
            usable, wanted = NUMBER.fullmatch(value), "a number, 0 or more"
        else:
            continue
        if not usable:
            raise UnusableSetting(f"{name} must be {wanted}, not {value!r}")
    try:
        HostRateLimit.parse(overrides.get("CLIENTVET_REPLAY_RATE_LIMIT", ""))
    except ValueError as exc:
        raise UnusableSetting(str(exc)) from None


def build_settings(db_path: str, replay_dir: str | None, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("EXTENSIONS_BASE", {path: order for path, order in settings.getdict("EXTENSIONS_BASE").items()
                                     if path not in default_settings.NEVER_LOADED_EXTENSIONS}, priority="project")
    settings.set("CLIENTVET_DB", db_path, priority="project")
    if replay_dir:
        settings.set("CLIENTVET_REPLAY", replay_dir, priority="project")
        settings.set("DOWNLOAD_HANDLERS", {"http": REPLAY_HANDLER, "https": REPLAY_HANDLER}, priority="project")
    settings.setdict(overrides or {}, priority="cmdline")
    if settings.get("CLIENTVET_QUEUE"):  # clientvet worker: each host's pace is held in Redis for all the workers
        settings.set("DOWNLOADER_MIDDLEWARES", {**settings.getdict("DOWNLOADER_MIDDLEWARES"), GLOBAL_POLITENESS: 900},
                     priority="project")
    scale = pause_scale(settings)
    if not scale:  # replay without the politeness
        changed = dict(default_settings.REPLAY_OVERRIDES)
    else:  # AutoThrottle's delays shortened as the sources' pauses are (crawler/base.py)
        changed = {name: settings.getfloat(name) * scale for name in AUTOTHROTTLE_DELAYS} if scale != 1 else {}
    for name, value in changed.items():
        if name not in (overrides or {}):  # at "cmdline", above a source's own ("spider"); --set still wins
            settings.set(name, value, priority="cmdline")
    return settings


class Searcher:
    """Runs search spiders inside the one reactor run, for a search coroutine to await."""

    def __init__(self, process: CrawlerProcess):
        self.process = process

    async def run(self, spiders: Iterable[type[Spider]], **kwargs: Any) -> list[Spider]:
        """Run the spiders concurrently with the same arguments; returns them when all are finished."""
        crawlers = [self.process.create_crawler(spider) for spider in spiders]
        await DeferredList([self.process.crawl(crawler, **kwargs) for crawler in crawlers],
                           fireOnOneErrback=True, consumeErrors=True)
        return [crawler.spider for crawler in crawlers]


def crawl(subjects: Iterable[Subject], settings: Settings, on_source_done: SourceCallback | None = None) -> list[str]:
    """Crawl every source of the subjects' jurisdictions; returns the source names run."""
    subjects = list(subjects)

    async def nothing_to_search(_: Searcher) -> None:
        return None

    return search_then_crawl(nothing_to_search, lambda _: subjects, settings, on_source_done)


def search_then_crawl(search: Callable[[Searcher], Awaitable[Found]],
                      decide: Callable[[Found], Iterable[Subject]],
                      settings: Settings, on_source_done: SourceCallback | None = None) -> list[str]:
    """Search, let `decide` turn the result into subjects (it may ask the user), crawl them.

    An exception from the search or from `decide` stops the run and is raised here.
    """
    process = CrawlerProcess(settings)
    planned: list[str] = []
    decided = False

    async def run() -> None:
        nonlocal decided
        try:
            found = await search(Searcher(process))
            subjects = list(decide(found))
            decided = True
            plan = _plan(subjects)
            planned.extend(source.name for wave, _ in plan for source in wave)
            finished = Finished()  # a later wave's source starts a subject when the sources it needs have finished it
            for wave, ours in plan:
                for source in wave:
                    crawler = process.create_crawler(source)
                    crawler.signals.connect(finished.source_done, signal=source_finished, weak=False)
                    if on_source_done:
                        crawler.signals.connect(on_source_done, signal=source_finished, weak=False)
                    process.crawl(crawler, subjects=ours, finished=finished).addBoth(
                        _passing(finished.source_closed, source.name))
            await process.join()
        finally:
            if browser.SHARED.started:  # one driver and one Chromium for every source of the run
                await deferred_from_coro(browser.SHARED.close())

    outcome: list = []
    done = Deferred.fromCoroutine(run())
    done.addBoth(outcome.append)
    if not outcome:  # spiders are running: turn the reactor (the first crawler installed it) until done
        done.addBoth(lambda _: _stop_reactor())
        process.start(stop_after_crawl=False)
    if outcome and isinstance(outcome[0], Failure):
        outcome[0].raiseException()
    if not decided:
        raise SearchInterrupted("the search was interrupted before it had an answer")
    return planned


def _passing(call: Callable[[str], None], name: str) -> Callable[[Any], Any]:
    """A Deferred callback that calls `call(name)` and passes the result (or failure) on."""
    def then(result: Any) -> Any:
        call(name)
        return result
    return then


def _plan(subjects: list[Subject]) -> list[tuple[list[type], list[Subject]]]:
    """The waves of sources to run, each with the subjects of its jurisdiction."""
    plan = []
    for jurisdiction in sorted({s.jurisdiction for s in subjects}):
        ours = [s for s in subjects if s.jurisdiction == jurisdiction]
        plan += [(wave, ours) for wave in waves(sources_for(jurisdiction))]
    return plan


def _stop_reactor() -> None:
    from twisted.internet import reactor  # installed by the first crawler, not before

    reactor.stop()
