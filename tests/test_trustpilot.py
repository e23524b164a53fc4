"""Trustpilot (GB and US): hand-made pages for made-up companies (no real recording exists) replayed through the
spiders, over plain HTTP and, for what plain HTTP is refused, in the browser."""

from __future__ import annotations

import shutil

import pytest

from clientvet.crawler.browser import NO_BROWSER
from clientvet.evidence.store import Store
from tests.conftest import check_json
from tests.reviews_support import FIXTURES, coverage, factors, replay_dir

TRUSTPILOT = FIXTURES / "trustpilot"
REGISTRY = TRUSTPILOT / "handmade-companies-house-09999990.har"  # DEMO SUPPLIES LIMITED, made up
US_REGISTRY = FIXTURES / "edgar" / "handmade-0009999990.har"  # DEMO SUPPLY, INC., made up
BUSINESS = "https://www.trustpilot.com/review/demo-supplies.example"
SEARCH = "https://www.trustpilot.com/search?query=DEMO+SUPPLIES"

needs_browser = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="no chromium on PATH (apt-get install chromium): the browser retry of Trustpilot cannot run")


def check_demo_gb(tmp_path, fixture: str, **kwargs) -> dict:
    directory = tmp_path / "replay"
    directory.mkdir()
    for har in (REGISTRY, TRUSTPILOT / fixture):
        (directory / har.name).symlink_to(har)
    return check_json("--company-number", "09999990", "--replay", str(directory), "--db", str(tmp_path / "db.sqlite"),
                      **kwargs)


def archived(tmp_path) -> list[tuple]:
    return Store(tmp_path / "db.sqlite").db.execute(
        "select url, status from responses where source = 'trustpilot' order by id").fetchall()


def test_handmade_reviews_from_next_data(tmp_path):
    """Search → «Demo Supplies» (not «Demo Supplies Direct») → 2 pages, 6 reviews; English complaints tagged."""
    document = check_demo_gb(tmp_path, "handmade-09999990.har")
    assert coverage(document, "trustpilot") == {"source": "trustpilot", "status": "ok", "reason": None,
                                                "essential": False, "requests": 3, "facts": 7}
    assert "trustpilot_us" not in {run["source"] for run in document["coverage"]}
    facts = {o.key: o.data for o in Store(tmp_path / "db.sqlite").observations(1) if o.source == "trustpilot"}
    assert facts["trustpilot.com:hm0000000000000000000101"] == {
        "site": "trustpilot.com", "rating": 1.0, "title": "Invoices ignored",
        "text": "They never paid our invoice for the spring delivery.", "published": "2026-10-30",
        "url": "https://www.trustpilot.com/reviews/hm0000000000000000000101", "reviewer": "customer",
        "topics": ["non_payment"]}
    assert [facts[f"trustpilot.com:hm000000000000000000010{n}"]["topics"] for n in range(2, 7)] == [
        [], ["fraud"], ["rude"], ["missed_deadlines"], ["non_payment"]]
    summary = facts[BUSINESS]
    assert {k: summary[k] for k in ("name", "rating", "count", "pages", "pages_read", "reviews_read")} == {
        "name": "Demo Supplies", "rating": 2.1, "count": 6, "pages": 2, "pages_read": 2, "reviews_read": 6}
    found = factors(document)
    assert [e["key"] for e in found["reviews_non_payment_or_fraud"]["evidence"]] == [
        "trustpilot.com:hm0000000000000000000101", "trustpilot.com:hm0000000000000000000103"]
    assert "4 of 5 reviews (80%)" in found["reviews_many_complaints"]["summary"]
    assert found["reviews_low_rating"]["summary"].endswith("trustpilot.com: 2.1★ from 6 reviews")


def test_handmade_changed_page_fails_loudly(tmp_path):
    run = coverage(check_demo_gb(tmp_path, "handmade-09999990-layout-changed.har"), "trustpilot")
    assert (run["status"], run["reason"]) == (
        "failed", f"layout changed: Trustpilot announces 6 reviews at {BUSINESS}, none read")


@needs_browser
def test_handmade_cloudflare_challenge_is_retried_in_the_browser(tmp_path):
    """The search answers a challenge over plain HTTP, then in the browser too: failed, saying both, not empty."""
    run = coverage(check_demo_gb(tmp_path, "handmade-09999990-challenge.har"), "trustpilot")
    assert (run["status"], run["reason"], run["requests"], run["facts"]) == (
        "failed", f"captcha: Cloudflare challenge at {SEARCH} (also in the browser)", 2, 0)
    assert archived(tmp_path) == [(SEARCH, 200), (SEARCH, 200)]


@needs_browser
def test_handmade_block_of_a_later_page_is_retried_in_the_browser(tmp_path):
    """Page 2 answers a 403 block page: retried in the browser, refused again; page 1's reviews are kept."""
    document = check_demo_gb(tmp_path, "handmade-09999990-blocked.har")
    run = coverage(document, "trustpilot")
    assert (run["status"], run["reason"], run["requests"], run["facts"]) == (
        "failed", f"blocked: HTTP 403 from {BUSINESS}?page=2 (also in the browser)", 4, 4)
    assert archived(tmp_path) == [(SEARCH, 200), (BUSINESS, 200), (f"{BUSINESS}?page=2", 403),
                                  (f"{BUSINESS}?page=2", 403)]


def test_handmade_challenge_without_a_browser_says_so(tmp_path):
    """No browser to retry in: failed with the challenge and what to install, one request, never empty."""
    config = tmp_path / "config.toml"
    config.write_text('[browser]\nbrowser = "/nonexistent/chromium"\n', encoding="utf-8")
    document = check_demo_gb(tmp_path, "handmade-09999990-challenge.har", env={"CLIENTVET_CONFIG": str(config)})
    run = coverage(document, "trustpilot")
    assert (run["status"], run["reason"], run["requests"]) == (
        "failed", f"captcha: Cloudflare challenge at {SEARCH} (no browser to retry: {NO_BROWSER})", 1)
    assert "reviews_unchecked" in factors(document)


def test_handmade_us_company_found_by_its_edgar_name(tmp_path):
    """check --cik: EDGAR's «DEMO SUPPLY, INC.» searched as «DEMO SUPPLY» → «Demo Supply» (not «… Warehouse»),
    3 reviews read, two of them payment complaints: the reviews rule fires for a US check."""
    directory = tmp_path / "replay"
    directory.mkdir()
    for har in (US_REGISTRY, TRUSTPILOT / "handmade-cik-0009999990.har"):
        (directory / har.name).symlink_to(har)
    document = check_json("--cik", "9999990", "--replay", str(directory), "--db", str(tmp_path / "db.sqlite"))
    assert coverage(document, "trustpilot_us") == {"source": "trustpilot_us", "status": "ok", "reason": None,
                                                   "essential": False, "requests": 2, "facts": 4}
    assert "trustpilot" not in {run["source"] for run in document["coverage"]}
    facts = {o.key: o.data for o in Store(tmp_path / "db.sqlite").observations(1) if o.source == "trustpilot_us"}
    summary = facts["https://www.trustpilot.com/review/demo-supply.example"]
    assert (summary["name"], summary["rating"], summary["reviews_read"], summary["complete"]) == (
        "Demo Supply", 1.9, 3, True)
    found = factors(document)["reviews_non_payment_or_fraud"]
    assert [e["key"] for e in found["evidence"]] == ["trustpilot.com:hm0000000000000000000201",
                                                     "trustpilot.com:hm0000000000000000000202"]
    assert "2 of 3 review(s), 2 of them in the last 12 months" in found["summary"]


def test_russian_checks_do_not_run_trustpilot(tmp_path):
    document = check_json("--inn", "0000123450", "--replay", str(replay_dir(tmp_path)),
                          "--db", str(tmp_path / "db.sqlite"))
    assert "trustpilot" not in {run["source"] for run in document["coverage"]}
