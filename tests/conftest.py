"""Shared test helpers: the shared recordings, the CLI in a process of its own, responses from HAR."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from scrapy.http import Request
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes

from tests import forked_cli

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT.parent / "shared" / "recordings"
DEMO = ROOT / "demo"
AS_OF = "2026-11-23"  # the recordings are from September 2026; recency rules are judged as of this day

# A property's per-example deadline would time the machine's load under parallel test workers, not the code.
settings.register_profile("parallel", deadline=None)
settings.load_profile("parallel")


@pytest.fixture
def recordings() -> Path:
    if not RECORDINGS.is_dir():
        pytest.skip(f"shared recordings not found at {RECORDINGS} (clone the repository beside ../shared)")
    return RECORDINGS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-expected", action="store_true",
                     help="rewrite the expected outputs of tests/test_expected.py (also: CLIENTVET_REGEN_EXPECTED=1)")


def offline_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a test subprocess: no config file, no API keys, no way to the internet."""
    # Any request that escaped replay would go to a dead local proxy, never to the internet.
    base_env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
                "CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml")}
    base_env.pop("COMPANIES_HOUSE_API_KEY", None)
    base_env.pop("COURTLISTENER_TOKEN", None)
    return {**base_env, **(env or {})}


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 120,
            input: str | None = None, stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """Run `clientvet` in a process of its own (Scrapy's reactor runs once per process).

    `input` is typed on its stdin; otherwise stdin is `stdin` (no input by default, so no test waits at a prompt).
    The process is forked from one that has imported the heavy libraries already (tests/forked_cli.py),
    unless it reads another stdin (a terminal) or changes how Python starts.
    """
    run_env = offline_env(env)
    if (input is None and stdin != subprocess.DEVNULL) or forked_cli.needs_fresh_interpreter(run_env):
        return subprocess.run([sys.executable, "-m", "clientvet", *args], capture_output=True, text=True,
                              env=run_env, timeout=timeout, cwd=ROOT,
                              **({"input": input} if input is not None else {"stdin": stdin}))
    return forked_cli.run(list(args), env=run_env, cwd=ROOT, timeout=timeout, input=input)


def demo_database(directory: Path, *identifier: str) -> Path:
    """An evidence database in `directory` holding one replayed check of a bundled demo company."""
    db = directory / "evidence.sqlite"
    result = run_cli("check", *identifier, "--replay", "demo", "--db", str(db), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    return db


def check_json(*args: str, **kwargs) -> dict:
    """`clientvet check … --json` that must succeed; returns the parsed document."""
    result = run_cli("check", *args, "--json", "--as-of", AS_OF, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def har_response(har: Path, url_part: str, meta: dict | None = None):
    """A Scrapy response built from the first HAR entry whose URL contains url_part."""
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    entry = next(e for e in entries if url_part in e["request"]["url"])
    headers = Headers([(h["name"], h["value"]) for h in entry["response"]["headers"]])
    content = entry["response"]["content"]
    body = (base64.b64decode(content["text"]) if content.get("encoding") == "base64"
            else content["text"].encode("utf-8"))
    url = entry["request"]["url"]
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=entry["response"]["status"], headers=headers, body=body,
               request=Request(url, meta=meta or {}))
