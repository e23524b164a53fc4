"""Debt rules: pledged assets, enforcement proceedings (fssp.gov.ru), known debts against the deal."""

from __future__ import annotations

from typing import Callable, Iterable

from clientvet.checks.evidence import CheckEvidence, money
from clientvet.checks.rules import Hit, rule
from clientvet.checks.rules.shared import since
from clientvet.evidence.store import Observation


@rule("outstanding_charges", "debts", "low", 5, "Assets are pledged to lenders (outstanding charges).",
      countries=("GB",))
def outstanding_charges(evidence: CheckEvidence) -> Iterable[Hit]:
    charges = tuple(c for c in evidence.of("charge") if c.data.get("status") == "outstanding")
    if charges:
        yield Hit(f"{len(charges)} outstanding charge(s)", charges)


# --- debts (fssp.gov.ru: enforcement proceedings against the company) ----------------------------
# A proceeding is open until the bailiff ends it; «ended» is not «paid»: under ст. 46 ч. 1 п. 3–4
# of 229-ФЗ the writ went back to the creditor because the debtor or its property could not be found.

ENFORCEMENT_POINTS_PER_OPEN = 5
ENFORCEMENT_OPEN_CAP = 25
ENFORCEMENT_LARGE_TOTAL_RUB = 1_000_000
ENFORCEMENT_POINTS_PER_RECENT = 3
ENFORCEMENT_RECENT_CAP = 15
ENFORCEMENT_ENDED_DAYS = 3 * 365
ENFORCEMENT_PAID_CAP = 3


def _proceedings(evidence: CheckEvidence, keep: Callable[[Observation], bool]) -> list[Observation]:
    return sorted((p for p in evidence.of("enforcement_proceeding") if keep(p)),
                  key=lambda p: p.data["started_on"], reverse=True)


def _open_proceedings(evidence: CheckEvidence) -> list[Observation]:
    return _proceedings(evidence, lambda p: p.data["open"])


def _owed(proceedings: Iterable[Observation]) -> float:
    return sum(p.data.get("total_rub") or 0 for p in proceedings)


def _proceeding(p: Observation) -> str:
    amount = f", {money(p.data['total_rub'], 'RUB', 2)}" if p.data.get("total_rub") else ""
    ended = f", ended {p.data['ended_on']} ({p.data['end_reason']})" if p.data.get("ended_on") else ""
    return f"{p.data['number']} of {p.data['started_on']}: {p.data['subject']}{amount}{ended}"


@rule("enforcement_open", "debts", "medium", ENFORCEMENT_POINTS_PER_OPEN,
      f"Bailiffs are enforcing unpaid debts of the company (open enforcement proceedings): "
      f"{ENFORCEMENT_POINTS_PER_OPEN} points each, at most {ENFORCEMENT_OPEN_CAP}.", countries=("RU",))
def enforcement_open(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _open_proceedings(evidence)
    if proceedings:
        yield Hit(f"{len(proceedings)} open, {money(_owed(proceedings), 'RUB', 2)} outstanding; latest "
                  f"{_proceeding(proceedings[0])}", tuple(proceedings),
                  points=min(ENFORCEMENT_OPEN_CAP, ENFORCEMENT_POINTS_PER_OPEN * len(proceedings)))


@rule("enforcement_large_debt", "debts", "high", 25,
      f"The open enforcement proceedings add up to {money(ENFORCEMENT_LARGE_TOTAL_RUB, 'RUB', 2)} or more: "
      "compare it with the size of the deal.", countries=("RU",))
def enforcement_large_debt(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _open_proceedings(evidence)
    if _owed(proceedings) >= ENFORCEMENT_LARGE_TOTAL_RUB:
        largest = max(proceedings, key=lambda p: p.data.get("total_rub") or 0)
        yield Hit(f"{money(_owed(proceedings), 'RUB', 2)} in {len(proceedings)} proceeding(s); "
                  f"largest {_proceeding(largest)}", tuple(proceedings))


@rule("enforcement_recent", "debts", "medium", ENFORCEMENT_POINTS_PER_RECENT,
      f"Enforcement proceedings opened in the last 12 months, paid since or not: {ENFORCEMENT_POINTS_PER_RECENT} "
      f"points each, at most {ENFORCEMENT_RECENT_CAP}.", countries=("RU",))
def enforcement_recent(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _proceedings(evidence, lambda p: since(evidence, p.data["started_on"], 365))
    if proceedings:
        yield Hit(f"{len(proceedings)} in the last 12 months: " + "; ".join(map(_proceeding, proceedings)),
                  tuple(proceedings),
                  points=min(ENFORCEMENT_RECENT_CAP, ENFORCEMENT_POINTS_PER_RECENT * len(proceedings)))


@rule("enforcement_no_assets", "debts", "high", 30,
      "Bailiffs ended a proceeding in the last three years because the company or its property could not be "
      "found, or it had nothing to seize (ст. 46 ч. 1 п. 3–4 of 229-ФЗ): a creditor won in court and still "
      "got nothing. A strong sign of a sinking company.", countries=("RU",))
def enforcement_no_assets(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _proceedings(evidence, lambda p: p.data.get("end_meaning") == "no_assets"
                               and since(evidence, p.data["ended_on"], ENFORCEMENT_ENDED_DAYS))
    if proceedings:
        yield Hit("; ".join(map(_proceeding, proceedings)), tuple(proceedings))


@rule("enforcement_paid", "debts", "low", 1,
      f"Debts paid only once bailiffs enforced them (ended as fulfilled, ст. 47 ч. 1 п. 1), in the last three "
      f"years: mostly harmless, 1 point each, at most {ENFORCEMENT_PAID_CAP}.", countries=("RU",))
def enforcement_paid(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _proceedings(evidence, lambda p: p.data.get("end_meaning") == "paid"
                               and since(evidence, p.data["ended_on"], ENFORCEMENT_ENDED_DAYS))
    if proceedings:
        yield Hit("; ".join(map(_proceeding, proceedings)), tuple(proceedings),
                  points=min(ENFORCEMENT_PAID_CAP, len(proceedings)))


# --- debts against the deal (`check --amount`): CheckEvidence.outstanding_debts() sums them ---------


def _debts_over_deal(evidence: CheckEvidence) -> Iterable[Hit]:
    """One hit when the known debts exceed the deal amount given in the same currency."""
    terms = evidence.check.terms
    debts = evidence.outstanding_debts()
    if terms.get("amount") and terms.get("currency") == debts.currency and debts.amount > terms["amount"]:
        yield Hit(f"{debts.describe()} > the deal's {money(terms['amount'], terms['currency'])}", debts.observations)


@rule("debts_exceed_deal", "debts", "critical", 100,
      "The company's known outstanding debts (claims in court, open enforcement proceedings, tax debt) "
      "exceed the deal amount, and the deal is not fully prepaid.", deal_killer=True, countries=("RU",))
def debts_exceed_deal(evidence: CheckEvidence) -> Iterable[Hit]:
    if evidence.check.terms.get("purpose") != "prepaid":  # without a purpose, assume we are paid later
        yield from _debts_over_deal(evidence)


@rule("debts_exceed_prepaid_deal", "debts", "medium", 15,
      "The company's known outstanding debts exceed the amount of this fully prepaid deal.",
      safeguard="Start only once the full prepayment has arrived; do not accept a partial payment as a start.",
      purpose_weights={}, countries=("RU",))  # already specific to a prepaid deal
def debts_exceed_prepaid_deal(evidence: CheckEvidence) -> Iterable[Hit]:
    if evidence.check.terms.get("purpose") == "prepaid":
        yield from _debts_over_deal(evidence)
