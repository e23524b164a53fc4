"""End-to-end checks replayed from the real recordings in ../shared/recordings."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import check_json, run_cli


def coverage(document: dict) -> dict[str, dict]:
    return {run["source"]: run for run in document["coverage"]}


def codes(document: dict) -> set[str]:
    return {factor["code"] for factor in document["factors"]}


@pytest.fixture
def check(recordings, tmp_path):
    def run(*identifier: str) -> dict:
        return check_json(*identifier, "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
    return run


def test_impuls_in_receivership_is_red(check):
    """bankrot_fedresurs/0272023903.har: Конкурсное производство А07-37911/2023; egrul not recorded."""
    document = check("--inn", "0272023903")
    assert document["verdict"] == "red"
    assert "bankruptcy_case" in document["deal_killers"]
    factor = next(f for f in document["factors"] if f["code"] == "bankruptcy_case")
    assert "А07-37911/2023" in factor["summary"] and "receivership" in factor["summary"]
    assert factor["evidence"][0]["url"].startswith("https://bankrot.fedresurs.ru/backend/cmpbankrupts?")
    assert len(factor["evidence"][0]["sha256"]) == 64
    runs = coverage(document)
    assert runs["bankrot_fedresurs"]["status"] == "ok"
    # Missing recording for this step: the source failed and says why, it did not find "nothing".
    assert runs["egrul"]["status"] == "failed"
    assert runs["egrul"]["reason"] == "unrecorded request: POST https://egrul.nalog.ru/"
    assert document["company"]["name"] == 'ООО "ИМПУЛЬС"'  # from the bankruptcy record when the registry failed


def test_sberbank_has_no_bankruptcy_and_its_own_creditor_notices_do_not_count(check):
    """egrul, bankrot_fedresurs and fedresurs recordings of ПАО Сбербанк 7707083893; courts and debts not recorded,
    their gap accepted."""
    document = check("--inn", "7707083893", "--accept-unchecked", "courts,debts")
    runs = coverage(document)
    assert runs["egrul"]["status"] == "ok"
    assert runs["bankrot_fedresurs"]["status"] == "empty"
    assert runs["fedresurs"]["status"] == "ok"
    assert document["company"]["status"] == "active"
    assert document["company"]["identifiers"] == {"inn": "7707083893", "ogrn": "1027700132195", "kpp": "773601001"}
    assert {"name": "Греф Герман Оскарович", "role": "ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ"} in document["company"]["officers"]
    # Sberbank published 13 creditor notices about others: it is the creditor there, not the debtor.
    assert not codes(document) & {"bankruptcy_case", "creditor_intends_bankruptcy", "debtor_intends_bankruptcy"}
    assert document["verdict"] == "green"


def test_registry_and_bankruptcy_alone_are_not_verified(check):
    """ПАО Сбербанк: only the registry and the bankruptcy registers answer (court suits, enforcement debts,
    finances, tax flags and reviews are not recorded): a clean score, but not green."""
    document = check("--inn", "7707083893")
    assert (document["verdict"], document["score"]) == ("amber", 15)
    assert document["verdict_reasons"][0] == "not verified: court suits, enforcement debts could not be checked"
    kinds = document["coverage_by_kind"]
    assert [code for code, kind in kinds.items() if kind["state"] == "checked"] == ["registry", "bankruptcy",
                                                                                   "registers"]
    assert kinds["courts"]["state"] == kinds["debts"]["state"] == "not_checked"
    assert kinds["bankruptcy"]["sources"] == {"bankrot_fedresurs": "empty", "fedresurs": "ok"}
    assert kinds["debts"]["unchecked"][0]["to_check"] == \
        "the replayed recordings lack this answer: check live, without --replay"
    [change] = document["would_change"]
    assert change["kinds"] == ["courts", "debts"] and "--accept-unchecked courts,debts" in change["text"]
    assert document["safeguards"][0] == \
        "Take a 30% prepayment before work starts (court suits, enforcement debts unchecked)."
    accepted = check("--inn", "7707083893", "--accept-unchecked", "debts,courts")
    assert (accepted["verdict"], accepted["score"]) == ("green", 15)
    assert accepted["terms"]["accept_unchecked"] == ["courts", "debts"]
    assert accepted["coverage_by_kind"]["courts"]["accepted"] is True
    assert "you accepted that" in accepted["verdict_reasons"][0]


def test_lira_has_ceased(check):
    """egrul/0276944817.har: ООО "ЛИРА" ceased on 09.02.2026; its bankruptcy case is completed."""
    document = check("--inn", "0276944817")
    assert document["verdict"] == "red"
    assert "ceased" in document["deal_killers"]
    assert document["company"]["ceased_on"] == "2026-02-09"
    assert "past_bankruptcy_case" in codes(document)
    assert "bankruptcy_case" not in codes(document)  # completed, not running


def test_observation_stage_is_a_deal_killer(check):
    """bankrot_fedresurs/0266051268.har: Наблюдение А07-40092/2023."""
    document = check("--inn", "0266051268")
    assert "bankruptcy_case" in document["deal_killers"]


def test_terminated_case_is_a_weaker_factor_not_a_deal_killer(check):
    """bankrot_fedresurs/0107022399.har: Производство по делу прекращено; the debtor is active."""
    document = check("--inn", "0107022399")
    assert "past_bankruptcy_case" in codes(document)
    assert not document["deal_killers"]
    assert document["verdict"] != "green"  # egrul is not recorded for this INN


def test_creditors_intending_to_file_against_evrotrans(check):
    """fedresurs/5029169023.har: 6 creditors' intention notices against ПАО "ЕВРОТРАНС"."""
    document = check("--inn", "5029169023")
    factor = next(f for f in document["factors"] if f["code"] == "creditor_intends_bankruptcy")
    assert factor["points"] == 45  # capped
    assert factor["summary"].count("notice(s)") == 1 and "6 notice(s)" in factor["summary"]
    assert len(factor["evidence"]) == 6


def test_liquidated_and_reorganised_companies_are_red(check):
    """fedresurs/9500007240.har (liquidated) and fedresurs/7728662669.har (merged into another company)."""
    for inn in ("9500007240", "7728662669"):
        document = check("--inn", inn)
        assert "ceased" in document["deal_killers"], inn


def test_sole_trader_with_a_terminated_and_a_current_registration(check):
    """egrul/583716175273.har: one ОГРНИП terminated in 2014, one current — the trader is active."""
    document = check("--inn", "583716175273")
    assert document["company"]["status"] == "active"
    assert document["company"]["identifiers"]["ogrn"] == "316583500051066"
    assert "ceased" not in codes(document)
    # Individuals' bankruptcies live under /prsnbankrupts, which has no recording here.
    assert "prsnbankrupts" in coverage(document)["bankrot_fedresurs"]["reason"]


def test_check_by_ogrn_uses_the_same_sources(check):
    document = check("--ogrn", "1027700132195")
    assert coverage(document)["egrul"]["reason"].startswith("unrecorded request: POST")  # recorded by INN only


def test_uk_company_profile_with_no_insolvency(check):
    """companies_house/08957400.har: CANDOUR GROUP LIMITED, active; /insolvency 404; officers not recorded."""
    document = check("--company-number", "8957400")
    assert document["company"]["name"] == "CANDOUR GROUP LIMITED"
    assert document["company"]["status"] == "active"
    assert "insolvency_case" not in codes(document)
    run = coverage(document)["companies_house"]
    assert run["status"] == "failed"
    assert "unrecorded request: GET https://api.company-information.service.gov.uk/company/08957400/officers" in run["reason"]
    assert document["verdict"] != "green"


def test_uk_charges_are_parsed_even_when_the_profile_is_missing(check):
    """companies_house/07310390.har: 9 charges, 1 satisfied; no profile recorded."""
    document = check("--company-number", "07310390")
    factor = next(f for f in document["factors"] if f["code"] == "outstanding_charges")
    assert factor["summary"].endswith("8 outstanding charge(s)")
    assert coverage(document)["companies_house"]["status"] == "failed"


def test_unknown_company_number_is_an_error_that_changes_nothing(tmp_path):
    """A hand-made 404 profile: Companies House does not know the number."""
    import json

    replay = tmp_path / "replay"
    replay.mkdir()
    not_found = {"status": 404, "headers": [{"name": "Content-Type", "value": "application/json"}],
                 "content": {"text": '{"errors":[{"error":"company-profile-not-found","type":"ch:service"}]}'}}
    base = "https://api.company-information.service.gov.uk/company/99999999"
    entries = [{"request": {"method": "GET", "url": base + path, "headers": []}, "response": not_found}
               for path in ("", "/officers", "/persons-with-significant-control", "/charges", "/insolvency",
                            "/filing-history")]
    (replay / "handmade-unknown-99999999.har").write_text(json.dumps({"log": {"entries": entries}}))
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--company-number", "99999999", "--replay", str(replay), "--db", str(db))
    assert result.returncode == 1
    assert "no company with COMPANY_NUMBER 99999999" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from checks").fetchone() == (0,)
        assert conn.execute("select count(*) from responses").fetchone() == (0,)
