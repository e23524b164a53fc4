"""One Playwright driver and one Chromium per run, started only by the first page a source opens."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import AS_OF, ROOT, offline_env

# Runs the CLI with Playwright's driver start and browser launch counted (the real ones still run).
COUNTED_RUN = """
import atexit, json, sys
from playwright.async_api import BrowserType, PlaywrightContextManager
counts = {"drivers": 0, "launches": 0}
def counted(name, original):
    async def wrapper(*args, **kwargs):
        counts[name] += 1
        return await original(*args, **kwargs)
    return wrapper
PlaywrightContextManager.start = counted("drivers", PlaywrightContextManager.start)
BrowserType.launch = counted("launches", BrowserType.launch)
atexit.register(lambda: print("COUNTS " + json.dumps(counts), file=sys.stderr))
from clientvet.cli import main
sys.argv = ["clientvet", *sys.argv[1:]]
main()
"""


def counted_check(tmp_path, *identifier: str) -> tuple[dict, dict]:
    result = subprocess.run([sys.executable, "-c", COUNTED_RUN, "check", *identifier, "--replay", "demo",
                             "--db", str(tmp_path / "evidence.sqlite"), "--json", "--as-of", AS_OF],
                            capture_output=True, text=True, env=offline_env(), cwd=ROOT, timeout=180)
    counts = next(json.loads(line[len("COUNTS "):]) for line in result.stderr.splitlines()
                  if line.startswith("COUNTS "))
    return json.loads(result.stdout), counts


@pytest.mark.parametrize("identifier", [("--company-number", "99000100"), ("--cik", "0009900001")])
def test_a_check_whose_sources_open_no_page_starts_no_driver_and_no_browser(tmp_path, identifier):
    document, counts = counted_check(tmp_path, *identifier)
    assert document["verdict"]
    assert counts == {"drivers": 0, "launches": 0}


def test_the_russian_demo_opens_every_page_in_one_browser(tmp_path):
    document, counts = counted_check(tmp_path, "--inn", "0000123450")
    browser_sources = {"kad_arbitr", "otzovik", "yandex_maps"}
    runs = {run["source"]: run for run in document["coverage"]}
    assert browser_sources <= set(runs)
    assert all(runs[name]["status"] in ("ok", "empty") for name in browser_sources), {n: runs[n] for n in browser_sources}
    assert counts == {"drivers": 1, "launches": 1}
