"""Bankruptcy from every source: a register's status, the procedure's own notices on fedresurs.ru, the case in
bankrot.fedresurs.ru; a case that ended is a weaker factor; the name another register gives when egrul failed.

Real recordings where they exist (../shared/recordings: bankrupt companies in bankrot_fedresurs, companies with
notices in fedresurs); no real recording holds a bankrupt company's fedresurs.ru publications, so that answer is
hand-made (tests/fixtures/fedresurs/handmade-0000987651-receivership.har, a made-up company) in the real shape.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable
from urllib.parse import quote_plus

import pytest

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.verdict import Verdict, evaluate
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.bankrot_fedresurs import BankrotFedresursSpider, running_procedure, stage_in
from clientvet.crawler.spiders.fedresurs import FedresursSpider, notice_category
from clientvet.crawler.spiders.fssp import FsspSpider
from clientvet.crawler.spiders.kad_arbitr import KadArbitrSpider
from clientvet.crawler.spiders.review_site import company_from_registry
from clientvet.crawler.store import open_store
from clientvet.evidence.companies import company_names
from clientvet.evidence.store import CheckRecord, Observation
from tests.conftest import AS_OF, ROOT, check_json
from tests.replay_support import mutated, replay, start_check

FIXTURES = ROOT / "tests" / "fixtures" / "fedresurs"
RECEIVERSHIP = FIXTURES / "handmade-0000987651-receivership.har"
BANKRUPT, IMPULS = "0000987651", "0272023903"
RECEIVERSHIP_STATUS = ("Юридическое лицо признано несостоятельным (банкротом) и в отношении него открыто "
                       "конкурсное производство")
TODAY = date.fromisoformat(AS_OF)


def ru(inn: str, scheme: str = "inn") -> Callable[[int], Subject]:
    return lambda check_id: Subject(check_id, f"ru:{scheme}:{inn}", "RU", scheme, inn)


def observed(spider: type, subject_of: Callable[[int], Subject], replay_dir: Path, db: Path) -> list[Observation]:
    """What the source stored for the subject, replayed from `replay_dir`."""
    subject = start_check(db, subject_of)
    run = replay(spider, subject, replay_dir, db)
    assert run.status == "ok" and not run.unread_fields, (run.status, run.reason, run.unread_fields)
    return open_store(str(db)).observations(subject.check_id)


def verdict(observations: list[Observation], today: date = TODAY) -> Verdict:
    check = CheckRecord(1, f"ru:inn:{BANKRUPT}", "RU", "inn", BANKRUPT, f"{AS_OF}T00:00:00+00:00", None, "complete",
                        None)
    return evaluate(CheckEvidence(check, observations, frozenset(), today))


def factors(result: Verdict) -> dict[str, str]:
    return {f.rule.code: f.detail for f in result.factors}


def publications(change: Callable[[list[dict]], list[dict]]) -> Callable[[dict], dict]:
    return lambda answer: {**answer, "pageData": change(answer["pageData"])}


@pytest.fixture
def fedresurs(tmp_path):
    """fedresurs(companies=…, publications=…): the stored facts of the hand-made answer, changed as told."""
    def run(status: str | None = None, notices: Callable[[list[dict]], list[dict]] | None = None):
        har = RECEIVERSHIP
        if status is not None:
            har = mutated(har, tmp_path / "status" / har.name, "backend/companies?", lambda answer: {
                **answer, "pageData": [{**row, "status": status} for row in answer["pageData"]]})
        if notices is not None:
            har = mutated(har, tmp_path / "notices" / har.name, "/publications", publications(notices))
        return observed(FedresursSpider, ru(BANKRUPT), har.parent, tmp_path / "db.sqlite")
    return run


# --- the stage words, on the wording of the real records ------------------------------------------


@pytest.mark.parametrize("text, stage", [
    ("Наблюдение", ("observation", True)),
    ("Конкурсное производство", ("receivership", True)),
    ("Производство по делу прекращено", ("terminated", False)),
    ("Производство по делу завершено", ("completed", False)),
    ("Сообщение о судебном акте. о введении наблюдения", ("observation", True)),
    ("Сообщение о судебном акте. о признании должника банкротом и открытии конкурсного производства",
     ("receivership", True)),
    ("Сообщение о судебном акте. о завершении конкурсного производства", ("completed", False)),
    ("Сообщение о собрании кредиторов", None),
])
def test_a_stage_is_read_from_a_case_status_or_a_court_act(text, stage):
    assert stage_in(text) == stage


@pytest.mark.parametrize("status, procedure", [
    (RECEIVERSHIP_STATUS, "receivership"),
    ("Действующее", None),
    ("Ликвидировано на основании решения суда о признании его несостоятельным (банкротом)", None),  # ceased
    ("Прекращение деятельности юридического лица путем реорганизации в форме присоединения", None),
    ("Прекращение деятельности юридического лица в связи с завершением конкурсного производства", None),
])
def test_a_register_status_names_a_running_procedure_only_while_it_runs(status, procedure):
    assert running_procedure(status) == procedure


def test_bankrot_records_keep_the_debtors_status_procedure_and_address(recordings, tmp_path):
    """The five real bankrot.fedresurs.ru records: only ООО «ИМПУЛЬС»'s status names a running procedure."""
    found = {}
    for inn in ("0107022399", "0266051268", IMPULS, "0276944817"):
        [case] = observed(BankrotFedresursSpider, ru(inn), recordings / "bankrot_fedresurs", tmp_path / f"{inn}.db")
        found[inn] = case.data["debtor_procedure"]
        assert case.data["inn"] == inn and case.data["address"] and case.data["region"]
    assert found == {"0107022399": None, "0266051268": None, IMPULS: "receivership", "0276944817": None}


def test_no_real_fedresurs_notice_reads_as_a_procedure_notice(recordings, tmp_path):
    """The real publication pages hold ЕФРСДЮЛ notices only (intentions, reorganisation, liquidation, leases)."""
    for inn in ("5029169023", "7707083893", "7728662669", "9500007240"):
        facts = observed(FedresursSpider, ru(inn), recordings / "fedresurs", tmp_path / f"{inn}.db")
        [status] = [o for o in facts if o.kind == "status_record"]
        assert status.data["procedure"] is None
        notices = [o for o in facts if o.kind == "notice"]
        assert notices and not [n for n in notices if n.data["category"] == "bankruptcy_procedure"], inn
        assert all(n.data["stage"] is None for n in notices)
    evrotrans = [n.data["category"] for n in observed(FedresursSpider, ru("5029169023"), recordings / "fedresurs",
                                                     tmp_path / "again.db") if n.kind == "notice"]
    assert (evrotrans.count("creditor_intends_bankruptcy"), evrotrans.count("debtor_intends_bankruptcy")) == (6, 1)


@pytest.mark.parametrize("notice_type, category", [
    ("Сообщение о собрании кредиторов", "bankruptcy_procedure"),
    ("Уведомление о получении требований кредитора", "bankruptcy_procedure"),
    ("Сведения о результатах инвентаризации имущества должника", "bankruptcy_procedure"),
    ("Сообщение о результатах проведения собрания кредиторов", "bankruptcy_procedure"),
    ("Объявление о проведении торгов", "bankruptcy_procedure"),
    ("Сообщение о наличии или об отсутствии признаков преднамеренного или фиктивного банкротства",
     "bankruptcy_procedure"),
    ("Сведения о принятии заявления о признании должника банкротом", "bankruptcy"),  # a case, no procedure yet
    ("Намерение должника обратиться в суд с заявлением о банкротстве", "debtor_intends_bankruptcy"),
    ("Заключение договора финансовой аренды (лизинга)", "other"),
])
def test_notice_categories(notice_type, category):
    assert notice_category(notice_type) == category


# --- the rules ----------------------------------------------------------------------------------------


def test_handmade_receivership_parses_with_nothing_unread(fedresurs):
    facts = fedresurs()
    [status] = [o for o in facts if o.kind == "status_record"]
    assert status.data["procedure"] == "receivership" and status.data["address"].endswith("Г. ДЕМОГРАД")
    notices = {n.data["type"]: n.data for n in facts if n.kind == "notice"}
    assert notices["Уведомление о получении требований кредитора"]["names_others"] is True
    assert notices["Сообщение о собрании кредиторов"]["names_others"] is False
    assert notices["Сообщение о судебном акте. о введении наблюдения"]["stage"] == "observation"


def test_the_status_and_the_notices_of_the_procedure_kill_the_deal_without_the_bankruptcy_register(fedresurs):
    """egrul and bankrot.fedresurs.ru unread: fedresurs.ru's status and its procedure's notices say receivership."""
    result = verdict(fedresurs())
    assert result.colour == "red" and [f.rule.code for f in result.deal_killers] == ["bankruptcy_case"]
    [killer] = result.deal_killers
    assert killer.detail == (
        f"fedresurs: status «{RECEIVERSHIP_STATUS}»; 4 notice(s) of its bankruptcy procedure on fedresurs.ru, the "
        "latest «Сообщение о собрании кредиторов» of 2026-10-20, stage receivership")
    # The status, then the notices of the last 12 months; not the claims notice that names another party too.
    assert [o.kind for o in killer.evidence] == ["status_record"] + ["notice"] * 4
    assert "Уведомление о получении требований кредитора" not in {o.data.get("type") for o in killer.evidence}
    assert "past_bankruptcy_case" not in factors(result)


def test_in_observation_the_status_is_unchanged_and_the_notices_decide(fedresurs):
    """A company in observation keeps «Действующее» in the registry: its procedure's notices still show it."""
    result = verdict(fedresurs(status="Действующее"))
    assert factors(result)["bankruptcy_case"].startswith("4 notice(s) of its bankruptcy procedure")


def test_a_terminated_case_is_the_weaker_factor(fedresurs):
    terminated = {"publicationType": "BankruptcyMessage", "guid": "00000000-0000-4000-8000-00000000b099",
                  "number": "99100099", "datePublish": "2026-11-02T10:00:00.0", "isAnnulled": False,
                  "isLocked": False, "type": "Сообщение о судебном акте. о прекращении производства по делу",
                  "publisher": {"name": "АРБИТРАЖНЫЙ УПРАВЛЯЮЩИЙ", "guid": "00000000-0000-4000-8000-0000000000e1",
                                "type": "Person"},
                  "participants": [{"name": 'ООО "ДЕМО-БАНКРОТ"', "guid": "00000000-0000-4000-8000-000000987651",
                                    "type": "Company"}]}
    result = verdict(fedresurs(status="Действующее", notices=lambda rows: [terminated, *rows]))
    assert not result.deal_killers
    assert factors(result)["past_bankruptcy_case"] == (
        "fedresurs.ru: «Сообщение о судебном акте. о прекращении производства по делу» of 2026-11-02")


def test_notices_that_stopped_a_year_ago_are_a_past_procedure(fedresurs):
    result = verdict(fedresurs(status="Действующее"), today=date(2027, 12, 1))
    assert "bankruptcy_case" not in factors(result)
    assert factors(result)["past_bankruptcy_case"].endswith("stage receivership; none in the last 365 days")


def test_a_creditor_in_another_companys_bankruptcy_is_not_in_one(fedresurs):
    """The company named beside another debtor (its claim in someone else's procedure): no bankruptcy of its own."""
    other = {"name": 'ООО "ЧУЖОЙ ДОЛЖНИК"', "guid": "00000000-0000-4000-8000-0000000000d9", "type": "Company"}
    result = verdict(fedresurs(status="Действующее",
                               notices=lambda rows: [{**row, "participants": [other, *row["participants"]]}
                                                     for row in rows]))
    assert not {"bankruptcy_case", "past_bankruptcy_case"} & set(factors(result))


def test_a_running_case_in_the_bankruptcy_register_is_still_the_first_finding(recordings, tmp_path):
    """bankrot_fedresurs/0272023903.har: the case, and not its status again (the same record says both)."""
    result = verdict(observed(BankrotFedresursSpider, ru(IMPULS), recordings / "bankrot_fedresurs",
                              tmp_path / "db.sqlite"))
    assert factors(result)["bankruptcy_case"] == "case А07-37911/2023: receivership since 2026-03-20"


def test_check_of_a_company_only_fedresurs_answers_for_is_red_and_its_name_searches_the_rest(tmp_path):
    document = check_json("--inn", BANKRUPT, "--replay", str(FIXTURES), "--db", str(tmp_path / "db.sqlite"))
    assert document["verdict"] == "red" and document["deal_killers"] == ["bankruptcy_case"]
    assert document["company"]["name"] == 'ООО "ДЕМО-БАНКРОТ"'
    runs = {run["source"]: run for run in document["coverage"]}
    assert runs["egrul"]["status"] == runs["bankrot_fedresurs"]["status"] == "failed"
    for source in ("fssp", "dreamjob"):  # they searched by the name fedresurs.ru gave: unrecorded, not skipped
        assert runs[source]["status"] == "failed" and quote_plus("ДЕМО-БАНКРОТ") in runs[source]["reason"], source
    assert document["coverage_by_kind"]["bankruptcy"]["state"] == "partly_checked"


# --- the company's names from any register ----------------------------------------------------------------


def fact(kind: str, source: str, **data) -> Observation:
    return Observation(f"{kind}:{source}", kind, source, source, data, "", "", None)


def test_names_come_from_the_registry_first_then_from_the_other_registers():
    registry = fact("registry_record", "egrul", name='ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ИКС"',
                    short_name='ООО "ИКС"', inn="0000000001", status="active", region="г. Москва")
    status = fact("status_record", "fedresurs", name='ООО "ИКС-ФЕДРЕСУРС"', inn="0000000001", address="Г. ИКС")
    case = fact("bankruptcy_case", "bankrot_fedresurs", debtor_name='ООО "ИКС-БАНКРОТ"', inn="0000000001")
    named = company_names([case, status, registry])
    assert (named.names, named.source, named.region) == (
        ('ООО "ИКС"', 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ИКС"'), "egrul", "г. Москва")
    assert company_names([case, status]).names == ('ООО "ИКС-ФЕДРЕСУРС"',)
    assert (company_names([case]).names, company_names([case]).inn) == (('ООО "ИКС-БАНКРОТ"',), "0000000001")
    former = fact("registry_record", "edgar", name="SNOWFLAKE INC.", previous_names=["SNOWFLAKE COMPUTING INC"])
    assert company_names([former]).former_names == ("SNOWFLAKE COMPUTING INC",)
    assert company_names([fact("officer", "egrul", name="Иванов Иван")]) is None


def test_without_the_registry_the_name_based_sources_search_by_the_bankruptcy_registers_name(
        recordings, tmp_path, monkeypatch):
    """bankrot_fedresurs/0272023903.har stored ООО «ИМПУЛЬС»; egrul stored nothing."""
    monkeypatch.setattr("clientvet.crawler.browser.find_browser", lambda: "/usr/bin/chromium")
    db, ogrn = tmp_path / "db.sqlite", "1140280033541"
    subject = start_check(db, ru(ogrn, "ogrn"))  # by OGRN: the INN too must come from a register
    # The real answer, to the same search by OGRN (bankrot.fedresurs.ru's searchString takes either).
    recorded = (recordings / "bankrot_fedresurs" / f"{IMPULS}.har").read_text(encoding="utf-8")
    (tmp_path / "replay").mkdir()
    (tmp_path / "replay" / "by-ogrn.har").write_text(recorded.replace(f'"{IMPULS}"', f'"{ogrn}"', 1).replace(
        f"searchString={IMPULS}", f"searchString={ogrn}"), encoding="utf-8")
    replay(BankrotFedresursSpider, subject, tmp_path / "replay", db)
    store = open_store(str(db))
    fssp = FsspSpider(subjects=[subject])
    fssp.store = store
    [search] = list(fssp.requests_for(subject))
    assert (search.meta["query"], search.meta["names"]) == ("ИМПУЛЬС", ['ООО "ИМПУЛЬС"'])
    kad = KadArbitrSpider(subjects=[subject])
    kad.store, kad.replay = store, False  # the request is built, not sent
    assert [request.meta["side"] for request in kad.requests_for(subject)] == [IMPULS]
    assert company_from_registry(store.observations(subject.check_id)).brand == "ИМПУЛЬС"
    assert FsspSpider.after == KadArbitrSpider.after == ("egrul", "fedresurs", "bankrot_fedresurs")
