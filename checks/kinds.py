"""The evidence kinds practitioners check before signing, and which of them each country publishes.

Every source declares the kinds it covers (`covers` on the spider, handed over by the engine);
this table says which kinds a verdict reports per jurisdiction, and for a kind no public source
covers there, where a person could look by hand. The verdict is never green while a kind that
gates green and has a public source in the country could not be checked, unless the user
accepted that gap (`clientvet check --accept-unchecked`).

A light module: the command line reads the kind names from it before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Kind:
    code: str  # what a source declares and --accept-unchecked names
    label: str  # as the verdict says it: "not verified: court suits … could not be checked"
    gates_green: bool  # green only once checked, wherever the country has a public source of it
    source_word: str = ""  # a kind that gates green, as "a court source" says it


# In the order a verdict lists them.
KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind("registry", "registry", True, "registry"),
    Kind("bankruptcy", "bankruptcy", True, "bankruptcy"),
    Kind("courts", "court suits", True, "court"),
    Kind("debts", "enforcement debts", True, "enforcement"),
    Kind("finances", "finances", False),
    Kind("tax", "tax flags", False),
    Kind("registers", "risk registers", False),
    Kind("reviews", "reviews", False),
)}

# Per jurisdiction, the kinds a verdict reports: None where public sources cover the kind, else
# where a person could look by hand because no public source does.
JURISDICTION_KINDS: dict[str, dict[str, str | None]] = {
    "RU": {"registry": None, "bankruptcy": None, "courts": None, "debts": None, "finances": None, "tax": None,
           "registers": None, "reviews": None},
    "GB": {"registry": None, "bankruptcy": None,
           "courts": "no public register of county court claims: search the Register of Judgments, Orders and "
                     "Fines (trustonline.org.uk, a small fee) for judgments, and Find Case Law "
                     "(caselaw.nationalarchives.gov.uk) for High Court judgments",
           "debts": "unpaid county court judgments and High Court writs are on the Register of Judgments, Orders "
                    "and Fines (trustonline.org.uk, a small fee); Companies House shows only registered charges",
           "finances": None, "reviews": None},
    "US": {"registry": None, "bankruptcy": None, "courts": None,
           "debts": "no national register of judgments: search the UCC filings and judgment liens of the company's "
                    "state (Secretary of State) and county recorder by hand",
           "finances": None, "reviews": None},
}


def gating_sources(jurisdiction: str) -> str:
    """The kinds that gate green and have a public source in the country, as a green verdict names their sources:
    'registry, bankruptcy, court or enforcement' in Russia, 'registry or bankruptcy' in Britain."""
    kinds = JURISDICTION_KINDS.get(jurisdiction) or dict.fromkeys(KINDS)
    words = [KINDS[code].source_word for code, by_hand in kinds.items() if by_hand is None and KINDS[code].gates_green]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


class UnknownKind(ValueError):
    """A kind name that is not in KINDS."""


def parse_kinds(names: Iterable[str]) -> list[str]:
    """The kind codes named, in KINDS order and once each; UnknownKind names the first unknown one."""
    wanted = [name.strip().lower() for name in names if name.strip()]
    for name in wanted:
        if name not in KINDS:
            raise UnknownKind(f"unknown evidence kind {name!r}; the kinds are {', '.join(KINDS)}")
    return [code for code in KINDS if code in wanted]


# What would make a source that could not be checked checkable, by the words of its failure or
# skip reason (crawler/base.py describe_failure, the sources' skip reasons); the first match wins,
# None where nothing would (the source does not apply). A missing API key is answered with the
# setting the source declares.
REMEDIES: tuple[tuple[str, str | None], ...] = (
    ("--interactive", "run with --interactive to answer the captcha (or configure captcha.solver)"),
    ("wrong answer", "run again with --interactive and type the captcha exactly as shown"),
    ("no answer was typed", "run again with --interactive and type the captcha"),
    ("captcha", "try again later: the site asks a captcha after many searches from one address"),
    ("no browser", "install Chromium (apt-get install chromium)"),
    ("no display", "run under xvfb-run -a, or set browser.headless = true"),
    ("blocked", "try again later or from another network: the site blocked this one"),
    ("rate limited", "try again later: the site limits how often it answers"),
    ("timeout", "try again when the site answers"),
    ("network error", "check the network connection and try again"),
    ("unrecorded request", "the replayed recordings lack this answer: check live, without --replay"),
    ("layout changed", "the site changed its answers: update clientvet"),
    ("unparseable answer", "the site changed its answers: update clientvet"),
    ("interrupted", "run the check again and let it finish"),
    ("incomplete", "run the check again to read the rest"),
    ("sole traders are searched by person", "search fssp.gov.ru by hand with the trader's name and date of birth"),
    ("sole traders file no financial statements", None),
    ("companies only", None),
    ("no company name", "it searches by the company's name: check again once a register gives the name"),
    ("no inn or name", "it searches by the company's INN or name: check again once a register gives them"),
    ("no director name", "it searches by the director's name: check again once the registry gives it"),
    ("no inn", "it needs the company's INN: check by INN"),
)


def remedy(reason: str | None, key_setting: str | None = None) -> str | None:
    """What would make a source with this failure or skip reason checkable, when anything would."""
    text = (reason or "").lower()
    if text.startswith("no api key"):
        return f"set its API key: {key_setting}" if key_setting else "set its API key"
    return next((fix for words, fix in REMEDIES if words in text), None)
