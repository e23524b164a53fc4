"""What every source spider shares: subjects, honest per-source status, helpers.

A registered source's entry (crawler/spiders/__init__.py) declares what it is (jurisdiction,
the facts it yields, the evidence kinds it covers, key, browser, pause); its class declares
what a sane answer looks like: the records it reads (`reads`: the fields every one carries)
and how many facts of a kind one subject yields (`counts`). It writes `requests_for(subject)`
plus parse callbacks that read the answer's rows through `self.records(...)` and yield
`self.fact(...)` or more `self.request(...)`. Anything that goes wrong — an HTTP error, a block, a
captcha, an exception in a parser, an unrecorded replay request, a record
without a declared field or with none the parser knows, a count out of bounds,
an empty or cut-off page, an answer past the source's size cap (`answer_cap_mb`)
— marks the source failed for that subject with the reason. Fields the parser
never read are counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, ClassVar, Iterable

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.core.downloader.handlers.http11 import TunnelError
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, ResponseDataLossError)
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.settings import default_settings as scrapy_defaults
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.request import RequestFingerprinter
from twisted.internet.error import (ConnectError, ConnectionRefusedError as TwistedConnectionRefused, DNSLookupError,
                                    TimeoutError as TwistedTimeout)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from clientvet.crawler import spiders
from clientvet.crawler.declarations import ApiKey, Declared
from clientvet.crawler.items import Fact, FieldTally, Reads, Record, Subject
from clientvet.crawler.middlewares import MB, AnswerTooLarge, UnrecordedRequest, pause_scale, redact_secrets
from clientvet.crawler.store import open_store
from clientvet.reports.sanitise import plain

# Scrapy signal sent when one source has finished for one subject: its facts are stored, its status is decided.
source_finished = object()
COUNTED = "clientvet_counted"  # request meta: a request of SourceSpider.request, one the subject waits for


class Finished:
    """Which source has finished which subject in this crawl run, for the sources that run after it.

    A source that names others in `after` starts a subject once they have finished it (or closed), not
    once they have finished every subject: in a batch the later sources work beside the earlier ones.
    """

    def __init__(self) -> None:
        self.done: defaultdict[str, set[int]] = defaultdict(set)  # source → check ids
        self.closed: set[str] = set()
        self.changed: asyncio.Event | None = None

    def source_done(self, source: str, subject: Subject, **_: Any) -> None:
        """The source_finished signal's handler."""
        self.done[source].add(subject.check_id)
        self._wake()

    def source_closed(self, source: str) -> None:
        """The source's crawl ended, however: it finishes nothing more."""
        self.closed.add(source)
        self._wake()

    def _wake(self) -> None:
        if self.changed is not None:
            self.changed.set()
            self.changed = None

    async def wait(self, subject: Subject, sources: Iterable[str]) -> None:
        """Until each of `sources` has finished the subject or closed."""
        while not all(subject.check_id in self.done[s] or s in self.closed for s in sources):
            if self.changed is None:
                self.changed = asyncio.Event()
            await self.changed.wait()


class SubjectFingerprinter:
    """Scrapy's request fingerprint, and the check the request is for (REQUEST_FINGERPRINTER_CLASS).

    Scrapy drops a request whose fingerprint it has seen, and a batch asks one source the same
    thing for several companies (the warning list every company is looked up in, a review site's
    search for two same-named companies): each company must get its own answer, not a silent none.
    """

    def __init__(self, crawler=None):
        self.scrapy = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler) -> SubjectFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: scrapy.Request) -> bytes:
        subject = request.meta.get("subject")
        base = self.scrapy.fingerprint(request)
        return base if subject is None else hashlib.sha1(base + f"\x1f{subject.check_id}".encode()).digest()

BLOCK_STATUSES = {401: "blocked", 403: "blocked", 451: "blocked", 429: "rate limited"}
CLOSING_TAG = re.compile(r"</html\s*>", re.IGNORECASE)
# How Scrapy's downloader says it stopped an answer at DOWNLOAD_MAXSIZE when the size was announced.
ANNOUNCED_SIZE = re.compile(r"Expected to receive (\d+) bytes which is larger than download max size \((\d+)\)")


class SourceFailure(Exception):
    """The answer shows the source could not be checked (captcha, block, bad format)."""


Counts = dict[str, tuple[int, int | None]]  # fact kind → (fewest, most; None: no limit)


@dataclass
class _SubjectState:
    tally: FieldTally
    requests: int = 0
    facts: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    skipped: str | None = None


class Ledger:
    """Per-subject bookkeeping for one source; becomes the source_runs rows."""

    def __init__(self, reads: dict[str, Reads] | None = None, counts: Counts | None = None) -> None:
        self.counts = counts or {}
        self.states: dict[Subject, _SubjectState] = defaultdict(lambda: _SubjectState(FieldTally(reads or {})))

    def request_sent(self, subject: Subject) -> None:
        self.states[subject].requests += 1

    def fact_stored(self, subject: Subject, kind: str) -> None:
        self.states[subject].facts += 1
        self.states[subject].kinds[kind] += 1

    def fail(self, subject: Subject, reason: str) -> None:
        failures = self.states[subject].failures
        if reason not in failures:
            failures.append(reason)

    def tally(self, subject: Subject | None) -> FieldTally:
        """What the source read of the records it took for the subject."""
        return self.states[subject].tally

    def skip(self, subject: Subject, reason: str) -> None:
        self.states[subject].skipped = reason

    def outcome(self, subject: Subject) -> tuple[str, str | None]:
        state = self.states[subject]
        if state.skipped:
            return "skipped", state.skipped
        # Records whose every field is unknown, unless the source already failed on a layout change.
        foreign = [] if any(f.startswith("layout changed") for f in state.failures) else [
            f"layout changed (a {path} record with none of the fields the source reads: "
            f"{', '.join(fields[:5])}{', …' if len(fields) > 5 else ''})"
            for path, fields in state.tally.foreign().items()]
        if state.failures or foreign:
            return "failed", "; ".join(sorted(state.failures) + foreign)  # answers arrive in any order
        if not state.facts:
            return "empty", None
        miscounted = [f"expected {_bounds(*bounds)} {kind}, got {state.kinds[kind]}"
                      for kind, bounds in self.counts.items() if not _within(state.kinds[kind], *bounds)]
        return ("failed", f"layout changed ({'; '.join(miscounted)})") if miscounted else ("ok", None)


def _within(count: int, fewest: int, most: int | None) -> bool:
    return fewest <= count and (most is None or count <= most)


def _bounds(fewest: int, most: int | None) -> str:
    if most is None:
        return f"at least {fewest}"
    if fewest == most:
        return str(most)
    return f"at most {most}" if fewest == 0 else f"{fewest} to {most}"


# What went wrong on the way to the answer, in words (the error's own message follows): the most specific first.
NETWORK_ERRORS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DNSLookupError, CannotResolveHostError), "the host name could not be resolved"),
    ((TwistedConnectionRefused, DownloadConnectionRefusedError), "the connection was refused"),
    ((TunnelError,), "the proxy would not open a tunnel"),
    ((ConnectError,), "could not connect"),
    ((ResponseFailed, ResponseDataLossError), "the connection broke during the answer"),
    ((DownloadFailedError,), "the download failed"),
)


def describe_failure(failure: Failure, cap: int | None = None) -> str:
    """One short reason a person can act on; `cap` is the DOWNLOAD_MAXSIZE the download was held to.

    Reasons are stored and shown, so an API key in a URL is redacted.
    """
    return redact_secrets(_reason(failure, cap))


def _reason(failure: Failure, cap: int | None) -> str:
    exc = failure.value
    if isinstance(exc, (UnrecordedRequest, SourceFailure, AnswerTooLarge)):
        return str(exc)
    url = failure.request.url if getattr(failure, "request", None) is not None else "the source"
    if isinstance(exc, DownloadCancelledError):  # the downloader stopped the body at DOWNLOAD_MAXSIZE
        if announced := ANNOUNCED_SIZE.search(str(exc)):
            return str(AnswerTooLarge(url, int(announced[1]), int(announced[2])))
        if cap:  # it grew past the cap while it came
            return str(AnswerTooLarge(url, None, cap))
    if isinstance(exc, HttpError):
        status = exc.response.status
        label = BLOCK_STATUSES.get(status, "HTTP error")
        return f"{label}: HTTP {status} from {exc.response.url}"
    if isinstance(exc, TwistedTimeout) or "Timeout" in type(exc).__name__:
        return f"timeout: {exc}"
    for kinds, what in NETWORK_ERRORS:
        if isinstance(exc, kinds):
            return f"network error: {what} ({url})" + (f": {exc}" if str(exc) else "")
    return f"unparseable answer: {type(exc).__name__}: {exc}"


class TerminalLogFormatter(logging.Formatter):
    """The crawl's log lines as a person at a terminal should see them.

    A source charges every failure it handles to itself, with the reason, yet Scrapy logs a parser's exception
    with its traceback: unless tracebacks are asked for (-vv), an exception is one line after its record's
    message. API keys are taken out (2GIS wants its key in the URL, Scrapy logs URLs), and so are the escape
    sequences scraped text may carry.
    """

    def __init__(self, *, tracebacks: bool):
        super().__init__(scrapy_defaults.LOG_FORMAT, scrapy_defaults.LOG_DATEFORMAT)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        message, exc_info = record.getMessage(), record.exc_info
        if exc_info and not self.tracebacks:
            message, exc_info = f"{message}: {type(exc_info[1]).__name__}: {plain(exc_info[1])}", None
        shown = logging.makeLogRecord({**record.__dict__, "msg": message, "args": None, "exc_info": exc_info,
                                       "exc_text": None})
        return "\n".join(plain(line) for line in redact_secrets(super().format(shown)).split("\n"))


def log_to_terminal(level: str | int) -> logging.Handler:
    """The log on standard error through TerminalLogFormatter; set LOG_ENABLED=False so Scrapy adds no handler."""
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(TerminalLogFormatter(tracebacks=handler.level <= logging.DEBUG))
    logging.root.addHandler(handler)
    return handler


def html_page(response: Response) -> Selector:
    """A whole HTML page, to read: an empty or cut-off one (no closing </html>) is a failure, never "nothing"."""
    text = response.text
    if not text.strip():
        raise SourceFailure(f"unparseable answer: an empty page from {response.url}")
    if not CLOSING_TAG.search(text):
        raise SourceFailure(f"unparseable answer: a cut-off page (no </html>) from {response.url}")
    return Selector(text=text)


class SourceSpider(scrapy.Spider):
    # From the source's Declared entry (crawler/declarations.py), set when the class is made.
    declared: ClassVar[Declared | None] = None
    jurisdiction: ClassVar[str]
    evidence: ClassVar[tuple[str, ...]]
    covers: ClassVar[tuple[str, ...]] = ()
    essential: ClassVar[bool] = False
    needs_browser: ClassVar[bool] = False
    api_key: ClassVar[ApiKey | None] = None
    after: ClassVar[tuple[str, ...]] = ()
    # What a sane answer looks like: the records the parser reads, and how many facts of a kind a
    # subject yields when the source found anything (a source that found nothing stays "empty").
    reads: ClassVar[dict[str, Reads]] = {}
    counts: ClassVar[Counts] = {}
    # The largest answer the source takes, in MB (None: DOWNLOAD_MAXSIZE of settings.py); a larger one fails it.
    answer_cap_mb: ClassVar[int | None] = None
    # False for a source whose one answer serves every subject: a subject is finished only when the source closes.
    answers_each_subject: ClassVar[bool] = True

    def __init__(self, subjects: Iterable[Subject] = (), finished: Finished | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.subjects = list(subjects)
        self.ledger = Ledger(self.reads, self.counts)
        self.key: str | None = None
        self.finished = finished  # the run's, to wait for the sources named in `after`
        self.open: Counter[Subject] = Counter()  # the subject's requests not settled yet
        self.asked: set[Subject] = set()  # subjects whose every first request has been made
        self.reported: set[Subject] = set()  # subjects whose status is decided

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A registered spider's facts come from its entry alone: declaring one in the class too is a mistake."""
        super().__init_subclass__(**kwargs)
        entry = spiders.DECLARED.get(f"{cls.__module__}.{cls.__qualname__}")
        if entry is None:
            return
        again = [fact for fact in Declared.CLASS_FACTS if fact in vars(cls)]
        for setting, fact in (("DOWNLOAD_DELAY", "pause"), ("CONCURRENT_REQUESTS_PER_DOMAIN", "concurrency")):
            if setting in (vars(cls).get("custom_settings") or {}):
                again.append(f"custom_settings {setting} (the entry's {fact})")
        if again:
            raise TypeError(f"{cls.__qualname__} declares {', '.join(again)} again: "
                            "it is in the source's entry in clientvet/crawler/spiders/__init__.py")
        cls.declared = entry
        for fact in Declared.CLASS_FACTS:
            setattr(cls, fact, getattr(entry, fact))

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """The source's politeness and answer cap as Scrapy's download settings for this spider.

        Scrapy's DOWNLOAD_DELAY is the time between any two requests of a host, so a source allowed
        `concurrency` requests each `pause` apart gets pause / concurrency; AutoThrottle aims at as many.
        """
        super().update_settings(settings)
        if cls.declared:
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", cls.declared.in_flight, "spider")
            settings.set("AUTOTHROTTLE_TARGET_CONCURRENCY", cls.declared.in_flight, "spider")
            settings.set("DOWNLOAD_DELAY", cls.declared.seconds_per_request * pause_scale(settings), "spider")
        if cls.answer_cap_mb:
            settings.set("DOWNLOAD_MAXSIZE", cls.answer_cap_mb * MB, "spider")
            settings.set("DOWNLOAD_WARNSIZE", cls.answer_cap_mb * MB // 2, "spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = open_store(crawler.settings["CLIENTVET_DB"])
        spider.replay = bool(crawler.settings.get("CLIENTVET_REPLAY"))
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider._on_request_dropped, signal=signals.request_dropped)
        return spider

    # --- what a source writes ---------------------------------------------

    def requests_for(self, subject: Subject) -> Iterable[scrapy.Request]:
        raise NotImplementedError

    # --- helpers for sources ----------------------------------------------

    def request(self, subject: Subject, url: str, callback: Callable, *,
                request_class: type[scrapy.Request] = scrapy.Request, **kwargs: Any) -> scrapy.Request:
        """A request for one subject whose failures are charged to that subject."""
        meta = {**kwargs.pop("meta", {}), "subject": subject, COUNTED: True}
        self.ledger.request_sent(subject)
        self.open[subject] += 1
        return request_class(url, callback=callback, errback=self._on_request_error, meta=meta, **kwargs)

    def request_settled(self, request: scrapy.Request) -> None:
        """`request` ended: its answer parsed and stored, failed, or dropped.

        The subject is finished once none of its requests is open: every follow-up a callback yields
        was made before that callback ended.
        """
        subject = request.meta.get("subject")
        if subject is None or not request.meta.pop(COUNTED, False):  # an errback's output passes here too: once
            return
        self.open[subject] -= 1
        self._finish_if_done(subject)

    def answer_parsed(self, response: Response, error: BaseException | None) -> None:
        """AnswerMiddleware: the callback of an answer has ended (with `error`) and its facts are stored."""
        subject = response.meta.get("subject")
        if error is not None and subject is not None:
            self.ledger.fail(subject, describe_failure(Failure(error)))
        self.request_settled(response.request)

    def _finish_if_done(self, subject: Subject) -> None:
        if self.answers_each_subject and subject in self.asked and self.open[subject] <= 0 \
                and subject not in self.reported:
            self.report(subject, "finished")

    def fact(self, response: Response, kind: str, key: str, **data: Any) -> Fact:
        return Fact(subject=response.meta["subject"], source=self.name, kind=kind, key=str(key),
                    data=data, response_id=response.meta.get("response_id"))

    def records(self, response: Response, name: str, rows: Any, *,
                about: Callable[[dict], bool] | None = None) -> list[Record]:
        """The rows of an answer, each checked against `reads[name]`, as Records that note what the parser reads.

        `about` picks the rows that are the subject's (a search also finds others): the fields of the others,
        which the parser leaves alone, are not counted as unread.
        """
        tally = self.ledger.tally(response.meta.get("subject"))
        taken = []
        for row in self.checked(name, rows):
            trial = FieldTally(self.reads)  # what `about` reads of a row counts only if the row is taken
            if about is None or about(trial.record(name, row)):
                tally.looked_at |= trial.looked_at
                taken.append(tally.record(name, row))
        return taken

    def record(self, response: Response, name: str, raw: Any) -> Record:
        """One record (a whole answer, or a part of it) checked against `reads[name]`, read through a Record."""
        [record] = self.records(response, name, [raw])
        return record

    def checked(self, name: str, rows: Any) -> list[dict]:
        """The rows, when each is an object with every field `reads[name]` declares; else a changed layout."""
        if not isinstance(rows, list):
            raise SourceFailure(f"layout changed ({name} records are not a list)")
        if not all(isinstance(row, dict) for row in rows):
            raise SourceFailure(f"layout changed (a {name} record is not an object)")
        for row in rows:
            if missing := self.reads[name].missing(row):
                raise SourceFailure(f"layout changed ({name} record lacks {', '.join(missing)})")
        return rows

    def json(self, response: Response) -> Any:
        """The JSON body, or a SourceFailure naming what came back instead."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        if not text.strip():
            raise SourceFailure(f"unparseable answer: an empty answer from {response.url}")
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
            if self.after and self.finished is not None:
                await self.finished.wait(subject, self.after)
            self.store.source_started(subject.check_id, self.name)
            if self.api_key and not self.replay and not self.key:
                self.ledger.skip(subject, "no API key")
            else:
                for request in self.requests_for(subject):
                    yield request
            self.asked.add(subject)
            self._finish_if_done(subject)

    def closed(self, reason: str) -> None:
        for subject in self.subjects:
            if subject not in self.reported:
                self.report(subject, reason)

    def report(self, subject: Subject, reason: str) -> None:
        """Decide the subject's status, store it and say so (source_finished): when its last request has
        settled, or when the source closes (`reason`: Scrapy's; other than "finished", the crawl was cut short)."""
        self.reported.add(subject)
        if reason != "finished" and not self.ledger.states[subject].skipped:
            self.ledger.fail(subject, f"interrupted: crawl ended with {reason}")
        status, why = self.ledger.outcome(subject)
        state = self.ledger.states[subject]
        unread = state.tally.unread()
        self.store.source_finished(subject.check_id, self.name, status, why, state.requests, state.facts, unread)
        self.logger.info("%s: %s%s, %d request(s), %d fact(s)%s", subject.company_key, status,
                         f" ({why})" if why else "", state.requests, state.facts,
                         f"; unread: {', '.join(unread)}" if unread else "")
        self.crawler.signals.send_catch_log(
            source_finished, source=self.name, subject=subject, status=status, reason=why)

    def _on_request_error(self, failure: Failure) -> None:
        self.ledger.fail(failure.request.meta["subject"],
                         describe_failure(failure, self.settings.getint("DOWNLOAD_MAXSIZE")))
        self.request_settled(failure.request)

    def _on_request_dropped(self, request: scrapy.Request, **_: Any) -> None:
        self.request_settled(request)

    def _on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        subject = response.meta.get("subject")
        if subject is not None:
            self.ledger.fail(subject, describe_failure(failure))
            # A callback that raises before it yields anything never reaches AnswerMiddleware: its request ends here.
            self.request_settled(response.request)
