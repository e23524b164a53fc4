"""Replay behaves like the network: answers come through Scrapy's downloader, a host's rate limit answers 429."""

from __future__ import annotations

import json
import sqlite3
import time

from clientvet.crawler.middlewares import HostRateLimit
from tests.conftest import AS_OF, DEMO, run_cli


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
