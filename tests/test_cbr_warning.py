"""The Bank of Russia warning list, replayed from cbr_warning/black-list-sample.har (7 of 27264 records)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from types import SimpleNamespace

import pytest
from scrapy.http import Request, TextResponse

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.spiders.cbr_warning import COMPANIES_ONLY, LIST_URL, CbrWarningSpider
from tests.conftest import check_json, har_response
from tests.registers_support import codes, subject, verdict

LOMBARD = "4800031693"  # ООО "ЛОМБАРД 48": Признаки нелегального кредитора, since 2026-09-24
UDACHA = "9102262964"  # ООО "УДАЧА": listed 2026-06-24, Closed=true
FINANSINVEST = "1901135037"  # ПК "ФИНАНСИНВЕСТ": "Компания использует данные легального участника…"
FLIBBERTAK = "5904406758"  # two signs in one record
SBERBANK = "7707083893"


def listed(recordings, *inns: str):
    """One crawl of the list for several subjects: (spider, facts by INN)."""
    subjects = [subject(inn, check_id=n) for n, inn in enumerate(inns, 1)]
    spider = CbrWarningSpider(subjects=subjects)
    requests = [r for s in subjects for r in spider.requests_for(s)]
    assert len(requests) == 1 and requests[0].url == LIST_URL  # one download serves every subject
    response = har_response(recordings / "cbr_warning" / "black-list-sample.har", "black-list-json", requests[0].meta)
    facts = list(spider.parse(response))
    return spider, {inn: [f for f in facts if f.subject.value == inn] for inn in inns}


def test_listed_inn_is_a_deal_killer_and_others_in_the_same_crawl_are_not(recordings):
    _, facts = listed(recordings, SBERBANK, LOMBARD)
    assert facts[SBERBANK] == []
    [entry] = facts[LOMBARD]
    assert entry.kind == "warning_list_entry" and entry.key == "47928"
    assert entry.data["signs"] == ["Признаки нелегального кредитора"] and entry.data["listed_on"] == "2026-09-24"
    result = verdict(facts[LOMBARD], LOMBARD)
    assert [f.rule.code for f in result.deal_killers] == ["on_cbr_warning_list"]
    assert result.deal_killers[0].detail == "«Признаки нелегального кредитора» since 2026-09-24"


def test_closed_record_still_counts_and_says_so(recordings):
    _, facts = listed(recordings, UDACHA)
    [factor] = verdict(facts[UDACHA], UDACHA).deal_killers
    assert factor.detail.endswith("; the Bank marks the company closed")


def test_several_signs_are_kept_apart(recordings):
    _, facts = listed(recordings, FLIBBERTAK)
    assert facts[FLIBBERTAK][0].data["signs"] == [
        "Признаки нелегального кредитора", "Признаки незаконного привлечения инвестиций"]


def test_a_company_whose_details_are_misused_is_warned_not_condemned(recordings):
    """The ФИНАНСИНВЕСТ record says someone uses a legal participant's data: impersonation, no deal-killer."""
    _, facts = listed(recordings, FINANSINVEST)
    result = verdict(facts[FINANSINVEST], FINANSINVEST)
    assert not result.deal_killers
    assert codes(result) == {"cbr_warning_impersonation"}


def test_sole_traders_are_skipped_while_the_list_has_no_trader_inns(recordings):
    spider, facts = listed(recordings, "504110181262", LOMBARD)
    assert spider.ledger.outcome(subject("504110181262", check_id=1)) == ("skipped", COMPANIES_ONLY)
    assert len(facts[LOMBARD]) == 1


def test_a_failed_download_fails_every_subject():
    subjects = [subject(SBERBANK, 1), subject(LOMBARD, 2)]
    spider = CbrWarningSpider(subjects=subjects)
    list(spider.requests_for(subjects[0]))
    spider.store = SimpleNamespace(source_finished=lambda *args: None)
    spider.crawler = SimpleNamespace(signals=SimpleNamespace(send_catch_log=lambda *args, **kwargs: None))
    spider.ledger.fail(subjects[0], "blocked: HTTP 403 from https://www.cbr.ru/inside/warning-list/black-list-json")
    spider.closed("finished")
    assert [spider.ledger.outcome(s)[0] for s in subjects] == ["failed", "failed"]


@pytest.mark.parametrize("body, reason", [
    ({"RC": []}, "has no RC records"),
    ({"records": []}, "has no RC records"),
    ({"RC": [{"Id": 1, "DT": "2026-01-01", "Name": "X", "Sign": "s", "Closed": False, "Comment": None}]},
     "lacks INN"),
    ({"RC": [{"Id": 1, "DT": "2026-01-01", "Name": "X", "INN": "", "Sign": "s", "Closed": False, "Comment": None}]},
     "no record of the warning list carries an INN"),
])
def test_a_changed_or_empty_list_fails_loudly_handmade(body, reason):
    spider = CbrWarningSpider(subjects=[subject(SBERBANK)])
    [request] = spider.requests_for(subject(SBERBANK))
    response = TextResponse(LIST_URL, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"},
                            request=Request(LIST_URL, meta=request.meta))
    with pytest.raises(SourceFailure, match=reason):
        list(spider.parse(response))


def test_sberbank_full_check_reads_the_recorded_list_and_is_not_listed(recordings, tmp_path):
    """Full replay of ПАО Сбербанк: the list request is answered by black-list-sample.har; not listed → empty."""
    db = tmp_path / "db.sqlite"
    document = check_json("--inn", SBERBANK, "--replay", str(recordings), "--db", str(db))
    run = next(r for r in document["coverage"] if r["source"] == "cbr_warning")
    assert (run["status"], run["requests"], run["facts"]) == ("empty", 1, 0)
    entry = json.loads((recordings / "cbr_warning" / "black-list-sample.har").read_text("utf-8"))["log"]["entries"][0]
    recorded = hashlib.sha256(entry["response"]["content"]["text"].encode("utf-8")).hexdigest()
    with sqlite3.connect(db) as conn:
        served = conn.execute("select url, status, sha256, replayed from responses where source = 'cbr_warning'")
        assert served.fetchall() == [(LIST_URL, 200, recorded, 1)]
