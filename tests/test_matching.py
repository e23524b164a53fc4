"""Name matching decides which search hits are pinned on the prospect, so both
a missed match and a false one are tested for every rule."""

import csv
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvet.cli import cli
from clientvet.evidence.matching import (
    ENGLISH_WORDS_IN_CYRILLIC, MAX_NAME_LENGTH, ORGANISATIONAL_ABBREVIATIONS, NameMatch, legal_form, match_names,
    match_persons, normalise_name)
from tests.conftest import ROOT

SAME_COMPANY = [
    # legal form in full vs abbreviated, quote kinds, case
    ('ООО "Ромашка"', "Общество с ограниченной ответственностью «РОМАШКА»"),
    ('ПАО Сбербанк', 'ПАО "СБЕРБАНК"'),
    ("ООО“Ромашка”", "ромашка"),
    ("Acme Inc.", "ACME Incorporated"),
    ("Acme L.L.C.", "Acme Limited Liability Company"),
    ("Acme Corp.", "Acme Corporation"),
    ("Acme Public Limited Company", "ACME PLC"),
    ("Bosch GmbH", "Bosch"),
    ("Nestlé S.A.", "Nestle SA"),
    # '&' vs 'and', punctuation, apostrophes
    ("Smith & Sons Ltd", "SMITH AND SONS LIMITED"),
    ("O'Reilly Media, Inc.", "OReilly Media Inc"),
    ("Acme Co.", "Acme"),
    ("Acme Company Limited", "Acme Ltd"),
    # word order
    ("Smith Jones Ltd", "Jones Smith Limited"),
    # ё/е
    ("Ёлка", "Елка"),
    # Cyrillic vs Latin, including other people's transliterations
    ("Ромашка", "Romashka LLC"),
    ("Щука", "Shchuka"),
    ("Максим", "Maxim"),
    ("Мария", "Maria"),
    ("Юнона", "Iunona"),
    ("Яблоко", "Iabloko"),
    ("Майский", "Majskij"),
    ("Химки", "Himki"),
    ("АО Смит", "Smit"),
    # "&" and "+" are words: «и» and «плюс» in a Russian name
    ('ООО "Иванов и Партнёры"', 'ООО "Иванов & Партнёры"'),
    ('ООО "Профи+"', 'ООО "Профи Плюс"'),
    ("Profi Plus", 'ООО "Профи+"'),
]

DIFFERENT_COMPANIES = [
    ('ООО "Ромашка"', 'ООО "Ромашка-М"', "'м'"),
    ("Ромашка", "Ромашка 2", "'2'"),
    ("Acme Group Ltd", "Acme Estates Ltd", "'group', 'estates'"),
    ("Alpha", "Alpha Holding", "'holding'"),
    ("Газпром", "Лукойл", "'газпром', 'лукойл'"),
    # "Co" is a legal form only at the end of the name
    ("Co Op Ltd", "Op Ltd", "'co'"),
    # Latin "AO" is an ordinary word, not the Russian form АО
    ("AO Smith Corp", "Smith Corp", "'ao'"),
    # Russian "и" is a word of its own, not a spelling of "and"
    ("Smith и Sons", "Smith Sons", "'и'"),
    ('ООО "Профи+"', 'ООО "Профи"', "'plus'"),
]


@pytest.mark.parametrize(("a", "b"), SAME_COMPANY)
def test_same_company_names_match(a, b):
    result = match_names(a, b)
    assert result.same, result
    assert result.score >= 0.9
    assert match_names(b, a).same


@pytest.mark.parametrize(("a", "b", "same", "reason"), [
    ("ИП Петров П.П.", "Индивидуальный предприниматель Петров Петр Петрович", True,
     "a sole proprietor, named as a person: agree by initials: п. = петр, п. = петрович"),
    ("ИП Petrov Petr", "Петров Пётр Петрович", True, "a sole proprietor, named as a person: same after "
                                                    "transliteration: petrov = петров, petr = петр"),
    ("ИП Петров", "ИП Петров Иван Иванович", False, "a sole proprietor, named as a person: only the surname"),
    ("ИП Петров И.И.", "ИП Петров П.П.", False, "a sole proprietor, named as a person: same surname, conflicting"),
    ("ИП Петров П.П.", "ООО Петров", False, "different distinguishing token: 'п'"),  # a company: names compared
])
def test_a_sole_proprietor_is_its_owner_and_compared_as_a_person(a, b, same, reason):
    result, reverse = match_names(a, b), match_names(b, a)
    assert (result.same, result.reason.startswith(reason)) == (same, True), result
    assert reverse.same == same and reverse.reason.split(":")[0] == reason.split(":")[0]


@pytest.mark.parametrize(("a", "b", "distinguishing"), DIFFERENT_COMPANIES)
def test_distinguishing_token_makes_a_different_company(a, b, distinguishing):
    result = match_names(a, b)
    assert not result.same, result
    assert distinguishing in result.reason
    assert not match_names(b, a).same


def test_suffix_is_different_even_with_a_lenient_threshold():
    result = match_names('ООО "Ромашка"', 'ООО "Ромашка-М"', threshold=0.0)
    assert not result.same
    assert result.reason == "different distinguishing token: 'м'"


@pytest.mark.parametrize(
    ("a", "b", "forms"),
    [
        ('ЗАО "Ромашка"', 'АО "Ромашка"', "zao vs ao"),
        ("ООО Ромашка", "ПАО Ромашка", "ooo vs pao"),
        ("Acme Ltd", "Acme PLC", "ltd vs plc"),
    ],
)
def test_the_same_name_under_another_legal_form_is_another_legal_entity(a, b, forms):
    """Issue 10 reversed the earlier rule (a re-registration explains it): only an identifier or the
    registry's previous names make these one company."""
    result = match_names(a, b)
    assert not result.same
    assert 0.9 <= result.score < 1.0
    assert forms in result.reason and "another legal entity" in result.reason
    assert match_names(a, b, threshold=0.99).same is False


def test_legal_form_on_one_side_only_costs_nothing():
    assert match_names("Ромашка", 'ООО "Ромашка"').score == 1.0


def test_word_order_does_not_lower_the_score():
    assert match_names("Smith Jones", "Jones Smith").score == 1.0


@pytest.mark.parametrize(
    ("a", "b", "id_a", "id_b", "same", "score"),
    [
        ("Ромашка", "Лютик", "7707083893", "77 0708 3893", True, 1.0),
        ("Acme Ltd", "Globex Ltd", "sc123456", "SC123456", True, 1.0),
        ('ООО "Ромашка"', 'ООО "Ромашка"', "7707083893", "7736050003", False, 0.0),
        ("Acme Ltd", "Acme Ltd", "00445790", "00445791", False, 0.0),
    ],
)
def test_identifiers_beat_names(a, b, id_a, id_b, same, score):
    result = match_names(a, b, id_a=id_a, id_b=id_b)
    assert (result.same, result.score) == (same, score)
    assert "identifiers" in result.reason


def test_differing_identifiers_are_named_in_the_reason():
    result = match_names("Ромашка", "Ромашка", id_a="7707083893", id_b="7736050003")
    assert result.reason == "identifiers differ: INN 7707083893 vs 7736050003"


@pytest.mark.parametrize(("id_a", "id_b"), [("7707083893", None), (None, "7707083893"), ("7707083893", "  ")])
def test_names_decide_when_only_one_identifier_is_known(id_a, id_b):
    assert match_names("Ромашка", "Лютик", id_a=id_a, id_b=id_b).same is False
    assert match_names("Ромашка", "РОМАШКА", id_a=id_a, id_b=id_b).same is True


@pytest.mark.parametrize("empty", ["", "   ", "\t\n", "«»", " - "])
def test_names_without_letters_or_digits_are_refused(empty):
    with pytest.raises(ValueError, match="company name"):
        match_names(empty, "Ромашка")
    with pytest.raises(ValueError, match="company name"):
        match_names("Ромашка", empty)
    with pytest.raises(ValueError, match="company name"):
        normalise_name(empty)
    with pytest.raises(ValueError, match="company name"):
        legal_form(empty)


def test_empty_name_is_refused_even_when_identifiers_match():
    with pytest.raises(ValueError):
        match_names("", "Ромашка", id_a="7707083893", id_b="7707083893")


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_threshold_outside_zero_to_one_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        match_names("Ромашка", "Ромашка", threshold=threshold)


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ('ООО "Ромашка"', "ooo"),
        ("Общество с ограниченной ответственностью «Ромашка»", "ooo"),
        ('ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "РОМАШКА"', "ooo"),
        ("OOO Romashka", "ooo"),
        ("Закрытое акционерное общество Ромашка", "zao"),
        ("ЗАО Ромашка", "zao"),
        ("Открытое акционерное общество Ромашка", "oao"),
        ("Ромашка ПАО", "pao"),
        ("Публичное акционерное общество Сбербанк", "pao"),
        ("АО Ромашка", "ao"),
        ("Акционерное общество Ромашка", "ao"),
        ("НАО Ромашка", "nao"),
        ("Непубличное акционерное общество Ромашка", "nao"),
        ("ИП Иванов И.И.", "ip"),
        ("Индивидуальный предприниматель Иванов", "ip"),
        ("Acme Ltd.", "ltd"),
        ("Acme LIMITED", "ltd"),
        ("Acme plc", "plc"),
        ("Acme Public Limited Company", "plc"),
        ("Acme L.L.C.", "llc"),
        ("Acme Limited Liability Company", "llc"),
        ("Acme LLP", "llp"),
        ("Acme Inc.", "inc"),
        ("Acme Incorporated", "inc"),
        ("Acme Corp.", "corp"),
        ("Acme Corporation", "corp"),
        ("Acme & Co", "co"),
        ("Acme Company", "co"),
        ("Bosch GmbH", "gmbh"),
        ("Siemens AG", "ag"),
        ("Nestlé S.A.", "sa"),
        ("Ромашка", None),
        ("Company Builders", None),
        ("AO Smith", None),
        ("IP Holdings", None),
    ],
)
def test_legal_form(name, form):
    assert legal_form(name) == form


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("ООО «Ромашка»", "romashka"),
        ("Smith & Sons Ltd.", "smith and sons"),
        ("Ёжик", "ezhik"),
        ("Объединение", "obedinenie"),
        ("Ромашка-М", "romashka m"),
        ("Acme Company Limited", "acme"),
        ("Company Builders Ltd", "company builders"),
        ("Смит и сыновья", "smit i synovya"),
        ("  Acme\t  Group  ", "acme group"),
        ("ООО", "ooo"),
    ],
)
def test_normalise_name(name, normalised):
    assert normalise_name(name) == normalised


@pytest.mark.parametrize(
    "name",
    [name for pair in SAME_COMPANY for name in pair]
    + [name for a, b, _ in DIFFERENT_COMPANIES for name in (a, b)],
)
def test_normalise_name_is_idempotent(name):
    once = normalise_name(name)
    assert normalise_name(once) == once


def test_score_is_rounded_and_bounded():
    result = match_names("Ромашка", "Ромашка Плюс")
    assert 0.0 <= result.score <= 1.0
    assert result.score == round(result.score, 2)
    assert 0.0 < result.score < 1.0


def test_as_dict():
    result = match_names('ООО "Ромашка"', "Romashka LLC")
    assert isinstance(result, NameMatch)
    assert result.as_dict() == {"same": True, "score": result.score, "reason": result.reason}
    assert set(result.as_dict()) == {"same", "score", "reason"}



# --- the issue's list, pair by pair -------------------------------------------------------

SAME_COMPANY_BY_ISSUE_LIST = [
    # legal forms in full and abbreviated
    ('ЗАО "Ромашка"', "Закрытое акционерное общество «Ромашка»"),
    ('ОАО "Ромашка"', "ОТКРЫТОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО „РОМАШКА“"),
    ('ПАО "Ромашка"', "Публичное акционерное общество «Ромашка»"),
    ('АО "Ромашка"', "Акционерное общество Ромашка"),
    ("ИП Иванов Иван Иванович", "Индивидуальный предприниматель Иванов Иван Иванович"),
    ("Acme Ltd", "ACME LIMITED"),
    ("Acme PLC", "Acme p.l.c."),
    ("Acme LLC", "Acme L.L.C"),
    ("Acme Inc", "Acme, Inc."),
    ("Acme Corp", "ACME CORPORATION"),
    ("Bosch GmbH", "BOSCH G.m.b.H."),
    ("Bosch Gesellschaft mit beschränkter Haftung", "Bosch GmbH"),
    ("Siemens AG", "Siemens Aktiengesellschaft"),
    # the English names of Russian forms are the same form
    ("ООО «Ромашка»", "Romashka LLC"),
    ("ПАО Сбербанк", "Sberbank PJSC"),
    ("ПАО Сбербанк", "Public Joint-Stock Company Sberbank"),
    ("АО Ромашка", "Romashka JSC"),
    ("ЗАО Ромашка", "Romashka CJSC"),
    ("ОАО Ромашка", "Open Joint Stock Company Romashka"),
    # quotes of every kind, glued to the form or not
    ("ООО «Ромашка»", "ООО ‹Ромашка›"),
    ("ООО «Ромашка»", 'ООО"Ромашка"'),
    ("ООО «Ромашка»", "ООО „Ромашка“"),
    ("ООО «Ромашка»", "ООО ‚Ромашка‘"),
    ("ООО «Ромашка»", "ООО 'Ромашка'"),
    ("ООО «Ромашка»", "ООО'Ромашка'"),
    ("ООО «Ромашка»", "ООО ''Ромашка''"),
    ("ООО «Ромашка»", "ООО `Ромашка`"),
    ("ООО «Ромашка»", "ООО ＂Ромашка＂"),
    ("Acme 'Group' Ltd", "Acme Group Ltd"),
    ("McDonald's Restaurants Limited", "McDonalds Restaurants Ltd"),
    # case, ё/е, punctuation and '&'
    ("ООО «РОМАШКА»", "ооо «ромашка»"),
    ("Звёздный путь", "ЗВЕЗДНЫЙ ПУТЬ"),
    ("Smith&Sons Ltd", "Smith and Sons Ltd"),
    ("Acme (UK) Limited", "Acme UK Ltd."),
    ("Газпром-нефть", "Газпром нефть"),
    ("Газпром нефть", "Газпромнефть"),
    ("Альфа1", "Альфа-1"),
    # Russian and Latin
    ("ООО «Ромашка»", "OOO Romashka"),
    ("Жёлтый цветок", "Zheltyy Tsvetok"),
    ("Щит и меч", "Shchit i mech"),
]

DIFFERENT_COMPANIES_BY_ISSUE_LIST = [
    ("Ромашка", "Ромашка-М"),
    ("Ромашка", "Ромашки"),
    ("Acme Group Ltd", "Acme Estates Ltd"),
    ("Acme Holdings Limited", "Acme Holding Limited"),
    ("Альфа-1", "Альфа-2"),
    ("Альфа 1", "Альфа-12"),
    ("ООО «Ромашка»", "ООО «Ромашка-Юг»"),
    ("Romashka LLC", "Romashka Trading LLC"),
]


@pytest.mark.parametrize(("a", "b"), SAME_COMPANY_BY_ISSUE_LIST)
def test_issue_list_same_company(a, b):
    result = match_names(a, b)
    assert (result.same, result.score) == (True, 1.0), result
    assert match_names(b, a).same


@pytest.mark.parametrize(("a", "b"), DIFFERENT_COMPANIES_BY_ISSUE_LIST)
def test_issue_list_different_companies(a, b):
    assert not match_names(a, b).same
    assert not match_names(b, a).same
    assert not match_names(a, b, threshold=0.0).same  # a different word is never a spelling


def test_words_spaced_differently_say_so():
    assert match_names("Газпром нефть", "Газпромнефть").reason == \
        "same letters, split into words differently: 'газпром нефть' vs 'газпромнефть'"


def test_russian_form_against_another_english_form_still_costs_a_little():
    result = match_names("ПАО Ромашка", "Romashka JSC")
    assert result.same and result.score == 0.95
    assert "legal forms differ (pao vs jsc)" in result.reason


@pytest.mark.parametrize(("name", "form"), [("Sberbank PJSC", "pjsc"), ("Romashka Joint-Stock Company", "jsc"),
                                            ("Acme p.l.c.", "plc"), ("Bosch G.m.b.H.", "gmbh")])
def test_legal_form_english_names_of_russian_forms(name, form):
    assert legal_form(name) == form


@pytest.mark.parametrize(
    ("a", "b", "id_a", "id_b", "same", "reason"),
    [
        # names differ, identifiers agree: the identifier wins
        ("ООО Ромашка", "ООО Лютик", "7707083893", "7707083893", True, "identifiers match: INN 7707083893"),
        ("Acme Group Ltd", "Acme Estates Ltd", "SC123456", "sc 123456", True,
         "identifiers match: company number SC123456"),
        # Companies House numbers lose their leading zero in some sources
        ("Candour Group Ltd", "Candour Group Limited", "08957400", "8957400", True,
         "identifiers match: company number 08957400"),
        # names agree, identifiers differ: the identifier wins
        ("ООО Ромашка", "ООО Ромашка", "1027700132195", "1027700132196", False,
         "identifiers differ: OGRN 1027700132195 vs 1027700132196"),
        ("Acme Ltd", "Acme Ltd", "08957400", "SC123456", False, "identifiers differ: company number 08957400 vs SC123456"),
    ],
)
def test_an_identifier_beats_the_name(a, b, id_a, id_b, same, reason):
    result = match_names(a, b, id_a=id_a, id_b=id_b)
    assert (result.same, result.reason) == (same, reason)


@pytest.mark.parametrize(("b", "same"), [("ПАО Сбербанк", True), ("ПАО Газпром", False)])
def test_identifiers_of_different_kinds_leave_it_to_the_names(b, same):
    """An INN and an OGRN of one company are different numbers; they cannot refute each other."""
    result = match_names("ПАО Сбербанк", b, id_a="7707083893", id_b="1027700132195")
    assert result.same is same
    assert result.reason.startswith("INN 7707083893 and OGRN 1027700132195 cannot be compared, so the names decide: ")

# --- person names: is the contact the registered director? --------------------------------

SAME_PERSON = [
    # Russian order, initials, case, ё/е
    ("Иванов Иван Иванович", "Иван Иванович Иванов", "exact"),
    ("Иванов Иван Иванович", "ИВАНОВ ИВАН ИВАНОВИЧ", "exact"),
    ("Фёдоров Пётр Алексеевич", "Федоров Петр Алексеевич", "exact"),
    ("Иванов Иван Иванович", "Иванов И.И.", "initials"),
    ("Иванов Иван Иванович", "И. И. Иванов", "initials"),
    ("Иванов Иван Иванович", "И.И.Иванов", "initials"),
    ("Иванов Иван Иванович", "иванов и. и.", "initials"),
    # Companies House order and capitals
    ("STEVENSON, Elizabeth Mary", "Elizabeth Mary Stevenson", "exact"),
    ("HORLEY, Allan David", "Allan David HORLEY", "exact"),
    ("Mr John Smith", "SMITH, John", "exact"),
    ("STEVENSON, Elizabeth Mary", "Elizabeth Stevenson", "partial"),
    # Latin and Cyrillic, passport and other transliterations
    ("Ivanov Ivan", "Иванов Иван", "transliterated"),
    ("IVANOV, Ivan Ivanovich", "Иванов Иван Иванович", "transliterated"),
    ("Греф Герман Оскарович", "German Gref", "partial"),
    ("Греф Герман Оскарович", "Gref G.O.", "initials"),
    ("Соколова Юлия Дмитриевна", "SOKOLOVA, Iuliia Dmitrievna", "transliterated"),
    ("Сергеев Андрей Юрьевич", "Sergeyev Andrei Yuryevich", "transliterated"),
    ("Евгений Фёдоров", "Yevgeny Fyodorov", "transliterated"),
    ("Дмитрий Щукин", "Dmitrii Shchukin", "transliterated"),
    ("Наталья Ксения Воронина", "Natalia Xenia Voronina", "transliterated"),
    ("Соколов Юрий", "Yu. Sokolov", "initials"),
    ("Жанна Иванова", "Zh. Ivanova", "initials"),
]

DIFFERENT_PEOPLE = [
    ("Иванов Иван Иванович", "Петров Иван Иванович", "different surname"),
    ("Иванов Иван", "Иванова Иван", "different surname"),
    ("Иванов Иван Иванович", "Иванов Пётр Иванович", "conflicting given names"),
    ("Иванов Иван Иванович", "Иванов Иван Петрович", "conflicting given names"),
    ("Иванов Иван Иванович", "Иванов П.И.", "conflicting given names"),
    # initials in the wrong order: Иван Петрович is not Пётр Иванович
    ("Иванов Иван Петрович", "Иванов П. И.", "conflicting given names"),
    ("Иванов И.П.", "Иванов И.С.", "conflicting given names"),
    ("Греф Герман Оскарович", "Gref G.A.", "conflicting given names"),
    ("STEVENSON, Elizabeth Mary", "Benjamin Thomas Stevenson", "conflicting given names"),
    ("Ivan Petrov", "Petr Ivanov", "different surname"),
    # a surname alone could be anyone
    ("Иванов Иван Иванович", "Иванов", "given name missing"),
    ("Иванов Иван Иванович", "LONDON LAW SERVICES LIMITED", "different surname"),
]


@pytest.mark.parametrize(("a", "b", "basis"), SAME_PERSON)
def test_same_person_in_any_order_script_or_initials(a, b, basis):
    result = match_persons(a, b)
    assert result.same, result
    assert result.basis == basis
    assert match_persons(b, a).as_dict() | {"reason": ""} == result.as_dict() | {"reason": ""}


@pytest.mark.parametrize(("a", "b", "basis"), DIFFERENT_PEOPLE)
def test_different_people_do_not_match(a, b, basis):
    result = match_persons(a, b)
    assert not result.same, result
    assert result.basis == basis
    assert not match_persons(b, a).same


def test_person_score_falls_with_each_weaker_step():
    exact = match_persons("Иванов Иван Иванович", "Иван Иванович Иванов").score
    transliterated = match_persons("Иванов Иван Иванович", "Ivanov Ivan Ivanovich").score
    partial = match_persons("Иванов Иван Иванович", "Ivanov Ivan").score
    initials = match_persons("Иванов Иван Иванович", "Ivanov I.I.").score
    assert exact == 1.0 > transliterated > partial > initials >= 0.5


def test_person_reason_names_the_parts_compared():
    assert match_persons("Иванов Иван Иванович", "Иванов И.И.").reason == \
        "agree by initials: иван = и., иванович = и."
    assert match_persons("Иванов Иван Иванович", "Иванов П.И.").reason == \
        "same surname, conflicting initials: 'иван' vs 'п.'"
    assert match_persons("Иванов Иван", "Петров Иван").reason == "different surnames: 'иванов' vs 'петров'"


def test_person_match_as_dict_says_how():
    result = match_persons("Греф Герман Оскарович", "Gref G.O.")
    assert isinstance(result, NameMatch)
    assert result.as_dict() == {"same": True, "score": 0.75, "reason": result.reason, "basis": "initials"}


@pytest.mark.parametrize("empty", ["", "   ", "123", " - ", "«»", "И. И.", "Mr"])
def test_person_names_without_a_surname_are_refused(empty):
    with pytest.raises(ValueError, match="person name"):
        match_persons(empty, "Иванов Иван")
    with pytest.raises(ValueError, match="person name"):
        match_persons("Иванов Иван", empty)


# --- issue 10: legal forms, abbreviations, articles, as an analyst reads them ------------------

ANOTHER_LEGAL_ENTITY = [
    ('ООО "Вектор"', 'АО "Вектор"'),
    ("ООО Вектор", "ИП Вектор"),
    ('ЗАО "Вектор"', 'НАО "Вектор"'),
    ('ОАО "Вектор"', 'ПАО "Вектор"'),
    ('МУП "Водоканал"', 'ООО "Водоканал"'),
    ("Vector LLC", "Vector Inc."),
    ("Vector Holdings, L.L.C.", "Vector Holdings Corporation"),
    ("Vector GmbH", "Vector AG"),
    ("Vector Ltd", "Vector PLC"),
    ("Vector Limited", "Vector LLP"),
    ("Vector Partners LP", "Vector Partners LLC"),
    ("Vector N.V.", "Vector PLC"),
    ("ООО Вектор", "Vector JSC"),
    ("Vector LLC", "Vector Ltd"),  # an English LLC and an English Ltd: two entities
]


@pytest.mark.parametrize(("a", "b"), ANOTHER_LEGAL_ENTITY)
def test_one_name_under_two_legal_forms_is_two_entities(a, b):
    result = match_names(a, b)
    assert not result.same, result
    assert "legal forms differ" in result.reason and "another legal entity" in result.reason
    assert not match_names(b, a).same


@pytest.mark.parametrize(("a", "b", "id_a", "id_b"), [
    ('ООО "Вектор"', 'АО "Вектор"', "1027700132195", "1027700132195"),
    ("Vector Ltd", "Vector PLC", "08957400", "8957400"),
])
def test_an_identifier_shows_the_re_registration(a, b, id_a, id_b):
    assert match_names(a, b, id_a=id_a, id_b=id_b).same


@pytest.mark.parametrize(("a", "b", "why"), [
    ('ООО "Вектор"', "Vector LLC", None),
    ('ООО "Вектор"', "Vector Ltd", "an ООО writes its form in English as LLC or Ltd"),
    ('АО "Вектор"', "Vector JSC", None),
    ('ПАО "Вектор"', "PJSC Vector", None),
    ('ПАО "Вектор"', "Vector JSC", "JSC is how every kind of Russian joint-stock company writes its form in English"),
    ('ЗАО "Вектор"', "Vector Joint-Stock Company", "JSC is how every kind"),
    ("Vector Inc.", "Vector Corporation", "a US corporation writes Inc. or Corp."),
    ("Vector Co", "Vector LLC", None),  # "Co" says nothing about the kind of entity
    ("Vector", "Vector GmbH", None),
])
def test_one_form_in_two_languages_or_a_covering_designation_is_one_entity(a, b, why):
    result = match_names(a, b)
    assert result.same, result
    assert (why in result.reason) if why else ("legal forms differ" not in result.reason)
    assert match_names(b, a).same


@pytest.mark.parametrize(("abbreviation", "full"), [
    (abbreviation, full) for abbreviation, full_forms in ORGANISATIONAL_ABBREVIATIONS.items() for full in full_forms])
def test_an_organisational_abbreviation_equals_its_full_form(abbreviation, full):
    result = match_names(f'ООО "{abbreviation} Вектор"', f"Общество с ограниченной ответственностью «{full} Вектор»")
    assert result.same, result
    assert f"'{abbreviation.lower()}' read as '{full.lower()}'" in result.reason
    assert match_names(f"ООО «{full.upper()} ВЕКТОР»", f"ООО {abbreviation}-Вектор").same
    assert not match_names(f'ООО "{abbreviation} Вектор"', 'ООО "Вектор"').same  # a word of the name, not noise


@pytest.mark.parametrize("abbreviation", [a for a, full_forms in ORGANISATIONAL_ABBREVIATIONS.items()
                                          if len(full_forms) > 1])
def test_the_two_meanings_of_an_abbreviation_are_two_companies(abbreviation):
    first, second = ORGANISATIONAL_ABBREVIATIONS[abbreviation][:2]
    assert not match_names(f"ООО «{first} Вектор»", f"ООО «{second} Вектор»").same


@pytest.mark.parametrize(("a", "b"), [
    ('ООО "ТД Вектор"', 'ООО "ТК Вектор"'),
    ('ООО "НПО Вектор"', 'ООО "Научно-производственное предприятие Вектор"'),
    ('ООО "ТД Вектор"', 'ООО "Торговая компания Вектор"'),
    ("TD Vector LLC", 'ООО "Торговый дом Вектор"'),  # abbreviations are read in Cyrillic only
])
def test_different_organisational_words_are_different_companies(a, b):
    assert not match_names(a, b).same
    assert not match_names(b, a).same


@pytest.mark.parametrize(("a", "b"), [
    ("The Vector Company", "Vector Co"),
    ("THE VECTOR GROUP LIMITED", "Vector Group Ltd"),
    ("Vector & Sons", "Vector and Sons"),
    ("Vector & Co", "Vector and Company"),
    ("Vector Company", "Vector Co."),
    ("Vector Co. Ltd", "Vector Limited"),
])
def test_a_leading_article_and_and_co_do_not_distinguish(a, b):
    result = match_names(a, b)
    assert result.same and result.score == 1.0, result
    assert match_names(b, a).same


@pytest.mark.parametrize(("a", "b", "distinguishing"), [
    ("The Vector", "Vector The", "'the'"),  # only a leading article is one
    ("Vector Company Builders", "Vector Builders", "'company'"),  # "Company" inside the name is a word
    ("Vector & Sons", "Vector Sons", "'and'"),
    ("YOU & CO. LTD", "YOU LIMITED", "'and'"),  # two companies in the Companies House search for "you"
])
def test_articles_and_company_elsewhere_are_words(a, b, distinguishing):
    result = match_names(a, b)
    assert not result.same and distinguishing in result.reason


@pytest.mark.parametrize(("a", "b"), [
    ("BANK OF AMERICA CORP /DE/", "Bank of America Corporation"),
    ("WELLS FARGO & COMPANY/MN", "Wells Fargo & Co."),
    ("VERTEX PHARMACEUTICALS INC / MA", "Vertex Pharmaceuticals Incorporated"),
    ("COSTCO WHOLESALE CORP /NEW", "Costco Wholesale Corporation"),
    ("Glencore plc/ADR", "Glencore PLC"),
])
def test_edgar_state_tags_are_not_part_of_the_name(a, b):
    assert match_names(a, b).same


def test_a_slash_inside_a_name_stays():
    assert normalise_name("AC/DC Ltd") == "ac dc"
    assert not match_names("AC/DC Ltd", "AC Ltd").same


@pytest.mark.parametrize(("a", "b"), [
    ('ООО "Ромaшка"', 'ООО "Ромашка"'),  # a Latin a typed inside a Cyrillic word
    ('ООО "Cибирь"', 'ООО "Сибирь"'),  # a Latin C
    ("Acmе Ltd", "Acme Ltd"),  # a Cyrillic е inside a Latin word
    ("ООO Ромашка", "ООО Ромашка"),  # the form itself
    ('ООО "POMAШKA"', 'ООО «РОМАШКА»'),  # mostly Latin look-alikes around a Ш, which has none: Cyrillic
])
def test_look_alike_letters_of_the_other_script_are_read_in_the_words_script(a, b):
    assert match_names(a, b).same


@pytest.mark.parametrize(("a", "b"), [
    ('ПАО "ЛУКОЙЛ"', "PJSC LUKOIL"),
    ('ПАО "Ростелеком"', "Rostelecom PJSC"),
    ('ПАО "ВымпелКом"', "VimpelCom"),
    ('ООО "Объединение"', "Obyedineniye LLC"),
    ('ООО "Сити Сервис"', "City Service LLC"),
    ('ООО "Альфа Групп"', "Alfa Group LLC"),
    ('ООО "Україна"', "Ukraina LLC"),
])
def test_a_russian_name_against_its_english_spelling(a, b):
    assert match_names(a, b).same


@pytest.mark.parametrize(("a", "b"), [
    ("Лукойл", "Лукоил"),  # one script: spelled differently is another name
    ("Lukoil", "Lukoyl"),
    ("Сервис", "Сервиз"),
])
def test_loose_spelling_is_only_across_scripts(a, b):
    assert not match_names(a, b).same


def test_english_words_in_cyrillic_are_compared_as_the_english_word():
    for cyrillic, english in ENGLISH_WORDS_IN_CYRILLIC.items():
        assert match_names(f"Вектор {cyrillic}", f"Vektor {english}").same, cyrillic


# --- the held-out table: pairs no other test uses ----------------------------------------------

HELD_OUT = ROOT / "tests" / "fixtures" / "matching" / "held_out_pairs.tsv"


def held_out_pairs() -> list[dict[str, str]]:
    lines = [line for line in HELD_OUT.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_held_out_pairs_are_judged_as_an_analyst_would():
    """≥ 0.98 accuracy on ≥ 150 RU, UK and US pairs judged by hand before the rules were tuned."""
    pairs = held_out_pairs()
    assert len(pairs) >= 150
    assert {p["same"] for p in pairs} == {"same", "different"} and {p["kind"] for p in pairs} == {"company", "person"}
    wrong = []
    for pair in pairs:
        if pair["kind"] == "person":
            result = match_persons(pair["a"], pair["b"])
        else:
            result = match_names(pair["a"], pair["b"], id_a=pair["id_a"] or None, id_b=pair["id_b"] or None)
        if result.same != (pair["same"] == "same"):
            wrong.append(f"{pair['a']} | {pair['b']}: expected {pair['same']} ({pair['note']}), got {result.reason}")
    assert 1 - len(wrong) / len(pairs) >= 0.98, "\n".join(wrong)


# --- issue 11: hostile sizes take linear time ---------------------------------------------------

# A loose ceiling: the target is well under 0.1 s; the quadratic matcher took 72 s on 4.8k characters.
CEILING_SECONDS = 1.0


def timed(function, *args, runs: int = 3):
    """The fastest of a few runs in CPU seconds of this process: other work on the machine does not count."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        result = function(*args)
        best = min(best, time.process_time() - started)
    return best, result


@pytest.mark.parametrize("name", [
    "ООО Ромашка ТД СК Ltd & Co the " * 400,
    "Ромашка" * 1500,
    "i" * 9999 + "y",
    "Co " * 3500,
    "ТД СК ТК НПФ ФК " * 700,
])
def test_ten_thousand_character_names_are_matched_quickly(name):
    name = name[:10_000]
    seconds, result = timed(match_names, name, name[:-1] + "Ж")
    assert seconds < CEILING_SECONDS
    assert not result.same and f"({MAX_NAME_LENGTH} characters)" in result.reason
    seconds, result = timed(match_names, name, name)
    assert seconds < CEILING_SECONDS and result.same


def test_a_long_name_takes_no_longer_than_a_sane_one_a_few_times_over():
    sane, long = "ООО Торговый дом Ромашка Плюс " * 10, "ООО Торговый дом Ромашка Плюс " * 1000
    assert timed(match_names, long, long + "x")[0] < 20 * timed(match_names, sane, sane + "x")[0] + 0.05


def test_a_600_word_director_is_not_ivanov_i():
    director = " ".join(["Ivanov"] + ["Ivan"] * 599)
    seconds, result = timed(match_persons, director, "Ivanov I.")
    assert seconds < CEILING_SECONDS
    assert (result.same, result.basis) == (False, "not a person's name")
    assert not match_persons("Ivanov I.", director).same


def test_match_person_on_60k_characters_returns_quickly():
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["match", "--person", "Иванов Иван " * 5000, "Иванов И."])
    assert time.perf_counter() - started < CEILING_SECONDS * 5
    assert result.exit_code == 0 and result.output.startswith("different people (score 0.0, not a person's name)")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_any_text_is_matched_symmetrically_or_refused(a, b):
    try:
        forward, backward = match_names(a, b), match_names(b, a)
    except ValueError as exc:
        assert "company name" in str(exc)
        return
    assert forward.same == backward.same and forward.score == backward.score
    assert 0.0 <= forward.score <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60))
def test_normalising_any_name_twice_changes_nothing(name):
    try:
        once = normalise_name(name)
    except ValueError:
        return
    assert normalise_name(once) == once
