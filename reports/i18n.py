"""The two languages every report and the terminal summary speak: English (as written) and Russian.

The words are gettext messages. Those of the renderers are marked where they are written (`_()`
in Python, `{{ _() }}` in the templates); the rules' texts (summaries, safeguards, group headings)
come from the rules themselves. reports/catalogue.py gathers them all into locale/messages.pot
and keeps locale/ru/LC_MESSAGES/messages.po in step with it; the .po is compiled in memory when a
language is first used, so there is no build step and no .mo to go stale.

The verdict's sentences (reasons, safeguards, what would change) are written in English by
checks/verdict.py with numbers and names filled in, and stored that way with the check. They are
translated by the sentence templates below: each is the English pattern the verdict writes, its
placeholders match the filled-in parts, and the Russian template gets them back. A sentence no
template fits stays in English.

The details a rule writes after its summary (checks/rules/*.py, the `Hit` strings) are translated the
same way, part by part: a detail is parts joined by "; ", and DETAIL_SENTENCES holds the English
pattern of each part. The values in them (numbers, amounts, dates, case numbers, names, addresses,
quoted text) come back as stored; a part no template fits stays as the rule wrote it.
"""

from __future__ import annotations

import copy
import gettext
import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from clientvet.checks.complaints import TOPIC_LABELS
from clientvet.checks.signals import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
ENVIRONMENT_LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG")  # in the order POSIX reads them


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is declared; it is translated where it is shown."""
    return message


def language_of_locale(environ: Mapping[str, str] = os.environ) -> str:
    """The language the locale names (LC_ALL, then LC_MESSAGES, then LANG): Russian for ru_*, else English."""
    for name in ENVIRONMENT_LOCALE:
        if value := environ.get(name):
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> gettext.NullTranslations:
    """The language's messages, compiled from its .po file; English is the messages themselves."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGUAGES)}")
    if lang == "en":
        return gettext.NullTranslations()
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(po, locale=lang))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


# --- the verdict's sentences (checks/verdict.py writes them; keep these in step) --------------------

# Placeholders named here stand for whole numbers, those in _DATES for ISO dates; any other matches any text.
_NUMBERS = frozenset({"score", "share", "threshold", "days", "margin", "before", "after", "limit", "normal", "count",
                      "recent", "cards", "read", "wanted", "pages", "total", "year", "earlier_year", "failed",
                      "ceased", "worst", "paid", "headcount"})
_DATES = frozenset({"date", "filed", "closed", "ended", "started", "starts", "ends", "since", "born", "end",
                    "earlier_end"})

VERDICT_SENTENCES = (
    N_("a deal-killer was found"),
    N_("score {score} ≥ {threshold}"),
    N_("not green while {sources} could not be checked"),
    N_("Decline, or work only on 100% prepayment received before any work starts (a deal-killer was found)."),
    N_("Decline, or work only on 100% prepayment received before any work starts (score {score})."),
    N_("Keep the full prepayment you planned: start only when the money has arrived."),
    N_("Take a {share}% prepayment before work starts (score {score})."),
    N_("Take a {share}% prepayment before work starts (score {score}) instead of paying later."),
    N_("Take a {share}% prepayment before work starts ({sources} unchecked)."),
    N_("Take a {share}% prepayment before work starts ({sources} unchecked) instead of paying later."),
    N_("Standard terms: invoice on delivery with the usual payment period."),
    N_("Stage the work and its payments: an acceptance act for each stage, signed or disputed in writing within "
       "{days} working days (silence means accepted); the next stage starts when the previous one is paid."),
    N_("Write penalties for the client's payment and approval delays into the contract (e.g. 0.1% of the amount "
       "due per day late) and the right to pause work."),
    N_("Attach a detailed statement of work and estimate; anything outside it is a paid change."),
    N_("Ask for proof that the signatory may sign: the director in the registry, or a power of attorney signed "
       "by the director."),
    N_("Every deal-killer would have to go away: {killers}"),
    N_("These factors would have to go away to bring the score under {threshold}: {factors} "
       "(score {before} → {after})."),
    N_("Then these factors would have to go away to bring the score under {threshold}: {factors} "
       "(score {before} → {after})."),
    N_("These essential sources would have to be checked (and find nothing new): {sources}."),
    N_("{margin} more risk points would make it amber, e.g. {examples}; so would a {kinds} source that cannot be "
       "checked. Any deal-killer makes it red."),
    N_("{margin} more risk points would make it amber; so would a {kinds} source that cannot be checked. Any "
       "deal-killer makes it red."),
    N_("With full prepayment (--purpose prepaid) the verdict would be {colour} (score {score})."),
)
ACCOUNT_SENTENCES = (  # the reasons of the account history's class (checks/history.py AccountHistory.classify)
    N_("paid or still unpaid {days} days after due ({limit}+ days: renegotiate or part ways)"),
    N_("{count} friction events ({kinds})"),
    N_("pays on time: worst delay {days} days (up to {normal} is normal)"),
    N_("no paid invoices yet"),
    N_("worst delay {days} days: above the normal {normal}, below {limit}"),
    N_("{count} repeat order(s)"),
    N_("no repeat orders yet"),
    N_("little friction: {count} event(s)"),
)
SENTENCES = VERDICT_SENTENCES + ACCOUNT_SENTENCES

# The parts of the rules' details (checks/rules/*.py; keep these in step). Where several fit a part, the one with
# the most fixed text wins. Placeholders translated by name (Translator._detail_value): {part} is itself one part,
# {parts} parts joined by "; ", {reasons} the account class's reasons joined by "; " (each must fit a template);
# {source_status}, {company_status}, {topics} and {industry} are stored words with a translation of their own.
DETAIL_SENTENCES = (
    # courts.py: kad.arbitr.ru
    N_("{count} suit(s) as defendant in 24 months, {recent} in the last 12"),
    N_("latest {case} of {date}"),
    N_("plaintiffs: {plaintiffs}"),
    N_("{count} of {cards} card(s) read show debt collection"),
    N_("at least: read {read} of {pages} pages (newest first), {total} cases in all"),
    N_("{claimed} in {count} suit(s); largest {claims}"),
    N_("cards read for {read} of {wanted} suits (newest first)"),
    N_("{case} of {date}, applicant {applicants}"),
    N_("{case} of {date}, no applicant shown (the company's own?)"),
    # courts.py, bankruptcy.py, shared.py: US federal cases
    N_("latest {part}"),
    N_("{docket} «{name}», filed {filed}, open"),
    N_("{docket} «{name}», filed {filed}, closed {closed}"),
    N_("{docket} «{name}», chapter {chapter}, filed {filed}, open"),
    N_("{docket} «{name}», chapter {chapter}, filed {filed}, closed {closed}"),
    N_("by nature of suit: {natures}"),
    N_("at least: read {read} pages of {total} dockets"),
    N_("{form} of {date} reports item 1.03 (bankruptcy or receivership)"),
    # debts.py
    N_("{count} outstanding charge(s)"),
    N_("{count} open, {owed} outstanding"),
    N_("{owed} in {count} proceeding(s)"),
    N_("largest {part}"),
    N_("{count} in the last 12 months: {part}"),
    N_("{number} of {started}: {subject}"),
    N_("{number} of {started}: {subject}, {amount}"),
    N_("{number} of {started}: {subject}, ended {ended} ({reason})"),
    N_("{number} of {started}: {subject}, {amount}, ended {ended} ({reason})"),
    N_("{known} known ({parts}) > the deal's {deal}"),
    N_("claims in court {amount}"),
    N_("open enforcement proceedings {amount}"),
    N_("tax debt {amount}"),
    N_("{count} more without an amount"),
    # bankruptcy.py
    N_("case {case}: {stage} since {since}"),
    N_("case {case}: {stage} (unrecognised stage) since {since}"),
    N_("case {case}: {stage} on {date}"),
    N_("{source}: status «{status}»"),
    N_("{count} notice(s) of its bankruptcy procedure on fedresurs.ru, the latest «{type}» of {date}"),
    N_("{count} notice(s) of its bankruptcy procedure on fedresurs.ru, the latest «{type}» of {date}, stage {stage}"),
    N_("fedresurs.ru: «{type}» of {date}"),
    N_("none in the last {days} days"),
    N_("insolvency case {case}: {type}"),
    N_("{count} notice(s), latest {date}"),
    N_("{count} notice(s) in the last 12 months by {creditors}"),
    N_("«{type}» of {date} ({url}, matched by {matched})"),
    # finances.py: ГИР БО (thousand RUB) and 10-K (million USD)
    N_("{year}: {amount} thousand RUB"),
    N_("{earlier_year}: {earlier} thousand RUB → {year}: {later} thousand RUB (−{fall})"),
    N_("revenue {earlier_year}: {earlier} thousand RUB → {year}: {later} thousand RUB, headcount {headcount} "
       "({source})"),
    N_("revenue {earlier_year}: {earlier} thousand RUB → {year}: {later} thousand RUB, net assets {net_assets} "
       "thousand RUB, headcount not reported"),
    N_("FY ending {end}: {amount} million USD"),
    N_("FY ending {earlier_end}: {earlier} million USD → FY ending {end}: {later} million USD (−{fall})"),
    N_("FY ending {end}: {statement}"),
    # registers.py
    N_("pr_liq=1, status «{status}»"),
    N_("invalid=1, status «{status}»"),
    N_("status «{status}»"),
    N_("arrears, penalties and fines {amount}"),
    N_("amount not shown"),
    N_("{year}: sum not shown"),
    N_("{count} other companies, e.g. {sample}"),
    N_("{person}: {count} companies"),
    N_("{person} ({role}), at {organisation} as {position}: {offence}, {starts} to {ends}"),
    N_("confirmed by organisation INN"),
    N_("confirmed by organisation name"),
    N_("matched by full name only, may be a namesake (born {born})"),
    N_("matched by full name only, may be a namesake (born unknown)"),
    N_("«{signs}» since {since}"),
    N_("the Bank marks the company closed"),
    N_("«{name}», listed since {since}: {comment}"),
    # registry.py
    N_("registry status '{company_status}'"),
    N_("registry status '{company_status}' since {since}"),
    N_("Companies House status '{company_status}'"),
    N_("record invalid since {since}"),
    N_("registered on {date}"),
    N_("Companies House: accounts overdue"),
    N_("Companies House: confirmation statement overdue"),
    N_("liquidation notice of {date}"),
    N_("{count} reorganisation notice(s)"),
    N_("Gazette {part}"),
    N_("filing {type} of {date}"),
    N_("Companies House status detail 'active-proposal-to-strike-off'"),
    N_("name on {date}"),
    N_("registered office on {date}"),
    N_("registered office on {date} (from {address})"),
    N_("{person}: {count} appointment(s), {failed} dissolved or insolvent"),
    N_("{person}: {count} appointment(s), {failed} dissolved or insolvent among the {read} read"),
    N_("0 active, {ceased} ceased"),
    N_("0 active, {ceased} ceased (the register holds statements instead)"),
    N_("«{contact}» has no surname to compare"),
    N_("the registry names no current director or head to compare «{contact}» with"),
    # reviews.py
    N_("{count} of {total} review(s), {recent} of them in the last 12 months"),
    N_("{count} of {total} reviews ({share_of_reviews}), {recent} of them in the last 12 months"),
    N_("{count} review(s), {recent} of them in the last 12 months"),
    N_("latest: {part}"),
    N_("{site} {date} {stars}★ ({topics})"),
    N_("{site}: {rating}★ from {count} reviews"),
    # history.py
    N_("{count} time(s), latest {date}"),
    N_("worst {worst} days late"),
    N_("average {average} days over {paid} paid invoice(s)"),
    N_("{share_late} paid more than {normal} days late"),
    N_("no invoice paid yet"),
    N_("{count} invoice(s), {totals}"),
    N_("({reasons})"),
    # coverage.py
    N_("{source}: {source_status} ({reason})"),
    # conversation.py, industry.py
    N_("{industry}: {code} «{name}» ({source}, matched {match})"),
    N_("{industry}: {code} ({source}, matched {match})"),
    N_("(entered by {who} on {date})"),
    N_("(entered by {who} on {date}: {note})"),
    N_("also entered in conversation, counted there"),
)

# The words of the stored values every renderer shows (in English: the value itself, as `check` always printed it).
COLOUR_NAMES = {"green": N_("green"), "amber": N_("amber"), "red": N_("red")}
VERDICT_LABELS = {"green": N_("GREEN — proceed on standard terms"), "amber": N_("AMBER — proceed with safeguards"),
                  "red": N_("RED — decline, or only with full prepayment")}
SOURCE_STATUSES = {"ok": N_("ok"), "empty": N_("empty"), "failed": N_("failed"), "skipped": N_("skipped"),
                   "running": N_("running")}
COMPANY_STATUSES = {"active": N_("active"), "ceased": N_("ceased"), "invalid": N_("invalid"), "unknown": N_("unknown"),
                    "dissolved": N_("dissolved"), "liquidation": N_("liquidation"),
                    "administration": N_("administration"), "receivership": N_("receivership")}
PURPOSES = {"prepaid": N_("prepaid"), "deferred": N_("deferred"), "long-project": N_("long-project")}
IDENTIFIERS = {"inn": N_("INN"), "ogrn": N_("OGRN"), "ogrnip": N_("OGRNIP"), "kpp": N_("KPP"),
               "company_number": N_("company number"), "cik": N_("CIK")}


# The placeholders of DETAIL_SENTENCES that hold a stored word, by the table that translates it; {topics} is a list
# of the complaint topics' labels (reports/catalogue.py declares them).
_STORED_WORDS: dict[str, Mapping[str, str]] = {"source_status": SOURCE_STATUSES, "company_status": COMPANY_STATUSES,
                                               "topics": {label: label for label in TOPIC_LABELS.values()}}


@dataclass(frozen=True)
class _Sentence:
    english: str
    pattern: re.Pattern[str]
    fixed: int  # how many characters of the template are not placeholders


def _placeholder(name: str) -> str:
    if name in _NUMBERS:
        return rf"(?P<{name}>-?\d+)"
    if name in _DATES:
        return rf"(?P<{name}>\d{{4}}-\d{{2}}-\d{{2}})"
    return rf"(?P<{name}>.+?)"


def _compile(template: str) -> _Sentence:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if n % 2 == 0 else _placeholder(part) for n, part in enumerate(parts))
    return _Sentence(template, re.compile(regex, re.DOTALL), len("".join(parts[::2])))


_COMPILED = tuple(_compile(template) for template in SENTENCES)
_COMPILED_DETAILS = tuple(sorted((_compile(template) for template in DETAIL_SENTENCES), key=lambda s: -s.fixed))


def sentence_template(text: str) -> tuple[str, dict[str, str]] | None:
    """The template of SENTENCES that `text` was written from, and what fills its placeholders; None if none fits."""
    for sentence in _COMPILED:
        if found := sentence.pattern.fullmatch(text):
            return sentence.english, found.groupdict()
    return None


class Translator:
    """The messages of one language: `t("Safeguards")`, `t.plural(...)`, `t.sentence(verdict_text)`."""

    def __init__(self, lang: str):
        self.lang = lang
        self.messages = catalogue(lang)

    def __call__(self, message: str, **params: Any) -> str:
        translated = self.messages.gettext(message)
        return translated.format(**params) if params else translated

    def plural(self, singular: str, plural: str, n: int, **params: Any) -> str:
        return self.messages.ngettext(singular, plural, n).format(n=n, **params)

    @property
    def english(self) -> bool:
        return self.lang == "en"

    def word(self, words: Mapping[str, str], value: str) -> str:
        """A stored value (a status, a purpose) in this language by its table above; unknown values as they are."""
        return self(words[value]) if value in words else value

    def colour(self, colour: str) -> str:
        return self.word(COLOUR_NAMES, colour)

    def sentence(self, text: str, params: Mapping[str, Callable[[str], str]] | None = None) -> str:
        """A sentence the verdict wrote in English, in this language; unchanged when no template fits.

        `params` translates the filled-in part of a placeholder by its name (a colour, a list of factors).
        """
        if self.english or not text:
            return text
        exact = self.messages.gettext(text)
        if exact != text:
            return exact
        fitting = sentence_template(text)
        if fitting is None:
            return text
        template, filled = fitting
        values = {name: (params or {}).get(name, _same)(value) for name, value in filled.items()}
        if "colour" in values:
            values["colour"] = self.colour(values["colour"])
        return self.messages.gettext(template).format(**values)

    def summary(self, code: str, summary: str) -> str:
        """A factor's summary: the rule's own summary translated, then the detail the rule added (Translator.detail)."""
        if self.english:
            return summary
        from clientvet.checks.rules import RULES

        rule = RULES.get(code)
        if rule is None or not summary.startswith(rule.summary):
            return self.sentence(summary)
        detail = summary[len(rule.summary):]
        return f"{self(rule.summary)}{detail[:1]}{self.detail(detail[1:])}"

    def detail(self, text: str) -> str:
        """A rule's detail in this language, part by part; a part no template fits stays as the rule wrote it.

        The parts are "; " apart, but a value may hold "; " too (a name, a case number, a list): where no template
        fits a part, it is tried together with the parts after it, so such a value is kept whole.
        """
        if self.english:
            return text
        parts = text.split("; ")
        translated: list[str] = []
        start = 0
        while start < len(parts):
            for end in range(start + 1, len(parts) + 1):
                if fit := self._fit("; ".join(parts[start:end])):
                    # a detail opens a sentence after the summary's full stop; a value keeps its case
                    opens = not translated and not fit.starts_with_value
                    translated.append(fit.text[:1].upper() + fit.text[1:] if opens else fit.text)
                    start = end
                    break
            else:
                translated.append(parts[start])
                start += 1
        return "; ".join(translated)

    def _fit(self, text: str) -> _Fit | None:
        """One part of a detail in this language, by the template whose own words cover most of it (a placeholder
        matches any text, so "latest {part}" and "{docket} «{name}», …" both fit "latest D. Del. … «…», …")."""
        best = None
        for template in _COMPILED_DETAILS:
            if not (found := template.pattern.fullmatch(text)):
                continue
            values, covered = {}, template.fixed
            for name, value in found.groupdict().items():
                if (filled := self._detail_value(name, value)) is None:
                    break
                values[name], words = filled
                covered += words
            else:
                if best is None or covered > best.covered:
                    russian = self.messages.gettext(template.english)
                    best = _Fit(russian.format(**values), covered, russian.startswith("{"))
        return best

    def _detail_value(self, name: str, value: str) -> tuple[str, int] | None:
        """A placeholder's value in this language, with how much of it templates cover; None if it cannot be."""
        if name == "part":
            fit = self._fit(value)
            return (fit.text, fit.covered) if fit else None
        if name == "parts":
            fits = [self._fit(part) for part in value.split("; ")]
            return None if None in fits else ("; ".join(f.text for f in fits), sum(f.covered for f in fits))
        if name == "reasons":
            reasons = value.split("; ")
            if not all(map(sentence_template, reasons)):
                return None
            return "; ".join(map(self.sentence, reasons)), len(value)
        if name == "industry":  # a label of checks/rules/industry.py, or the user's own list
            from clientvet.checks.rules.industry import industry_labels
            return (self(value), 0) if value in industry_labels() else None
        if name in _STORED_WORDS:
            words = _STORED_WORDS[name]
            labels = value.split(", ") if name == "topics" else [value]
            return (", ".join(self(words[label]) for label in labels), 0) if set(labels) <= set(words) else None
        return value, 0


@dataclass(frozen=True)
class _Fit:
    text: str
    covered: int  # how many characters of the English the templates' own words make up
    starts_with_value: bool


def _same(value: str) -> str:
    return value


def localise(document: dict[str, Any], t: Translator) -> dict[str, Any]:
    """A copy of a check's document with its sentences (reasons, summaries, safeguards, changes) in t's language."""
    if t.english:
        return document
    localised = copy.deepcopy(document)
    factors = localised.get("factors") or []
    killers = {f["code"] for f in factors if f.get("deal_killer")}
    for factor in factors:
        factor["summary"] = t.summary(factor["code"], factor["summary"])

    def killer_list(text: str) -> str:
        """'code — summary detail; code — …', as verdict.would_change lists the deal-killers."""
        if not killers:
            return text
        codes = "|".join(map(re.escape, sorted(killers, key=len, reverse=True)))
        items = re.split(rf"; (?=(?:{codes}) — )", text)
        return "; ".join(f"{code} — {t.summary(code, rest)}" if sep else item
                         for item in items for code, sep, rest in [item.partition(" — ")])

    localised["verdict_reasons"] = [t.sentence(r) for r in localised.get("verdict_reasons") or []]
    localised["safeguards"] = [t.sentence(s) for s in localised.get("safeguards") or []]
    for change in localised.get("would_change") or []:
        change["text"] = t.sentence(change["text"], {"killers": killer_list, "kinds": t})
    return localised
