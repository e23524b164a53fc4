"""The company's own website: the number a visitor sees, however carelessly the page is written.

tests/fixtures/website/handmade-awkward-sites.har holds hand-made home pages of made-up sites
(reserved .example domains), one trap each: encodings missing or lying, broken HTML, a number
split by tags, a real company's INN only where no visitor sees it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from scrapy.http import Request, TextResponse
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes

from clientvet.crawler.finders.website import WebsiteFinder, page_text
from clientvet.crawler.har import HarArchive
from clientvet.evidence.identifiers import Identity
from tests.conftest import AS_OF, DEMO, ROOT, run_cli

SITES = ROOT / "tests" / "fixtures" / "website"
DEMO_INN = Identity("RU", "inn", "0000123450")


def home_page(host: str) -> TextResponse:
    """The recorded home page of `host`, as the finder's first request gets it (bodies may be base64)."""
    url = f"https://{host}/"
    recorded = HarArchive(SITES).find("GET", url, None, None)
    headers = Headers(list(recorded.headers))
    response_class = responsetypes.from_args(headers=headers, url=url, body=recorded.body)
    return response_class(url=url, status=recorded.status, headers=headers, body=recorded.body,
                          request=Request(url, meta={"page": 0}))


def read(host: str) -> tuple[list[Identity], list[str]]:
    """(identities found on the home page, URLs of the pages the finder asks for next)."""
    finder = WebsiteFinder(domain=host)
    following = [request.url for request in finder.parse(home_page(host))]
    return [candidate.identity for candidate in finder.candidates], following


@pytest.mark.parametrize("host", [
    "cp1251-no-charset.example",  # windows-1251, nothing declared
    "meta-lies.example",  # windows-1251 under <meta charset="utf-8">
    "header-lies.example",  # windows-1251, header and meta say ISO-8859-1
    "koi8.example",  # KOI8-R, declared in the header
    "bom.example",  # UTF-8 with a BOM under <meta charset="windows-1251">
])
def test_the_inn_is_read_whatever_the_page_says_its_encoding_is(host):
    assert read(host) == ([DEMO_INN], [])  # found on the home page: no other page is asked for
    assert "Адрес: Демонстрационная область, ул. Примерная, д. 1, офис 2." in page_text(home_page(host))


def test_a_number_split_by_tags_in_broken_html_is_read():
    """Unclosed cells and paragraphs, stray closing tags, `<span>0000</span><span>123</span>…`, &nbsp;."""
    assert read("broken.example") == ([DEMO_INN], [])
    text = page_text(home_page("broken.example"))
    assert "ИНН 0000123450\nОГРН: 1000000000010\n\nАдрес:" in text
    assert "7707083893" not in text  # in the comment the page ends inside


def test_a_number_no_visitor_sees_does_not_count():
    """Sberbank's INN in a script, JSON-LD, a style, a comment, attributes, hidden and template elements only."""
    page = home_page("hidden-only.example")
    assert page.text.count("7707083893") == 10  # it is all over the page's source
    assert read("hidden-only.example") == ([], ["https://hidden-only.example/contacts"])  # so the next page is read
    assert page_text(page) == ("Главная | О компании | Контакты\n\nО нас\n\n"
                               "Мы продаём товары для дома. Реквизиты — по запросу.\n\nНаведите курсор")


def test_a_uk_company_number_on_a_windows_1252_page():
    assert read("uk-cp1252.example") == ([Identity("GB", "company_number", "99000042")], [])


def test_check_by_domain_finds_the_company_through_a_lying_charset(tmp_path):
    """The whole path: `check --domain` reads meta-lies.example and checks the demo company it names."""
    replay = tmp_path / "replay"
    replay.mkdir()
    for har in [*SITES.glob("*.har"), *DEMO.glob("*.har")]:
        shutil.copy(har, replay)
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--domain", "meta-lies.example", "--replay", str(replay), "--db", str(db),
                     "--as-of", AS_OF, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["company"]["identifiers"]["inn"] == DEMO_INN.value
    with sqlite3.connect(db) as conn:
        [(key, terms)] = conn.execute("select company_key, terms from checks").fetchall()
    assert key == "ru:inn:0000123450"
    assert json.loads(terms)["found_by"]["candidates"][0]["url"] == "https://meta-lies.example/"
