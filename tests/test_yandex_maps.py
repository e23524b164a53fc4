"""Yandex Maps: a hand-made search page and fetchReviews answers (no real recording exists), replayed in the browser."""

from __future__ import annotations

import shutil

import pytest

from clientvet.evidence.store import Store
from tests.reviews_support import FIXTURES, check_demo, coverage, factors

YANDEX = FIXTURES / "yandex_maps"
ORG = "https://yandex.ru/maps/org/1098765432/reviews/"

needs_browser = pytest.mark.skipif(shutil.which("chromium") is None,
                                   reason="no chromium on PATH: the browser replay of Yandex Maps cannot run")


@needs_browser
def test_handmade_reviews_are_fetched_from_inside_the_page(tmp_path):
    """The organisation (not «Демо-Поставка Экспресс»), two fetchReviews pages, each answer archived."""
    document = check_demo(tmp_path, YANDEX / "handmade-0000123450.har")
    assert coverage(document, "yandex_maps") == {"source": "yandex_maps", "status": "ok", "reason": None,
                                                 "essential": False, "requests": 3, "facts": 5}
    store = Store(tmp_path / "db.sqlite")
    facts = {o.key: o.data for o in store.observations(1) if o.source == "yandex_maps"}
    assert facts["yandex.ru/maps:hm-yx-1"] == {
        "site": "yandex.ru/maps", "rating": 1.0, "title": None, "text": "Менеджеры хамят, на звонки не отвечают.",
        "published": "2026-10-20", "url": ORG, "reviewer": "customer", "topics": ["rude"]}
    assert [facts[f"yandex.ru/maps:hm-yx-{n}"]["topics"] for n in (2, 3, 4)] == [[], ["missed_deadlines"], []]
    summary = facts[ORG]
    assert {k: summary[k] for k in ("name", "rating", "count", "pages", "pages_read", "reviews_read")} == {
        "name": "Демо-Поставка", "rating": 2.9, "count": 4, "pages": 2, "pages_read": 2, "reviews_read": 4}
    archived = store.db.execute("select url from responses where source = 'yandex_maps' order by id").fetchall()
    assert [url.split("?")[0] for url, in archived] == [
        "https://yandex.ru/maps/", "https://yandex.ru/maps/api/business/fetchReviews",
        "https://yandex.ru/maps/api/business/fetchReviews"]
    assert "1098765499" not in " ".join(url for url, in archived)  # the namesake is not read
    # 3 recent reviews are fewer than the 5 a share needs; one rude review is no verdict
    assert {code for code in factors(document) if code.startswith("reviews_")} == {"reviews_partly_unchecked"}


@needs_browser
def test_handmade_changed_answer_fails_loudly(tmp_path):
    run = coverage(check_demo(tmp_path, YANDEX / "handmade-0000123450-layout-changed.har"), "yandex_maps")
    assert (run["status"], run["reason"]) == (
        "failed", "layout changed: fetchReviews answer without data.reviews from "
                  "https://yandex.ru/maps/api/business/fetchReviews")


@needs_browser
def test_handmade_captcha_answer_to_the_xhr_fails_as_captcha(tmp_path):
    run = coverage(check_demo(tmp_path, YANDEX / "handmade-0000123450-captcha.har"), "yandex_maps")
    assert (run["status"], run["reason"]) == (
        "failed", "captcha: Yandex Maps asks for SmartCaptcha at https://yandex.ru/maps/api/business/fetchReviews")


@needs_browser
def test_handmade_captcha_page_fails_as_captcha(tmp_path):
    run = coverage(check_demo(tmp_path, YANDEX / "handmade-0000123450-captcha-page.har"), "yandex_maps")
    assert run["status"] == "failed"
    assert run["reason"].startswith("captcha: Yandex Maps shows SmartCaptcha at https://yandex.ru/maps/?text=")
