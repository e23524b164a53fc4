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
template fits stays in English. The details a rule writes after its summary (dates, amounts,
names, quoted text from the sources) are shown as the rule wrote them.
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

# Placeholders named here stand for whole numbers; any other placeholder matches any text.
_NUMBERS = frozenset({"score", "share", "threshold", "days", "margin", "before", "after", "limit", "normal", "count"})

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
    N_("{margin} more risk points would make it amber, e.g. {examples}; so would a registry, bankruptcy, court or "
       "enforcement source that cannot be checked. Any deal-killer makes it red."),
    N_("{margin} more risk points would make it amber; so would a registry, bankruptcy, court or enforcement source "
       "that cannot be checked. Any deal-killer makes it red."),
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


@dataclass(frozen=True)
class _Sentence:
    english: str
    pattern: re.Pattern[str]


def _compile(template: str) -> _Sentence:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if n % 2 == 0 else
                    (rf"(?P<{part}>-?\d+)" if part in _NUMBERS else rf"(?P<{part}>.+?)")
                    for n, part in enumerate(parts))
    return _Sentence(template, re.compile(regex, re.DOTALL))


_COMPILED = tuple(_compile(template) for template in SENTENCES)


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
        """A factor's summary: the rule's own summary translated, then the detail the rule added as it wrote it."""
        if self.english:
            return summary
        from clientvet.checks.rules import RULES

        rule = RULES.get(code)
        if rule is None or not summary.startswith(rule.summary):
            return self.sentence(summary)
        return f"{self(rule.summary)}{summary[len(rule.summary):]}"


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
        change["text"] = t.sentence(change["text"], {"killers": killer_list})
    return localised
