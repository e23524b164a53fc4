"""What every source spider shares: subjects, honest per-source status, helpers.

A source subclass declares what it is (jurisdiction, evidence kinds, key,
browser) and writes `requests_for(subject)` plus parse callbacks that yield
`self.fact(...)` or more `self.request(...)`. Anything that goes wrong — an
HTTP error, a block, a captcha, an exception in a parser, an unrecorded replay
request — marks the source failed for that subject with the reason.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, ClassVar, Iterable

import scrapy
from scrapy import signals
from scrapy.core.downloader.handlers.http11 import TunnelError
from scrapy.exceptions import (CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
                               ResponseDataLossError)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, DNSLookupError, TimeoutError as TwistedTimeout
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from clientvet import config
from clientvet.crawler.items import Fact, Subject
from clientvet.crawler.middlewares import UnrecordedRequest
from clientvet.crawler.store import open_store

# Scrapy signal sent when one source has finished for one subject (for progress display).
source_finished = object()

BLOCK_STATUSES = {401: "blocked", 403: "blocked", 451: "blocked", 429: "rate limited"}


class SourceFailure(Exception):
    """The answer shows the source could not be checked (captcha, block, bad format)."""


@dataclass(frozen=True)
class ApiKey:
    env: str
    config: str

    def get(self) -> str | None:
        return config.secret(self.env, self.config)


@dataclass
class _SubjectState:
    requests: int = 0
    facts: int = 0
    failures: list[str] = field(default_factory=list)
    skipped: str | None = None


class Ledger:
    """Per-subject bookkeeping for one source; becomes the source_runs rows."""

    def __init__(self) -> None:
        self.states: dict[Subject, _SubjectState] = defaultdict(_SubjectState)

    def request_sent(self, subject: Subject) -> None:
        self.states[subject].requests += 1

    def fact_stored(self, subject: Subject) -> None:
        self.states[subject].facts += 1

    def fail(self, subject: Subject, reason: str) -> None:
        failures = self.states[subject].failures
        if reason not in failures:
            failures.append(reason)

    def skip(self, subject: Subject, reason: str) -> None:
        self.states[subject].skipped = reason

    def outcome(self, subject: Subject) -> tuple[str, str | None]:
        state = self.states[subject]
        if state.skipped:
            return "skipped", state.skipped
        if state.failures:
            return "failed", "; ".join(state.failures)
        return ("ok", None) if state.facts else ("empty", None)


def describe_failure(failure: Failure) -> str:
    """One short reason a person can act on."""
    exc = failure.value
    if isinstance(exc, (UnrecordedRequest, SourceFailure)):
        return str(exc)
    if isinstance(exc, HttpError):
        status = exc.response.status
        label = BLOCK_STATUSES.get(status, "HTTP error")
        return f"{label}: HTTP {status} from {exc.response.url}"
    if isinstance(exc, TwistedTimeout) or "Timeout" in type(exc).__name__:
        return f"timeout: {exc}"
    if isinstance(exc, (DNSLookupError, ConnectError, ResponseFailed, TunnelError, CannotResolveHostError,
                        DownloadConnectionRefusedError, DownloadFailedError, ResponseDataLossError)):
        return f"network error: {type(exc).__name__}: {exc}"
    return f"unparseable answer: {type(exc).__name__}: {exc}"


class SourceSpider(scrapy.Spider):
    jurisdiction: ClassVar[str]
    evidence: ClassVar[tuple[str, ...]]
    essential: ClassVar[bool] = False
    needs_browser: ClassVar[bool] = False
    api_key: ClassVar[ApiKey | None] = None

    def __init__(self, subjects: Iterable[Subject] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.subjects = list(subjects)
        self.ledger = Ledger()
        self.key: str | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = open_store(crawler.settings["CLIENTVET_DB"])
        spider.replay = bool(crawler.settings.get("CLIENTVET_REPLAY"))
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        return spider

    # --- what a source writes ---------------------------------------------

    def requests_for(self, subject: Subject) -> Iterable[scrapy.Request]:
        raise NotImplementedError

    # --- helpers for sources ----------------------------------------------

    def request(self, subject: Subject, url: str, callback: Callable, *,
                request_class: type[scrapy.Request] = scrapy.Request, **kwargs: Any) -> scrapy.Request:
        """A request for one subject whose failures are charged to that subject."""
        meta = {**kwargs.pop("meta", {}), "subject": subject}
        self.ledger.request_sent(subject)
        return request_class(url, callback=callback, errback=self._on_request_error, meta=meta, **kwargs)

    def fact(self, response: Response, kind: str, key: str, **data: Any) -> Fact:
        return Fact(subject=response.meta["subject"], source=self.name, kind=kind, key=str(key),
                    data=data, response_id=response.meta.get("response_id"))

    def json(self, response: Response) -> Any:
        """The JSON body, or a SourceFailure naming what came back instead."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            if "html" in content_type or text.lstrip().startswith("<"):
                raise SourceFailure(f"blocked: an HTML page instead of data from {response.url}") from None
            raise SourceFailure(f"unparseable answer: not JSON from {response.url}") from None

    # --- lifecycle ----------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.api_key and not self.replay:
            self.key = self.api_key.get()
        for subject in self.subjects:
            self.store.source_started(subject.check_id, self.name)
            if self.api_key and not self.replay and not self.key:
                self.ledger.skip(subject, "no API key")
                continue
            for request in self.requests_for(subject):
                yield request

    def closed(self, reason: str) -> None:
        for subject in self.subjects:
            if reason != "finished" and not self.ledger.states[subject].skipped:
                self.ledger.fail(subject, f"interrupted: crawl ended with {reason}")
            status, why = self.ledger.outcome(subject)
            state = self.ledger.states[subject]
            self.store.source_finished(subject.check_id, self.name, status, why, state.requests, state.facts)
            self.crawler.signals.send_catch_log(
                source_finished, source=self.name, subject=subject, status=status, reason=why)

    def _on_request_error(self, failure: Failure) -> None:
        self.ledger.fail(failure.request.meta["subject"], describe_failure(failure))

    def _on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        subject = response.meta.get("subject")
        if subject is not None:
            self.ledger.fail(subject, describe_failure(failure))
