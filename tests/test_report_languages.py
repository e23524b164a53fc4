"""The two languages: the message catalogues are complete and current, every sentence the verdict
writes (checks/verdict.py, the account history's class) has its Russian template, and the rules'
details (checks/rules/*.py) are translated part by part, their values kept as stored.

When a sentence of the verdict changes, the sentence tests here fail until reports/i18n.py SENTENCES
and the Russian catalogue follow (`.venv/bin/python -m clientvet.reports.catalogue`, then translate).
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from babel.messages.pofile import read_po

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.history import AccountHistory
from clientvet.checks.kinds import JURISDICTION_KINDS, gating_sources
from clientvet.checks.rules import RULES
from clientvet.checks.signals import StoredSignal
from clientvet.checks.tuning import Tuning
from clientvet.checks.verdict import evaluate
from clientvet.evidence.store import CheckRecord, Observation, SourceRun
from clientvet.reports import catalogue
from clientvet.reports.document import report
from clientvet.reports.i18n import (ACCOUNT_SENTENCES, DETAIL_SENTENCES, VERDICT_SENTENCES, Translator,
                                    language_of_locale, localise, sentence_template)
from tests.conftest import demo_database, run_cli

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


@pytest.mark.parametrize("jurisdiction", JURISDICTION_KINDS)
def test_a_green_verdict_names_its_countrys_sources_in_russian(jurisdiction):
    english = (f"25 more risk points would make it amber; so would a {gating_sources(jurisdiction)} source that "
               "cannot be checked. Any deal-killer makes it red.")
    [change] = localise({"would_change": [{"to": "amber", "text": english}]}, Translator("ru"))["would_change"]
    assert change["text"].startswith("Ещё 25 и более баллов риска сделают вердикт жёлтым; как и источник реестра")
    assert not re.search(r"[A-Za-z]", change["text"]), change["text"]


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


# --- the rules' details -----------------------------------------------------------------------------

# What fills a placeholder of a detail's template in the examples below: a value of its kind. A value
# translated by name (a nested part, a stored word) is given in English; any other must come back as it is.
DETAIL_SAMPLES = {"part": "registered on 2026-03-04", "parts": "tax debt 1 000.00 RUB; 2 more without an amount",
                  "reasons": "2 repeat order(s); no paid invoices yet", "source_status": "failed",
                  "company_status": "ceased", "topics": "fraud, rude", "industry": "fish and seafood trading"}
TRANSLATED_BY_NAME = frozenset(DETAIL_SAMPLES)
NUMBER_OR_DATE = {"count": "7", "recent": "3", "cards": "4", "read": "5", "wanted": "6", "pages": "8", "total": "9",
                  "year": "2025", "earlier_year": "2024", "failed": "2", "ceased": "1", "worst": "61", "paid": "12",
                  "headcount": "1", "days": "365", "normal": "14"}


def detail_sample(name: str) -> str:
    if name in DETAIL_SAMPLES:
        return DETAIL_SAMPLES[name]
    if name in NUMBER_OR_DATE:
        return NUMBER_OR_DATE[name]
    if name in {"date", "filed", "closed", "ended", "started", "starts", "ends", "since", "born", "end", "earlier_end"}:
        return "2026-01-02"
    return f"<{name}>"


def test_every_detail_template_has_a_russian_translation_with_the_same_placeholders():
    russian = messages(catalogue.LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po")
    for template in DETAIL_SENTENCES:
        entry = russian.get(template)
        assert entry is not None and entry.string and not entry.fuzzy, f"{template!r} is not translated"
        assert sorted(PLACEHOLDER.findall(entry.string)) == sorted(PLACEHOLDER.findall(template)), template


@pytest.mark.parametrize("template", DETAIL_SENTENCES)
def test_every_detail_template_translates_the_part_it_describes_and_keeps_its_values(template):
    """Each template is reached (no other takes its parts) and gives back every value as it was written."""
    names = re.findall(r"\{(\w+)\}", template)
    english = template.format(**{name: detail_sample(name) for name in names})
    translated = Translator("ru").detail(english)
    assert translated != english
    for name in names:
        if name not in TRANSLATED_BY_NAME:
            assert detail_sample(name) in translated, (name, translated)
    russian_words = [w for w in re.split(r"\{\w+\}", Translator("ru")(template)) if w.strip()]
    assert all(w.lower() in translated.lower() for w in russian_words), translated


@pytest.mark.parametrize("detail", [
    "3 widgets found on the roof",
    "registered on the 4th of March",  # not an ISO date: the template does not fit it
    "latest А00-1/2026 of yesterday; plaintiffs",
    "an industry of nobody's list: 49.41 (egrul, matched RU:49.4)",  # not a label the rule gives
    "",
])
def test_a_detail_no_template_fits_comes_out_unchanged(detail):
    assert Translator("ru").detail(detail) == detail


@pytest.mark.parametrize("detail, russian", [
    ("registered on 2026-03-04; 3 widgets found",
     "Зарегистрирована 2026-03-04; 3 widgets found"),
    ('2 suit(s) as defendant in 24 months, 1 in the last 12; latest А00-1; 2/2026 of 2026-07-06; plaintiffs: '
     'ООО "А; Б" (1), ООО "В" (1); 1 of 2 card(s) read show debt collection',
     'Исков к компании как ответчику за 24 месяца — 2, из них за последние 12 — 1; последний — А00-1; 2/2026 от '
     '2026-07-06; истцы: ООО "А; Б" (1), ООО "В" (1); взыскание долга — в 1 из 2 прочитанных карточек дел'),
    ("fssp: failed (captcha: the site asks a captcha; run with --interactive or configure captcha.solver)",
     "fssp: сбой (captcha: the site asks a captcha; run with --interactive or configure captcha.solver)"),
    ("status «ликвидация; реорганизация»", "Статус «ликвидация; реорганизация»"),
    ("(pays on time: worst delay 3 days (up to 14 is normal); 2 repeat order(s); little friction: 1 event(s))",
     "(платит вовремя: наибольшая просрочка 3 дн. (до 14 — нормально); повторных заказов: 2; "
     "трений мало: событий — 1)"),
])
def test_a_value_holding_the_separator_is_kept_whole(detail, russian):
    assert Translator("ru").detail(detail) == russian


def test_english_details_are_the_details_themselves():
    detail = "2 suit(s) as defendant in 24 months, 1 in the last 12"
    assert Translator("en").detail(detail) == detail


RU_DEMO = "0000123450"
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_.\\-]*")


@pytest.fixture(scope="module")
def russian_demo(tmp_path_factory) -> tuple[str, dict]:
    """The Russian demo's check: its Markdown report in Russian, and its document (in English)."""
    db = demo_database(tmp_path_factory.mktemp("ru-details"), "--inn", RU_DEMO)
    reports = [run_cli("report", RU_DEMO, "--db", str(db), "--format", fmt, "--lang", "ru") for fmt in ("md", "json")]
    assert all(r.returncode == 0 for r in reports), [r.stderr for r in reports]
    return reports[0].stdout, json.loads(reports[1].stdout)


def factor_lines(markdown: str) -> list[str]:
    """The report's factor lines, each without its code and evidence (`— `code`; сведения: …`)."""
    return [line.rsplit(" — `", 1)[0] for line in markdown.splitlines()
            if re.match(r"- (\d+ балл\w*|\*\*стоп-фактор\*\*):", line)]


def test_the_russian_demo_s_factor_details_have_no_english_words_left(russian_demo):
    markdown, document = russian_demo
    lines = factor_lines(markdown)
    assert len(lines) == len(document["factors"]) == 5
    reasons = [run["reason"] for run in document["coverage"] if run["reason"]]  # stored as the source gave them
    sources = {run["source"].replace("_", "\\_") for run in document["coverage"]}
    for line in lines:
        for reason in reasons:
            line = line.replace(reason, "")
        assert [w for w in LATIN_WORD.findall(line) if w not in sources and w != "RUB"] == [], line


def test_the_russian_demo_s_suits_read_as_an_analyst_writes_them(russian_demo):
    suits = next(line for line in factor_lines(russian_demo[0]) if "ответчику в арбитражных" in line)
    assert suits.endswith("не более 30. Исков к компании как ответчику за 24 месяца — 2, из них за последние 12 — 1; "
                          "последний — А00-1874/2026 от 2026-07-06; истцы: ООО \"ОБРАЗЕЦ-ЛОГИСТИК\" (1), "
                          "ООО \"КРЕДИТОР-ДЕМО\" (1); взыскание долга — в 2 из 2 прочитанных карточек дел")
