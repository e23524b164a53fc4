"""The register of disqualified persons, replayed from service_nalog_disqualified/5836898322.har and 7707083893.har."""

from __future__ import annotations

import json
from datetime import date

import pytest
from scrapy.http import Request, TextResponse

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.har import HarArchive
from clientvet.crawler.items import Fact
from clientvet.crawler.spiders.service_nalog_disqualified import (
    NO_NAME, SEARCH_URL, ServiceNalogDisqualifiedSpider, people_to_search)
from tests.conftest import check_json, har_response
from tests.registers_support import codes, observation, subject, verdict

TEKSPROM = "5836898322"
DIRECTOR = ("Иванов Александр Борисович", "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР")  # as egrul writes a head


def spider(inn: str = TEKSPROM) -> ServiceNalogDisqualifiedSpider:
    return ServiceNalogDisqualifiedSpider(subjects=[subject(inn)])


def teksprom_facts(recordings, person: str = DIRECTOR[0]) -> list[Fact]:
    """The parsed reply of service_nalog_disqualified/5836898322.har to a search for `person`."""
    meta = {"subject": subject(TEKSPROM), "person": person, "role": DIRECTOR[1], "page": 1}
    response = har_response(recordings / "service_nalog_disqualified" / f"{TEKSPROM}.har", "disqualified-proc", meta)
    return list(spider().parse(response))


def registry_record_handmade(name: str, inn: str = TEKSPROM) -> Fact:
    """egrul has no recording for 5836898322: the registry record the rules compare with, by hand."""
    return Fact(subject(inn), "egrul", "registry_record", "1", {"name": name, "inn": inn, "status": "active"})


@pytest.mark.parametrize("name, role, har", [
    (*DIRECTOR, "5836898322.har"),
    ("Греф Герман Оскарович", "ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ", "7707083893.har"),
])
def test_the_request_for_a_directors_name_is_the_recorded_one(recordings, name, role, har):
    """The form the spider posts for a head's name (as egrul writes it) is answered by that recording."""
    request = spider().search(subject(TEKSPROM), name, role)
    assert (request.method, request.url) == ("POST", SEARCH_URL)
    recorded = HarArchive(recordings / "service_nalog_disqualified").find(
        request.method, request.url, request.body, request.headers["Content-Type"].decode())
    assert recorded is not None and recorded.source_file.endswith(har)


def test_teksprom_director_record_is_parsed(recordings):
    """5836898322.har: one record, ООО "ТЕКСПРОМ", ГЕНЕРАЛЬНЫЙ ДИРЕКТОР, ч.5 ст.14.25 КоАП, 25.08.2026–24.08.2027."""
    [fact] = teksprom_facts(recordings)
    assert fact.kind == "disqualification" and fact.key == "265800065087"
    assert fact.data.items() >= {
        "person": "ИВАНОВ АЛЕКСАНДР БОРИСОВИЧ", "organisation": 'ООО "ТЕКСПРОМ"', "organisation_inn": None,
        "position": "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР", "offence": "Ч.5 СТ. 14.25 КОАП РФ", "starts": "2026-08-25",
        "ends": "2027-08-24", "birth_date": "1972-02-17", "searched_role": "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР",
    }.items()


def test_record_of_the_same_organisation_is_a_deal_killer(recordings):
    """The record's organisation is the company itself: confirmed, the verdict is red."""
    facts = teksprom_facts(recordings) + [registry_record_handmade('ООО "ТЕКСПРОМ"')]
    result = verdict(facts, TEKSPROM)
    assert [f.rule.code for f in result.deal_killers] == ["director_disqualified"]
    assert "confirmed by organisation name" in result.deal_killers[0].detail
    assert "director_namesake_disqualified" not in codes(result)


def test_name_only_match_is_high_but_not_a_deal_killer(recordings):
    """The same full name at another company may be a namesake: a high factor, and the summary says so."""
    result = verdict(teksprom_facts(recordings) + [registry_record_handmade('ООО "РОМАШКА"')], TEKSPROM)
    [factor] = [f for f in result.factors if f.rule.code == "director_namesake_disqualified"]
    assert factor.rule.severity == "high" and not factor.rule.deal_killer
    assert "matched by full name only, may be a namesake (born 1972-02-17)" in factor.detail
    assert not result.deal_killers


def test_record_naming_the_organisation_inn_is_confirmed_by_inn_handmade(recordings):
    """Recorded rows carry no INN; one that does (ИННОрг, added by hand) is matched on it, name aside."""
    [fact] = teksprom_facts(recordings)
    other_name = registry_record_handmade('ООО "РОМАШКА"')
    same = Fact(fact.subject, fact.source, fact.kind, fact.key, fact.data | {"organisation_inn": TEKSPROM})
    assert "confirmed by organisation INN" in verdict([same, other_name], TEKSPROM).deal_killers[0].detail
    other = Fact(fact.subject, fact.source, fact.kind, fact.key, fact.data | {"organisation_inn": "7707083893"})
    result = verdict([other, registry_record_handmade('ООО "ТЕКСПРОМ"')], TEKSPROM)
    assert codes(result) >= {"director_namesake_disqualified"} and not result.deal_killers


def test_an_ended_disqualification_is_no_factor(recordings):
    result = verdict(teksprom_facts(recordings) + [registry_record_handmade('ООО "ТЕКСПРОМ"')], TEKSPROM,
                     today=date(2027, 8, 25))
    assert not codes(result) & {"director_disqualified", "director_namesake_disqualified"}


def test_a_record_of_another_full_name_is_not_kept(recordings):
    """The search matches parts of names: the recorded row is not Иванов Александр Петрович's."""
    assert teksprom_facts(recordings, person="Иванов Александр Петрович") == []
    assert len(teksprom_facts(recordings, person="иванов  александр борисович")) == 1


def test_people_to_search_are_current_heads_or_the_sole_trader_himself():
    heads = [
        Fact(subject(TEKSPROM), "egrul", "officer", "a", {"name": "Иванов Александр Борисович",
                                                           "role": "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР", "active": True}),
        Fact(subject(TEKSPROM), "egrul", "officer", "b", {"name": "ИВАНОВ АЛЕКСАНДР БОРИСОВИЧ",
                                                           "role": "ЛИКВИДАТОР", "active": True}),
        Fact(subject(TEKSPROM), "egrul", "officer", "c", {"name": "Петров Пётр", "role": "ДИРЕКТОР",
                                                           "active": False}),
    ]
    assert people_to_search(map(observation, heads), sole_trader=False) == [DIRECTOR]
    trader = [Fact(subject("504110181262"), "egrul", "registry_record", "o",
                   {"name": "ИП ИВАНОВ ДИМИТЪР ИВАНОВ", "status": "active"})]
    assert people_to_search(map(observation, trader), sole_trader=True) == [("ИВАНОВ ДИМИТЪР ИВАНОВ", "sole trader")]
    assert people_to_search(map(observation, trader), sole_trader=False) == []


def test_the_next_page_is_asked_for_and_too_many_pages_fail_handmade():
    body = {"data": [], "pageCount": 2, "rowCount": 30, "page": 1}
    meta = {"subject": subject(TEKSPROM), "person": DIRECTOR[0], "role": DIRECTOR[1], "page": 1}

    def reply(answer: dict, page: int) -> TextResponse:
        return TextResponse(SEARCH_URL, body=json.dumps(answer).encode(), request=Request(
            SEARCH_URL, meta=meta | {"page": page}), headers={"Content-Type": "application/json"})

    [next_page] = spider().parse(reply(body, 1))
    assert b"page=2" in next_page.body and next_page.meta["page"] == 2
    with pytest.raises(SourceFailure, match="more than 4 pages"):
        list(spider().parse(reply(body | {"pageCount": 9}, 4)))
    with pytest.raises(SourceFailure, match="^captcha: service.nalog.ru"):
        list(spider().parse(reply({"ERRORS": {"captcha": ["x"]}}, 1)))
    with pytest.raises(SourceFailure, match="record lacks ДатаКонДискв"):
        list(spider().parse(reply({"data": [{"ФИО": "X", "НаимОрг": "Y", "ДатаНачДискв": "01.01.2026"}]}, 1)))
    with pytest.raises(SourceFailure, match="has no data list"):
        list(spider().parse(reply({"rows": []}, 1)))


def check(recordings, tmp_path, inn: str) -> dict:
    document = check_json("--inn", inn, "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
    return next(r for r in document["coverage"] if r["source"] == "service_nalog_disqualified")


def test_sberbank_full_check_searches_gref_and_finds_no_record(recordings, tmp_path):
    """egrul/7707083893.har gives Греф Герман Оскарович; service_nalog_disqualified/7707083893.har: no records."""
    run = check(recordings, tmp_path, "7707083893")
    assert (run["status"], run["requests"], run["facts"]) == ("empty", 1, 0)


def test_teksprom_full_check_is_skipped_without_a_registry_card(recordings, tmp_path):
    """No egrul recording for 5836898322, so no director name: skipped, not 'nothing found'."""
    run = check(recordings, tmp_path, TEKSPROM)
    assert (run["status"], run["reason"], run["requests"]) == ("skipped", NO_NAME, 0)


def test_sole_trader_full_check_searches_his_own_name_which_is_unrecorded(recordings, tmp_path):
    """egrul/504110181262.har names ИВАНОВ ДИМИТЪР ИВАНОВ; the register has no recording of that search."""
    run = check(recordings, tmp_path, "504110181262")
    assert run["status"] == "failed"
    assert run["reason"] == "unrecorded request: POST https://service.nalog.ru/disqualified-proc.json"
