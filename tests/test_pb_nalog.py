"""pb.nalog.ru («Прозрачный бизнес») replayed from pb_nalog/7707083893.har and pb_nalog/504110181262.har,
and the company card from the hand-made tests/fixtures/pb_nalog/handmade-0000123450.har."""

from __future__ import annotations

import json
import re

import pytest
from scrapy.http import Request, TextResponse
from scrapy.http.headers import Headers

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.har import HarArchive
from clientvet.crawler.items import Fact
from clientvet.crawler.spiders.pb_nalog import CARD_URL, MAX_POLLS, MODES, SEARCH_URL, PbNalogSpider
from tests.conftest import DEMO, RECORDINGS, ROOT, check_json
from tests.registers_support import codes, subject, verdict


FIXTURES = ROOT / "tests" / "fixtures" / "pb_nalog"
DEMO_INN = "0000123450"  # ООО «ДЕМО-ПОСТАВКА», the made-up demo company (demo)


def replay(archive: HarArchive, request: Request) -> TextResponse | None:
    """Answer the spider's own request from the recordings, as --replay would; None when unrecorded."""
    recorded = archive.find(request.method, request.url, request.body,
                            request.headers.get("Content-Type", b"").decode())
    if recorded is None:
        return None
    return TextResponse(request.url, status=recorded.status, headers=Headers(list(recorded.headers)),
                        body=recorded.body, request=request)


def run(archive: HarArchive, inn: str) -> tuple[list[Request], list[Fact], list[Request]]:
    """Every request the spider makes for one INN answered from the recordings, the facts, and the unrecorded."""
    spider = PbNalogSpider(subjects=[subject(inn)])
    pending, sent, facts, unrecorded = list(spider.requests_for(subject(inn))), [], [], []
    while pending:
        request = pending.pop(0)
        sent.append(request)
        response = replay(archive, request)
        if response is None:
            unrecorded.append(request)
            continue
        for output in request.callback(response) or ():
            (pending if isinstance(output, Request) else facts).append(output)
    return sent, facts, unrecorded


def answer(body: str, status: int = 200, **meta) -> TextResponse:
    """A hand-made pb answer to a company search's poll step."""
    request = Request(SEARCH_URL, method="POST", meta={"subject": subject("7707083893"), "attempt": 1,
                                                      "job": "J", "mode": MODES["company"], **meta})
    return TextResponse(SEARCH_URL, status=status, body=body.encode(), request=request,
                        headers={"Content-Type": "application/json; charset=utf-8"})


@pytest.fixture(scope="module")
def archive() -> HarArchive:
    if not RECORDINGS.is_dir():
        pytest.skip(f"shared recordings not found at {RECORDINGS} (clone the repository beside ../shared)")
    return HarArchive(RECORDINGS / "pb_nalog")


def recorded_row(archive: HarArchive) -> dict:
    """The Sberbank row of pb_nalog/7707083893.har, to change by hand."""
    form = "id=90EBA03992E2C9419716218F2BA075C0ABDE71FD&method=get-response"
    body = archive.find("POST", SEARCH_URL, form, "application/x-www-form-urlencoded").body
    return json.loads(body)["ul"]["data"][0]


def rows(*data: dict) -> str:
    return json.dumps({"ul": {"data": list(data)}})


def facts_only(outputs) -> list[Fact]:
    return [o for o in outputs if isinstance(o, Fact)]


@pytest.fixture(scope="module")
def demo_card() -> tuple[list[Request], list[Fact], list[Request]]:
    """The hand-made search and company card of the made-up ООО «ДЕМО-ПОСТАВКА», through the spider."""
    return run(HarArchive(FIXTURES), DEMO_INN)


def card_answer(body: str, status: int = 200, **meta) -> TextResponse:
    """A hand-made pb answer to a company card request."""
    request = Request(CARD_URL, method="POST", meta={"subject": subject(DEMO_INN), "inn": DEMO_INN, "attempt": 1,
                                                     "card": ("T", "J"), **meta})
    return TextResponse(CARD_URL, status=status, body=body.encode(), request=request,
                        headers={"Content-Type": "application/json; charset=utf-8"})


def test_sberbank_search_ul_then_get_response_from_the_recording(archive):
    """pb_nalog/7707083893.har: both steps are the recorded bodies; Действующая, pr_liq=0, invalid=0.

    The row's token is anonymised in the recording, so the company card asked with it is not recorded."""
    sent, facts, unrecorded = run(archive, "7707083893")
    assert [r.body.decode() for r in sent] == [
        "mode=search-ul&queryUl=7707083893", "id=90EBA03992E2C9419716218F2BA075C0ABDE71FD&method=get-response",
        "token=%3Ctoken%3E&method=get-request"]
    assert unrecorded == [sent[2]] and sent[2].url == CARD_URL
    [fact] = facts
    assert fact.kind == "tax_risk_flags" and fact.key == "1027700132195"
    assert fact.data["status"] == "Действующая организация"
    assert fact.data["liquidation"] is False and fact.data["unreliable_data"] is False
    assert fact.data["reorganisation"] is False
    assert fact.data["marks_reported"] == ["liquidation", "unreliable_data"]
    assert fact.data["registered_on"] == "1991-06-20"
    assert not codes(verdict(facts, "7707083893")) & {"tax_liquidation_mark", "tax_unreliable_data_mark"}


def test_sole_trader_uses_search_ip_whose_row_carries_no_marks(archive):
    """pb_nalog/504110181262.har: search-ip; the row has no status, pr_liq or invalid, so no mark is claimed."""
    sent, [fact], unrecorded = run(archive, "504110181262")
    assert sent[0].body.decode() == "mode=search-ip&queryIp=504110181262"
    assert fact.data["entity"] == "sole_trader" and fact.data["okved"] == "49.41"
    assert fact.data["marks_reported"] == [] and fact.data["liquidation"] is None
    assert fact.data["reorganisation"] is None  # no status in search-ip rows: unknown, not "no"
    assert [r.url for r in unrecorded] == [CARD_URL]  # the sole trader's card is asked for too


def test_liquidation_and_unreliable_marks_handmade_from_the_sberbank_row(archive):
    """The recorded Sberbank row with pr_liq and invalid set to 1 by hand: a deal-killer and a high factor."""
    spider = PbNalogSpider(subjects=[subject("7707083893")])
    row = recorded_row(archive) | {"pr_liq": "1", "invalid": "1"}
    result = verdict(facts_only(spider.parse_rows(answer(rows(row)))), "7707083893")
    assert {"tax_liquidation_mark", "tax_unreliable_data_mark"} <= codes(result)
    assert [f.rule.code for f in result.deal_killers] == ["tax_liquidation_mark"]
    assert result.colour == "red"


def test_reorganisation_status_handmade_from_the_sberbank_row(archive):
    """The recorded Sberbank row with a reorganisation status wording by hand: a medium factor, not a deal-killer."""
    spider = PbNalogSpider(subjects=[subject("7707083893")])
    status = "Находится в процессе реорганизации в форме присоединения к другому юридическому лицу"
    [fact] = facts_only(spider.parse_rows(answer(rows(recorded_row(archive) | {"sulst_name_ex": status}))))
    assert fact.data["reorganisation"] is True
    result = verdict([fact], "7707083893")
    [factor] = [f for f in result.factors if f.rule.code == "tax_reorganisation_mark"]
    assert factor.points == 10 and status in factor.detail and not result.deal_killers


def test_handmade_card_is_asked_with_the_row_token_then_the_new_token_and_id(demo_card):
    sent, facts, unrecorded = demo_card
    assert unrecorded == []
    assert [(r.url, r.body.decode()) for r in sent[2:]] == [
        (CARD_URL, "token=HANDMADE-ROW-TOKEN-0000123450&method=get-request"),
        (CARD_URL, "token=HANDMADE-CARD-TOKEN-0000123450&id=HANDMADE-CARD-JOB-1&method=get-response")]
    assert sent[2].headers["Referer"] == b"https://pb.nalog.ru/company.html?token=HANDMADE-ROW-TOKEN-0000123450"
    assert [f.kind for f in facts] == ["tax_risk_flags", "tax_card"]


def test_handmade_card_flags_are_parsed(demo_card):
    """pr_zd, pr_otch, totalarrearsum, masaddress, masruk/masuchr counts and offense fines of the made-up card."""
    card = demo_card[1][1]
    assert card.key == "1000000000010" and card.data["name"] == 'ООО "ДЕМО-ПОСТАВКА"'
    assert (card.data["tax_debt"], card.data["reports_missing"], card.data["unreliable_data"]) == (True, True, False)
    assert card.data["marks_reported"] == ["reports_missing", "tax_debt", "unreliable_data"]
    assert card.data["arrears_rub"] == 184250.37
    assert card.data["same_address_companies"] == 7 and len(card.data["same_address_sample"]) == 5
    assert card.data["same_address_sample"][0] == {"inn": "0000900011", "name": 'ООО "ОБРАЗЕЦ-1"'}
    assert card.data["heads"] == [{"name": "ПРИМЕРОВ ПЁТР ПЕТРОВИЧ", "position": "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР", "companies": 14}]
    assert [p["companies"] for p in card.data["founders"]] == [14, 1]
    assert card.data["tax_offence_fines"] == [{"year": 2025, "fine_rub": 1000.0}, {"year": 2026, "fine_rub": 5000.0}]
    assert card.data["liquidated"] is False and card.data["reorganisation"] is None


def test_handmade_card_raises_the_register_factors(demo_card):
    result = verdict(demo_card[1], DEMO_INN)
    points = {f.rule.code: f.points for f in result.factors if f.rule.group == "registers"}
    assert points == {"tax_debt_mark": 20, "tax_reports_missing": 25, "tax_mass_address": 10,
                      "tax_mass_director": 15, "tax_mass_founder": 5, "tax_offence_fines": 5}
    details = {f.rule.code: f.detail for f in result.factors}
    assert details["tax_debt_mark"] == "arrears, penalties and fines 184 250.37 RUB"
    assert details["tax_mass_director"] == "ПРИМЕРОВ ПЁТР ПЕТРОВИЧ (ГЕНЕРАЛЬНЫЙ ДИРЕКТОР): 14 companies"
    assert details["tax_mass_address"].startswith('7 other companies, e.g. ООО "ОБРАЗЕЦ-1"')
    assert details["tax_offence_fines"] == "2025: 1 000.00 RUB; 2026: 5 000.00 RUB"
    assert all(f.evidence[0].kind == "tax_card" for f in result.factors if f.rule.group == "registers")
    assert result.colour == "red"  # 80 points, and the main activity (wholesale, 46.90) is a high-risk industry


def test_clean_card_raises_no_factor_and_thresholds_hold():
    """A hand-made card with debt and non-filing marks at 0, 4 neighbours and a head of 9 companies."""
    spider = PbNalogSpider(subjects=[subject(DEMO_INN)])
    card = {"vyp": {"ИНН": DEMO_INN, "НаимЮЛСокр": "ООО \"ДЕМО\"", "pr_zd": 0.0, "pr_otch": 0.0,
                    "masruk": [{"name": "ПРИМЕРОВ П. П.", "cnt": 9.0}]},
            "masaddress": [{"massinn": "1", "massnamec": "ООО"}] * 4, "offense": [{"yearcode": 2023.0, "offensesum": 500.0}]}
    facts = list(spider.parse_card(card_answer(json.dumps(card))))
    assert facts[0].data["tax_debt"] is False and facts[0].data["same_address_companies"] == 4
    assert not codes(verdict(facts, DEMO_INN)) & {"tax_debt_mark", "tax_reports_missing", "tax_mass_address",
                                                  "tax_mass_director", "tax_offence_fines"}


@pytest.mark.parametrize("body, reason", [
    ('{"vyp": {"ИНН": "7707083893", "pr_zd": 0}}', "card is of INN 7707083893, not 0000123450"),
    ('{"vyp": {"ИНН": "0000123450"}}', "card carries none of pr_zd, pr_otch, masaddress"),
    ('{"rows": []}', "card has no vyp"),
    ('{"vyp": {"pr_zd": "да"}}', "pr_zd='да' is not a 0/1 mark"),
    ('{"vyp": {"pr_zd": 1, "totalarrearsum": "много"}}', "totalarrearsum='много' is not a number"),
])
def test_a_changed_card_fails_loudly_handmade(body, reason):
    spider = PbNalogSpider(subjects=[subject(DEMO_INN)])
    with pytest.raises(SourceFailure, match=f"^unparseable answer: .*{re.escape(reason)}"):
        list(spider.parse_card(card_answer(body)))


def test_card_refusals_and_waiting_are_failures_handmade():
    spider = PbNalogSpider(subjects=[subject(DEMO_INN)])
    with pytest.raises(SourceFailure, match=r"^captcha: pb\.nalog\.ru answered ERRORS\.pbCaptcha"):
        list(spider.parse_card_job(card_answer('{"ERRORS":{"pbCaptcha":["x"]}}', 400)))
    with pytest.raises(SourceFailure, match="card request gave no token and id"):
        list(spider.parse_card_job(card_answer('{"id": "J"}')))
    [again] = spider.parse_card(card_answer("null"))
    assert again.body.decode() == "token=T&id=J&method=get-response" and again.meta["attempt"] == 2
    with pytest.raises(SourceFailure, match=f"^timeout: pb.nalog.ru card not ready after {MAX_POLLS} polls"):
        list(spider.parse_card(card_answer("null", attempt=MAX_POLLS)))


@pytest.mark.parametrize("body, status", [('{"ERRORS":{"pbSearchCaptcha":["Требуется ввести цифры"]}}', 400),
                                          ('{"captchaRequired":true}', 200)])
def test_captcha_is_a_failure_not_an_empty_answer_handmade(body, status):
    spider = PbNalogSpider(subjects=[subject("7707083893")])
    with pytest.raises(SourceFailure, match=r"^captcha: pb\.nalog\.ru"):
        list(spider.parse_job(answer(body, status)))


def test_rate_limit_and_unknown_errors_handmade():
    spider = PbNalogSpider(subjects=[subject("7707083893")])
    with pytest.raises(SourceFailure, match=r"^rate limited: .*pbRateLimit"):
        list(spider.parse_job(answer('{"ERRORS":{"pbRateLimit":["x"]}}', 429)))
    with pytest.raises(SourceFailure, match=r"^unparseable answer: .*ERRORS \['somethingNew'\]"):
        list(spider.parse_job(answer('{"ERRORS":{"somethingNew":["x"]}}', 400)))
    with pytest.raises(SourceFailure, match=r"^HTTP error: HTTP 400"):
        list(spider.parse_job(answer('{}', 400)))


@pytest.mark.parametrize("body", ["null", "{}", '{"status":"wait"}'])
def test_not_ready_answer_is_polled_a_bounded_number_of_times_handmade(body):
    spider = PbNalogSpider(subjects=[subject("7707083893")])
    [again] = spider.parse_rows(answer(body))
    assert again.body.decode() == "id=J&method=get-response" and again.meta["attempt"] == 2
    with pytest.raises(SourceFailure, match=f"^timeout: pb.nalog.ru not ready after {MAX_POLLS} polls"):
        list(spider.parse_rows(answer(body, attempt=MAX_POLLS)))


@pytest.mark.parametrize("change, reason", [
    ({"pr_liq": "2"}, "pr_liq='2' is not a 0/1 mark"),
    ({"invalid": None}, "invalid=None is not a 0/1 mark"),
])
def test_a_changed_row_format_fails_loudly_handmade(archive, change, reason):
    spider = PbNalogSpider(subjects=[subject("7707083893")])
    row = recorded_row(archive)
    with pytest.raises(SourceFailure, match=re.escape(reason)):
        list(spider.parse_rows(answer(rows(row | change))))
    with pytest.raises(SourceFailure, match="row lacks pr_liq"):
        list(spider.parse_rows(answer(rows({k: v for k, v in row.items() if k != "pr_liq"}))))
    with pytest.raises(SourceFailure, match=r"has no ul\.data rows"):
        list(spider.parse_rows(answer('{"rows": []}')))


def test_sberbank_full_check_pb_nalog_ok_without_a_factor(recordings, tmp_path):
    """Full replay of ПАО Сбербанк: pb_nalog/7707083893.har answers both steps, no pb factor."""
    document = check_json("--inn", "7707083893", "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
    run_ = next(r for r in document["coverage"] if r["source"] == "pb_nalog")
    # The search row is kept; the card, asked with the anonymised token, is not recorded: failed, not clean.
    assert (run_["status"], run_["requests"], run_["facts"]) == ("failed", 3, 1)
    assert run_["reason"] == f"unrecorded request: POST {CARD_URL}"
    assert not {f["code"] for f in document["factors"]} & {"tax_liquidation_mark", "tax_unreliable_data_mark",
                                                          "tax_debt_mark", "tax_reports_missing"}


def test_demo_company_full_check_reads_the_handmade_card(tmp_path):
    """Full replay: the demo company's registry recordings plus the hand-made pb search and card."""
    replay = tmp_path / "replay"
    replay.mkdir()
    for har in (*sorted(DEMO.glob("*.har")), FIXTURES / f"handmade-{DEMO_INN}.har"):
        if har.name.startswith("pb_nalog-"):
            continue  # the demo's clean card; this test replays the flagged one
        (replay / har.name).symlink_to(har)
    document = check_json("--inn", DEMO_INN, "--replay", str(replay), "--db", str(tmp_path / "db.sqlite"))
    run_ = next(r for r in document["coverage"] if r["source"] == "pb_nalog")
    assert (run_["status"], run_["requests"], run_["facts"]) == ("ok", 4, 2)
    factors = {f["code"]: f for f in document["factors"]}
    assert {"tax_debt_mark", "tax_reports_missing", "tax_mass_address", "tax_mass_director"} <= factors.keys()
    [evidence] = factors["tax_debt_mark"]["evidence"]
    assert evidence["url"] == CARD_URL and evidence["kind"] == "tax_card" and len(evidence["sha256"]) == 64


def test_unrecorded_inn_fails_with_the_unrecorded_request(recordings, tmp_path):
    """No pb recording for 5836898322: the source failed and names the request, it did not find nothing."""
    document = check_json("--inn", "5836898322", "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
    run_ = next(r for r in document["coverage"] if r["source"] == "pb_nalog")
    assert run_["status"] == "failed"
    assert run_["reason"] == "unrecorded request: POST https://pb.nalog.ru/search-proc.json"
