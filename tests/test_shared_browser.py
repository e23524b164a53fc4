"""One Playwright driver and one Chromium per run, started only by the first page a source opens."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from clientvet import config
from clientvet.crawler import browser
from tests.conftest import AS_OF, ROOT, offline_env

# Runs the CLI with Playwright's driver start and browser launch counted (the real ones still run);
# after a launch it notes the browser's command line and the driver's NODE_OPTIONS, read from the processes.
COUNTED_RUN = """
import atexit, json, sys
import psutil
from playwright.async_api import BrowserType, PlaywrightContextManager
counts = {"drivers": 0, "launches": 0}
def counted(name, original):
    async def wrapper(*args, **kwargs):
        counts[name] += 1
        result = await original(*args, **kwargs)
        for process in psutil.Process().children(recursive=True):
            command = process.cmdline()
            if "run-driver" in command:
                counts["driver_node_options"] = process.environ().get("NODE_OPTIONS", "")
            if "--remote-debugging-pipe" in command:
                counts["browser_command"] = command
        return result
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


@pytest.fixture(scope="module")
def russian(tmp_path_factory):
    return counted_check(tmp_path_factory.mktemp("russian"), "--inn", "0000123450")


def test_the_russian_demo_opens_every_page_in_one_browser(russian):
    document, counts = russian
    browser_sources = {"kad_arbitr", "otzovik", "yandex_maps"}
    runs = {run["source"]: run for run in document["coverage"]}
    assert browser_sources <= set(runs)
    assert all(runs[name]["status"] in ("ok", "empty") for name in browser_sources), {n: runs[n] for n in browser_sources}
    assert (counts["drivers"], counts["launches"]) == (1, 1)


def test_the_light_flags_keep_the_features_playwright_enables(russian):
    """Chromium honours only the last --enable-features: ours must still name each one Playwright enables."""
    switches = [arg.partition("=")[2].split(",") for arg in russian[1]["browser_command"]
                if arg.startswith("--enable-features=")]
    assert len(switches) >= 2, switches  # Playwright's and ours, last
    assert set(switches[-1]) >= {feature for earlier in switches[:-1] for feature in earlier}
    assert "NetworkServiceInProcess2" in switches[-1]


def test_the_driver_starts_with_the_light_node_options(russian):
    assert browser.DRIVER_NODE_OPTIONS in russian[1]["driver_node_options"]


def test_the_light_node_options_are_the_driver_s_alone(monkeypatch):
    monkeypatch.setenv("NODE_OPTIONS", "--trace-warnings")
    with browser.driver_environment():
        assert os.environ["NODE_OPTIONS"] == f"--trace-warnings {browser.DRIVER_NODE_OPTIONS}"
    assert os.environ["NODE_OPTIONS"] == "--trace-warnings"


@pytest.mark.parametrize("headless, chosen", [(True, "chromium-headless-shell"), (False, "chromium")])
def test_a_headless_run_prefers_the_headless_shell(tmp_path, monkeypatch, headless, chosen):
    for name in ("chromium", "chromium-headless-shell"):
        executable = tmp_path / name
        executable.write_text("#!/bin/sh\n")
        executable.chmod(0o755)
    settings = tmp_path / "config.toml"
    settings.write_text(f"[browser]\nheadless = {str(headless).lower()}\n", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CLIENTVET_CONFIG", str(settings))
    config.load_config.cache_clear()
    try:
        assert browser.find_browser() == str(tmp_path / chosen)
    finally:
        config.load_config.cache_clear()
