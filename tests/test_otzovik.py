"""otzovik.com: hand-made pages (no real recording exists) replayed through the spider inside the browser."""

from __future__ import annotations

import shutil

import pytest

from clientvet.evidence.store import Store
from tests.reviews_support import FIXTURES, check_demo, coverage, factors

OTZOVIK = FIXTURES / "otzovik"
PAGE = "https://otzovik.com/reviews/ooo_demo-postavka_russia_demonstracionnaya_oblast/"

needs_browser = pytest.mark.skipif(shutil.which("chromium") is None,
                                   reason="no chromium on PATH: the browser replay of otzovik.com cannot run")


@needs_browser
def test_handmade_company_page_is_read_in_the_browser(tmp_path):
    """Search → the company (not «Демо-Поставка Маркет») → both list pages, 5 reviews with topics."""
    document = check_demo(tmp_path, OTZOVIK / "handmade-0000123450.har")
    assert coverage(document, "otzovik") == {"source": "otzovik", "status": "ok", "reason": None, "essential": False,
                                             "requests": 3, "facts": 6}
    store = Store(tmp_path / "db.sqlite")
    facts = {o.key: o.data for o in store.observations(1) if o.source == "otzovik"}
    assert facts["otzovik.com:review_11000001_html"] == {
        "site": "otzovik.com", "rating": 1.0, "title": "Мошенники!",
        "text": "Взяли предоплату и пропали. Деньги так и не вернули.", "published": "2026-11-05",
        "url": "https://otzovik.com/review_11000001.html", "reviewer": "customer", "topics": ["fraud"]}
    assert [facts[f"otzovik.com:review_1100000{n}_html"]["topics"] for n in range(2, 6)] == [
        [], ["missed_deadlines"], ["rude"], ["non_payment"]]
    summary = facts[PAGE]
    assert {k: summary[k] for k in ("name", "rating", "count", "pages", "pages_read", "reviews_read")} == {
        "name": 'ООО "Демо-Поставка" (Россия, Демонстрационная область)', "rating": 2.2, "count": 5, "pages": 2,
        "pages_read": 2, "reviews_read": 5}
    assert "magazin" not in " ".join(facts)
    found = factors(document)
    assert [e["key"] for e in found["reviews_non_payment_or_fraud"]["evidence"]] == [
        "otzovik.com:review_11000001_html", "otzovik.com:review_11000005_html"]
    assert "4 of 5 reviews (80%)" in found["reviews_many_complaints"]["summary"]
    archived = store.db.execute("select url, replayed from responses where source = 'otzovik' order by id").fetchall()
    assert [url for url, _ in archived] == [
        "https://otzovik.com/?search_text=%D0%94%D0%95%D0%9C%D0%9E-%D0%9F%D0%9E%D0%A1%D0%A2%D0%90%D0%92%D0%9A%D0%90",
        PAGE, PAGE + "2/"]


@needs_browser
def test_handmade_changed_layout_fails_loudly(tmp_path):
    run = coverage(check_demo(tmp_path, OTZOVIK / "handmade-0000123450-layout-changed.har"), "otzovik")
    assert (run["status"], run["reason"]) == (
        "failed", f"layout changed: otzovik.com announces 5 reviews at {PAGE}, none could be read")


@needs_browser
def test_handmade_captcha_fails_as_captcha(tmp_path):
    run = coverage(check_demo(tmp_path, OTZOVIK / "handmade-0000123450-captcha.har"), "otzovik")
    assert run["status"] == "failed"
    assert run["reason"].startswith("captcha: otzovik.com shows a captcha at https://otzovik.com/?search_text=")


@needs_browser
def test_handmade_search_without_the_company_is_empty(tmp_path):
    run = coverage(check_demo(tmp_path, OTZOVIK / "handmade-0000123450-not-found.har"), "otzovik")
    assert (run["status"], run["reason"], run["facts"]) == ("empty", None, 0)


def test_unrecorded_search_fails_without_starting_a_browser(tmp_path):
    run = coverage(check_demo(tmp_path), "otzovik")
    assert (run["status"], run["requests"]) == ("failed", 0)
    assert run["reason"].startswith("unrecorded request: GET https://otzovik.com/?search_text=")
