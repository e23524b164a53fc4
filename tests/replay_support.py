"""Run one source for one subject in this process, from HAR recordings, through the item pipelines.

Scrapy's reactor runs once per process, so the end-to-end tests start `clientvet check` in a
subprocess; this drives a spider the way the engine does (requests answered from the HAR files,
callbacks' facts through every pipeline step, errors charged to the subject, `closed` at the end)
in a fraction of the time, and returns the source_runs row the store kept.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from pathlib import Path
from typing import Any, Callable

import scrapy
from scrapy.exceptions import DropItem
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from clientvet.crawler.base import describe_failure
from clientvet.crawler.har import HarArchive
from clientvet.crawler.items import Fact, Subject
from clientvet.crawler.middlewares import UnrecordedRequest
from clientvet.crawler.settings import ITEM_PIPELINES
from clientvet.crawler.store import open_store
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.store import SourceRun


def start_check(db: Path, subject_of: Callable[[int], Subject]) -> Subject:
    """A check row in the store at `db` and its subject."""
    probe = subject_of(0)
    check_id = open_store(str(db)).start_check(Identity(probe.jurisdiction, probe.scheme, probe.value))
    return subject_of(check_id)


def replay(spider_cls: type, subject: Subject, replay_dir: Path, db: Path) -> SourceRun:
    """The source run of `spider_cls` for `subject`, every request answered from `replay_dir`."""
    crawler = get_crawler(spider_cls, {"CLIENTVET_DB": str(db), "CLIENTVET_REPLAY": str(replay_dir)})
    spider = spider_cls.from_crawler(crawler, subjects=[subject])
    crawler.spider = spider
    steps = [load_object(path).from_crawler(crawler) for path in sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.get)]
    archive = HarArchive(replay_dir)
    asyncio.run(_run(spider, steps, archive))
    spider.closed("finished")
    return next(run for run in spider.store.source_runs(subject.check_id) if run.source == spider.name)


async def _run(spider, steps, archive: HarArchive) -> None:
    queue: list[scrapy.Request] = [request async for request in spider.start()]
    while queue:
        request = queue.pop(0)
        recorded = archive.find(request.method, request.url, request.body,
                                request.headers.get("Content-Type", b"").decode("latin-1"))
        if recorded is None:
            _errback(request, UnrecordedRequest(request))
            continue
        headers = Headers(list(recorded.headers))
        response = responsetypes.from_args(headers=headers, url=request.url, body=recorded.body)(
            url=request.url, status=recorded.status, headers=headers, body=recorded.body, request=request)
        if not 200 <= response.status < 300 and response.status not in request.meta.get("handle_httpstatus_list", ()):
            _errback(request, HttpError(response, "Ignoring non-200 response"))
            continue
        try:
            async for result in _results(request.callback(response)):
                if isinstance(result, scrapy.Request):
                    queue.append(result)
                elif isinstance(result, Fact):
                    _through(steps, result)
        except Exception as exc:  # what Scrapy reports as spider_error
            spider.ledger.fail(request.meta["subject"], describe_failure(Failure(exc)))


def _errback(request: scrapy.Request, exc: Exception) -> None:
    failure = Failure(exc)
    failure.request = request  # as Scrapy hands it to an errback
    request.errback(failure)


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
