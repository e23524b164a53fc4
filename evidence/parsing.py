"""Values the Russian sources write their own way: dates as dd.mm.yyyy, amounts as "1 234 567,89 руб."."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

# Digits grouped by spaces (also no-break and thin ones), a comma or a point before the fraction.
AMOUNT = re.compile(r"-?\d[\d \u00a0\u202f]*(?:[.,]\d+)?")
CURRENCY = re.compile(r"\s*(?:руб(?:\.|лей|ля|ль)?|р\.|₽)\s*$", re.IGNORECASE)


def iso_date(text: str | None) -> str | None:
    """'25.08.2026' or '25.08.2026 0:00:00' → '2026-08-25'; None for no date. Anything else: ValueError."""
    return datetime.strptime(text.split()[0], "%d.%m.%Y").date().isoformat() if text else None


def money(value: str | int | float) -> float:
    """'1 234 567,89 руб.', '1520.5' or a JSON number → 1234567.89; anything else: ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, (int, float)):
        return float(value)
    text = CURRENCY.sub("", str(value)).strip()
    if not AMOUNT.fullmatch(text):
        raise ValueError(f"{value!r} is not an amount")
    return float(Decimal(re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")))
