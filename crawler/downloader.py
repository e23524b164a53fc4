"""Scrapy's downloader with download slots that keep the politeness pace they are set to.

Scrapy's slot draws its jittered delay (DOWNLOAD_DELAY_JITTER) anew each time the downloader looks at the
host's queue, and the downloader looks again when the delay it drew runs out: the wait before a request is
then the longest of two or more draws, about 1.2× the delay on average (bench/run.py, `batch of 200 vs
politeness`), where one draw averages the delay itself. A host allowed 2 requests a second got 1.6.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core import downloader


class OneDrawSlot(downloader.Slot):
    """A download slot whose delay before the next request is drawn once, when the last one left."""

    __slots__ = ("_drawn", "_drawn_for")

    def __init__(self, concurrency: int, delay: float, jitter: float) -> None:
        super().__init__(concurrency, delay, jitter)
        self._drawn_for: tuple[float, float] | None = None  # (lastseen, delay) the draw was made for
        self._drawn = 0.0

    def download_delay(self) -> float:
        if self._drawn_for != (self.lastseen, self.delay):  # a request left, or AutoThrottle moved the delay
            self._drawn_for, self._drawn = (self.lastseen, self.delay), super().download_delay()
        return self._drawn


class Downloader(downloader.Downloader):
    """Scrapy's downloader, its slots OneDrawSlot (DOWNLOADER in crawler/settings.py)."""

    def _get_slot(self, request: Request, *deprecated_spider: Any) -> tuple[str, downloader.Slot]:
        key, slot = super()._get_slot(request, *deprecated_spider)
        if type(slot) is downloader.Slot:  # new: no request has used it yet
            slot = self.slots[key] = OneDrawSlot(slot.concurrency, slot.delay, slot.jitter)
        return key, slot
