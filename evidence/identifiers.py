"""Company identifiers: parse, validate checksums, and name the jurisdiction.

A typo in an INN or OGRN would otherwise send every source looking for a
different (or no) company, so bad identifiers are refused before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INN_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_WEIGHTS_12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_WEIGHTS_12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

# Companies House numbers: eight digits, or a two-letter register prefix and six digits.
UK_PREFIXES = frozenset(
    "AC ES FC GE GN GS IC IP LP NA NC NF NI NL NO NP NR NZ OC R0 RC SA SC SE SF SG SI SL SO SP SR SZ ZC".split()
)


class InvalidIdentifier(ValueError):
    """An identifier that cannot belong to any company."""


@dataclass(frozen=True)
class Identity:
    """Who is being checked, as the user named it."""

    jurisdiction: str  # "RU" | "GB"
    scheme: str  # "inn" | "ogrn" | "company_number"
    value: str

    @property
    def key(self) -> str:
        """Stable company key for history across checks."""
        return f"{self.jurisdiction.lower()}:{self.scheme}:{self.value}"

    @property
    def is_sole_trader(self) -> bool:
        return is_sole_trader(self.jurisdiction, self.scheme, self.value)


def is_sole_trader(jurisdiction: str, scheme: str, value: str) -> bool:
    """A Russian sole trader: a person's 12-digit INN, or a 15-digit OGRNIP."""
    return jurisdiction == "RU" and ((scheme == "inn" and len(value) == 12) or (scheme == "ogrn" and len(value) == 15))


def digits_only(text: str) -> bool:
    """ASCII 0-9 and nothing else: str.isdigit() also takes Arabic-Indic '٧' and superscript '²'."""
    return text.isascii() and text.isdigit()


def _compact(value: str) -> str:
    """The identifier as typed without spaces, which people put between digit groups."""
    return re.sub(r"\s+", "", value or "")


def _digits(kind: str, value: str, lengths: tuple[int, ...]) -> str:
    cleaned = _compact(value)
    if not cleaned:
        raise InvalidIdentifier(f"{kind} is empty")
    if not digits_only(cleaned):
        raise InvalidIdentifier(f"{kind} must contain digits only (0-9), got {value!r}")
    if len(cleaned) not in lengths:
        wanted = " or ".join(str(n) for n in lengths)
        raise InvalidIdentifier(f"{kind} must have {wanted} digits, got {len(cleaned)}")
    return cleaned


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def parse_inn(value: str) -> Identity:
    """A Russian INN: 10 digits for a company, 12 for a person or sole trader."""
    inn = _digits("INN", value, (10, 12))
    if len(inn) == 10:
        valid = _weighted(inn, INN_WEIGHTS_10) == int(inn[9])
    else:
        valid = _weighted(inn, INN_WEIGHTS_12_FIRST) == int(inn[10]) and _weighted(
            inn, INN_WEIGHTS_12_SECOND
        ) == int(inn[11])
    if not valid:
        raise InvalidIdentifier(f"INN {inn} has a wrong checksum (a typo?)")
    return Identity("RU", "inn", inn)


def parse_ogrn(value: str) -> Identity:
    """A Russian OGRN (13 digits, company) or OGRNIP (15 digits, sole trader)."""
    ogrn = _digits("OGRN", value, (13, 15))
    body, check = int(ogrn[:-1]), int(ogrn[-1])
    modulus = 11 if len(ogrn) == 13 else 13
    if body % modulus % 10 != check:
        raise InvalidIdentifier(f"OGRN {ogrn} has a wrong checksum (a typo?)")
    return Identity("RU", "ogrn", ogrn)


def parse_company_number(value: str) -> Identity:
    """A UK company number; short all-digit numbers are padded as Companies House does."""
    compact = _compact(value)
    if not compact:
        raise InvalidIdentifier("company number is empty")
    if not compact.isascii():  # checked before upper(), which turns 'ſc123456' into SC123456
        raise InvalidIdentifier(f"company number must be ASCII letters and digits 0-9, got {value!r}")
    cleaned = compact.upper()
    if digits_only(cleaned) and len(cleaned) <= 8:
        return Identity("GB", "company_number", cleaned.zfill(8))
    if len(cleaned) == 8 and cleaned[:2] in UK_PREFIXES and digits_only(cleaned[2:]):
        return Identity("GB", "company_number", cleaned)
    raise InvalidIdentifier(
        f"company number {value!r} is not 8 digits or a register prefix (SC, NI, OC, …) and 6 digits"
    )


def parse_cik(value: str) -> Identity:
    """A US SEC Central Index Key; padded to the 10 digits EDGAR's URLs use (CIK0001318605)."""
    cleaned = _compact(value)
    if not cleaned.isascii():  # checked before upper(), which turns 'cık' into CIK
        raise InvalidIdentifier(f"CIK must contain digits only (0-9), got {value!r}")
    if cleaned[:3].upper() == "CIK":
        cleaned = cleaned[3:]
    if not cleaned:
        raise InvalidIdentifier("CIK is empty")
    if not digits_only(cleaned):
        raise InvalidIdentifier(f"CIK must contain digits only (0-9), got {value!r}")
    if len(cleaned) > 10:
        raise InvalidIdentifier(f"CIK has at most 10 digits, got {len(cleaned)}")
    if int(cleaned) == 0:
        raise InvalidIdentifier("CIK 0 belongs to no company")
    return Identity("US", "cik", cleaned.zfill(10))
