"""pb.nalog.ru («Прозрачный бизнес») replayed from pb_nalog/7707083893.har and pb_nalog/504110181262.har."""

from __future__ import annotations

import json
import re

import pytest
from scrapy.http import Request, TextResponse
from scrapy.http.headers import Headers

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.har import HarArchive
from clientvet.crawler.items import Fact
from clientvet.crawler.spiders.pb_nalog import MAX_POLLS, MODES, SEARCH_URL, PbNalogSpider
from tests.conftest import RECORDINGS, check_json
from tests.registers_support import codes, subject, verdict


def replay(archive: HarArchive, request: Request) -> TextResponse:
    """Answer the spider's own request from the recordings, as --replay would (or fail the test)."""
    recorded = archive.find(request.method, request.url, request.body,
                            request.headers.get("Content-Type", b"").decode())
    assert recorded is not None, f"unrecorded: {request.method} {request.url} {request.body!r}"
    return TextResponse(request.url, status=recorded.status, headers=Headers(list(recorded.headers)),
                        body=recorded.body, request=request)


def run(archive: HarArchive, inn: str) -> tuple[list[Request], list[Fact]]:
    """Every request the spider makes for one INN, answered from the recordings, and the facts it yields."""
    spider = PbNalogSpider(subjects=[subject(inn)])
    pending, sent, facts = list(spider.requests_for(subject(inn))), [], []
    while pending:
        request = pending.pop(0)
        sent.append(request)
        for output in request.callback(replay(archive, request)) or ():
            (pending if isinstance(output, Request) else facts).append(output)
    return sent, facts


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


def test_sberbank_search_ul_then_get_response_from_the_recording(archive):
    """pb_nalog/7707083893.har: both steps are the recorded bodies; Действующая, pr_liq=0, invalid=0."""
    sent, facts = run(archive, "7707083893")
    assert [r.body.decode() for r in sent] == [
        "mode=search-ul&queryUl=7707083893", "id=90EBA03992E2C9419716218F2BA075C0ABDE71FD&method=get-response"]
    [fact] = facts
    assert fact.kind == "tax_risk_flags" and fact.key == "1027700132195"
    assert fact.data["status"] == "Действующая организация"
    assert fact.data["liquidation"] is False and fact.data["unreliable_data"] is False
    assert fact.data["marks_reported"] == ["liquidation", "unreliable_data"]
    assert fact.data["registered_on"] == "1991-06-20"
    assert not codes(verdict(facts, "7707083893")) & {"tax_liquidation_mark", "tax_unreliable_data_mark"}


def test_sole_trader_uses_search_ip_whose_row_carries_no_marks(archive):
    """pb_nalog/504110181262.har: search-ip; the row has no status, pr_liq or invalid, so no mark is claimed."""
    sent, [fact] = run(archive, "504110181262")
    assert sent[0].body.decode() == "mode=search-ip&queryIp=504110181262"
    assert fact.data["entity"] == "sole_trader" and fact.data["okved"] == "49.41"
    assert fact.data["marks_reported"] == [] and fact.data["liquidation"] is None


def test_liquidation_and_unreliable_marks_handmade_from_the_sberbank_row(archive):
    """The recorded Sberbank row with pr_liq and invalid set to 1 by hand: a deal-killer and a high factor."""
    spider = PbNalogSpider(subjects=[subject("7707083893")])
    row = recorded_row(archive) | {"pr_liq": "1", "invalid": "1"}
    result = verdict(list(spider.parse_rows(answer(rows(row)))), "7707083893")
    assert {"tax_liquidation_mark", "tax_unreliable_data_mark"} <= codes(result)
    assert [f.rule.code for f in result.deal_killers] == ["tax_liquidation_mark"]
    assert result.colour == "red"


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
    assert (run_["status"], run_["requests"], run_["facts"]) == ("ok", 2, 1)
    assert not {f["code"] for f in document["factors"]} & {"tax_liquidation_mark", "tax_unreliable_data_mark"}


def test_unrecorded_inn_fails_with_the_unrecorded_request(recordings, tmp_path):
    """No pb recording for 5836898322: the source failed and names the request, it did not find nothing."""
    document = check_json("--inn", "5836898322", "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
    run_ = next(r for r in document["coverage"] if r["source"] == "pb_nalog")
    assert run_["status"] == "failed"
    assert run_["reason"] == "unrecorded request: POST https://pb.nalog.ru/search-proc.json"
