"""The deal a company is judged for (purpose, amount, currency, contact), checked in one place.

`check` takes it from its options, `check --from` and the watch list from the columns of a
file; every one refuses the same mistakes with the same words. Light: no rules, no store.
"""

from __future__ import annotations

from typing import Any

PURPOSES = ("prepaid", "deferred", "long-project")


class BadTerms(ValueError):
    """A term that cannot be used; `field` names it (purpose, amount, currency, contact)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def deal_terms(purpose: str | None = None, amount: float | None = None, currency: str | None = None,
               contact: str | None = None) -> dict[str, Any]:
    """The terms as stored with a check; an amount without a currency gets the company's home currency later."""
    if purpose is not None and purpose not in PURPOSES:
        raise BadTerms(f"{purpose!r} is not one of {', '.join(PURPOSES)}", "purpose")
    if amount is not None and not amount > 0:
        raise BadTerms(f"the amount must be a positive number, got {amount:g}", "amount")
    if currency is not None and amount is None:
        raise BadTerms("a currency needs an amount", "currency")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise BadTerms(f"expected a three-letter currency code such as RUB, got {currency!r}", "currency")
    if contact is not None and not contact.strip():
        raise BadTerms("the contact's name is empty", "contact")
    terms: dict[str, Any] = {}
    if purpose:
        terms["purpose"] = purpose
    if amount is not None:
        terms["amount"] = amount
        terms["currency"] = (currency or "").upper()
    if contact:
        terms["contact"] = " ".join(contact.split())
    return terms
