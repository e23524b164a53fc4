"""Replay behaves like the network: answers come through Scrapy's downloader, a host's rate limit answers 429."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import time

from scrapy import Request
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from clientvet.crawler.downloader import OneDrawSlot
from clientvet.crawler.middlewares import HostRateLimit
from tests.conftest import AS_OF, DEMO, run_cli
from tests.replay_support import project_settings


def test_a_host_past_its_rate_limit_answers_429_until_the_window_passes():
    limit = HostRateLimit(2, 0.2)
    assert [limit.allows("https://egrul.nalog.ru/x") for _ in range(3)] == [True, True, False]
    assert limit.allows("https://fedresurs.ru/")  # another host keeps its own count
    time.sleep(0.25)
    assert limit.allows("https://egrul.nalog.ru/x")


def test_a_replayed_check_past_a_rate_limit_fails_the_source_as_rate_limited(tmp_path):
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--inn", "0000123450", "--replay", str(DEMO), "--db", str(db), "--json",
                     "--as-of", AS_OF, "--set", "CLIENTVET_REPLAY_RATE_LIMIT=1/60")
    assert json.loads(result.stdout)["verdict"]
    runs = dict(sqlite3.connect(db).execute("select source, reason from source_runs where source = 'egrul'"))
    assert runs["egrul"].startswith("rate limited: HTTP 429 from https://egrul.nalog.ru/")  # its second request


def test_a_malformed_rate_limit_is_one_line_not_a_traceback(tmp_path):
    result = run_cli("check", "--inn", "0000123450", "--replay", str(DEMO), "--db", str(tmp_path / "db.sqlite"),
                     "--set", "CLIENTVET_REPLAY_RATE_LIMIT=fast")
    assert "Traceback" not in result.stderr


def test_a_download_slot_draws_its_jittered_delay_once_per_request():
    """Scrapy looks at a host's queue again when the delay it drew runs out: a second draw there would make the
    wait the longer of two (about 1.2× the delay on average) instead of the delay itself."""
    slot = OneDrawSlot(concurrency=2, delay=0.5, jitter=0.5)
    waits = []
    for sent in range(2000):
        looks = {slot.download_delay() for _ in range(3)}  # the downloader looking several times before a send
        assert len(looks) == 1
        waits.append(looks.pop())
        slot.lastseen = float(sent + 1)
    assert 0.25 <= min(waits) < max(waits) <= 0.75
    assert abs(statistics.mean(waits) - 0.5) < 0.02
    slot.delay = 2.0  # AutoThrottle slowing the host down is not held back until the next send
    assert slot.download_delay() >= 1.0


def test_the_crawls_downloader_gives_every_host_such_a_slot(tmp_path):
    crawler = get_crawler(settings_dict=project_settings(tmp_path / "db.sqlite", DEMO))

    async def slots() -> tuple:
        downloader = load_object(crawler.settings["DOWNLOADER"])(crawler)
        host = "https://api.company-information.service.gov.uk/company/"
        (key, first), (_, second) = (downloader._get_slot(Request(f"{host}{n}")) for n in (1, 2))
        downloader.close()
        return first, second, downloader.slots[key]

    first, second, kept = asyncio.run(slots())
    assert isinstance(first, OneDrawSlot) and first is second is kept
