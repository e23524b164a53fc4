"""fssp.gov.ru enforcement proceedings: the real 2018 answers, hand-made replays, the captcha hook, the rules.

The parser reads the real answers in ../shared/recordings/fssp (tests named `real_…`, skipped without
them). The end-to-end runs use tests/fixtures/fssp, hand-made in the documented format for the
made-up demo company ООО «ДЕМО-ПОСТАВКА» (ИНН 0000123450), because no real recording holds a whole
captcha-then-results run; tests/fssp_captcha_solvers.py holds the solvers the config file names,
the way a user would configure a real service.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy.http import Request, TextResponse

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import RULES, Hit
from clientvet.crawler.base import SourceFailure
from clientvet.crawler.captcha import NOBODY_TO_ASK
from clientvet.crawler.har import HarArchive
from clientvet.crawler.items import Fact
from clientvet.crawler.spiders.fssp import (
    CALLBACK, MAX_PAGES, NO_NAME, SEARCH_URL, SOLE_TRADER, Captcha, FsspSpider, ResultPage, parse_answer, search_query)
from clientvet.evidence.store import CheckRecord, Observation, Store
from tests.conftest import AS_OF, DEMO, ROOT, check_json, har_response, run_cli
from tests.fssp_captcha_solvers import ANSWERS
from tests.registers_support import subject

FIXTURES = ROOT / "tests" / "fixtures" / "fssp"
MAIN = FIXTURES / "handmade-0000123450.har"
WRONG = FIXTURES / "handmade-0000123450-wrong-captcha.har"
NOTHING = FIXTURES / "handmade-0000123450-nothing-found.har"
DEMO_INN = "0000123450"
NAMES = ['ООО "ДЕМО-ПОСТАВКА"', 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ДЕМО-ПОСТАВКА"']  # as egrul stores them
TODAY = date(2026, 11, 23)


def recorded(har: Path, index: int) -> TextResponse:
    """The response of one entry of a hand-made HAR, to its own request."""
    entry = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"][index]
    url = entry["request"]["url"]
    return TextResponse(url, body=entry["response"]["content"]["text"].encode("utf-8"),
                        headers={"Content-Type": "text/javascript; charset=utf-8"}, request=Request(url))


def jsonp(html: str) -> TextResponse:
    body = f"{CALLBACK}({json.dumps({'data': html}, ensure_ascii=False)});"
    return TextResponse(SEARCH_URL, body=body.encode("utf-8"), headers={"Content-Type": "text/javascript"})


def html_of(har: Path, index: int) -> str:
    return json.loads(recorded(har, index).text[len(CALLBACK) + 1:-2])["data"]


# --- the request ---------------------------------------------------------------------------


def test_search_asks_the_documented_endpoint_and_is_answered_by_the_fixture():
    """The JSONP search by name in all regions; the code joins the same request; `_` is the only cache-buster."""
    spider = FsspSpider(subjects=[subject(DEMO_INN)])
    first = spider.search(subject(DEMO_INN), "ДЕМО-ПОСТАВКА", NAMES, page=1)
    parts = urlsplit(first.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://is.fssp.gov.ru/ajax_search"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    assert query.items() >= {"system": "ip", "is[extended]": "1", "is[variant]": "2", "is[region_id][0]": "-1",
                             "is[drtr_name]": "ДЕМО-ПОСТАВКА", "is[address]": "", "callback": CALLBACK,
                             "page": "1"}.items()
    assert "code" not in query and query["_"].isdigit()
    answered = spider.search(subject(DEMO_INN), "ДЕМО-ПОСТАВКА", NAMES, page=1, code="кфбмр")
    assert dict(parse_qsl(urlsplit(answered.url).query))["code"] == "кфбмр"
    archive = HarArchive(FIXTURES)
    assert archive.find("GET", first.url, b"", None) is not None
    assert archive.find("GET", answered.url, b"", None) is not None


@pytest.mark.parametrize("name, query", [
    ('ООО "ДЕМО-ПОСТАВКА"', "ДЕМО-ПОСТАВКА"),
    ('ООО "ТД "РОМАШКА""', 'ТД "РОМАШКА"'),
    ("ПАО  СБЕРБАНК", "ПАО СБЕРБАНК"),
    ("АО «ДЕМОБАНК»", "ДЕМОБАНК"),
])
def test_search_query_is_the_distinctive_part_of_the_name(name, query):
    assert search_query(name) == query


def test_sole_trader_and_missing_name_are_skipped_not_empty():
    spider = FsspSpider(subjects=[subject("504110181262")])
    assert list(spider.requests_for(subject("504110181262"))) == []
    assert spider.ledger.outcome(subject("504110181262")) == ("skipped", SOLE_TRADER)
    spider = FsspSpider(subjects=[subject(DEMO_INN)])
    spider.store = SimpleNamespace(observations=lambda check_id: [])  # egrul stored nothing
    assert list(spider.requests_for(subject(DEMO_INN))) == []
    assert spider.ledger.outcome(subject(DEMO_INN)) == ("skipped", NO_NAME)


# --- the parser on the hand-made bodies ------------------------------------------------------


def test_search_without_a_code_answers_the_captcha_with_an_inline_jpeg():
    captcha = parse_answer(recorded(MAIN, 0))
    assert isinstance(captcha, Captcha) and captcha.content_type == "image/jpeg"
    assert captcha.image[:3] == b"\xff\xd8\xff"  # a JPEG, decoded from the data: URI
    assert ANSWERS[hashlib.sha256(captcha.image).hexdigest()] == "кфбмр"


def test_first_result_page_is_read_in_full():
    page = parse_answer(recorded(MAIN, 1))
    assert isinstance(page, ResultPage) and page.pages == 2
    assert [p["number"] for p in page.proceedings] == [
        "10234/26/00001-ИП", "9876/26/00001-ИП", "5555/25/00001-ИП", "7777/26/00003-ИП"]
    utilities = page.proceedings[0]
    assert utilities == {
        "number": "10234/26/00001-ИП", "started_on": "2026-09-15", "consolidated": None,
        "debtor": 'ООО "ДЕМО-ПОСТАВКА"',
        "debtor_address": "000000, РОССИЯ, ДЕМОНСТРАЦИОННАЯ ОБЛ., Г. ПРИМЕРСК, УЛ. УСЛОВНАЯ, Д. 1",
        "region": "Демонстрационная область (выдумана)",
        "document": "Исполнительный лист от 20.08.2026 № ФС 000000101",
        "document_issuer": "АРБИТРАЖНЫЙ СУД ДЕМОНСТРАЦИОННОЙ ОБЛАСТИ",
        "ended_on": None, "end_reason": None, "end_meaning": None, "open": True,
        "subject": "Задолженность по платежам за газ, тепло и электроэнергию",
        "amount_rub": 412350.0, "fee_rub": 28864.5, "total_rub": 441214.5,
        "department": "Примерское городское ОСП",
        "department_address": "000000, Россия, Демонстрационная обл., г. Примерск, ул. Судебная, д. 5",
        "bailiff": "ПРИМЕРОВА А. А. +70000000001",
    }
    assert page.proceedings[1]["consolidated"] == "7000/26/00001-СД"
    assert page.proceedings[1]["document_issuer"] == "МЕЖРАЙОННАЯ ИФНС РОССИИ № 0 ПО ДЕМОНСТРАЦИОННОЙ ОБЛАСТИ"


def test_proceeding_ended_for_no_assets_with_the_amount_on_its_own_line():
    """«30.09.2025 / ст. 46 / ч. 1 / п. 4» and «…лиц / Общая сумма задолженности: 186400.00 руб.»."""
    ended = parse_answer(recorded(MAIN, 1)).proceedings[2]
    assert ended["ended_on"] == "2025-09-30" and ended["open"] is False
    assert (ended["end_reason"], ended["end_meaning"]) == ("ст. 46 ч. 1 п. 4", "no_assets")
    assert ended["subject"] == "Иные взыскания имущественного характера в пользу физических и юридических лиц"
    assert ended["amount_rub"] == ended["total_rub"] == 186400.0


def test_second_page_has_a_proceeding_ended_by_payment():
    page = parse_answer(recorded(MAIN, 3))
    paid, open_ = page.proceedings
    assert (paid["number"], paid["end_reason"], paid["end_meaning"]) == ("3333/24/00001-ИП", "ст. 47 ч. 1 п. 1", "paid")
    assert paid["subject"] == "Штраф иного органа" and paid["amount_rub"] == 50000.0
    assert open_["department"] == "ОСП по Центральному району г. Примерска" and open_["total_rub"] == 101650.0


def test_nothing_found_is_a_page_without_proceedings():
    assert parse_answer(recorded(NOTHING, 1)) == ResultPage([], 1)


@pytest.mark.parametrize("reason, meaning", [
    ("ст. 46<br>ч. 1<br>п. 3", "no_assets"), ("ст. 47<br>ч. 1<br>п. 7", "bankruptcy"),
    ("ст. 47<br>ч. 1<br>п. 8", "liquidation"), ("ст. 46<br>ч. 1<br>п. 1", "returned_to_creditor"),
    ("ст. 43<br>ч. 2<br>п. 1", "terminated"), ("ст. 33", "other"),
])
def test_end_reasons_mean_what_229_fz_says(reason, meaning):
    html = html_of(MAIN, 1).replace("30.09.2025<br>ст. 46<br>ч. 1<br>п. 4", f"30.09.2025<br>{reason}")
    assert parse_answer(jsonp(html)).proceedings[2]["end_meaning"] == meaning


def test_a_charge_line_never_seen_before_is_kept_as_unread():
    html = html_of(MAIN, 1).replace("Исполнительский сбор: 28864.50 руб.", "Новый сбор: 100.00 руб.")
    first = parse_answer(jsonp(html)).proceedings[0]
    assert first["unread"] == ["Новый сбор: 100.00 руб."] and "fee_rub" not in first and first["total_rub"] == 412350.0


@pytest.mark.parametrize("response, reason", [
    (TextResponse(SEARCH_URL, body=b"<html><body>403 Forbidden</body></html>", headers={"Content-Type": "text/html"}),
     "^blocked: an HTML page instead of the JSONP answer"),
    (jsonp("<p>Сервис временно недоступен</p>"), "^unparseable answer: fssp.gov.ru answer is neither results"),
    (jsonp("<p>Вы превысили лимит запросов</p>"), "^rate limited: "),
    (jsonp('<div id="captcha-popup"><img src="/captcha.jpg"></div>'), "captcha form without an inline image"),
    (TextResponse(SEARCH_URL, body=b'cb({"err": 1});', headers={"Content-Type": "text/javascript"}),
     "JSONP without a data field"),
])
def test_answers_that_are_not_results_fail(response, reason):
    with pytest.raises(SourceFailure, match=reason):
        parse_answer(response)


def test_a_row_of_another_width_means_the_layout_changed():
    html = html_of(MAIN, 1).replace('<td class="pay">', '<td class="pay"></td><td>', 1)
    with pytest.raises(SourceFailure, match=r"layout changed \(a row of 9 cells, expected 8\)"):
        parse_answer(jsonp(html))


async def _drain(spider: FsspSpider, response: TextResponse, into: list) -> None:
    async for output in spider.parse(response):
        into.append(output)


def test_more_pages_than_the_cap_keeps_what_was_read_and_fails_incomplete():
    spider = FsspSpider(subjects=[subject(DEMO_INN)])
    html = html_of(MAIN, 1).replace("page=2", "page=12")
    meta = {"subject": subject(DEMO_INN), "query": "ДЕМО-ПОСТАВКА", "names": NAMES, "page": MAX_PAGES, "code": "x"}
    response = jsonp(html).replace(request=Request(SEARCH_URL, meta=meta))
    outputs: list = []
    with pytest.raises(SourceFailure, match=f"^incomplete: read {MAX_PAGES} of 12 result pages"):
        asyncio.run(_drain(spider, response, outputs))
    assert [f.key for f in outputs if isinstance(f, Fact)] == ["10234/26/00001-ИП", "9876/26/00001-ИП",
                                                               "5555/25/00001-ИП"]  # not the namesake


# --- the parser on the real 2018 answers (../shared/recordings/fssp) ---------------------------

GAZPROM_TRANSGAZ_SPB = ("ООО ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ", "1027804862755")


def real(recordings: Path, har: str, meta: dict | None = None) -> TextResponse:
    return har_response(recordings / "fssp" / har, "ajax_search", meta)


def test_real_debtor_search_reads_all_six_proceedings(recordings):
    """«Газпром» in region 67: CRLF-laden HTML in the guarded jQuery JSONP, a payment script in every row."""
    page = parse_answer(real(recordings, "gazprom-region67.har"))
    assert isinstance(page, ResultPage) and page.pages == 1
    assert [(p["number"], p["started_on"], p["ended_on"], p["end_reason"], p["end_meaning"], p["total_rub"])
            for p in page.proceedings] == [
        ("43714/15/67036-ИП", "2015-09-21", "2016-11-30", "ст. 46 ч. 1 п. 4", "no_assets", None),
        ("28720/16/67036-ИП", "2016-04-08", "2016-11-29", "ст. 46 ч. 1 п. 4", "no_assets", None),
        ("35745/16/67036-ИП", "2016-05-25", "2016-11-30", "ст. 46 ч. 1 п. 4", "no_assets", None),
        ("76735/17/67036-ИП", "2017-09-21", "2017-11-30", "ст. 46 ч. 1 п. 3", "no_assets", None),
        ("77705/17/67036-ИП", "2017-09-26", None, None, None, 6000.0),
        ("25362/18/67049-ИП", "2018-03-28", None, None, None, 250.0),
    ]
    assert [(p["debtor"], p.get("debtor_ogrn")) for p in page.proceedings] == [
        ("ООО ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ", None),
        GAZPROM_TRANSGAZ_SPB,  # the OGRN glued to the name, and the trailing comma, are taken off
        ("ООО ГАЗПРОМ ТРАНСГАЗ САНКТ ПЕТЕРБУРГ", "1027804862755"),
        ('ООО "ГАЗПРОМ МЕЖРЕГИОНГАЗ СМОЛЕНСК"', None),
        ('ООО "ГАЗПРОМ МЕЖРЕГИОНГАЗ СМОЛЕНСК"', None),
        ("АО ГАЗПРОМ ГАЗОРАСПРЕДЕЛЕНИЕ СМОЛЕНСК", None),
    ]


def test_real_row_in_full(recordings):
    """An ended traffic fine: no sum is shown, which is unknown (None), not a debt of zero."""
    assert parse_answer(real(recordings, "gazprom-region67.har")).proceedings[1] == {
        "number": "28720/16/67036-ИП", "started_on": "2016-04-08", "consolidated": None,
        "debtor": "ООО ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ", "debtor_ogrn": "1027804862755",
        "debtor_address": "214031, 67, СМОЛЕНСК Г, ИНДУСТРИАЛЬНАЯ УЛ, 8", "region": None,
        "document": "Акт по делу об административном правонарушении от 22.06.2015 № 18810167150622007164",
        "document_issuer": "ЦАФАП ГИБДД УМВД РОССИИ ПО СМОЛЕНСКОЙ ОБЛАСТИ",
        "ended_on": "2016-11-29", "end_reason": "ст. 46 ч. 1 п. 4", "end_meaning": "no_assets", "open": False,
        "subject": "Штраф ГИБДД", "amount_rub": None, "total_rub": None,
        "department": "Промышленный РОСП г.Смоленска УФССП России по Смоленской области",
        "department_address": "214029, Смоленская область, г. Смоленск, Краснинское шоссе, д. 35",
        "bailiff": "ГУЖАЕВА Ю. В. 74812382455 +7(4812)30-74-76 +7(4812)30-74-49",
    }


def test_real_open_proceeding_has_its_outstanding_sum(recordings):
    open_ = parse_answer(real(recordings, "gazprom-region67.har")).proceedings[4]
    assert open_["open"] is True and open_["ended_on"] is None
    assert (open_["subject"], open_["amount_rub"], open_["total_rub"]) == (
        "Иные взыскания имущественного характера не в бюджеты РФ", 6000.0, 6000.0)
    assert open_["document"] == "Исполнительный лист от 19.09.2017 № ФС№022190958"
    assert open_["debtor_address"] == "РОССИЯ, 214019, СМОЛЕНСК Г, ИСАКОВСКОГО УЛ, 28"


def test_real_proceeding_number_search(recordings):
    [found] = parse_answer(real(recordings, "ip-76735-17-67036.har")).proceedings
    assert (found["number"], found["document"], found["document_issuer"]) == (
        "76735/17/67036-ИП", "Исполнительный лист от 09.03.2017 № ФС 015507071", "АРБИТРАЖНЫЙ СУД СМОЛЕНСКОЙ ОБЛАСТИ")
    assert (found["ended_on"], found["end_reason"], found["end_meaning"]) == ("2017-11-30", "ст. 46 ч. 1 п. 3",
                                                                              "no_assets")
    assert (found["subject"], found["total_rub"]) == ("Госпошлина, присужденная судом", None)


def test_real_captcha_answer_is_a_jpeg_to_solve(recordings):
    captcha = parse_answer(real(recordings, "captcha-region77.har"))
    assert isinstance(captcha, Captcha) and captcha.content_type == "image/jpeg"
    assert captcha.image[:3] == b"\xff\xd8\xff"


def test_real_answer_with_a_row_fewer_than_it_counts_is_a_layout_change(recordings):
    """«Найдено записей: 6» above a table of 5 rows: rows were lost, not found."""
    response = real(recordings, "gazprom-region67.har")
    wrapped = re.match(r"^(?P<head>.*?\()(?P<json>.*)(?P<tail>\)\s*;?\s*)$", response.text, re.DOTALL)
    html = json.loads(wrapped["json"])["data"]
    cut = re.sub(r'<tr class="even bottom">.*?</tr>', "", html, count=1, flags=re.DOTALL)
    body = wrapped["head"] + json.dumps({"data": cut}, ensure_ascii=False) + wrapped["tail"]
    with pytest.raises(SourceFailure, match=r"layout changed \(fssp.gov.ru says 6 records, the table has 5 rows\)"):
        parse_answer(response.replace(body=body.encode("utf-8")))


def facts_from_real(recordings: Path, names: list[str], ogrn: str | None) -> dict[str, str]:
    """Proceeding number → why it is the company's, from the spider reading the real answer."""
    meta = {"subject": subject(DEMO_INN), "query": "Газпром", "names": names, "ogrn": ogrn, "page": 1, "code": "x"}
    spider = FsspSpider(subjects=[subject(DEMO_INN)])
    outputs: list = []
    asyncio.run(_drain(spider, real(recordings, "gazprom-region67.har", meta), outputs))
    return {f.key: f.data["name_match"] for f in outputs if isinstance(f, Fact)}


def test_real_rows_are_attributed_by_the_glued_ogrn_else_by_name(recordings):
    found = facts_from_real(recordings, ['ООО "ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ"'], GAZPROM_TRANSGAZ_SPB[1])
    assert found == {"43714/15/67036-ИП": "same name after normalising legal form and quotes",
                     "28720/16/67036-ИП": "identifiers match: OGRN 1027804862755",
                     "35745/16/67036-ИП": "identifiers match: OGRN 1027804862755"}
    # a namesake with another OGRN keeps only the row that shows none
    namesake = facts_from_real(recordings, ['ООО "ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ"'], "1027700132195")
    assert list(namesake) == ["43714/15/67036-ИП"]


def test_real_rows_of_the_same_name_under_another_legal_form_are_not_the_company(recordings):
    assert list(facts_from_real(recordings, ['АО "Газпром газораспределение Смоленск"'], None)) == [
        "25362/18/67049-ИП"]
    assert facts_from_real(recordings, ['ООО "Газпром газораспределение Смоленск"'], None) == {}  # АО in the table
    assert list(facts_from_real(recordings, ['ООО "Газпром межрегионгаз Смоленск"'], None)) == [
        "76735/17/67036-ИП", "77705/17/67036-ИП"]


# --- end to end: `clientvet check` on the demo company, replayed -------------------------------


def replay_dir(tmp_path: Path, fixture: Path) -> Path:
    """The demo company's recordings, but its fssp one, plus one fssp scenario."""
    directory = tmp_path / "replay"
    directory.mkdir()
    for har in (*sorted(DEMO.glob("*.har")), fixture):
        if har.parent == DEMO and har.name.startswith("fssp-"):
            continue
        (directory / har.name).symlink_to(har)
    return directory


def config_with_solver(tmp_path: Path, solver: str) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(f'[captcha]\nsolver = "tests.fssp_captcha_solvers:{solver}"\n', encoding="utf-8")
    return {"CLIENTVET_CONFIG": str(config), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def fssp_run(document: dict) -> dict:
    return next(run for run in document["coverage"] if run["source"] == "fssp")


def enforcement_codes(document: dict) -> set[str]:
    return {f["code"] for f in document["factors"] if f["group"] == "debts"}


def test_without_solver_or_interactive_the_source_fails_captcha(tmp_path):
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, MAIN)),
                          "--db", str(tmp_path / "db.sqlite"), env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    run = fssp_run(document)
    assert (run["status"], run["reason"], run["requests"], run["facts"]) == ("failed", NOBODY_TO_ASK, 1, 0)
    assert "captcha" in run["reason"]
    assert not enforcement_codes(document)
    # nobody to show it to: the image is not saved (the browser sources may keep their own dconf cache there)
    assert not (tmp_path / "cache" / "clientvet").exists()


def test_configured_solver_reads_both_pages_and_the_rules_fire(tmp_path):
    db = tmp_path / "db.sqlite"
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, MAIN)), "--db", str(db),
                          env=config_with_solver(tmp_path, "reads_the_image"))
    assert fssp_run(document) | {"essential": None} == {
        "source": "fssp", "status": "ok", "reason": None, "essential": None, "requests": 4, "facts": 5}
    factors = {f["code"]: f for f in document["factors"]}
    assert factors["enforcement_open"]["points"] == 15
    assert "3 open, 1 792 864.50 RUB outstanding; latest 10234/26/00001-ИП" in factors["enforcement_open"]["summary"]
    assert factors["enforcement_large_debt"]["points"] == 25
    assert factors["enforcement_recent"]["points"] == 9
    no_assets = factors["enforcement_no_assets"]
    assert no_assets["severity"] == "high" and no_assets["points"] == 30
    assert "5555/25/00001-ИП of 2025-03-10" in no_assets["summary"] and "ended 2025-09-30 (ст. 46 ч. 1 п. 4)" in \
        no_assets["summary"]
    [evidence] = no_assets["evidence"]
    assert evidence["url"].startswith(SEARCH_URL) and "code=" in evidence["url"] and len(evidence["sha256"]) == 64
    assert factors["enforcement_paid"]["points"] == 1
    assert document["verdict"] == "red"

    stored = {o.key: o.data for o in Store(db).observations(1) if o.kind == "enforcement_proceeding"}
    assert sorted(stored) == ["10234/26/00001-ИП", "3333/24/00001-ИП", "4444/25/00002-ИП", "5555/25/00001-ИП",
                              "9876/26/00001-ИП"]  # 7777/26/00003-ИП is ООО "ДЕМО-ПОСТАВКА ПЛЮС", a namesake
    assert stored["4444/25/00002-ИП"]["searched_for"] == "ДЕМО-ПОСТАВКА"
    assert stored["4444/25/00002-ИП"]["name_match"] == "same name after normalising legal form and quotes"


def test_interactive_answer_typed_on_the_terminal(tmp_path):
    """--interactive: the image is saved under the cache directory, the prompt goes to stderr, answers come on stdin."""
    cache = tmp_path / "cache"
    result = run_cli("check", "--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, MAIN)),
                     "--db", str(tmp_path / "db.sqlite"), "--json", "--as-of", AS_OF, "--interactive",
                     env={"XDG_CACHE_HOME": str(cache)}, input="кфбмр\nпдлгн\n")
    assert result.returncode == 0, result.stderr
    assert fssp_run(json.loads(result.stdout))["status"] == "ok"  # stdout stays one JSON document
    saved = sorted((cache / "clientvet" / "captcha").iterdir())
    assert len(saved) == 2 and all(p.name.startswith("fssp-") and p.suffix == ".jpg" for p in saved)
    assert sorted(ANSWERS[hashlib.sha256(p.read_bytes()).hexdigest()] for p in saved) == ["кфбмр", "пдлгн"]
    assert result.stderr.count("The captcha image is saved at") == 2
    assert all(str(p) in result.stderr for p in saved)


def test_interactive_without_an_answer_fails_captcha(tmp_path):
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, MAIN)),
                          "--db", str(tmp_path / "db.sqlite"), "--interactive",
                          env={"XDG_CACHE_HOME": str(tmp_path / "cache")}, input="")
    assert (fssp_run(document)["status"], fssp_run(document)["reason"]) == ("failed", "captcha: no answer was typed")


def test_wrong_answer_fails_captcha_not_empty(tmp_path):
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, WRONG)),
                          "--db", str(tmp_path / "db.sqlite"), env=config_with_solver(tmp_path, "answers_wrong"))
    run = fssp_run(document)
    assert (run["status"], run["reason"], run["requests"]) == (
        "failed", "captcha: wrong answer (fssp.gov.ru asked again)", 2)
    assert not enforcement_codes(document)


def test_right_answer_and_nothing_found_is_empty(tmp_path):
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, NOTHING)),
                          "--db", str(tmp_path / "db.sqlite"), env=config_with_solver(tmp_path, "reads_the_image"))
    assert fssp_run(document) | {"essential": None} == {
        "source": "fssp", "status": "empty", "reason": None, "essential": None, "requests": 2, "facts": 0}


@pytest.mark.parametrize("solver, reason", [
    ("gives_up", "captcha: the solver gave no answer"),
    ("breaks", "captcha: the solver failed (RuntimeError)"),  # not its message: it may carry the key
    ("no_such_function", "captcha: solver 'tests.fssp_captcha_solvers:no_such_function' cannot be loaded "
                         "(AttributeError); expected 'package.module:function'"),
    ("NOT_A_FUNCTION", "captcha: solver 'tests.fssp_captcha_solvers:NOT_A_FUNCTION' is not a function"),
])
def test_a_solver_without_an_answer_fails_captcha(tmp_path, solver, reason):
    result = run_cli("check", "--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, MAIN)),
                     "--db", str(tmp_path / "db.sqlite"), "--json", "--as-of", AS_OF,
                     env=config_with_solver(tmp_path, solver))
    assert result.returncode == 0, result.stderr
    assert (fssp_run(json.loads(result.stdout))["status"], fssp_run(json.loads(result.stdout))["reason"]) == (
        "failed", reason)
    assert "SECRET-KEY-123" not in result.stdout + result.stderr


# --- the rules over hand-built evidence ---------------------------------------------------------


def proceeding(number: str, started_on: str, total: float = 10_000.0, ended_on: str | None = None,
               meaning: str | None = None, reason: str | None = None) -> Observation:
    data = {"number": number, "started_on": started_on, "debtor": NAMES[0], "subject": "Иные взыскания",
            "open": ended_on is None, "total_rub": total, "ended_on": ended_on, "end_meaning": meaning,
            "end_reason": reason}
    return Observation(f"enforcement_proceeding:{number}", "enforcement_proceeding", number, "fssp", data, "", "", None)


def hits(code: str, *observations: Observation) -> list[Hit]:
    check = CheckRecord(1, f"ru:inn:{DEMO_INN}", "RU", "inn", DEMO_INN, "2026-11-23T00:00:00+00:00", None, "done",
                        None)
    return list(RULES[code].evaluate(CheckEvidence(check, list(observations), frozenset(), TODAY)))


def test_open_proceedings_score_5_each_up_to_25():
    two_open = [proceeding(f"{n}/20/1-ИП", "2020-01-01") for n in range(2)]
    paid = proceeding("9/20/1-ИП", "2020-01-01", ended_on="2020-06-01", meaning="paid")
    assert [h.points for h in hits("enforcement_open", *two_open, paid)] == [10]
    [hit] = hits("enforcement_open", *(proceeding(f"{n}/20/1-ИП", "2020-01-01") for n in range(7)))
    assert hit.points == 25 and len(hit.evidence) == 7


def test_large_debt_counts_open_proceedings_only_from_a_million():
    below = [proceeding("1/26/1-ИП", "2026-01-01", 600_000), proceeding("2/26/1-ИП", "2026-01-01", 399_999.99)]
    assert hits("enforcement_large_debt", *below) == []
    closed = proceeding("3/26/1-ИП", "2026-01-01", 5_000_000, ended_on="2026-05-01", meaning="paid")
    assert hits("enforcement_large_debt", *below, closed) == []
    [hit] = hits("enforcement_large_debt", *below, proceeding("4/26/1-ИП", "2026-01-01", 0.01))
    assert hit.detail.startswith("1 000 000.00 RUB in 3 proceeding(s); largest 1/26/1-ИП of 2026-01-01")


def test_recent_counts_the_last_12_months_paid_or_not():
    [hit] = hits("enforcement_recent", proceeding("1/26/1-ИП", "2026-11-01"),
                 proceeding("2/25/1-ИП", "2025-11-23", ended_on="2026-01-01", meaning="paid"),
                 proceeding("3/25/1-ИП", "2025-11-22"))
    assert hit.points == 6 and [o.key for o in hit.evidence] == ["1/26/1-ИП", "2/25/1-ИП"]


def test_no_assets_counts_the_last_three_years_of_article_46_points_3_and_4():
    recent = proceeding("1/25/1-ИП", "2025-01-01", ended_on="2025-06-01", meaning="no_assets",
                        reason="ст. 46 ч. 1 п. 3")
    old = proceeding("2/20/1-ИП", "2020-01-01", ended_on="2020-06-01", meaning="no_assets",
                     reason="ст. 46 ч. 1 п. 4")
    returned = proceeding("3/25/1-ИП", "2025-01-01", ended_on="2025-06-01", meaning="returned_to_creditor")
    [hit] = hits("enforcement_no_assets", recent, old, returned)
    assert hit.points is None and [o.key for o in hit.evidence] == ["1/25/1-ИП"]
    assert "ended 2025-06-01 (ст. 46 ч. 1 п. 3)" in hit.detail
    assert hits("enforcement_no_assets", old, returned) == []


def test_paid_proceedings_are_mostly_harmless():
    paid = [proceeding(f"{n}/25/1-ИП", "2025-01-01", ended_on="2025-03-01", meaning="paid") for n in range(5)]
    [hit] = hits("enforcement_paid", *paid)
    assert hit.points == 3 and RULES["enforcement_paid"].severity == "low"
