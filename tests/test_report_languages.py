"""The two languages: the message catalogues are complete and current, and every sentence the verdict
writes (checks/verdict.py, the account history's class) has its Russian template.

When a sentence of the verdict changes, the sentence tests here fail until reports/i18n.py SENTENCES
and the Russian catalogue follow (`.venv/bin/python -m clientvet.reports.catalogue`, then translate).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.pofile import read_po

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.history import AccountHistory
from clientvet.checks.rules import RULES
from clientvet.checks.signals import StoredSignal
from clientvet.checks.tuning import Tuning
from clientvet.checks.verdict import evaluate
from clientvet.evidence.store import CheckRecord, Observation, SourceRun
from clientvet.reports import catalogue
from clientvet.reports.document import report
from clientvet.reports.i18n import (ACCOUNT_SENTENCES, VERDICT_SENTENCES, Translator, language_of_locale, localise,
                                    sentence_template)

TODAY = date(2026, 11, 23)
KEY = "ru:inn:7700000001"
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def messages(path) -> dict:
    with path.open("rb") as file:
        return {m.id if isinstance(m.id, str) else tuple(m.id): m for m in read_po(file) if m.id}


# --- the catalogues ---------------------------------------------------------------------------------


def test_the_template_holds_every_message_declared_now():
    declared = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalogue.template() if m.id}
    assert set(messages(catalogue.POT)) == declared, catalogue.REGENERATE


def test_every_message_has_a_russian_translation_with_the_same_placeholders():
    russian = messages(catalogue.LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po")
    for message_id in messages(catalogue.POT):
        entry = russian.get(message_id)
        assert entry is not None and not entry.fuzzy, f"{message_id!r} is not translated; {catalogue.REGENERATE}"
        strings = (entry.string,) if isinstance(entry.string, str) else entry.string
        english = message_id if isinstance(message_id, str) else message_id[1]
        for string in strings:
            assert string, f"{message_id!r} has an empty Russian translation"
            assert sorted(set(PLACEHOLDER.findall(string))) == sorted(set(PLACEHOLDER.findall(english))), message_id


@pytest.mark.parametrize("environ, lang", [
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"LC_ALL": "", "LC_MESSAGES": "ru_RU.UTF-8", "LANG": "en_GB.UTF-8"}, "ru"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_default_language_is_the_locale_s(environ, lang):
    assert language_of_locale(environ) == lang


# --- the verdict's sentences ------------------------------------------------------------------------


def fact(kind: str, key: str, **data) -> Observation:
    return Observation(f"{kind}:{key}", kind, key, "egrul", data, "2026-11-23T00:00:00+00:00",
                       "2026-11-23T00:00:00+00:00", None, url=f"https://example.test/{kind}/{key}")


def signal(code: str) -> StoredSignal:
    return StoredSignal(1, KEY, code, None, "anna", "2026-11-20T10:00:00+00:00")


def registry(status: str = "active") -> Observation:
    return fact("registry_record", "1", status=status, registered_on="2015-01-01", name="ООО «ПРИМЕР»", inn="7700000001")


def document(*observations: Observation, signals: tuple[str, ...] = (), purpose: str | None = None,
             failed: tuple[str, ...] = (), tuning: Tuning | None = None) -> dict:
    runs = [SourceRun(source, "failed", "captcha", None, None, 1, 0) for source in failed]
    check = CheckRecord(1, KEY, "RU", "inn", "7700000001", "2026-11-23T00:00:00+00:00", None, "complete", None,
                        terms={"purpose": purpose} if purpose else {}, sources=runs)
    evidence = CheckEvidence(check, list(observations), frozenset({"egrul"}), TODAY,
                             signals=[signal(code) for code in signals], tuning=tuning or Tuning())
    return report(evidence, evaluate(evidence))


RED_FLAGS = ("cash_off_books", "anonymous_contact", "no_signing_authority", "promises_broken")
SCENARIOS = {
    "green": document(registry()),
    "green, long project": document(registry(), purpose="long-project"),
    "amber by score": document(registry(), signals=("cash_off_books", "anonymous_contact")),
    "amber by score, deferred; green if prepaid": document(registry(), signals=("business_sinking", "promises_broken"),
                                                           purpose="deferred"),
    "green, every rule disabled": document(registry(), tuning=Tuning(disabled=frozenset(RULES))),
    "amber, an essential source unchecked": document(registry(), failed=("egrul",)),
    "amber, unchecked, deferred": document(registry(), failed=("egrul",), purpose="deferred"),
    "red by score": document(registry(), signals=RED_FLAGS),
    "red by score, prepaid": document(registry(), signals=RED_FLAGS, purpose="prepaid"),
    "red by a deal-killer, then by score": document(registry("ceased"), signals=RED_FLAGS),
    "red by a deal-killer only": document(registry("ceased")),
    "amber by score, prepaid": document(registry(), signals=("cash_off_books", "anonymous_contact"),
                                        purpose="prepaid"),
}


def sentences(doc: dict) -> list[str]:
    return [*doc["verdict_reasons"], *doc["safeguards"], *(change["text"] for change in doc["would_change"])]


def test_the_scenarios_meet_every_template_of_the_verdict():
    met = {sentence_template(s)[0] for doc in SCENARIOS.values() for s in sentences(doc) if sentence_template(s)}
    assert [template for template in VERDICT_SENTENCES if template not in met] == []


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_sentence_of_the_verdict_is_translated(name):
    t = Translator("ru")
    for sentence in sentences(SCENARIOS[name]):
        translated = t.sentence(sentence)
        assert translated != sentence, f"no Russian template fits: {sentence!r}"
        assert not re.search(r"\b(the|would|score|prepayment|work)\b", translated), translated


def test_a_deal_killer_is_named_in_russian_with_its_detail_in_russian():
    doc = SCENARIOS["red by a deal-killer, then by score"]
    localised = localise(doc, Translator("ru"))
    killers = next(change["text"] for change in localised["would_change"] if change.get("remove") == ["ceased"])
    assert killers == ("Должны отпасть все стоп-факторы: ceased — Компания больше не существует (прекратила "
                       "деятельность, ликвидирована или исключена). Статус в реестре: «прекратила деятельность»")
    assert doc["would_change"][0]["text"].startswith("Every deal-killer")  # the document itself is untouched


def test_english_is_the_document_itself():
    doc = SCENARIOS["red by score"]
    assert localise(doc, Translator("en")) is doc
    assert all(Translator("en").sentence(s) == s for s in sentences(doc))


ACCOUNT_CASES = {
    "harmful: late and friction": ([("INV-1", "2026-01-10", "2026-01-20", "2026-02-15")], ["discount_request"] * 3),
    "loyal": ([("INV-1", "2026-01-10", "2026-01-20", "2026-01-21")], ["repeat_order"]),
    "normal": ([("INV-1", "2026-01-10", "2026-01-20", "2026-01-28")], ["rude_contact", "discount_request"]),
    "normal, nothing paid yet": ([("INV-1", "2026-11-10", "2026-11-30", None)], []),
}


def account_reasons(name: str) -> tuple[str, ...]:
    invoices, events = ACCOUNT_CASES[name]
    account = AccountHistory.from_rows(
        [{"company_key": KEY, "invoice_id": i, "issued": issued, "due": due, "paid": paid, "amount": 100.0,
          "currency": "RUB"} for i, issued, due, paid in invoices],
        [{"company_key": KEY, "date": "2026-05-01", "kind": kind, "note": ""} for kind in events])
    return account.classify(TODAY).reasons


@pytest.mark.parametrize("name", ACCOUNT_CASES)
def test_every_reason_of_the_account_class_is_translated(name):
    t = Translator("ru")
    for reason in account_reasons(name):
        assert t.sentence(reason) != reason, reason


def test_the_account_cases_meet_every_template_of_the_account_class():
    met = {sentence_template(reason)[0] for name in ACCOUNT_CASES for reason in account_reasons(name)
           if sentence_template(reason)}
    assert [template for template in ACCOUNT_SENTENCES if template not in met] == []
