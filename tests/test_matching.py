"""Name matching decides which search hits are pinned on the prospect, so both
a missed match and a false one are tested for every rule."""

import pytest

from clientvet.evidence.matching import NameMatch, legal_form, match_names, match_persons, normalise_name

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
]


@pytest.mark.parametrize(("a", "b"), SAME_COMPANY)
def test_same_company_names_match(a, b):
    result = match_names(a, b)
    assert result.same, result
    assert result.score >= 0.9
    assert match_names(b, a).same


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
def test_different_legal_forms_lower_the_score_but_keep_the_match(a, b, forms):
    result = match_names(a, b)
    assert result.same
    assert 0.9 <= result.score < 1.0
    assert forms in result.reason
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
