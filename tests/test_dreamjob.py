"""dreamjob.ru: hand-made employer pages (no real recording exists) replayed through the real spider."""

from __future__ import annotations

import json

from clientvet.evidence.store import Store
from tests.reviews_support import FIXTURES, check_demo, coverage, factors

DREAMJOB = FIXTURES / "dreamjob"


def test_handmade_employer_reviews_are_read_page_after_page(tmp_path):
    """Search → the matching employer (not «Демо-Поставка Плюс») → 2 pages, 5 reviews, salary complaints tagged."""
    document = check_demo(tmp_path, DREAMJOB / "handmade-0000123450.har")
    assert coverage(document, "dreamjob") == {"source": "dreamjob", "status": "ok", "reason": None,
                                              "essential": False, "requests": 3, "facts": 6}
    facts = {o.key: o.data for o in Store(tmp_path / "db.sqlite").observations(1) if o.source == "dreamjob"}
    assert facts["dreamjob.ru:7001"] == {
        "site": "dreamjob.ru", "rating": 1.0, "title": "Зарплату задерживают",
        "text": "Зарплату задерживают на месяц, премии обещают и не платят.", "published": "2026-10-02",
        "url": "https://dreamjob.ru/employers/900001/reviews/7001", "reviewer": "employee",
        "topics": ["salary_delay"]}
    assert facts["dreamjob.ru:7002"]["topics"] == []  # «зарплата вовремя» is praise
    assert facts["dreamjob.ru:7003"]["topics"] == ["rude"]
    assert facts["dreamjob.ru:6001"]["published"] == "2025-12-20"  # from page 2
    summary = facts["https://dreamjob.ru/employers/900001"]
    assert {k: summary[k] for k in ("site", "name", "rating", "count", "pages", "pages_read", "reviews_read",
                                    "complete")} == {
        "site": "dreamjob.ru", "name": "Демо-Поставка", "rating": 2.4, "count": 5, "pages": 2, "pages_read": 2,
        "reviews_read": 5, "complete": True}
    assert not any("900002" in key for key in facts)  # the namesake «Плюс» is another company
    salary = factors(document)["reviews_salary_delays"]
    assert salary["points"] == 15
    assert [e["key"] for e in salary["evidence"]] == ["dreamjob.ru:7001", "dreamjob.ru:6001"]  # 2023 is too old
    assert salary["evidence"][0]["url"] == "https://dreamjob.ru/employers/900001"  # the page it was read from


def test_handmade_changed_layout_fails_loudly(tmp_path):
    """12 reviews announced, none in known markup: failed, not «no reviews»."""
    document = check_demo(tmp_path, DREAMJOB / "handmade-0000123450-layout-changed.har")
    run = coverage(document, "dreamjob")
    assert run["status"] == "failed"
    assert run["reason"] == ("layout changed: dreamjob.ru announces 12 reviews at "
                             "https://dreamjob.ru/employers/900001, none could be read")


def test_handmade_captcha_fails_as_captcha(tmp_path):
    document = check_demo(tmp_path, DREAMJOB / "handmade-0000123450-captcha.har")
    run = coverage(document, "dreamjob")
    assert run["status"] == "failed" and run["reason"].startswith("captcha: dreamjob.ru shows a captcha at "
                                                                  "https://dreamjob.ru/search?query=")


def test_no_recording_is_a_failure_not_empty(tmp_path):
    document = check_demo(tmp_path)
    run = coverage(document, "dreamjob")
    assert run["status"] == "failed" and run["reason"].startswith("unrecorded request: GET https://dreamjob.ru/search")


def test_handmade_search_with_only_a_namesake_is_empty(tmp_path):
    """The search lists «Демо-Поставка Плюс» only: the name check rejects it, nothing is read, the source is empty."""
    har = json.loads((DREAMJOB / "handmade-0000123450.har").read_text(encoding="utf-8"))
    search = har["log"]["entries"][0]
    assert "/search?" in search["request"]["url"]
    text = search["response"]["content"]["text"]
    search["response"]["content"]["text"] = text.replace(
        '<a class="employer-card__name" href="/employers/900001">Демо-Поставка</a>', "")
    har["log"]["entries"] = [search]
    namesake_only = tmp_path / "handmade-0000123450-namesake-only.har"
    namesake_only.write_text(json.dumps(har, ensure_ascii=False), encoding="utf-8")
    run = coverage(check_demo(tmp_path, namesake_only), "dreamjob")
    assert (run["status"], run["requests"], run["facts"]) == ("empty", 1, 0)
