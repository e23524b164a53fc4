"""Trustpilot (GB): hand-made pages for a made-up company (no real recording exists) replayed through the spider."""

from __future__ import annotations

from clientvet.evidence.store import Store
from tests.conftest import check_json
from tests.reviews_support import FIXTURES, coverage, factors, replay_dir

TRUSTPILOT = FIXTURES / "trustpilot"
REGISTRY = TRUSTPILOT / "handmade-companies-house-09999990.har"  # DEMO SUPPLIES LIMITED, made up
BUSINESS = "https://www.trustpilot.com/review/demo-supplies.example"


def check_demo_gb(tmp_path, fixture: str) -> dict:
    directory = tmp_path / "replay"
    directory.mkdir()
    for har in (REGISTRY, TRUSTPILOT / fixture):
        (directory / har.name).symlink_to(har)
    return check_json("--company-number", "09999990", "--replay", str(directory), "--db", str(tmp_path / "db.sqlite"))


def test_handmade_reviews_from_next_data(tmp_path):
    """Search → «Demo Supplies» (not «Demo Supplies Direct») → 2 pages, 6 reviews; English complaints tagged."""
    document = check_demo_gb(tmp_path, "handmade-09999990.har")
    assert coverage(document, "trustpilot") == {"source": "trustpilot", "status": "ok", "reason": None,
                                                "essential": False, "requests": 3, "facts": 7}
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


def test_handmade_cloudflare_challenge_is_a_failure(tmp_path):
    run = coverage(check_demo_gb(tmp_path, "handmade-09999990-challenge.har"), "trustpilot")
    assert run["status"] == "failed"
    assert run["reason"].startswith("captcha: Cloudflare challenge at https://www.trustpilot.com/search?query=")


def test_russian_checks_do_not_run_trustpilot(tmp_path):
    document = check_json("--inn", "0000123450", "--replay", str(replay_dir(tmp_path)),
                          "--db", str(tmp_path / "db.sqlite"))
    assert "trustpilot" not in {run["source"] for run in document["coverage"]}
