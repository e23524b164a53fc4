"""2GIS: hand-made answers of the catalog and reviews APIs (no real recording exists) replayed through the spider."""

from __future__ import annotations

import json

from clientvet.crawler.spiders.twogis import with_key
from clientvet.evidence.store import Store
from tests.conftest import run_cli
from tests.reviews_support import FIXTURES, check_demo, coverage, factors

TWOGIS = FIXTURES / "twogis"
FIRM = "https://2gis.ru/firm/70000001099999001/tab/reviews"


def test_handmade_branch_reviews_are_read_through_next_link(tmp_path):
    """The branch whose legal name matches (not «Демо-Поставка Сервис»), both pages, 6 reviews, complaints tagged."""
    document = check_demo(tmp_path, TWOGIS / "handmade-0000123450.har")
    assert coverage(document, "twogis") == {"source": "twogis", "status": "ok", "reason": None, "essential": False,
                                            "requests": 3, "facts": 7}
    facts = {o.key: o.data for o in Store(tmp_path / "db.sqlite").observations(1) if o.source == "twogis"}
    assert facts["2gis.ru:9000000000000001"] == {
        "site": "2gis.ru", "rating": 1.0, "title": None,
        "text": "Поставили им товар на 300 тысяч — до сих пор не оплатили.", "published": "2026-11-02",
        "url": FIRM, "reviewer": "customer", "topics": ["non_payment"]}
    assert [facts[f"2gis.ru:900000000000000{n}"]["topics"] for n in range(2, 7)] == [
        ["non_payment"], [], ["missed_deadlines"], [], ["fraud", "non_payment"]]
    summary = facts[FIRM]
    assert {k: summary[k] for k in ("name", "rating", "count", "pages", "pages_read", "reviews_read", "complete")} == {
        "name": "ООО «Демо-Поставка»", "rating": 2.3, "count": 6, "pages": 2, "pages_read": 2, "reviews_read": 6,
        "complete": True}

    found = factors(document)
    payment = found["reviews_non_payment_or_fraud"]
    assert payment["points"] == 25
    assert [e["key"] for e in payment["evidence"]] == ["2gis.ru:9000000000000001", "2gis.ru:9000000000000002"]
    assert "2 of 5 review(s)" in payment["summary"]  # the 2023 review is past the 24 months
    assert "3 of 5 reviews (60%)" in found["reviews_many_complaints"]["summary"]
    assert found["reviews_low_rating"]["points"] == 5
    assert found["reviews_low_rating"]["summary"].endswith("2gis.ru: 2.3★ from 6 reviews")


def test_handmade_changed_answer_fails_loudly(tmp_path):
    document = check_demo(tmp_path, TWOGIS / "handmade-0000123450-layout-changed.har")
    run = coverage(document, "twogis")
    assert (run["status"], run["reason"]) == (
        "failed", "layout changed: 2GIS announces 6 reviews of branch 70000001099999001, none read")
    # no review factor from a source that failed; every review site failed here, which coverage counts once
    assert {code for code in factors(document) if code.startswith("reviews_")} == {"reviews_unchecked"}


def test_handmade_captcha_fails_as_captcha(tmp_path):
    run = coverage(check_demo(tmp_path, TWOGIS / "handmade-0000123450-captcha.har"), "twogis")
    assert run["status"] == "failed"
    assert run["reason"].startswith("captcha: 2GIS shows a captcha instead of data at https://catalog.api.2gis.com/")


def test_handmade_no_branch_is_empty(tmp_path):
    run = coverage(check_demo(tmp_path, TWOGIS / "handmade-0000123450-not-found.har"), "twogis")
    assert (run["status"], run["reason"], run["facts"]) == ("empty", None, 0)


def test_the_key_is_sent_live_and_left_out_in_replay():
    url = "https://public-api.reviews.2gis.com/2.0/branches/1/reviews?limit=50&key=old"
    assert with_key(url, "web-client-key") == ("https://public-api.reviews.2gis.com/2.0/branches/1/reviews?"
                                               "limit=50&key=web-client-key")
    assert with_key(url, None) == "https://public-api.reviews.2gis.com/2.0/branches/1/reviews?limit=50"


def test_without_a_key_live_the_source_is_skipped(tmp_path):
    """Live mode, no key: no request is made. Plain HTTP goes to the dead local proxy; no browser may start."""
    config = tmp_path / "config.toml"
    config.write_text('[browser]\nbrowser = "/nonexistent/chromium"\n', encoding="utf-8")
    result = run_cli("check", "--inn", "0000123450", "--json", "--db", str(tmp_path / "db.sqlite"),
                     env={"TWOGIS_API_KEY": "", "CLIENTVET_CONFIG": str(config)})
    document = json.loads(result.stdout)
    run = coverage(document, "twogis")
    assert (run["status"], run["reason"], run["requests"]) == ("skipped", "no API key", 0)
    assert {coverage(document, name)["status"] for name in ("kad_arbitr", "otzovik", "yandex_maps")} == {"skipped"}
