"""Values the Russian sources write their own way: dates as dd.mm.yyyy, amounts as "1 234 567,89 руб.".

Also the bounds of an amount a person enters (a deal's, an invoice's), which the CLI and the CSV import share.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal

# ASCII digits only (a regex's \d and Decimal also read other scripts' digits). Grouped by spaces (also no-break and
# thin ones) with a comma or a point before the fraction, as the Russian sources write them; or grouped by commas
# with a point before it, as English accounting exports do ("1,234.56"). One comma before exactly three digits
# ("1,234") may be either a thousand or one and a fraction, so it is refused, never guessed.
SPACED = re.compile(r"-?[0-9][0-9 \u00a0\u202f]*(?:[.,][0-9]+)?")
COMMA_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
AMBIGUOUS = re.compile(r"-?[0-9]{1,3},[0-9]{3}")
CURRENCY = re.compile(r"\s*(?:руб(?:\.|лей|ля|ль)?|р\.|₽)\s*$", re.IGNORECASE)
# A number as a person types it (a setting, an option): ASCII digits only, since int() and float() also read other
# scripts' digits, "nan" and "inf"; NUMBER is never negative.
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MIN_AMOUNT = 0.01  # a cent, a kopeck
MAX_AMOUNT = 1e15  # beyond any deal in any currency; whole units are still exact in a float


def iso_date(text: str | None) -> str | None:
    """'25.08.2026' or '25.08.2026 0:00:00' → '2026-08-25'; None for no date. Anything else: ValueError."""
    if not text:
        return None
    day = (text.split() or [text])[0]  # only spaces: strptime says what is wrong
    return datetime.strptime(day, "%d.%m.%Y").date().isoformat()


class AmbiguousAmount(ValueError):
    """An amount whose comma may be a thousands separator or a decimal one ("1,234")."""


def money(value: str | int | float) -> float:
    """'1 234 567,89 руб.', '1,234,567.89', '1520.5' or a JSON number → 1234567.89; anything else (NaN, ∞, other
    scripts' digits, '1,234' too): ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, (int, float)):
        try:
            amount = float(value)
        except OverflowError:  # an int of hundreds of digits
            raise ValueError("a number too large to be an amount") from None
    else:
        text = CURRENCY.sub("", str(value)).strip()
        if AMBIGUOUS.fullmatch(text):
            raise AmbiguousAmount(f"{value!r} is ambiguous: write {text.replace(',', '')} for the thousands "
                                  f"or {text.replace(',', '.')} for the fraction")
        if COMMA_GROUPED.fullmatch(text):
            text = text.replace(",", "")
        elif not SPACED.fullmatch(text):
            raise ValueError(f"{value!r} is not an amount")
        amount = float(Decimal(re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")))
    if not math.isfinite(amount):
        raise ValueError(f"{value!r} is not an amount")
    return amount


def entered_amount(amount: float) -> float:
    """An amount a person gives: from MIN_AMOUNT to MAX_AMOUNT (so finite); else ValueError saying what is wrong."""
    if math.isnan(amount):
        raise ValueError("is not a number")
    if amount <= 0:
        raise ValueError("must be a positive number")
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise ValueError(f"must be from {MIN_AMOUNT} to {MAX_AMOUNT:,.0f}")
    return amount
