"""Signing authority: the contact from `check --contact` against the registry's officers.

A wrong "may sign" lets a contract be signed by someone who cannot bind the company,
so the negative answers (resigned, secretary, namesake with other initials) are tested
as carefully as the positive ones."""

from __future__ import annotations

from datetime import date

import pytest

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import RULES
from clientvet.checks.verdict import evaluate
from clientvet.evidence.store import CheckRecord, Observation
from tests.conftest import check_json

TODAY = date(2026, 11, 23)
GREF = {"name": "Греф Герман Оскарович", "role": "ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ",
        "company_ogrn": "1027700132195", "active": True}


def egrul_officer(**data) -> Observation:
    data = {**GREF, **data}
    return Observation(f"officer:{data['name']}", "officer", f"1027700132195:{data['role']}:{data['name']}",
                       "egrul", data, "", "", 1, "https://egrul.nalog.ru/search-result/t")


def uk_officer(name: str, role: str = "director", resigned_on: str | None = None) -> Observation:
    data = {"name": name, "role": role, "appointed_on": "2002-07-02", "resigned_on": resigned_on,
            "active": not resigned_on}
    return Observation(f"officer:{name}:{role}:{resigned_on}", "officer", f"{name}:{role}", "companies_house",
                       data, "", "", 2)


def registry_record(**data) -> Observation:
    return Observation("card", "registry_record", "card", "egrul", {"status": "active", **data}, "", "", 1)


def factors(contact: str | None, *observations: Observation, jurisdiction: str = "RU") -> dict:
    """The signing-authority factors of a check with these facts, by code."""
    terms = {"contact": contact} if contact else {}
    check = CheckRecord(1, "ru:inn:7707083893", jurisdiction, "inn", "7707083893", "2026-11-23T00:00:00+00:00",
                        None, "done", None, terms=terms)
    verdict = evaluate(CheckEvidence(check, list(observations), frozenset(), TODAY))
    return {f.rule.code: f for f in verdict.factors if f.rule.code.startswith("contact_")}


@pytest.mark.parametrize("contact", ["Греф Герман Оскарович", "Герман Оскарович Греф", "Греф Г.О.",
                                     "Г. О. Греф", "ГРЕФ ГЕРМАН ОСКАРОВИЧ", "German Gref", "GREF, German Oskarovich"])
def test_the_registered_head_may_sign(contact):
    found = factors(contact, registry_record(), egrul_officer())
    assert set(found) == {"contact_can_sign"}
    factor = found["contact_can_sign"]
    assert factor.points == -5
    assert factor.evidence[0].kind == "officer" and factor.evidence[0].data["name"] == "Греф Герман Оскарович"
    assert f"«{contact}» is Греф Герман Оскарович (ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ, egrul)" in factor.detail


@pytest.mark.parametrize(("contact", "why"), [
    ("Петров Пётр Петрович", "different surnames: 'петров' vs 'греф'"),
    ("Греф Г.А.", "same surname, conflicting initials: 'а.' vs 'оскарович'"),
    ("Греф Олег Германович", "same surname, different given names: 'олег' vs 'герман'"),
    ("Греф", "only the surname 'греф' on one side"),
])
def test_anyone_else_needs_a_power_of_attorney(contact, why):
    found = factors(contact, registry_record(), egrul_officer())
    assert set(found) == {"contact_authority_unproven"}
    factor = found["contact_authority_unproven"]
    assert factor.points == 10
    assert factor.detail.startswith(f"«{contact}» is none of: Греф Герман Оскарович (ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ): ")
    assert why in factor.detail
    assert [o.data["name"] for o in factor.evidence] == ["Греф Герман Оскарович"]


def test_the_advice_is_the_rules_safeguard():
    rule = RULES["contact_authority_unproven"]
    assert "power of attorney" in rule.safeguard and "МЧД" in rule.safeguard
    assert "power of attorney" in rule.summary
    assert RULES["contact_can_sign"].safeguard is None
    assert (RULES["contact_can_sign"].group, RULES["contact_authority_unproven"].group) == ("registry", "registry")


def test_no_contact_no_factor():
    assert factors(None, registry_record(), egrul_officer()) == {}


@pytest.mark.parametrize("contact", ["123", "Г.О."])
def test_a_contact_without_a_surname_is_not_authorised(contact):
    found = factors(contact, registry_record(), egrul_officer())
    assert set(found) == {"contact_authority_unproven"}
    assert found["contact_authority_unproven"].detail == f"«{contact}» has no surname to compare"


def test_without_officers_the_authority_is_not_shown():
    found = factors("Греф Герман Оскарович", registry_record())
    assert found["contact_authority_unproven"].detail == \
        "the registry names no current director or head to compare «Греф Герман Оскарович» with"


def test_head_of_a_ceased_company_may_not_sign():
    found = factors("Греф Герман Оскарович", registry_record(status="ceased"), egrul_officer(active=False))
    assert set(found) == {"contact_authority_unproven"}
    assert found["contact_authority_unproven"].detail.endswith("but the company's registry status is 'ceased'")


# Companies House: YOU LIMITED's officers as recorded (companies_house/04475590.har)
YOU_LIMITED = (
    uk_officer("STEVENSON, Elizabeth Mary", "secretary"),
    uk_officer("STEVENSON, Benjamin Thomas"),
    uk_officer("STEVENSON, Elizabeth Mary"),
    uk_officer("STEVENSON, Benjamin Thomas", resigned_on="2017-09-01"),
    uk_officer("STEVENSON, Leslie Alan", resigned_on="2012-08-28"),
)


def test_current_uk_director_may_sign_even_with_an_older_resigned_appointment():
    found = factors("Benjamin Stevenson", *YOU_LIMITED, jurisdiction="GB")
    assert set(found) == {"contact_can_sign"}
    (officer,) = found["contact_can_sign"].evidence
    assert officer.data["role"] == "director" and officer.data["resigned_on"] is None


def test_resigned_uk_director_may_not_sign():
    found = factors("Leslie Alan Stevenson", *YOU_LIMITED, jurisdiction="GB")
    assert set(found) == {"contact_authority_unproven"}
    factor = found["contact_authority_unproven"]
    assert "«Leslie Alan Stevenson» is STEVENSON, Leslie Alan (director, companies_house)" in factor.detail
    assert factor.detail.endswith("but resigned on 2012-08-28")
    assert [o.data["name"] for o in factor.evidence] == ["STEVENSON, Leslie Alan"]


def test_a_secretary_alone_may_not_sign_but_the_same_person_as_director_may():
    secretary_only = factors("Elizabeth Mary Stevenson", YOU_LIMITED[0], jurisdiction="GB")
    assert secretary_only["contact_authority_unproven"].detail.endswith(
        "but a secretary cannot sign for the company alone")
    assert set(factors("Elizabeth Mary Stevenson", *YOU_LIMITED, jurisdiction="GB")) == {"contact_can_sign"}


def test_sole_trader_signs_in_person():
    trader = registry_record(name="ЛАКОМКИНА ЕЛЕНА ЮРЬЕВНА", entity="sole_trader")
    assert set(factors("Лакомкина Елена Юрьевна", trader)) == {"contact_can_sign"}
    assert set(factors("Лакомкина Е.Ю.", trader)) == {"contact_can_sign"}
    assert set(factors("Лакомкин Евгений Юрьевич", trader)) == {"contact_authority_unproven"}


def test_the_factors_move_the_score():
    with_head = evaluate_score("Греф Герман Оскарович")
    with_stranger = evaluate_score("Петров Пётр Петрович")
    assert (with_head, with_stranger) == (0, 10)  # -5 is floored at 0; +10 on top of nothing else


def evaluate_score(contact: str) -> int:
    check = CheckRecord(1, "ru:inn:7707083893", "RU", "inn", "7707083893", "2026-11-23T00:00:00+00:00",
                        None, "done", None, terms={"contact": contact})
    return evaluate(CheckEvidence(check, [registry_record(), egrul_officer()], frozenset(), TODAY)).score


# --- end to end, replayed from the real recordings in ../shared/recordings ------------------

@pytest.fixture
def check(recordings, tmp_path):
    def run(*args: str) -> dict:
        document = check_json(*args, "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
        return {f["code"]: f for f in document["factors"] if f["code"].startswith("contact_")} | \
            {"terms": document["terms"]}
    return run


def test_sberbank_head_by_initials_may_sign(check):
    """egrul/7707083893.har: head (g) «ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ: Греф Герман Оскарович»."""
    found = check("--inn", "7707083893", "--contact", "Г. О. Греф")
    assert set(found) == {"contact_can_sign", "terms"} and found["terms"] == {"contact": "Г. О. Греф"}
    factor = found["contact_can_sign"]
    assert factor["points"] == -5 and factor["group"] == "registry"
    assert "«Г. О. Греф» is Греф Герман Оскарович (ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ, egrul)" in factor["summary"]
    (officer,) = factor["evidence"]
    assert (officer["source"], officer["kind"]) == ("egrul", "officer")
    assert officer["key"] == "1027700132195:ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ:Греф Герман Оскарович"
    assert officer["url"].startswith("https://egrul.nalog.ru/search-result/") and len(officer["sha256"]) == 64


def test_someone_else_at_sberbank_needs_a_power_of_attorney(check):
    found = check("--inn", "7707083893", "--contact", "Греф Олег Германович")
    assert set(found) == {"contact_authority_unproven", "terms"}
    factor = found["contact_authority_unproven"]
    assert factor["points"] == 10
    assert factor["summary"].endswith("«Греф Олег Германович» is none of: Греф Герман Оскарович (ПРЕЗИДЕНТ, "
                                      "ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ): same surname, different given names: "
                                      "'олег' vs 'герман'")


def test_you_limited_resigned_director_may_not_sign_but_the_current_one_may(check):
    """companies_house/04475590.har: officers of YOU LIMITED, 3 current and 4 resigned."""
    resigned = check("--company-number", "04475590", "--contact", "Leslie Alan Stevenson")
    assert set(resigned) == {"contact_authority_unproven", "terms"}
    assert resigned["contact_authority_unproven"]["summary"].endswith(
        "«Leslie Alan Stevenson» is STEVENSON, Leslie Alan (director, companies_house): same surname and given "
        "names, but resigned on 2012-08-28")
    current = check("--company-number", "04475590", "--contact", "Benjamin Stevenson")
    assert set(current) == {"contact_can_sign", "terms"}
    assert "is STEVENSON, Benjamin Thomas (director, companies_house)" in current["contact_can_sign"]["summary"]


def test_recorded_sole_trader_signs_in_person(check):
    """egrul/583716175273.har: ИП ЛАКОМКИНА ЕЛЕНА ЮРЬЕВНА, current registration 316583500051066."""
    found = check("--inn", "583716175273", "--contact", "Лакомкина Е. Ю.")
    assert set(found) == {"contact_can_sign", "terms"}
    assert found["contact_can_sign"]["evidence"][0]["kind"] == "registry_record"
    assert "(sole trader, egrul)" in found["contact_can_sign"]["summary"]
