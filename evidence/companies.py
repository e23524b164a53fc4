"""Turn what a salesperson types (an INN, OGRN, company number, CIK… or a known name) into a company key.

Signals and account history are entered by hand, often before or without a
check, and under whichever identifier is at hand. So a company is stored under
the key its registry record prefers (the INN, the company number) when the
database knows it, and read back under every key the registry record gives it.
Lookups only read the database: an unknown or ambiguous company changes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from clientvet.evidence.identifiers import (
    UK_PREFIXES,
    Identity,
    InvalidIdentifier,
    digits_only,
    parse_cik,
    parse_company_number,
    parse_inn,
    parse_ogrn,
)
from clientvet.evidence.matching import match_names, normalise_name
from clientvet.evidence.store import Observation, read_only

# All-digit input: which identifier its length means.
_DIGIT_PARSERS: dict[int, Callable[[str], Identity]] = {
    **dict.fromkeys(range(1, 9), parse_company_number),
    10: parse_inn, 12: parse_inn,
    13: parse_ogrn, 15: parse_ogrn,
}
# Registry-record fields that are identifiers, per jurisdiction, preferred key first.
_REGISTRY_IDENTIFIERS = {"ru": ("inn", "ogrn"), "gb": ("company_number",), "us": ("cik",)}


class UnknownCompany(ValueError):
    """A name that names no company in the database, or more than one."""


@dataclass(frozen=True)
class CompanyRef:
    key: str  # where new signals and history are stored
    aliases: tuple[str, ...]  # every key the same company may be stored under (key first)
    label: str  # for messages: the name when known, else the identifier


def company_keys(company_key: str, data: dict[str, Any]) -> tuple[str, ...]:
    """All keys of the company a registry record describes, the preferred one first."""
    jurisdiction = company_key.split(":", 1)[0]
    keys = [f"{jurisdiction}:{scheme}:{data[scheme]}"
            for scheme in _REGISTRY_IDENTIFIERS.get(jurisdiction, ()) if data.get(scheme)]
    return tuple(dict.fromkeys([*keys, company_key]))


class Directory:
    """The companies the database already knows, read once and without creating or migrating it."""

    def __init__(self, db_path: Path):
        self.records = _registry_records(db_path)

    def resolve(self, text: str) -> CompanyRef:
        """Raises InvalidIdentifier for a malformed identifier, UnknownCompany for a name not found once."""
        text = (text or "").strip()
        if not text:
            raise InvalidIdentifier("company is empty: give an INN, OGRN, company number or a name")
        parse = _identifier_parser(text)
        if parse is None:
            return self._by_name(text)
        identity = parse(text)
        for company_key, data in self.records:
            keys = company_keys(company_key, data)
            if identity.key in keys:
                return CompanyRef(keys[0], keys, data.get("name") or identity.value)
        return CompanyRef(identity.key, (identity.key,), f"{identity.scheme.upper()} {identity.value}")

    def _by_name(self, name: str) -> CompanyRef:
        try:
            normalise_name(name)
        except ValueError as exc:
            raise UnknownCompany(f"{exc}: give an INN, OGRN, company number or the name of a company "
                                 "already checked") from None
        found: dict[str, CompanyRef] = {}
        for company_key, data in self.records:
            if data.get("name") and _same_name(name, data["name"]):
                keys = company_keys(company_key, data)
                found.setdefault(keys[0], CompanyRef(keys[0], keys, data["name"]))
        if not found:
            raise UnknownCompany(f"no company named {name!r} in the database; give its INN, OGRN or company "
                                 "number, or run `clientvet check` on it first")
        if len(found) > 1:
            listed = "; ".join(f"{ref.label} ({ref.key})" for ref in found.values())
            raise UnknownCompany(f"{name!r} matches {len(found)} companies: {listed}; give an identifier instead")
        return next(iter(found.values()))


def _same_name(name: str, stored: str) -> bool:
    """Whether a stored registry name is the one asked for; a stored name that is no name (no letters) is not."""
    try:
        return match_names(name, stored).same
    except ValueError:
        return False
# The facts that name the company itself, the registry's first: when the registry could not be read, the
# company's records in the other registers (fedresurs.ru, bankrot.fedresurs.ru) still name it.
NAMING_FACTS = ("registry_record", "status_record", "bankruptcy_case")
CEASED_STATUSES = ("ceased", "dissolved")  # of a registry record: a sole trader's past registration, say


@dataclass(frozen=True)
class CompanyNames:
    """The company as the sources that name it give it: what the name-based sources search and match by."""

    names: tuple[str, ...]  # the short name first, then the full name
    former_names: tuple[str, ...]
    inn: str | None
    address: str | None
    region: str | None
    source: str  # whose record named it


def company_names(observations: Iterable[Observation]) -> CompanyNames | None:
    """The company's names from the first kind of NAMING_FACTS that gives any, its live records first; or None."""
    observations = list(observations)
    for kind in NAMING_FACTS:
        records = [o for o in observations if o.kind == kind]
        live = [r for r in records if r.data.get("status") not in CEASED_STATUSES] or records
        names = tuple(dict.fromkeys(r.data[f] for r in live for f in ("short_name", "name", "debtor_name")
                                    if r.data.get(f)))
        if names:
            named = next(r for r in live if any(r.data.get(f) for f in ("short_name", "name", "debtor_name")))
            former = tuple(dict.fromkeys(n for r in records for n in r.data.get("previous_names") or []
                                         if n and n not in names))
            return CompanyNames(names, former, next((r.data["inn"] for r in records if r.data.get("inn")), None),
                                named.data.get("address"), named.data.get("region"), named.source)
    return None


def parse_identifier(text: str) -> Identity | None:
    """The identifier `text` is, told by its form (as COMPANY is read); None for a name. Raises InvalidIdentifier."""
    text = (text or "").strip()
    parse = _identifier_parser(text) if text else None
    return parse(text) if parse else None


def _identifier_parser(text: str) -> Callable[[str], Identity] | None:
    compact = re.sub(r"\s+", "", text)
    if compact[:3].upper() == "CIK":  # a bare number of up to 8 digits reads as a UK company number
        return parse_cik
    if compact.isdigit() and not digits_only(compact):  # '٧٧٠٧…', '²': digits, but not ones a registry uses
        raise InvalidIdentifier(f"{text!r} must be written in digits 0-9")
    if compact.isdigit():
        if len(compact) not in _DIGIT_PARSERS:
            raise InvalidIdentifier(
                f"{compact!r} has {len(compact)} digits: not an INN (10 or 12), OGRN (13 or 15) "
                "or company number (up to 8)")
        return _DIGIT_PARSERS[len(compact)]
    if len(compact) == 8 and compact[:2].upper() in UK_PREFIXES and compact[2:].isdigit():
        return parse_company_number
    return None


def _registry_records(db_path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Registry records already stored, read without creating or migrating the database."""
    with read_only(db_path) as conn:
        if conn is None or not conn.execute(
                "select 1 from sqlite_master where type = 'table' and name = 'facts'").fetchone():
            return []
        rows = conn.execute("select company_key, data from facts where kind = 'registry_record'").fetchall()
    return [(company_key, json.loads(data)) for company_key, data in rows]
