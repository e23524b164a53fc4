"""html_to_text: scraped HTML as the plain text a reader sees (review texts, notice bodies, company pages)."""

from __future__ import annotations

import warnings

import pytest

from clientvet.crawler.spiders.dreamjob import LAYOUT
from clientvet.crawler.spiders.review_site import parse_html_reviews
from clientvet.crawler.text import html_to_text
from tests.conftest import ROOT, har_response


@pytest.mark.parametrize("html, text", [
    ("<p>Первый  абзац,\n  в две строки.</p><p>Второй.</p>", "Первый абзац, в две строки.\n\nВторой."),
    ("строка<br>ещё строка<br><br>новый абзац", "строка\nещё строка\n\nновый абзац"),
    ("<ul><li>раз<li>два</ul>после", "раз\nдва\n\nпосле"),
    ("<table><tr><td>ИНН<td>0000123450<tr><th>ОГРН</th><td>1000000000010</td></tr></table>",
     "ИНН 0000123450\nОГРН 1000000000010"),
    ("<span>0000</span><span>123450</span>", "0000123450"),  # inline tags do not split words
    ("Tom &amp; Jerry&nbsp;&laquo;Ltd&raquo; &#8212; &#x41;", "Tom & Jerry «Ltd» — A"),
    ("<div>a<script>alert('x')</script><style>p{}</style><!-- note -->b</div>", "ab"),
    ("<p hidden>скрыто</p><div style='display:none'>скрыто</div><template>шаблон</template>видно", "видно"),
    ("<pre>код\n  с отступом</pre>", "код\nс отступом"),
    ("<p>незакрытый <b>жирный <i>курсив", "незакрытый жирный курсив"),
    ("3 < 5 and 7 > 2", "3 < 5 and 7 > 2"),
    ("", ""),
])
def test_html_becomes_the_text_a_reader_sees(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize("looks_like_a_locator", ["https://example.com/review", "отзыв.html"])
def test_text_that_looks_like_a_url_or_file_name_is_text_and_no_warning(looks_like_a_locator):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert html_to_text(looks_like_a_locator) == looks_like_a_locator
    assert caught == []


def test_deeply_nested_unclosed_markup_is_read_without_recursion():
    assert html_to_text("<div><font>" * 5000 + "глубоко") == "глубоко"


def test_a_review_with_markup_keeps_its_paragraphs_and_loses_its_scripts():
    """The dreamjob hand-made employer page, its first review written as sites write them."""
    page = har_response(ROOT / "tests" / "fixtures" / "dreamjob" / "handmade-0000123450.har", "/employers/900001")
    original = "<p>Зарплату задерживают на месяц, премии обещают и не платят.</p>"
    assert original in page.text
    marked_up = ("<p>Зарплату задерживают&nbsp;на&nbsp;месяц,<br>премии <b>обещают</b>.</p>"
                 "<script>track('review')</script><p>И не платят.</p>")
    reviews, _, _ = parse_html_reviews(page.replace(body=page.text.replace(original, marked_up).encode("utf-8")),
                                       LAYOUT, "dreamjob.ru")
    assert reviews[0]["text"] == "Зарплату задерживают на месяц,\nпремии обещают.\n\nИ не платят."
