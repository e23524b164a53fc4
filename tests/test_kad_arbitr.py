"""kad.arbitr.ru: the real court-search page parsed, hand-made INN searches and case cards replayed through
the browser, rules."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import RULES, Hit
from clientvet.crawler.base import SourceFailure
from clientvet import config
from clientvet.crawler.items import Subject
from clientvet.crawler.browser import NO_BROWSER, NO_DISPLAY, browser_problem
from clientvet.crawler.spiders.kad_arbitr import (SEARCH_URL, KadArbitrSpider, parse_answer, parse_card, search_body,
                                                  subject_role)
from clientvet.evidence.store import CheckRecord, Observation, Store
from tests.conftest import DEMO, ROOT, check_json, har_response

REAL = Path("kad_arbitr/ekaterinburg-20260921-20260924.har")
FIXTURES = ROOT / "tests" / "fixtures" / "kad_arbitr"
DEMO_INN = "0000123450"  # ООО «ДЕМО-ПОСТАВКА», the made-up demo company (demo)
TODAY = date(2026, 11, 23)

needs_browser = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="no chromium on PATH (apt-get install chromium): the browser replay of kad.arbitr.ru cannot run")


@pytest.fixture
def real_page(recordings):
    """The one real answer: АС Свердловской области, 21–24.09.2026, page 1 of 24 (a court search, not an INN one)."""
    return parse_answer(har_response(recordings / REAL, "SearchInstances"))


def case(cases: list[dict], number: str) -> dict:
    return next(c for c in cases if c["case_number"] == number)


def fragment_response(body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(SEARCH_URL, status=status, body=body.encode(), encoding="utf-8",
                        request=Request(SEARCH_URL, method="POST"))


CARDS = FIXTURES / f"handmade-{DEMO_INN}-cards.har"
CARD_URL = "https://kad.arbitr.ru/Card/00000000-0000-4000-8000-0000000000{:02d}"


def card_page(number: int) -> HtmlResponse:
    """A hand-made case card of handmade-0000123450-cards.har, by the last digits of its guid."""
    return har_response(CARDS, CARD_URL.format(number))


# --- the real recording, at parser level -------------------------------------------------


def test_real_page_holds_25_cases_of_589_on_24_pages(real_page):
    """Every row is read, paging comes from the hidden inputs, kinds from the icon class."""
    cases, paging = real_page
    assert paging == (1, 24, 589)
    assert len(cases) == 25
    assert cases[0]["case_number"] == "А60-59238/2026" and cases[-1]["case_number"] == "А60-59212/2026"
    assert Counter(c["case_kind"] for c in cases) == {"civil": 10, "bankruptcy": 10, "administrative": 4,
                                                       "unspecified": 1}
    assert {c["filed_on"] for c in cases} == {"2026-09-22"}


def test_real_row_is_read_in_full(real_page):
    """А60-59238/2026: link, kind, date, court, judge and both parties with INN and address."""
    assert case(real_page[0], "А60-59238/2026") == {
        "case_number": "А60-59238/2026",
        "url": "https://kad.arbitr.ru/Card/1fccc72b-9aba-4836-8c1b-e99019aea5c5",
        "case_kind": "civil",
        "filed_on": "2026-09-22",
        "court": "АС Свердловской области",
        "judge": "Кузьминская О. А.",
        "plaintiffs": [{"name": 'АО Страховое "РЕСО-Гарантия"', "inn": "7710045520",
                        "address": "125047, Россия, г. Москва, г. Москва, ул. Гашека, д. 12 строение 1",
                        "extra": False}],
        "respondents": [{"name": 'ООО "УПРАВЛЯЮЩАЯ КОМПАНИЯ "ЖИЛСТАНДАРТ"', "inn": "6658515673",
                         "address": "620043, Россия, Свердловская область, г. Екатеринбург, ул. Репина, д. 52, "
                                    "кв. 6-1",
                         "extra": False}],
    }


def test_real_row_with_parties_hidden_in_div_more(real_page):
    """А60-59233/2026 shows 2 respondents and 9 more behind the «11» button; the count is not a party."""
    respondents = case(real_page[0], "А60-59233/2026")["respondents"]
    assert len(respondents) == 11
    assert [p["extra"] for p in respondents] == [False] * 2 + [True] * 9
    assert respondents[2]["name"] == 'ООО "РЕМИСТР"' and respondents[2]["inn"] == "8602107193"


def test_real_bankruptcy_petitions_have_no_applicant_and_keep_no_birth_data(real_page):
    """А60-59212/2026: a person's own petition; the rollover's birth date and place are not kept."""
    petition = case(real_page[0], "А60-59212/2026")
    assert petition["case_kind"] == "bankruptcy" and petition["plaintiffs"] == []
    [debtor] = petition["respondents"]
    assert debtor["inn"] == "660109902820"
    assert set(debtor) == {"name", "inn", "address", "extra"}
    assert "1993" not in json.dumps(petition, ensure_ascii=False)


def test_role_is_decided_by_inn_anywhere_in_the_row(real_page):
    """Plaintiff or defendant by the INN the row shows (also in div.more); absent means a third party."""
    cases = real_page[0]
    assert subject_role(case(cases, "А60-59238/2026"), "7710045520", []) == ("plaintiff", "INN")
    assert subject_role(case(cases, "А60-59238/2026"), "6658515673", []) == ("defendant", "INN")
    assert subject_role(case(cases, "А60-59233/2026"), "8602107193", []) == ("defendant", "INN")
    role, _ = subject_role(case(cases, "А60-59238/2026"), "7707083893", ['ООО "УПРАВЛЯЮЩАЯ КОМПАНИЯ "ЖИЛСТАНДАРТ"'])
    assert role == "third_party"  # the name matches, but the party shows another INN


def test_role_by_name_only_where_the_row_shows_no_inn(real_page):
    """А60-59235/2026: the respondent's INN and address are hidden («Данные скрыты»): the name decides."""
    row = case(real_page[0], "А60-59235/2026")
    assert row["respondents"][0]["inn"] is None and row["respondents"][0]["address"] == "Данные скрыты"
    assert subject_role(row, "000000000000", ["Джонц Андрей Геннадьевич"]) == ("defendant", "name")
    assert subject_role(row, "000000000000", ["Джонц Андрей Петрович"])[0] == "third_party"


def test_name_search_attributes_by_name_even_where_the_party_shows_an_inn(real_page):
    """No INN known: the name decides (a namesake cannot be told apart), and a case without the name is not ours."""
    row = case(real_page[0], "А60-59238/2026")
    assert subject_role(row, None, ['ООО "Управляющая компания "Жилстандарт"']) == ("defendant", "name")
    assert subject_role(row, None, ['ООО "ЖИЛСТАНДАРТ-2"']) is None


class RegistryStore:
    """Stands in for the evidence store: what egrul stored before kad_arbitr runs."""

    def __init__(self, *records: dict):
        self.records = [Observation(f"registry_record:{n}", "registry_record", str(n), "egrul", data, "", "", None)
                        for n, data in enumerate(records)]

    def observations(self, check_id: int) -> list[Observation]:
        return self.records


@pytest.mark.parametrize("records, side, skipped", [
    (({"name": 'ООО "ДЕМО-ПОСТАВКА"', "inn": DEMO_INN},), DEMO_INN, None),
    (({"name": 'ООО "ДЕМО-ПОСТАВКА"'},), 'ООО "ДЕМО-ПОСТАВКА"', None),
    ((), None, "no INN or name to search by (the registry gave neither)"),
])
def test_the_search_is_by_inn_and_by_name_only_when_no_inn_is_known(monkeypatch, records, side, skipped):
    monkeypatch.setattr("clientvet.crawler.browser.find_browser", lambda: "/usr/bin/chromium")
    subject = Subject(1, "ru:ogrn:1000000000010", "RU", "ogrn", "1000000000010")
    spider = KadArbitrSpider(subjects=[subject])
    spider.store, spider.replay = RegistryStore(*records), False
    requests = list(spider.requests_for(subject))
    assert [r.meta["side"] for r in requests] == ([side] if side else [])
    assert spider.ledger.states[subject].skipped == skipped


def test_search_body_takes_an_inn_or_a_name():
    body = json.loads(search_body('ООО "ДЕМО-ПОСТАВКА"', 2))
    assert body["Sides"] == [{"Name": 'ООО "ДЕМО-ПОСТАВКА"', "Type": -1, "ExactMatch": False}]
    assert (body["Page"], body["Count"]) == (2, 25)


# --- case cards (hand-made, in the markup public card parsers read) ---------------------------


def test_handmade_card_gives_the_claim_amount_and_the_dispute():
    assert parse_card(card_page(4), "А00-996/2026") == {
        "case_number": "А00-996/2026", "url": CARD_URL.format(4), "status": "Рассматривается в первой инстанции",
        "dispute": "О неисполнении или ненадлежащем исполнении обязательств по договорам финансовой аренды (лизинга)",
        "claim": "О взыскании лизинговых платежей и изъятии предмета лизинга", "claim_rub": 8_100_000.0,
        "debt_collection": True}
    assert parse_card(card_page(6), "А00-994/2026")["claim_rub"] == 730_500.5


def test_card_without_a_claim_amount_keeps_the_case_and_no_amount():
    page = card_page(1)
    without = page.replace(body=page.text.replace("Сумма исковых требований", "Госпошлина").encode())
    card = parse_card(without, "А00-999/2026")
    assert card["claim_rub"] is None and card["claim"] is None
    assert card["debt_collection"] is True  # the dispute (unfulfilled supply contracts) still says so


def test_card_of_another_case_or_not_a_card_is_a_failure():
    with pytest.raises(SourceFailure, match="shows case А00-999/2026, not А00-998/2026"):
        parse_card(card_page(1), "А00-998/2026")
    blocked = card_page(1).replace(status=451)
    with pytest.raises(SourceFailure, match=r"^blocked: HTTP 451 from https://kad.arbitr.ru/Card/"):
        parse_card(blocked, "А00-999/2026")
    challenge = card_page(1).replace(body=b"<html><body>DDoS-Guard</body></html>")
    with pytest.raises(SourceFailure, match="^blocked: an HTML page instead of the case card"):
        parse_card(challenge, "А00-999/2026")
    captcha = card_page(1).replace(body='<html><div class="b-pravocaptcha-title">Введите код</div></html>'.encode())
    with pytest.raises(SourceFailure, match="^captcha: the case card"):
        parse_card(captcha, "А00-999/2026")


def test_headed_browser_without_a_display_is_skipped_with_what_to_do(tmp_path, monkeypatch):
    """The site refuses headless Chromium by one report: `headless = false` needs a screen (xvfb-run)."""
    settings = tmp_path / "config.toml"
    settings.write_text('[browser]\nheadless = false\n', encoding="utf-8")
    monkeypatch.setenv("CLIENTVET_CONFIG", str(settings))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr("clientvet.crawler.browser.find_browser", lambda: "/usr/bin/chromium")
    config.load_config.cache_clear()
    try:
        assert browser_problem() == NO_DISPLAY and "xvfb-run" in NO_DISPLAY
        monkeypatch.setenv("DISPLAY", ":99")
        assert browser_problem() is None
    finally:
        config.load_config.cache_clear()


# --- answers that are not results: failures, never "nothing found" -------------------------


def test_451_answer_is_blocked():
    with pytest.raises(SourceFailure, match=r"^blocked: HTTP 451 from https://kad.arbitr.ru/Kad/SearchInstances"):
        parse_answer(fragment_response("<html><body>451</body></html>", status=451))


def test_handmade_challenge_page_instead_of_the_fragment_is_blocked():
    """A 200 with a whole HTML page (a DDoS-Guard check) and no paging inputs is a block."""
    with pytest.raises(SourceFailure, match="^blocked: an HTML page instead of search results"):
        parse_answer(fragment_response("<!DOCTYPE html><html><body>Checking your browser…</body></html>"))


def test_rows_without_case_links_mean_the_layout_changed(recordings):
    """The real answer with the case-link class renamed: rows are there, none can be read."""
    real = har_response(recordings / REAL, "SearchInstances")
    changed = fragment_response(real.text.replace('class="num_case"', 'class="case-link"'))
    with pytest.raises(SourceFailure, match=r"^unparseable answer: layout changed \(a row without case number"):
        parse_answer(changed)


def test_announced_cases_without_rows_mean_the_layout_changed(recordings):
    """The real paging inputs (589 cases) with the rows cut out."""
    real = har_response(recordings / REAL, "SearchInstances").text
    rowless = real[:real.index("<tr")] + real[real.rindex("</tr>") + len("</tr>"):]
    with pytest.raises(SourceFailure, match=r"^unparseable answer: layout changed \(589 cases announced"):
        parse_answer(fragment_response(rowless))


def test_handmade_answer_with_no_cases_is_empty():
    paging = "".join(f'<input type="hidden" id="{name}" value="{value}" />' for name, value in
                     (("documentsPage", 1), ("documentsTotalCount", 0), ("documentsPagesCount", 0)))
    assert parse_answer(fragment_response(paging)) == ([], (1, 0, 0))


# --- rules over hand-built evidence --------------------------------------------------------


def court_case(number: str, filed_on: str, role: str = "defendant", kind: str = "civil",
               plaintiffs: tuple[str, ...] = ('ООО "ИСТЕЦ"',)) -> Observation:
    data = {"case_number": number, "case_kind": kind, "filed_on": filed_on, "court": "АС Демонстрационной области",
            "role": role, "plaintiffs": [{"name": n, "inn": None, "address": None, "extra": False} for n in plaintiffs],
            "respondents": []}
    return Observation(f"court_case:{number}", "court_case", number, "kad_arbitr", data, "", "", None)


def search(total: int, pages: int, pages_read: int, cards_wanted: int = 0, cards_read: int = 0) -> Observation:
    data = {"side": DEMO_INN, "inn": DEMO_INN, "total": total, "pages": pages, "pages_read": pages_read,
            "complete": pages_read >= pages, "cards_wanted": cards_wanted, "cards_read": cards_read}
    return Observation("court_search", "court_search", f"inn:{DEMO_INN}", "kad_arbitr", data, "", "", None)


def card(number: str, claim_rub: float | None, debt_collection: bool = True) -> Observation:
    data = {"case_number": number, "url": CARD_URL.format(1), "claim_rub": claim_rub, "debt_collection": debt_collection}
    return Observation(f"court_card:{number}", "court_card", number, "kad_arbitr", data, "", "", None)


def hits(code: str, *observations: Observation) -> list[Hit]:
    check = CheckRecord(1, f"ru:inn:{DEMO_INN}", "RU", "inn", DEMO_INN, "2026-11-23T00:00:00+00:00", None, "done",
                        None)
    return list(RULES[code].evaluate(CheckEvidence(check, list(observations), frozenset(), TODAY)))


def test_one_suit_in_two_years_is_ordinary_business():
    assert hits("court_defendant_suits", court_case("А00-1/2026", "2026-10-01")) == []


def test_suits_score_3_points_in_the_last_year_and_1_in_the_year_before():
    """Two recent (6) + one 12–24 months old (1); older suits, plaintiff and administrative cases do not count."""
    [hit] = hits("court_defendant_suits",
                 court_case("А00-1/2026", "2026-10-01", plaintiffs=('ООО "КРЕДИТОР"',)),
                 court_case("А00-2/2026", "2026-01-15", kind="unspecified", plaintiffs=('ООО "КРЕДИТОР"',)),
                 court_case("А00-3/2025", "2025-03-01"),
                 court_case("А00-4/2024", "2024-11-01"),
                 court_case("А00-5/2026", "2026-09-01", role="plaintiff"),
                 court_case("А00-6/2026", "2026-09-01", kind="administrative"))
    assert hit.points == 7
    assert hit.detail.startswith("3 suit(s) as defendant in 24 months, 2 in the last 12; latest А00-1/2026 of "
                                 '2026-10-01; plaintiffs: ООО "КРЕДИТОР" (2), ООО "ИСТЕЦ" (1)')
    assert [o.key for o in hit.evidence] == ["А00-1/2026", "А00-2/2026", "А00-3/2025"]


def test_suit_points_are_capped():
    suits = [court_case(f"А00-{n}/2026", f"2026-{n:02d}-01") for n in range(1, 12)]
    [hit] = hits("court_defendant_suits", *suits)
    assert hit.points == 30 and len(hit.evidence) == 11


def test_partly_read_search_says_the_counts_are_a_lower_bound():
    [hit] = hits("court_defendant_suits", court_case("А00-1/2026", "2026-10-01"),
                 court_case("А00-2/2026", "2026-09-01"), search(total=2400, pages=96, pages_read=40))
    assert hit.detail.endswith("; at least: read 40 of 96 pages (newest first), 2400 cases in all")


def test_debt_collection_cards_add_points_to_the_suits():
    """Two recent suits (6) + 2 for the one whose card shows debt collection; a card of a plaintiff case adds nothing."""
    [hit] = hits("court_defendant_suits", court_case("А00-1/2026", "2026-10-01"), court_case("А00-2/2026", "2026-09-01"),
                 court_case("А00-5/2026", "2026-09-01", role="plaintiff"),
                 card("А00-1/2026", 500_000.0), card("А00-2/2026", 100_000.0, debt_collection=False),
                 card("А00-5/2026", 9_000_000.0))
    assert hit.points == 8
    assert "; 1 of 2 card(s) read show debt collection" in hit.detail
    assert [o.key for o in hit.evidence] == ["А00-1/2026", "А00-2/2026", "А00-1/2026"]


@pytest.mark.parametrize("amounts, points", [((400_000.0, 500_000.0), None), ((400_000.0, 600_000.0), 10),
                                             ((4_000_000.0, 6_000_000.0), 25)])
def test_total_claims_against_the_company_score_by_size(amounts, points):
    cases = [court_case(f"А00-{n}/2026", "2026-09-01") for n in range(len(amounts))]
    cards = [card(f"А00-{n}/2026", amount) for n, amount in enumerate(amounts)]
    found = hits("court_claims_total", *cases, *cards)
    assert [h.points for h in found] == ([points] if points else [])


def test_claims_as_plaintiff_or_older_than_two_years_do_not_count_and_partial_cards_are_said():
    observations = (court_case("А00-1/2026", "2026-09-01"), card("А00-1/2026", 1_500_000.0),
                    court_case("А00-2/2026", "2026-09-01", role="plaintiff"), card("А00-2/2026", 50_000_000.0),
                    court_case("А00-3/2023", "2023-09-01"), card("А00-3/2023", 50_000_000.0),
                    search(total=40, pages=2, pages_read=2, cards_wanted=12, cards_read=10))
    [hit] = hits("court_claims_total", *observations)
    assert hit.points == 10
    assert hit.detail == ("1 500 000.00 RUB in 1 suit(s); largest А00-1/2026: 1 500 000.00 RUB; "
                          "cards read for 10 of 12 suits (newest first)")


def test_bankruptcy_case_against_the_company_names_the_applicant():
    """As respondent in a bankruptcy case the company is the debtor; as applicant it is a creditor."""
    [hit] = hits("court_bankruptcy_petition",
                 court_case("А00-7/2026", "2026-06-01", kind="bankruptcy", plaintiffs=('АО "БАНК"',)),
                 court_case("А00-8/2026", "2026-06-01", kind="bankruptcy", role="plaintiff"),
                 court_case("А00-9/2020", "2020-06-01", kind="bankruptcy"))
    assert hit.detail == 'А00-7/2026 of 2026-06-01, applicant АО "БАНК"'
    assert [o.key for o in hit.evidence] == ["А00-7/2026"]


def test_old_bankruptcy_case_is_a_past_petition():
    [hit] = hits("court_past_bankruptcy_petition", court_case("А00-9/2020", "2020-06-01", kind="bankruptcy",
                                                              plaintiffs=()))
    assert hit.detail == "А00-9/2020 of 2020-06-01, no applicant shown (the company's own?)"
    assert hits("court_bankruptcy_petition", court_case("А00-9/2020", "2020-06-01", kind="bankruptcy")) == []


# --- end to end: `clientvet check` replayed through the browser ----------------------------


def replay_dir(tmp_path: Path, *fixtures: Path) -> Path:
    """The hand-made demo company's recordings, but its kad.arbitr.ru one, plus the given kad.arbitr.ru HAR files."""
    directory = tmp_path / "replay"
    directory.mkdir()
    for har in (*sorted(DEMO.glob("*.har")), *fixtures):
        if har.parent == DEMO and har.name.startswith("kad_arbitr-"):
            continue
        (directory / har.name).symlink_to(har)
    return directory


def coverage(document: dict) -> dict:
    return next(run for run in document["coverage"] if run["source"] == "kad_arbitr")


def max_cards(tmp_path: Path, cards: int) -> dict[str, str]:
    settings = tmp_path / "config.toml"
    settings.write_text(f"[kad_arbitr]\nmax_cards = {cards}\n", encoding="utf-8")
    return {"CLIENTVET_CONFIG": str(settings)}


@needs_browser
def test_handmade_inn_search_replayed_through_the_browser(tmp_path):
    """Landing page, both search pages and the cards of the 3 newest suits, fetched from inside it, all from the HAR."""
    db, fixture = tmp_path / "db.sqlite", FIXTURES / f"handmade-{DEMO_INN}.har"
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, fixture, CARDS)), "--db", str(db),
                          env=max_cards(tmp_path, 3))
    assert coverage(document) == {
        "source": "kad_arbitr", "status": "ok", "reason": None, "essential": False, "requests": 6, "facts": 31}
    factors = {f["code"]: f for f in document["factors"]}
    suits = factors["court_defendant_suits"]
    assert suits["points"] == 30  # 7 suits in the last 12 months, 4 in the 12 before, 3 debt collections: capped
    assert ("11 suit(s) as defendant in 24 months, 7 in the last 12; latest А00-999/2026 of 2026-11-10"
            in suits["summary"])
    assert "3 of 3 card(s) read show debt collection" in suits["summary"]
    claims = factors["court_claims_total"]
    assert claims["points"] == 25
    assert ("11 280 500.50 RUB in 3 suit(s); largest А00-996/2026: 8 100 000.00 RUB, А00-999/2026: 2 450 000.00 RUB, "
            "А00-994/2026: 730 500.50 RUB; cards read for 3 of 16 suits (newest first)") in claims["summary"]
    assert claims["evidence"][0]["url"] == CARD_URL.format(4)
    assert suits["evidence"][0]["url"] == SEARCH_URL and len(suits["evidence"][0]["sha256"]) == 64
    petition = factors["court_bankruptcy_petition"]["summary"]
    assert 'А00-998/2026 of 2026-10-28, applicant АО "УСЛОВНЫЙ БАНК"' in petition
    assert "А00-973/2022" in factors["court_past_bankruptcy_petition"]["summary"]  # read from page 2

    facts = {o.key: o.data for o in Store(db).observations(1) if o.kind == "court_case"}
    assert len(facts) == 27
    assert (facts["А00-996/2026"]["role"], facts["А00-996/2026"]["role_basis"]) == ("defendant", "name")
    assert facts["А00-994/2026"]["role"] == "defendant"  # only in div.more
    assert facts["А00-993/2026"]["role"] == "third_party"
    assert Counter(f["role"] for f in facts.values()) == {"defendant": 19, "plaintiff": 7, "third_party": 1}
    archived = Store(db).db.execute(
        "select method, url, status, replayed from responses where source = 'kad_arbitr' order by id").fetchall()
    assert archived == [("GET", "https://kad.arbitr.ru/", 200, 1), ("POST", SEARCH_URL, 200, 1),
                        ("POST", SEARCH_URL, 200, 1), *[("GET", CARD_URL.format(n), 200, 1) for n in (1, 4, 6)]]


@needs_browser
def test_unrecorded_card_fails_the_source_and_keeps_the_cases(tmp_path):
    """The default cap asks 10 cards and only 3 are recorded: failed with the 4th card's request, cases stored."""
    db, fixture = tmp_path / "db.sqlite", FIXTURES / f"handmade-{DEMO_INN}.har"
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, fixture, CARDS)), "--db", str(db))
    run = coverage(document)
    assert (run["status"], run["reason"]) == ("failed", f"unrecorded request: GET {CARD_URL.format(8)}")
    assert run["facts"] == 27 + 3  # the cases and the cards read; no court_search summary after the failure


@needs_browser
def test_handmade_451_to_the_search_fails_blocked(tmp_path):
    fixture = FIXTURES / f"handmade-{DEMO_INN}-blocked.har"
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, fixture)),
                          "--db", str(tmp_path / "db.sqlite"))
    run = coverage(document)
    assert (run["status"], run["reason"]) == ("failed", f"blocked: HTTP 451 from {SEARCH_URL}")
    assert not any(f["code"].startswith("court_") for f in document["factors"])


@needs_browser
def test_unrecorded_browser_request_fails_the_source(tmp_path):
    """A HAR with the landing page only: the page's fetch() is aborted, and the source says which request."""
    har = json.loads((FIXTURES / f"handmade-{DEMO_INN}.har").read_text(encoding="utf-8"))
    har["log"]["entries"] = [e for e in har["log"]["entries"] if e["request"]["method"] == "GET"]
    landing_only = tmp_path / "handmade-landing-only.har"
    landing_only.write_text(json.dumps(har, ensure_ascii=False), encoding="utf-8")
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, landing_only)),
                          "--db", str(tmp_path / "db.sqlite"))
    run = coverage(document)
    assert (run["status"], run["reason"]) == ("failed", f"unrecorded request: POST {SEARCH_URL}")


@needs_browser
def test_unrecorded_landing_page_fails_the_source(tmp_path):
    """No kad.arbitr.ru recording at all (as in ../shared/recordings): failed, not empty."""
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path)), "--db", str(tmp_path / "db.sqlite"))
    run = coverage(document)
    assert (run["status"], run["reason"]) == ("failed", "unrecorded request: GET https://kad.arbitr.ru/")


def test_without_a_browser_the_source_is_skipped(tmp_path):
    """A configured browser that is not there: skipped with what to install, never a crash."""
    config = tmp_path / "config.toml"
    config.write_text('[browser]\nbrowser = "/nonexistent/chromium"\n', encoding="utf-8")
    fixture = FIXTURES / f"handmade-{DEMO_INN}.har"
    document = check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, fixture)),
                          "--db", str(tmp_path / "db.sqlite"), env={"CLIENTVET_CONFIG": str(config)})
    run = coverage(document)
    assert (run["status"], run["reason"]) == ("skipped", NO_BROWSER)
