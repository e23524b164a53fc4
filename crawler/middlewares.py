"""Middlewares every source passes through: replay and archive with the size cap (downloader), answers written
whole (spider)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

from clientvet.crawler.har import HarArchive, load_archive
from clientvet.evidence.parsing import NUMBER, WHOLE_NUMBER
from clientvet.evidence.store import StoreError
from clientvet.crawler.store import open_store, stop_if_failed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


# A query parameter that carries an API key: 2GIS takes its key only in the URL (no header), and URLs are
# stored, shown in reasons and logged.
SECRET_PARAMETER = re.compile(r"(?<=[?&;])((?:api_?)?key)=[^&#\s<>()\[\]\"']+", re.IGNORECASE)  # to where the URL ends


def redact_secrets(text: str) -> str:
    """The text (a URL, a reason, a log line) with the value of every key= parameter replaced."""
    return SECRET_PARAMETER.sub(r"\1=REDACTED", text)


class UnrecordedRequest(IgnoreRequest):
    """Replay has no answer for this request: the source failed, it did not find nothing."""

    def __init__(self, request: Request):
        super().__init__(f"unrecorded request: {request.method} {redact_secrets(request.url)}")


MB = 2**20


class AnswerTooLarge(Exception):
    """An answer over the spider's DOWNLOAD_MAXSIZE: no real answer is that large, so it is not read or kept."""

    def __init__(self, url: str, size: int | None, cap: int):
        over = f"{size / MB:.1f} MB > {cap / MB:g} MB" if size is not None else f"over {cap / MB:g} MB"
        super().__init__(f"answer too large ({over}) from {url}")


def refuse_oversized(settings: BaseSettings, url: str, size: int) -> None:
    """Raise AnswerTooLarge when `size` bytes exceed the DOWNLOAD_MAXSIZE of these (a spider's) settings.

    Live downloads stop at that size in Scrapy's downloader; replayed answers and what a browser page
    fetched come by other ways, so they are held to the same cap here.
    """
    cap = settings.getint("DOWNLOAD_MAXSIZE")
    if cap and size > cap:
        raise AnswerTooLarge(url, size, cap)


# Request meta flag of a browser request whose page answers all its own requests from the
# HAR recordings (page routing, see spiders/kad_arbitr.py): replay lets it through to the browser.
REPLAY_IN_BROWSER = "replay_in_browser"


def replayed_response(archive: HarArchive, request: Request) -> Response:
    """The recorded answer to a request, or UnrecordedRequest."""
    content_type = request.headers.get("Content-Type", b"").decode("latin-1")
    recorded = archive.find(request.method, request.url, request.body, content_type)
    if recorded is None:
        raise UnrecordedRequest(request)
    headers = Headers(list(recorded.headers))
    response_cls = responsetypes.from_args(headers=headers, url=request.url, body=recorded.body)
    request.meta["replayed_from"] = recorded.source_file
    return response_cls(url=request.url, status=recorded.status, headers=headers,
                        body=recorded.body, request=request)


REPLAY_HANDLER = "clientvet.crawler.middlewares.ReplayDownloadHandler"


def pause_scale(settings: BaseSettings) -> float:
    """The share of each source's politeness a crawl keeps: all of it live; in replay none, unless
    CLIENTVET_REPLAY_POLITE asks for it (1), or for its pauses shortened to a share (0.1: the benchmarks'
    long batches in a tenth of the time, each host's pace relative to the others kept).
    """
    return settings.getfloat("CLIENTVET_REPLAY_POLITE") if settings.get("CLIENTVET_REPLAY") else 1.0


class HostRateLimit:
    """At most `requests` per host in any `seconds`: past it a host answers 429, as Companies House does."""

    def __init__(self, requests: int, seconds: float):
        self.requests, self.seconds = requests, seconds
        self.sent: dict[str, deque[float]] = defaultdict(deque)

    @classmethod
    def parse(cls, text: str) -> HostRateLimit | None:
        """From CLIENTVET_REPLAY_RATE_LIMIT, "600/300" (requests/seconds); None when empty."""
        if not text:
            return None
        requests, _, seconds = text.partition("/")
        if not (WHOLE_NUMBER.fullmatch(requests) and int(requests) > 0
                and NUMBER.fullmatch(seconds) and float(seconds) > 0):
            raise ValueError(f"CLIENTVET_REPLAY_RATE_LIMIT must be REQUESTS/SECONDS such as 600/300, not {text!r}")
        return cls(int(requests), float(seconds))

    def allows(self, url: str) -> bool:
        sent, now = self.sent[urlsplit(url).netloc.lower()], time.monotonic()
        while sent and sent[0] <= now - self.seconds:
            sent.popleft()
        if len(sent) >= self.requests:
            return False
        sent.append(now)
        return True


class ReplayDownloadHandler(BaseDownloadHandler):
    """Answer http(s) requests from the HAR recordings inside Scrapy's downloader, like the network would.

    A download handler runs inside the per-host download slots, so DOWNLOAD_DELAY, the concurrency
    limits and AutoThrottle apply to replay as to live crawling (settings.REPLAY_OVERRIDES turn them
    off unless CLIENTVET_REPLAY_POLITE asks for them). CLIENTVET_REPLAY_LATENCY adds seconds per
    request; CLIENTVET_REPLAY_RATE_LIMIT ("600/300") answers 429 past that many requests per host.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.archive = load_archive(settings["CLIENTVET_REPLAY"])
        self.latency = settings.getfloat("CLIENTVET_REPLAY_LATENCY")
        self.rate_limit = HostRateLimit.parse(settings.get("CLIENTVET_REPLAY_RATE_LIMIT", ""))

    async def download_request(self, request: Request) -> Response:
        started = time.monotonic()
        if self.latency:
            await asyncio.sleep(self.latency)
        # What Scrapy's HTTP handlers measure and AutoThrottle paces by; without it AutoThrottle keeps its start delay.
        request.meta["download_latency"] = time.monotonic() - started
        if self.rate_limit and not self.rate_limit.allows(request.url):
            return Response(url=request.url, status=429, request=request)
        return replayed_response(self.archive, request)


class ReplayMiddleware:
    """Answer the plain requests of a browser source from HAR recordings (its download handler is the browser's).

    Every other source replays through ReplayDownloadHandler; this answers before the download
    slots, so only the latency applies to these few requests.
    """

    def __init__(self, replay_dir: str, latency: float = 0.0):
        self.archive = load_archive(replay_dir)
        self.latency = latency

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        replay_dir = crawler.settings.get("CLIENTVET_REPLAY")
        if not replay_dir:
            raise NotConfigured("live mode")
        if crawler.settings.getdict("DOWNLOAD_HANDLERS").get("https") == REPLAY_HANDLER:
            raise NotConfigured  # replayed in the download handler (a message would be logged as a warning)
        # Simulated network latency, for benchmarks and for interrupting a run in tests.
        return cls(replay_dir, crawler.settings.getfloat("CLIENTVET_REPLAY_LATENCY"))

    async def process_request(self, request: Request) -> Response | None:
        if request.meta.get(REPLAY_IN_BROWSER):
            return None
        if self.latency:
            await asyncio.sleep(self.latency)
        return replayed_response(self.archive, request)


class ArchiveMiddleware:
    """Keep every raw response (URL, method, status, time, SHA-256, body) as evidence; refuse one over the cap.

    The response is held as an open answer, written with the facts read from it (AnswerMiddleware).
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.store = open_store(crawler.settings["CLIENTVET_DB"])

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        refuse_oversized(self.crawler.spider.settings, request.url, len(response.body))
        subject = request.meta.get("subject")
        response_id = self.store.archive_response(
            check_id=subject.check_id if subject else None,
            source=self.crawler.spider.name,
            method=request.method,
            url=redact_secrets(request.url),
            request_body=request.body.decode("utf-8", errors="replace") or None,
            status=response.status,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            body=response.body,
            replayed="replayed_from" in request.meta,
        )
        stop_if_failed(self.crawler, self.store)
        request.meta["response_id"] = response_id
        return response


@dataclass
class _Parse:
    """How far the pipelines are with the items one answer's callback yielded."""

    response: Response | None = None
    yielded: int = 0
    settled: int = 0  # stored, dropped or failed
    ended: bool = False  # the callback yielded its last output
    error: BaseException | None = None  # what the callback raised

    @property
    def done(self) -> bool:
        return self.ended and self.settled >= self.yielded


class AnswerMiddleware:
    """Write each answer (its response and the facts read from it) in one transaction once it is parsed.

    Scrapy sends items on to the pipelines while the callback still runs, and finishes them in any
    order, so an answer is parsed when its callback has yielded its last output and every item it
    yielded has been scraped, dropped or failed (one signal each). An answer that is never parsed
    (an error page, a redirect) is written when its source closes (StoreFact).
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.store = open_store(crawler.settings["CLIENTVET_DB"])
        self.parsing: dict[int, _Parse] = {}
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_settled, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AnswerMiddleware:
        return cls(crawler)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        response_id = response.meta.get("response_id")
        parse = self.parsing.setdefault(response_id, _Parse()) if response_id is not None else _Parse()
        parse.response = response
        try:
            async for output in result:
                if not isinstance(output, Request):
                    parse.yielded += 1
                yield output
        except Exception as exc:
            parse.error = exc
            raise
        finally:
            parse.ended = True
            self._write_if_parsed(response_id, parse)

    def _item_settled(self, response: Response | None = None, **_: Any) -> None:
        response_id = response.meta.get("response_id") if isinstance(response, Response) else None
        if response_id in self.parsing:
            self.parsing[response_id].settled += 1
            self._write_if_parsed(response_id, self.parsing[response_id])

    def _write_if_parsed(self, response_id: int | None, parse: _Parse) -> None:
        """Write a parsed answer, then tell its source (SourceSpider.answer_parsed: its subject may be finished)."""
        if not parse.done:
            return
        if response_id is not None:
            del self.parsing[response_id]
            try:
                self.store.answer_done(response_id)
            except StoreError:
                stop_if_failed(self.crawler, self.store)
        if parse.response is not None and hasattr(self.crawler.spider, "answer_parsed"):
            self.crawler.spider.answer_parsed(parse.response, parse.error)
