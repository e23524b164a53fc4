"""Sources check themselves: a changed answer fails as "layout changed", unread fields are counted, counts hold.

Every changed answer here is a real recording (../shared/recordings) or a hand-made one (tests/fixtures,
demo) loaded, changed the way a site would change it (keys renamed inside the rows, a field dropped) and
dumped again; the source then runs from it through every pipeline step (tests/replay_support.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Callable

import pytest

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.items import FieldTally, Reads, Subject, plain
from clientvet.crawler.spiders.bankrot_fedresurs import BankrotFedresursSpider
from clientvet.crawler.spiders.bo_nalog import BoNalogSpider
from clientvet.crawler.spiders.cbr_warning import CbrWarningSpider
from clientvet.crawler.spiders.companies_house import CompaniesHouseSpider
from clientvet.crawler.spiders.courtlistener import CourtListenerSpider
from clientvet.crawler.spiders.edgar import EdgarSpider, annual_financials
from clientvet.crawler.spiders.egrul import EgrulSpider
from clientvet.crawler.spiders.fedresurs import FedresursSpider
from clientvet.crawler.spiders.fssp import parse_answer as fssp_answer
from clientvet.crawler.spiders.gazette import GazetteSpider
from clientvet.crawler.spiders.kad_arbitr import parse_answer as kad_answer
from clientvet.crawler.spiders.pb_nalog import PbNalogSpider
from clientvet.crawler.spiders.service_nalog_disqualified import ServiceNalogDisqualifiedSpider
from clientvet.crawler.spiders.trustpilot import TrustpilotSpider
from clientvet.crawler.spiders.twogis import TwogisSpider
from clientvet.evidence.identifiers import Identity, is_sole_trader, parse_inn, parse_ogrn
from clientvet.evidence.parsing import iso_date, money
from tests.conftest import DEMO, ROOT, check_json, har_response, run_cli
from tests.replay_support import mutated, renamed, replay, start_check

FIXTURES = ROOT / "tests" / "fixtures"
SBERBANK, IMPULS, EVROTRANS, DIXY, TEKSPROM, DEMO_INN = (
    "7707083893", "0272023903", "5029169023", "5036045205", "5836898322", "0000123450")
MADE_UP, MADE_UP_CIK, DEMO_GB = "99000042", "0009999990", "09999990"


def ru(inn: str) -> Callable[[int], Subject]:
    return lambda check_id: Subject(check_id, f"ru:inn:{inn}", "RU", "inn", inn)


def gb(number: str) -> Callable[[int], Subject]:
    return lambda check_id: Subject(check_id, f"gb:company_number:{number}", "GB", "company_number", number)


def us(cik: str) -> Callable[[int], Subject]:
    return lambda check_id: Subject(check_id, f"us:cik:{cik}", "US", "cik", cik)


def rows_of(key: str, change: Callable[[dict], Any]) -> Callable[[Any], Any]:
    """An answer transform: `change` applied to every row under `key` (answers without it pass unchanged)."""
    def transform(answer: Any) -> Any:
        if not isinstance(answer, dict) or key not in answer:
            return answer
        return {**answer, key: [change(row) for row in answer[key]]}
    return transform


def ul_rows(change: Callable[[dict], dict]) -> Callable[[Any], Any]:
    """A pb answer transform: its company rows sit under ul.data."""
    def transform(answer: Any) -> Any:
        if not isinstance(answer, dict) or "ul" not in answer:
            return answer
        return {**answer, "ul": {**answer["ul"], "data": [change(row) for row in answer["ul"]["data"]]}}
    return transform


def without(*fields: str) -> Callable[[dict], dict]:
    return lambda row: {k: v for k, v in row.items() if k not in fields}


def nested(key: str, change: Callable[[dict], dict]) -> Callable[[dict], dict]:
    return lambda row: {**row, key: change(row[key])}


def run_in(directory: Path, spider: type, subject_of: Callable[[int], Subject], *hars: Path, before: tuple = ()):
    """The source run of `spider`, replayed from these HAR files, after the sources it waits for."""
    replay_dir = directory / "replay"
    replay_dir.mkdir(parents=True)
    for har in hars:
        (replay_dir / f"{har.parent.name}-{har.name}").symlink_to(har)
    subject = start_check(directory / "db.sqlite", subject_of)
    for source in before:
        replay(source, subject, replay_dir, directory / "db.sqlite")
    return replay(spider, subject, replay_dir, directory / "db.sqlite")


@pytest.fixture
def run(tmp_path):
    """run(spider, subject_of, *hars, before=(spiders…)): one source run in this test's directory."""
    return lambda *args, **kwargs: run_in(tmp_path, *args, **kwargs)


@pytest.fixture
def change(tmp_path):
    """change(har, url, transform, …): a changed copy of a HAR file (see replay_support.mutated)."""
    def change(har: Path, url, transform: Callable[[Any], Any], **how) -> Path:
        return mutated(har, tmp_path / "changed" / har.parent.name / har.name, url, transform, **how)
    return change


# --- every recording parses, and its source reads every field it carries ------------------------

SHARED = [
    (EgrulSpider, ru(SBERBANK), ["egrul/7707083893.har"], ()),
    (EgrulSpider, ru("583716175273"), ["egrul/583716175273.har"], ()),
    (EgrulSpider, ru("0276944817"), ["egrul/0276944817.har"], ()),
    (BankrotFedresursSpider, ru(IMPULS), ["bankrot_fedresurs/0272023903.har"], ()),
    (BankrotFedresursSpider, ru("0276944817"), ["bankrot_fedresurs/0276944817.har"], ()),
    (FedresursSpider, ru(EVROTRANS), ["fedresurs/5029169023.har"], ()),
    (FedresursSpider, ru("9500007240"), ["fedresurs/9500007240.har"], ()),
    (BoNalogSpider, ru(DIXY), ["bo_nalog/5036045205.har"], ()),
    (PbNalogSpider, ru(SBERBANK), ["pb_nalog/7707083893.har"], ()),
    (PbNalogSpider, ru("504110181262"), ["pb_nalog/504110181262.har"], ()),
    (CbrWarningSpider, ru("4800031693"), ["cbr_warning/black-list-sample.har"], ()),
    (CompaniesHouseSpider, gb("04053514"), ["companies_house/04053514.har"], ()),
    (CompaniesHouseSpider, gb("04475590"), ["companies_house/04475590.har"], ()),
    (CompaniesHouseSpider, gb("07310390"), ["companies_house/07310390.har"], ()),
    (CompaniesHouseSpider, gb("08957400"), ["companies_house/08957400.har"], ()),
    (CompaniesHouseSpider, gb("14190543"), ["companies_house/14190543.har"], ()),
    (EdgarSpider, us("0001318605"), ["edgar/1318605.har"], ()),
]
HANDMADE = [
    (CompaniesHouseSpider, gb(MADE_UP), [FIXTURES / "companies_house/handmade-99000042.har"], ()),
    (GazetteSpider, gb(MADE_UP), [FIXTURES / "companies_house/handmade-99000042.har",
                                  FIXTURES / "gazette/handmade-99000042.har"], (CompaniesHouseSpider,)),
    (EdgarSpider, us(MADE_UP_CIK), [FIXTURES / "edgar/handmade-0009999990.har"], ()),
    (CourtListenerSpider, us(MADE_UP_CIK), [FIXTURES / "edgar/handmade-0009999990.har",
                                            FIXTURES / "courtlistener/handmade-0009999990.har"], (EdgarSpider,)),
    (PbNalogSpider, ru(DEMO_INN), [FIXTURES / "pb_nalog/handmade-0000123450.har"], ()),
    (TwogisSpider, ru(DEMO_INN), [DEMO / "egrul-0000123450.har", FIXTURES / "twogis/handmade-0000123450.har"],
     (EgrulSpider,)),
    (TrustpilotSpider, gb(DEMO_GB), [FIXTURES / "trustpilot/handmade-companies-house-09999990.har",
                                     FIXTURES / "trustpilot/handmade-09999990.har"], (CompaniesHouseSpider,)),
]


@pytest.mark.parametrize("spider, subject_of, hars, before", SHARED, ids=[h[-1] for _, _, h, _ in SHARED])
def test_real_recordings_parse_with_every_field_read(recordings, run, spider, subject_of, hars, before):
    found = run(spider, subject_of, *(recordings / har for har in hars), before=before)
    assert "layout changed" not in (found.reason or "")
    assert found.facts and found.unread_fields == {}


def test_the_real_disqualification_record_is_read_in_full(recordings):
    """service_nalog_disqualified/5836898322.har, read for the person it names (no egrul recording leads there)."""
    har = recordings / "service_nalog_disqualified/5836898322.har"
    [record] = json.loads(har_response(har, "disqualified").text)["data"]
    subject = ru(TEKSPROM)(1)
    spider = ServiceNalogDisqualifiedSpider(subjects=[subject])
    [fact] = spider.parse(har_response(har, "disqualified", {"subject": subject, "person": record["ФИО"],
                                                               "role": "ДИРЕКТОР", "page": 1}))
    assert fact.kind == "disqualification" and fact.data["ends"]
    assert spider.ledger.tally(subject).unread() == {}


@pytest.mark.parametrize("spider, subject_of, hars, before", HANDMADE, ids=[s.name for s, _, _, _ in HANDMADE])
def test_handmade_recordings_parse_with_every_field_read(run, spider, subject_of, hars, before):
    found = run(spider, subject_of, *hars, before=before)
    assert (found.status, found.reason, found.unread_fields) == ("ok", None, {})


# --- keys renamed inside the rows, or a field gone: layout changed, never "empty" or "ok" ------------

RENAMED = [
    # (spider, subject, recording, URL part, change, reason)
    (EgrulSpider, ru(SBERBANK), "egrul/7707083893.har", "search-result", rows_of("rows", renamed),
     "layout changed (registry_record record lacks i, k, n, o, r)"),
    (EgrulSpider, ru(SBERBANK), "egrul/7707083893.har", "search-result", rows_of("rows", without("n")),
     "layout changed (registry_record record lacks n)"),
    (BankrotFedresursSpider, ru(IMPULS), "bankrot_fedresurs/0272023903.har", "cmpbankrupts",
     rows_of("pageData", renamed), "layout changed (bankruptcy_case record lacks guid, inn, name, status)"),
    (BankrotFedresursSpider, ru(IMPULS), "bankrot_fedresurs/0272023903.har", "cmpbankrupts",
     rows_of("pageData", nested("lastLegalCase", renamed)),
     "layout changed (bankruptcy_case.lastLegalCase record lacks number, status.code, status.description)"),
    (FedresursSpider, ru(EVROTRANS), "fedresurs/5029169023.har", "backend/companies?", rows_of("pageData", renamed),
     "layout changed (status_record record lacks guid, inn, name, ogrn, status)"),
    (FedresursSpider, ru(EVROTRANS), "fedresurs/5029169023.har", "/publications",
     rows_of("pageData", without("datePublish")), "layout changed (notice record lacks datePublish)"),
    (BoNalogSpider, ru(DIXY), "bo_nalog/5036045205.har", "organizations/search", rows_of("content", renamed),
     "layout changed (organisation record lacks id, inn, ogrn)"),
    (BoNalogSpider, ru(DIXY), "bo_nalog/5036045205.har", "organizations/4087926/bfo",
     lambda periods: [without("period")(p) for p in periods], "layout changed (period record lacks period)"),
    (PbNalogSpider, ru(SBERBANK), "pb_nalog/7707083893.har", "search-proc.json", ul_rows(renamed),
     "layout changed (tax_risk_flags record lacks inn, ogrn, token)"),
    (CbrWarningSpider, ru(SBERBANK), "cbr_warning/black-list-sample.har", "black-list-json",
     rows_of("RC", without("INN")), "layout changed (warning_list_entry record lacks INN)"),
]



@pytest.mark.parametrize("spider, subject_of, har, url_part, transform, reason", RENAMED,
                         ids=[f"{r[0].name}-{i}" for i, r in enumerate(RENAMED)])
def test_a_changed_real_answer_is_a_layout_change(recordings, run, change, spider, subject_of, har, url_part,
                                                  transform, reason):
    found = run(spider, subject_of, change(recordings / har, url_part, transform))
    assert (found.status, found.reason) == ("failed", reason)


def test_real_answers_of_companies_house_renamed_inside_fail(recordings, run, change):
    """Officers (04475590) and the profile (08957400): the other replies of these companies are unrecorded."""
    officers = run(CompaniesHouseSpider, gb("04475590"),
                   change(recordings / "companies_house/04475590.har", "/officers", rows_of("items", renamed)))
    assert "layout changed (officer record lacks name, officer_role)" in officers.reason.split("; ")


def test_real_profile_of_companies_house_renamed_fails(recordings, run, change):
    profile = run(CompaniesHouseSpider, gb("08957400"), change(
        recordings / "companies_house/08957400.har", "08957400", lambda answer: renamed(answer)
        if "company_name" in answer else answer))
    assert "layout changed (registry_record record lacks company_number, company_name, company_status, type, " \
           "date_of_creation)" in profile.reason.split("; ")


def test_disqualification_records_renamed_fail(recordings, run, change, tmp_path):
    """The real record of 5836898322 answered to the search egrul's Sberbank head leads to, keys renamed."""
    record = json.loads(har_response(recordings / "service_nalog_disqualified/5836898322.har", "disqualified").text)
    cases = ((rows_of("data", renamed), "lacks ФИО, НаимОрг, ДатаНачДискв, ДатаКонДискв"),
             (rows_of("data", without("ДатаНачДискв")), "lacks ДатаНачДискв"))
    for number, (transform, reason) in enumerate(cases):
        har = mutated(recordings / "service_nalog_disqualified/7707083893.har",
                      tmp_path / f"case{number}" / "service.har", "disqualified", lambda _: transform(record))
        found = run_in(tmp_path / f"case{number}", ServiceNalogDisqualifiedSpider, ru(SBERBANK),
                       recordings / "egrul/7707083893.har", har, before=(EgrulSpider,))
        assert (found.status, found.reason) == ("failed", f"layout changed (disqualification record {reason})")


def test_appointments_renamed_inside_fail_instead_of_a_fact_of_nulls(run, change):
    """Companies House: today an appointments fact with every company field null would be stored as ok."""
    found = run(CompaniesHouseSpider, gb(MADE_UP), change(
        FIXTURES / "companies_house/handmade-99000042.har", "/appointments", rows_of("items", renamed)))
    assert (found.status, found.reason) == (
        "failed", "layout changed (appointment record lacks appointed_to.company_number, officer_role)")


def test_a_fact_left_without_a_required_value_fails(run, change):
    found = run(CompaniesHouseSpider, gb(MADE_UP), change(
        FIXTURES / "companies_house/handmade-99000042.har", "/appointments",
        lambda answer: {**answer, "total_results": None}))
    assert (found.status, found.reason) == (
        "failed", "layout changed (officer_appointments MadeUpDirectorIdNotReal0001 lacks total)")


def figures_renamed(answer: dict) -> dict:
    """Every figure of every us-gaap concept with its keys renamed."""
    gaap = {name: {**concept, "units": {unit: [renamed(value) for value in values]
                                        for unit, values in concept["units"].items()}}
            for name, concept in answer["facts"]["us-gaap"].items()}
    return {**answer, "facts": {**answer["facts"], "us-gaap": gaap}}


@pytest.mark.parametrize("transform, reason", [
    (figures_renamed, "layout changed (a us-gaap:Revenues figure lacks accn, end, filed, form, val, start)"),
    (lambda answer: {**answer, "facts": renamed(answer["facts"])},
     "layout changed (company facts in dei_v2, us-gaap_v2, none in us-gaap)"),
    (lambda answer: {**answer, "facts": {**answer["facts"], "us-gaap": {
        name: {**concept, "units": {unit.lower(): values for unit, values in concept["units"].items()}}
        for name, concept in answer["facts"]["us-gaap"].items()}}},
     "layout changed (us-gaap:Revenues has figures in usd, none in USD)"),
])
def test_edgar_dropping_the_annual_figures_fails_instead_of_ok(run, change, transform, reason):
    found = run(EdgarSpider, us(MADE_UP_CIK), change(FIXTURES / "edgar/handmade-0009999990.har", "companyfacts",
                                                      transform))
    assert (found.status, found.reason, found.facts) == ("failed", reason, 2)  # the card and the 8-K stay


def test_edgar_real_company_facts_renamed_inside_fail(recordings):
    answer = json.loads(har_response(recordings / "edgar/companyfacts-1640147.har", "companyfacts").text)
    assert len(annual_financials(answer)) == 5
    with pytest.raises(SourceFailure, match=r"^layout changed \(a us-gaap:\w+ figure lacks accn, end, filed"):
        annual_financials(figures_renamed(answer))


def test_gazette_notices_renamed_fail(run, change):
    found = run(GazetteSpider, gb(MADE_UP), FIXTURES / "companies_house/handmade-99000042.har",
                change(FIXTURES / "gazette/handmade-99000042.har", "data.json", rows_of("entry", renamed)),
                before=(CompaniesHouseSpider,))
    assert (found.status, found.reason) == ("failed", "layout changed (notice record lacks id, published)")


def test_courtlistener_results_renamed_fail(run, change):
    found = run(CourtListenerSpider, us(MADE_UP_CIK), FIXTURES / "edgar/handmade-0009999990.har",
                change(FIXTURES / "courtlistener/handmade-0009999990.har", "search", rows_of("results", renamed)),
                before=(EdgarSpider,))
    assert (found.status, found.reason) == (
        "failed", "layout changed (a CourtListener result without docket_id or caseName)")


def test_twogis_reviews_renamed_fail(run, change):
    found = run(TwogisSpider, ru(DEMO_INN), DEMO / "egrul-0000123450.har",
                change(FIXTURES / "twogis/handmade-0000123450.har", "reviews.2gis", rows_of("reviews", renamed)),
                before=(EgrulSpider,))
    assert (found.status, found.reason) == (
        "failed", "layout changed: a 2GIS review of branch 70000001099999001 without id, rating or date")


def test_kad_rows_without_a_side_column_fail(recordings):
    """The real answer with the respondents' column renamed: the parties would silently be none."""
    real = har_response(recordings / "kad_arbitr/ekaterinburg-20260921-20260924.har", "SearchInstances")
    assert len(kad_answer(real)[0]) == 25
    changed = real.replace(body=real.text.replace('class="respondent"', 'class="defendant"').encode("utf-8"))
    with pytest.raises(SourceFailure, match=r"^unparseable answer: layout changed \(a row without the respondent col"):
        kad_answer(changed)


def test_fssp_real_answers_parse_and_a_missing_cell_fails(recordings):
    """The 2018 answers (jQuery-guarded JSONP) parse; a row with a cell gone is a layout change."""
    real = har_response(recordings / "fssp/gazprom-region67.har", "ajax_search")
    assert [p["number"] for p in fssp_answer(real).proceedings][:2] == ["43714/15/67036-ИП", "28720/16/67036-ИП"]
    answer = re.match(r"^(?P<head>.*?\()(?P<json>.*)(?P<tail>\)\s*;?\s*)$", real.text, re.DOTALL)
    html = json.loads(answer["json"])["data"]
    cut = re.sub(r"<td[^>]*>.*?</td>", "", html, count=1, flags=re.DOTALL)
    body = answer["head"] + json.dumps({"data": cut}, ensure_ascii=False) + answer["tail"]
    with pytest.raises(SourceFailure, match=r"layout changed \(a row of 7 cells, expected 8\)"):
        fssp_answer(real.replace(body=body.encode("utf-8")))


def next_data_reviews(change: Callable[[dict], dict]) -> Callable[[str], str]:
    """A Trustpilot page transform: `change` applied to the reviews in its __NEXT_DATA__ JSON."""
    def transform(page: str) -> str:
        head, script, tail = re.split(r'(?<=<script id="__NEXT_DATA__" type="application/json">)(.*?)(?=</script>)',
                                      page, maxsplit=1, flags=re.DOTALL)
        data = json.loads(script)
        props = data["props"]["pageProps"]
        props["reviews"] = [change(review) for review in props.get("reviews", [])]
        return head + json.dumps(data, ensure_ascii=False) + tail
    return transform


def test_trustpilot_reviews_renamed_fail(run, change):
    changed = change(FIXTURES / "trustpilot/handmade-09999990.har", "/review/", next_data_reviews(renamed),
                     as_text=True)
    found = run(TrustpilotSpider, gb(DEMO_GB), FIXTURES / "trustpilot/handmade-companies-house-09999990.har",
                changed, before=(CompaniesHouseSpider,))
    assert (found.status, found.reason) == (
        "failed", "layout changed: a Trustpilot review without id, rating or date at "
                  "https://www.trustpilot.com/review/demo-supplies.example")


# --- an honest "nothing found" stays empty; "found N, listed none" does not -------------------------


def test_bankrot_finding_no_case_is_empty(recordings, run):
    """bankrot_fedresurs/7707083893.har: total 0, no debtors."""
    found = run(BankrotFedresursSpider, ru(SBERBANK), recordings / "bankrot_fedresurs/7707083893.har")
    assert (found.status, found.reason, found.facts) == ("empty", None, 0)


def test_debtors_announced_but_none_listed_fail(recordings, run, change):
    found = run(BankrotFedresursSpider, ru(IMPULS), change(recordings / "bankrot_fedresurs/0272023903.har",
                                                          "cmpbankrupts", lambda a: {**a, "pageData": []}))
    assert (found.status, found.reason) == ("failed", "layout changed (1 debtors found, none listed)")


def test_notices_announced_but_none_listed_fail(recordings, run, change):
    found = run(FedresursSpider, ru(EVROTRANS), change(recordings / "fedresurs/5029169023.har", "/publications",
                                                       lambda a: {**a, "pageData": []}))
    assert (found.status, found.reason) == ("failed", "layout changed (135 notices found, none listed)")


def test_sberbank_search_rows_of_other_companies_are_not_a_failure(recordings, run, change):
    """A search row of another INN is left alone: the subject is not found, honestly."""
    found = run(EgrulSpider, ru(SBERBANK), change(recordings / "egrul/7707083893.har", "search-result", rows_of(
        "rows", lambda row: {**row, "i": "7707083894", "o": "1027700132196"})))
    assert (found.status, found.unread_fields) == ("empty", {})


# --- counts: too few or too many of a declared kind ------------------------------------------------


def test_more_notices_than_one_page_holds_fail(recordings, run, change):
    def sixteen(answer: dict) -> dict:
        extra = {**answer["pageData"][0], "guid": "00000000-0000-0000-0000-000000000016"}
        return {**answer, "pageData": [*answer["pageData"], extra]}
    found = run(FedresursSpider, ru(EVROTRANS), change(recordings / "fedresurs/5029169023.har", "/publications",
                                                       sixteen))
    assert (found.status, found.reason, found.facts) == (
        "failed", "layout changed (expected at most 15 notice, got 16)", 17)


def test_two_debtor_records_of_one_inn_fail(recordings, run, change):
    def twice(answer: dict) -> dict:
        debtor = answer["pageData"][0]
        again = {**debtor, "guid": "second", "lastLegalCase": {**debtor["lastLegalCase"], "number": "А07-1/2020"}}
        return {**answer, "pageData": [debtor, again]}
    found = run(BankrotFedresursSpider, ru(IMPULS), change(recordings / "bankrot_fedresurs/0272023903.har",
                                                          "cmpbankrupts", twice))
    assert (found.status, found.reason) == ("failed", "layout changed (expected 1 bankruptcy_case, got 2)")


def test_officers_without_the_company_profile_fail(run, change):
    """The profile answers 404 while officers, charges and filings come: no registry record is a failure."""
    har = change(FIXTURES / "companies_house/handmade-99000042.har", re.compile("/company/99000042$"),
                 lambda _: {"errors": [{"type": "ch:service", "error": "company-profile-not-found"}]}, status=404)
    found = run(CompaniesHouseSpider, gb(MADE_UP), har)
    assert (found.status, found.reason) == ("failed", "layout changed (expected 1 registry_record, got 0)")


def test_a_fact_kind_the_source_does_not_declare_fails(recordings, run):
    class RegistryOnly(EgrulSpider):
        evidence = ("registry_record",)

    found = run(RegistryOnly, ru(SBERBANK), recordings / "egrul/7707083893.har")
    assert (found.status, found.reason, found.facts) == (
        "failed", "layout changed (officer facts, which the source does not declare)", 1)


# --- unread fields: counted, stored, logged --------------------------------------------------------


def test_a_renamed_field_is_counted_as_unread(recordings, run, change):
    """egrul/7707083893.har with the region renamed and a field the site added: still ok, and it says so."""
    found = run(EgrulSpider, ru(SBERBANK), change(recordings / "egrul/7707083893.har", "search-result", rows_of(
        "rows", lambda row: {**renamed(row, {"rn": "region_name"}), "okved": "64.19"})))
    assert (found.status, found.facts) == ("ok", 2)
    assert found.unread_fields == {"registry_record.okved": 1, "registry_record.region_name": 1}


def test_fields_of_nested_records_are_counted_by_their_path(recordings, run, change):
    found = run(BankrotFedresursSpider, ru(IMPULS), change(
        recordings / "bankrot_fedresurs/0272023903.har", "cmpbankrupts",
        rows_of("pageData", nested("lastLegalCase", lambda case: {**case, "courtName": "АС Республики Башкортостан"}))))
    assert (found.status, found.unread_fields) == ("ok", {"bankruptcy_case.lastLegalCase.courtName": 1})


def test_unread_fields_are_stored_and_logged_end_to_end(recordings, tmp_path, change):
    """A whole check of Sberbank, egrul's region renamed: the source run row and `-v` both name it."""
    replay_dir = tmp_path / "replay"
    replay_dir.mkdir()
    for har in ("bankrot_fedresurs/7707083893.har", "fedresurs/7707083893.har", "pb_nalog/7707083893.har",
                "service_nalog_disqualified/7707083893.har", "cbr_warning/black-list-sample.har"):
        (replay_dir / har.replace("/", "-")).symlink_to(recordings / har)
    (replay_dir / "egrul.har").symlink_to(change(recordings / "egrul/7707083893.har", "search-result", rows_of(
        "rows", lambda row: renamed(row, {"rn": "region_name"}))))
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--inn", SBERBANK, "--replay", str(replay_dir), "--db", str(db), "--json", "-v")
    assert result.returncode == 0, result.stderr
    egrul = next(run for run in json.loads(result.stdout)["coverage"] if run["source"] == "egrul")
    assert (egrul["status"], egrul["facts"]) == ("ok", 2)
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("select source, unread_fields from source_runs").fetchall())
    assert json.loads(stored["egrul"]) == {"registry_record.region_name": 1}
    assert json.loads(stored["fedresurs"]) == {}
    logged = [line for line in result.stderr.splitlines() if "[egrul] INFO: ru:inn:7707083893:" in line]
    assert len(logged) == 1 and logged[0].endswith("ok, 2 request(s), 2 fact(s); unread: registry_record.region_name")


def test_egrul_rows_renamed_fail_the_whole_check_end_to_end(recordings, tmp_path, change):
    """The headline case: egrul's rows with their keys renamed used to report "empty"."""
    replay_dir = tmp_path / "replay"
    replay_dir.mkdir()
    (replay_dir / "egrul.har").symlink_to(change(recordings / "egrul/7707083893.har", "search-result",
                                                 rows_of("rows", renamed)))
    (replay_dir / "bankrot.har").symlink_to(recordings / "bankrot_fedresurs/7707083893.har")
    document = check_json("--inn", SBERBANK, "--replay", str(replay_dir), "--db", str(tmp_path / "db.sqlite"))
    runs = {run["source"]: run for run in document["coverage"]}
    assert (runs["egrul"]["status"], runs["egrul"]["reason"]) == (
        "failed", "layout changed (registry_record record lacks i, k, n, o, r)")
    assert runs["bankrot_fedresurs"]["status"] == "empty"
    assert document["verdict"] != "green"


# --- the record tally --------------------------------------------------------------------------------


def test_a_record_counts_what_the_parser_looked_at(recordings):
    """A real egrul row read through a Record: `first` reads every field it tries, `plain` reads none."""
    [row] = json.loads(har_response(recordings / "egrul/7707083893.har", "search-result").text)["rows"]
    tally = FieldTally({"registry_record": Reads("i", ignored="t")})
    record = tally.record("registry_record", row)
    assert record.first("o", "i") == "1027700132195"
    assert plain({"row": record}) == {"row": row}
    assert set(tally.unread()) == {f"registry_record.{key}" for key in row} - {
        "registry_record.o", "registry_record.i", "registry_record.t"}
    assert record == row and isinstance(record, dict)


def test_reads_declarations_name_nested_and_ignored_fields():
    reads = Reads("lastLegalCase.status.code guid", ignored="address lastLegalCase.arbitrManagerFio")
    assert reads.missing({"guid": "g", "lastLegalCase": {"status": {}}}) == ["lastLegalCase.status.code"]
    assert reads.missing({"guid": "g", "lastLegalCase": {"status": {"code": None}}}) == []
    assert reads.ignores("address.city") and reads.ignores("lastLegalCase.arbitrManagerFio")
    assert not reads.ignores("lastLegalCase.number") and Reads(ignored="*").ignores("anything")


# --- the shared parsers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, iso", [("25.08.2026", "2026-08-25"), ("25.08.2026 00:00:00", "2026-08-25"),
                                       ("22.09.2026 0:00:00", "2026-09-22"), (None, None), ("", None)])
def test_russian_dates(text, iso):
    assert iso_date(text) == iso


def test_a_date_in_another_format_is_refused():
    with pytest.raises(ValueError):
        iso_date("2026-08-25")


@pytest.mark.parametrize("value, amount", [
    ("1 234 567,89 руб.", 1_234_567.89), ("2 450 000,00", 2_450_000.0), ("12345.67", 12_345.67),
    ("730 500,5 ", 730_500.5), ("1\u00a0500 ₽", 1500.0), ("100000.00", 100_000.0), (14.0, 14.0), (184250, 184250.0),
    ("-5", -5.0), ("1,234.56", 1234.56), ("1,234,567", 1_234_567.0), ("12,5", 12.5),
])
def test_money(value, amount):
    assert money(value) == amount


@pytest.mark.parametrize("value", ["", "руб.", "12,34,56", "1e3", "abc", True, "1 234 567,89 USD",
                                   "\u0661\u0662\u0663", "1,23,456", "1,234.5.6"])
def test_what_is_not_money_is_refused(value):
    with pytest.raises(ValueError):
        money(value)


def test_a_comma_before_three_digits_is_refused_not_guessed():
    """"1,234" is a thousand in an English export and one and a fraction in a Russian one."""
    with pytest.raises(ValueError, match="'1,234' is ambiguous: write 1234 for the thousands or 1.234 for the frac"):
        money("1,234")


def test_one_sole_trader_rule_for_identities_and_subjects():
    trader, company = parse_inn("583716175273"), parse_ogrn("1027700132195")
    assert trader.is_sole_trader and parse_ogrn("326508100214173").is_sole_trader and not company.is_sole_trader
    assert ru("583716175273")(1).is_sole_trader and not ru(SBERBANK)(1).is_sole_trader
    assert not is_sole_trader("GB", "company_number", "123456789012")
    assert is_sole_trader(trader.jurisdiction, trader.scheme, trader.value)
    assert Identity("RU", "inn", "583716175273").is_sole_trader
