"""Run one source for one subject in this process, from HAR recordings, through the item pipelines.

Scrapy's reactor runs once per process, so the end-to-end tests start `clientvet check` in a
subprocess; this drives a spider the way the engine does (the project's settings and the spider's
own, requests answered from the HAR files, every answer through the archive and its size cap,
callbacks' facts through every pipeline step, errors charged to the subject, `closed` at the end)
in a fraction of the time, and returns the source_runs row the store kept. A page a browser source
opens is answered the same way, and what that page fetches from inside itself too (ReplayPage).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

import scrapy
from playwright.async_api import Error as PlaywrightError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from clientvet.crawler.base import describe_failure
from clientvet.crawler.declarations import waves
from clientvet.crawler.engine import ScrapyEngine
from clientvet.crawler.har import HarArchive, RecordedResponse
from clientvet.crawler.items import Fact, Subject
from clientvet.crawler.middlewares import ArchiveMiddleware, UnrecordedRequest
from clientvet.crawler.runner import build_settings
from clientvet.crawler.settings import ITEM_PIPELINES
from clientvet.crawler.spiders import sources_for
from clientvet.crawler.store import open_store
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.store import SourceRun

Start = Callable[[Any, Subject], Iterable[scrapy.Request]]  # (spider, subject) → the first requests


class Answers(Protocol):
    """What answers a replayed request: a HarArchive, or one that changes some of its answers."""

    def find(self, method: str, url: str, body: bytes | str | None,
             content_type: str | None) -> RecordedResponse | None: ...


def start_check(db: Path, subject_of: Callable[[int], Subject]) -> Subject:
    """A check row in the store at `db` and its subject."""
    probe = subject_of(0)
    check_id = open_store(str(db)).start_check(Identity(probe.jurisdiction, probe.scheme, probe.value))
    return subject_of(check_id)


def replay(spider_cls: type, subject: Subject, replay_dir: Path, db: Path, *, answers: Answers | None = None,
           start: Start | None = None) -> SourceRun:
    """The source run of `spider_cls` for `subject`, every request answered from `replay_dir`.

    `answers` answers instead of the recordings in `replay_dir` (which browser sources still check a page is
    recorded in); `start` gives the first requests instead of the source's own `requests_for`, for a recording
    that only a later step of the source asks for.
    """
    crawler = _crawler(spider_cls, str(db), str(replay_dir))
    spider = spider_cls.from_crawler(crawler, subjects=[subject])
    crawler.spider = spider
    steps = [load_object(path).from_crawler(crawler) for path in sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.get)]
    asyncio.run(_run(spider, subject, steps, ArchiveMiddleware.from_crawler(crawler),
                     answers or HarArchive(replay_dir), start))
    spider.closed("finished")
    return next(run for run in spider.store.source_runs(subject.check_id) if run.source == spider.name)


@functools.lru_cache(maxsize=64)
def _crawler(spider_cls: type, db: str, replay_dir: str) -> Crawler:
    """A crawler with the settings of a replayed check, made once for each source, database and recordings.

    Each spider run gets a new spider and new pipeline steps; making the crawler (Scrapy copies its settings deeply
    and loads the spider modules) cost three times the run itself in the fault matrix's hundreds of runs.
    """
    return get_crawler(spider_cls, project_settings(Path(db), Path(replay_dir)))


def project_settings(db: Path, replay_dir: Path) -> dict[str, Any]:
    """The settings a replayed check gives Scrapy (crawler/runner.py), without Scrapy's defaults."""
    settings = build_settings(str(db), str(replay_dir))
    default = SETTINGS_PRIORITIES["default"]
    return {name: value for name, value in settings.items() if settings.getpriority(name) > default}


async def _run(spider, subject: Subject, steps, archiving: ArchiveMiddleware, answers: Answers,
               start: Start | None) -> None:
    if start is None:
        queue: list[scrapy.Request] = [request async for request in spider.start()]
    else:
        spider.store.source_started(subject.check_id, spider.name)
        queue = list(start(spider, subject))
    while queue:
        request = queue.pop(0)
        recorded = answers.find(request.method, request.url, request.body,
                                request.headers.get("Content-Type", b"").decode("latin-1"))
        if recorded is None:
            await _errback(request, UnrecordedRequest(request))
            continue
        headers = Headers(list(recorded.headers))
        response = responsetypes.from_args(headers=headers, url=request.url, body=recorded.body)(
            url=request.url, status=recorded.status, headers=headers, body=recorded.body, request=request)
        try:
            response = archiving.process_response(request, response)
        except Exception as exc:  # as a downloader middleware's exception reaches the errback
            await _errback(request, exc)
            continue
        if not 200 <= response.status < 300 and response.status not in request.meta.get("handle_httpstatus_list", ()):
            await _errback(request, HttpError(response, "Ignoring non-200 response"))
            continue
        if request.meta.get("playwright_include_page"):
            request.meta["playwright_page"] = ReplayPage(answers, request, response.text)
        try:
            async for result in _results(request.callback(response)):
                if isinstance(result, scrapy.Request):
                    queue.append(result)
                elif isinstance(result, Fact):
                    _through(steps, result)
        except Exception as exc:  # what Scrapy reports as spider_error
            spider.ledger.fail(request.meta["subject"], describe_failure(Failure(exc)))


async def _errback(request: scrapy.Request, exc: Exception) -> None:
    failure = Failure(exc)
    failure.request = request  # as Scrapy hands it to an errback
    if inspect.isawaitable(outcome := request.errback(failure)):
        await outcome


async def _results(output):
    if inspect.isasyncgen(output):
        async for result in output:
            yield result
    else:
        for result in output or ():
            yield result


def _through(steps, fact: Fact) -> None:
    try:
        for step in steps:
            fact = step.process_item(fact)
    except DropItem:
        pass


COOKIE_SET = re.compile(r"""document\.cookie\s*=\s*["']([^=;"']+)=""")


class ReplayPage:
    """The browser page a source's callback gets (`playwright_page`), its fetch() answered from the recordings.

    An unrecorded fetch is noted in the request's `unrecorded` and fails as the browser's aborted one does;
    the cookies are those the page's own scripts set (`document.cookie = "name=…"`).
    """

    def __init__(self, answers: Answers, request: scrapy.Request, text: str):
        self.answers, self.request = answers, request
        self.context = self  # page.context.cookies(...)
        self.cookie_names = COOKIE_SET.findall(text)

    async def cookies(self, url: str | None = None) -> list[dict[str, str]]:
        return [{"name": name, "value": "replayed"} for name in self.cookie_names]

    async def evaluate(self, script: str, call: str | dict[str, Any]) -> dict[str, Any]:
        call = {"url": call, "method": "GET"} if isinstance(call, str) else call
        headers = {name.lower(): value for name, value in (call.get("headers") or {}).items()}
        recorded = self.answers.find(call["method"], call["url"], call.get("body"), headers.get("content-type"))
        if recorded is None:
            self.request.meta.setdefault("unrecorded", []).append(
                f"unrecorded request: {call['method']} {call['url']}")
            raise PlaywrightError("net::ERR_BLOCKED_BY_CLIENT")
        content_type = next((value for name, value in recorded.headers if name.lower() == "content-type"), None)
        charset = re.search(r"charset=([\w-]+)", content_type or "")
        return {"status": recorded.status, "type": content_type,
                "text": recorded.body.decode(charset[1] if charset else "utf-8", "replace")}

    async def close(self) -> None:
        pass


class InProcessEngine(ScrapyEngine):
    """clientvet.checks.run_check's crawl done by `replay` in this process: every source, wave after wave."""

    def __init__(self, answers: Answers | None = None):
        self.answers = answers

    def crawl(self, targets, settings, on_source_done) -> None:
        for target in targets:
            identity = target.identity
            subject = Subject(target.check_id, identity.key, identity.jurisdiction, identity.scheme, identity.value)
            for wave in waves(sources_for(identity.jurisdiction)):
                for source in wave:
                    run = replay(source, subject, settings.replay, settings.db_path, answers=self.answers)
                    on_source_done(target.check_id, source.name, run.status, run.reason)


def mutated(har: Path, target: Path, url: str | re.Pattern, change: Callable[[Any], Any], *,
            as_text: bool = False, status: int | None = None) -> Path:
    """A copy of `har` at `target` whose answers to matching URLs went through `change`.

    `url` is a part of the URL, or a pattern it matches; `change` gets the answer's JSON (its text when
    `as_text`) and returns the new one; `status` replaces the HTTP status.
    """
    document = json.loads(har.read_text(encoding="utf-8"))
    for entry in document["log"]["entries"]:
        address = entry["request"]["url"]
        if url.search(address) if isinstance(url, re.Pattern) else url in address:
            content = entry["response"]["content"]
            content["text"] = change(content["text"]) if as_text else json.dumps(
                change(json.loads(content["text"])), ensure_ascii=False)
            entry["response"]["status"] = status or entry["response"]["status"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return target


def renamed(row: dict, mapping: dict[str, str] | None = None) -> dict:
    """The row with its keys renamed (by `mapping`, or every key suffixed "_v2"): a site's new field names."""
    return {(mapping.get(key, key) if mapping is not None else f"{key}_v2"): value for key, value in row.items()}
