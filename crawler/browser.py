"""Sources that answer only a real browser: the system Chromium through scrapy-playwright.

A browser source opens its pages with `self.page(...)`. Replay lets those requests
through to the browser and routes every request the page makes (the page, its
resources, each fetch from inside it) through the same HAR matcher; an unrecorded one
is aborted and fails the source. The replayed browser also gets a dead proxy, so
nothing leaves the machine even past the routing.

Configuration, under `[browser]`: `browser = "/path/to/chromium"` (default: the first of
chromium, chromium-browser, google-chrome on PATH) and `headless = false` for sites
that refuse a headless browser — then run under a virtual screen: `xvfb-run -a clientvet …`.

All browser sources of a run share one Playwright driver and one Chromium (a context per
site), started by the first page any of them opens: a check whose sources open no page
starts neither. The run closes it when its last source is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from playwright.async_api import Browser, Error as PlaywrightError, Page, Playwright, Request as BrowserRequest, Route
from playwright.async_api import async_playwright
from scrapy.exceptions import NotSupported
from twisted.python.failure import Failure

from clientvet import config
from clientvet.crawler.base import SourceSpider, describe_failure
from clientvet.crawler.har import load_archive
from clientvet.crawler.items import Subject
from clientvet.crawler.middlewares import REPLAY_IN_BROWSER

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
# Chromium's old headless shell: the same engine without the browser's UI layer, about half the
# memory of `chromium --headless`; a headless run prefers it (Debian's chromium-headless-shell).
HEADLESS_SHELL_NAMES = ("chromium-headless-shell", "chrome-headless-shell")
NO_BROWSER = "no browser (install chromium: apt-get install chromium)"
NO_DISPLAY = "no display for the headed browser (run under xvfb-run -a, or set browser.headless = true)"
# The machine may have no internet: without the background-networking flags Chromium
# floods refused connections of its own.
CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")
# Chromium keeps only the last --enable-features, so ours repeats the ones Playwright enables
# (chromiumSwitches in its driver; tests/test_shared_browser.py fails when that list changes).
PLAYWRIGHT_ENABLED_FEATURES = ("CDPScreenshotNewSurface", "SkipListAccountsWithoutGaiaCookies")
# A headless run's tree of processes, about 100 MB smaller (bench/run.py, `memory: check with pages`):
# the GPU and network services as threads of the browser process, no second (unsandboxed) zygote, and
# no SwiftShader, so no WebGL — a site that wants a full browser gets `headless = false` and none of these.
LIGHT_HEADLESS_FLAGS = ("--in-process-gpu", "--disable-software-rasterizer", "--no-unsandboxed-zygote",
                        f"--enable-features={','.join((*PLAYWRIGHT_ENABLED_FEATURES, 'NetworkServiceInProcess2'))}")
# Playwright's driver is a Node process started with this process's environment; it relays messages,
# so it needs no JIT compiler (nor WebAssembly, which only its screencast codec uses) and a 1 MB young
# generation instead of 16 MB: about 20 MB less.
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1 --jitless"
# A page's fonts, audio and video are never evidence (a page's evidence is its document and the
# answers its scripts fetch); images stay: anti-bot scripts set their cookies through them.
NEVER_LOADED = frozenset({"font", "media"})
DEAD_PROXY = {"server": "http://127.0.0.1:9"}
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
SHARED_PROVIDER = "clientvet.crawler.browser.SharedBrowserProvider"


def find_browser() -> str | None:
    """The browser's executable: the configured one (which must exist), else the first on PATH —
    a headless shell first when the run is headless."""
    configured = config.setting("browser.browser")
    if configured:
        return str(configured) if Path(configured).is_file() else None
    names = (*HEADLESS_SHELL_NAMES, *BROWSER_NAMES) if headless() else BROWSER_NAMES
    return next(filter(None, map(shutil.which, names)), None)


def headless() -> bool:
    return bool(config.setting("browser.headless", True))


def browser_problem() -> str | None:
    """Why the browser cannot run here, or None."""
    if find_browser() is None:
        return NO_BROWSER
    if not headless() and not os.environ.get("DISPLAY"):
        return NO_DISPLAY
    return None


@contextlib.contextmanager
def driver_environment():
    """DRIVER_NODE_OPTIONS added to NODE_OPTIONS while Playwright starts its driver."""
    before = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = " ".join(filter(None, (before, DRIVER_NODE_OPTIONS)))
    try:
        yield
    finally:
        if before is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = before


def never_loaded(request: BrowserRequest) -> bool:
    return request.resource_type in NEVER_LOADED


class SharedBrowser:
    """The process's one Playwright driver and its browsers (one per set of launch options, in practice one)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.playwright: Playwright | None = None
        self.browsers: dict[str, Browser] = {}

    async def get(self, launch_options: dict[str, Any]) -> Browser:
        key = json.dumps(launch_options, sort_keys=True, default=str)
        async with self.lock:
            if self.playwright is None:
                with driver_environment():
                    self.playwright = await async_playwright().start()
            browser = self.browsers.get(key)
            if browser is None or not browser.is_connected():
                browser = self.browsers[key] = await self.playwright.chromium.launch(**launch_options)
            return browser

    @property
    def started(self) -> bool:
        return self.playwright is not None

    async def close(self) -> None:
        async with self.lock:
            for browser in self.browsers.values():
                if browser.is_connected():
                    await browser.close()
            self.browsers.clear()
            if self.playwright is not None:
                await self.playwright.stop()
                self.playwright = None


SHARED = SharedBrowser()


class BrowserLease:
    """One source's use of the shared browser: closing it removes the source's listeners, not the browser."""

    def __init__(self, browser: Browser):
        self.browser = browser
        self.listeners: list[tuple[str, Any]] = []

    def on(self, event: str, listener: Any) -> None:
        self.listeners.append((event, listener))
        self.browser.on(event, listener)

    async def new_context(self, **kwargs: Any):
        return await self.browser.new_context(**kwargs)

    async def close(self) -> None:
        for event, listener in self.listeners:
            self.browser.remove_listener(event, listener)
        self.listeners.clear()


class SharedBrowserProvider:
    """scrapy-playwright's browser provider: nothing at the engine's start, the shared browser at the first page."""

    def __init__(self, config: Any) -> None:
        self.config = config

    async def start(self) -> None:
        """No driver yet: a source that opens no page never starts one."""

    async def launch_browser(self) -> BrowserLease:
        return BrowserLease(await SHARED.get(self.config.launch_options))

    async def launch_persistent_context(self, context_kwargs: dict) -> Any:
        raise NotSupported("clientvet's sources share one browser and use no persistent context")

    async def close(self) -> None:
        """The browser outlives the source: the run closes it (crawler/runner.py)."""


class BrowserSource(SourceSpider):
    """A source whose pages are opened in Chromium; the rest of its requests stay plain HTTP."""

    browser_context: ClassVar[dict[str, Any]] = {"locale": "ru-RU", "timezone_id": "Europe/Moscow"}

    @classmethod
    def update_settings(cls, settings) -> None:
        """The browser download handler for this source only, and only when there is a browser."""
        super().update_settings(settings)
        executable = find_browser()
        if executable is None:
            return
        flags = CHROMIUM_FLAGS + LIGHT_HEADLESS_FLAGS if headless() else CHROMIUM_FLAGS
        launch = {"executable_path": executable, "headless": headless(), "args": list(flags)}
        if settings.get("CLIENTVET_REPLAY"):
            launch["proxy"] = DEAD_PROXY
        settings.set("DOWNLOAD_HANDLERS", {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}, "spider")
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, "spider")
        settings.set("PLAYWRIGHT_BROWSER_PROVIDER", SHARED_PROVIDER, "spider")
        settings.set("PLAYWRIGHT_PROCESS_REQUEST_HEADERS", None, "spider")  # the browser's own headers
        settings.set("PLAYWRIGHT_ABORT_REQUEST", never_loaded, "spider")  # live only: replay answers first
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 60_000, "spider")

    def page(self, subject: Subject, url: str, callback, *, include_page: bool = False,
             **meta: Any) -> scrapy.Request | None:
        """A page opened in the browser; in replay None (and the source failed) when it is not recorded."""
        meta |= {"playwright": True, "playwright_context": self.name, "playwright_include_page": include_page,
                 "playwright_context_kwargs": self.browser_context}
        if self.replay:
            if load_archive(self.settings["CLIENTVET_REPLAY"]).find("GET", url, None, None) is None:
                self.ledger.fail(subject, f"unrecorded request: GET {url}")  # without starting a browser
                return None
            meta |= {REPLAY_IN_BROWSER: True, "playwright_page_init_callback": self.replay_page, "unrecorded": []}
        return self.request(subject, url, callback, meta=meta, dont_filter=True).replace(errback=self.page_failed)

    async def replay_page(self, page: Page, request: scrapy.Request) -> None:
        """Answer every request of the page from the HAR recordings, or abort it and note it."""
        archive = load_archive(self.settings["CLIENTVET_REPLAY"])
        latency = self.settings.getfloat("CLIENTVET_REPLAY_LATENCY")  # the network's, as for plain requests

        async def answer(route: Route, asked: BrowserRequest) -> None:
            recorded = archive.find(asked.method, asked.url, asked.post_data_buffer,
                                    await asked.header_value("content-type"))
            if recorded is None:
                request.meta["unrecorded"].append(f"unrecorded request: {asked.method} {asked.url}")
                await route.abort("blockedbyclient")
                return
            if latency:
                await asyncio.sleep(latency)
            request.meta["replayed_from"] = recorded.source_file
            await route.fulfill(status=recorded.status, headers=dict(recorded.headers), body=recorded.body)

        await page.route("**/*", answer)  # runs before scrapy-playwright's own route, added earlier

    async def page_failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        if page := meta.get("playwright_page"):
            await page.close()
        if meta.get("unrecorded"):
            reason = meta["unrecorded"][0]
        elif isinstance(failure.value, PlaywrightError):
            message = " ".join(failure.value.message.splitlines()[0].split())
            reason = f"{'network error' if 'net::ERR_' in message else 'browser error'}: {message}"
        else:
            reason = describe_failure(failure)
        self.ledger.fail(meta["subject"], reason)
        self.request_settled(failure.request)
