"""Replay behaves like the network: answers come through Scrapy's downloader, a host's rate limit answers 429."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import time

import pytest
from scrapy import Request
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from clientvet.crawler.downloader import OneDrawSlot
from clientvet.crawler.middlewares import HostRateLimit
from clientvet.crawler.runner import check_overrides
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


@pytest.mark.parametrize("setting, message", [
    ("CLIENTVET_REPLAY_RATE_LIMIT=fast", "CLIENTVET_REPLAY_RATE_LIMIT must be REQUESTS/SECONDS such as 600/300, "
                                         "not 'fast'"),
    ("CLIENTVET_REPLAY_RATE_LIMIT=0/300", "CLIENTVET_REPLAY_RATE_LIMIT must be REQUESTS/SECONDS"),
    ("CLIENTVET_REPLAY_LATENCY=nan", "CLIENTVET_REPLAY_LATENCY must be a number, 0 or more, not 'nan'"),
    ("CLIENTVET_REPLAY_POLITE=-1", "CLIENTVET_REPLAY_POLITE must be a number, 0 or more, not '-1'"),
    ("DOWNLOAD_DELAY=abc", "DOWNLOAD_DELAY must be a number, 0 or more, not 'abc'"),
    ("CONCURRENT_REQUESTS=\u0661\u0662", "CONCURRENT_REQUESTS must be a whole number"),  # Arabic-Indic digits
    ("RETRY_ENABLED=maybe", "RETRY_ENABLED must be true or false, not 'maybe'"),
])
def test_a_setting_the_crawl_could_not_use_is_a_usage_error_before_anything_runs(tmp_path, setting, message):
    """Scrapy would read it midway: a traceback, every source failed, or (nan seconds of latency) a hung check."""
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--inn", "0000123450", "--replay", str(DEMO), "--db", str(db), "--set", setting)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"Error: Invalid value for --set: {message}")
    assert "Traceback" not in result.stderr and not db.exists()


def test_settings_as_people_write_them_are_taken():
    check_overrides({"DOWNLOAD_DELAY": "0.5", "RETRY_ENABLED": "False", "CONCURRENT_REQUESTS": "4",
                     "CLIENTVET_REPLAY_LATENCY": ".3", "CLIENTVET_REPLAY_RATE_LIMIT": "600/300",
                     "USER_AGENT": "anything", "LOG_ENABLED": False})


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
