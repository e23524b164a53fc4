"""Court rules: suits against the company and their claims, bankruptcy petitions; US federal suits."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from clientvet.checks.evidence import CLAIM_KINDS, CheckEvidence, money
from clientvet.checks.rules import Hit, rule
from clientvet.checks.rules.shared import describe_federal_case, since
from clientvet.evidence.store import Observation

# --- courts (kad.arbitr.ru: arbitration cases where the company is a party) ---------------------
# The search list carries no claim amounts and no subject of the claim («о взыскании …»): a
# claim between parties (civil, or shown without a kind) where the company is the defendant is
# counted as a suit against it — in arbitration courts most of them are for unpaid debts. The
# cards of the newest such suits (court_card) add the amount and whether it is debt collection.
# A suit is a claim between parties (CLAIM_KINDS, as for the debts the company owes).

BANKRUPTCY_KINDS = frozenset({"bankruptcy"})  # the respondent of a bankruptcy case is the debtor
SUIT_POINTS_RECENT = 3  # per suit filed in the last 12 months
SUIT_POINTS_OLDER = 1  # per suit filed 12–24 months ago
SUIT_POINTS_CAP = 30
SUITS_MIN = 2  # one suit in two years is ordinary business
DEBT_COLLECTION_EXTRA = 2  # per suit its card shows to collect money owed («о взыскании»)
CLAIMS_LARGE_RUB = 1_000_000  # claimed from the company in 24 months, as the cards read show
CLAIMS_VERY_LARGE_RUB = 10_000_000


def _cases(evidence: CheckEvidence, kinds: frozenset[str], role: str) -> list[Observation]:
    return sorted((c for c in evidence.of("court_case") if c.data["case_kind"] in kinds and c.data["role"] == role),
                  key=lambda c: c.data["filed_on"], reverse=True)


def _cards(evidence: CheckEvidence, cases: list[Observation]) -> list[Observation]:
    """The case cards read for these cases."""
    numbers = {c.key for c in cases}
    return [card for card in evidence.of("court_card") if card.data["case_number"] in numbers]


def _cards_coverage(evidence: CheckEvidence) -> str:
    """How many of the wanted case cards were read, when not all (amounts are then a lower bound)."""
    return "".join(f"; cards read for {s.data['cards_read']} of {s.data['cards_wanted']} suits (newest first)"
                   for s in evidence.of("court_search")
                   if s.data.get("cards_read", 0) < s.data.get("cards_wanted", 0))


def _search_coverage(evidence: CheckEvidence) -> str:
    """What share of the court search was read, when not all of it (the counts are then a lower bound)."""
    partial = [s for s in evidence.of("court_search") if not s.data.get("complete", True)]
    return "".join(f"; at least: read {s.data['pages_read']} of {s.data['pages']} pages (newest first), "
                   f"{s.data['total']} cases in all" for s in partial)


def _suits(evidence: CheckEvidence) -> list[Observation]:
    """Suits against the company filed in the last 24 months, newest first."""
    return [c for c in _cases(evidence, CLAIM_KINDS, "defendant") if since(evidence, c.data["filed_on"], 730)]


@rule("court_defendant_suits", "courts", "medium", SUIT_POINTS_RECENT,
      f"Suits against the company as defendant in arbitration courts (mostly debt collection): "
      f"{SUIT_POINTS_RECENT} points per suit filed in the last 12 months, {SUIT_POINTS_OLDER} per suit "
      f"12–24 months ago, {DEBT_COLLECTION_EXTRA} more for each whose card shows debt collection, from "
      f"{SUITS_MIN} suits on, at most {SUIT_POINTS_CAP}.", countries=("RU",))
def court_defendant_suits(evidence: CheckEvidence) -> Iterable[Hit]:
    suits = _suits(evidence)
    recent = [c for c in suits if since(evidence, c.data["filed_on"], 365)]
    if len(suits) < SUITS_MIN:
        return
    cards = _cards(evidence, suits)
    collecting = [card for card in cards if card.data.get("debt_collection")]
    plaintiffs = Counter(p["name"] for c in suits for p in c.data.get("plaintiffs", []))
    top = ", ".join(f"{name} ({n})" for name, n in plaintiffs.most_common(3))
    latest = suits[0]
    debts = f"; {len(collecting)} of {len(cards)} card(s) read show debt collection" if cards else ""
    yield Hit(f"{len(suits)} suit(s) as defendant in 24 months, {len(recent)} in the last 12; latest "
              f"{latest.data['case_number']} of {latest.data['filed_on']}; plaintiffs: {top}{debts}"
              f"{_search_coverage(evidence)}", (*suits, *collecting),
              points=min(SUIT_POINTS_CAP, SUIT_POINTS_RECENT * len(recent)
                         + SUIT_POINTS_OLDER * (len(suits) - len(recent)) + DEBT_COLLECTION_EXTRA * len(collecting)))


@rule("court_claims_total", "courts", "medium", 10,
      f"Claims against the company in suits of the last 24 months add up to {money(CLAIMS_LARGE_RUB, 'RUB', 2)} or "
      f"more (10 points; 25 from {money(CLAIMS_VERY_LARGE_RUB, 'RUB', 2)}), as far as the case cards read show.",
      countries=("RU",))
def court_claims_total(evidence: CheckEvidence) -> Iterable[Hit]:
    claimed = sorted((c for c in _cards(evidence, _suits(evidence)) if c.data.get("claim_rub")),
                     key=lambda c: -c.data["claim_rub"])
    total = sum(c.data["claim_rub"] for c in claimed)
    if total >= CLAIMS_LARGE_RUB:
        largest = ", ".join(f"{c.data['case_number']}: {money(c.data['claim_rub'], 'RUB', 2)}" for c in claimed[:3])
        yield Hit(f"{money(total, 'RUB', 2)} in {len(claimed)} suit(s); largest {largest}{_cards_coverage(evidence)}",
                  tuple(claimed), points=25 if total >= CLAIMS_VERY_LARGE_RUB else 10)


def _petitions(evidence: CheckEvidence, recent: bool) -> list[Observation]:
    return [c for c in _cases(evidence, BANKRUPTCY_KINDS, "defendant")
            if since(evidence, c.data["filed_on"], 730) == recent]


def _petition(case: Observation) -> str:
    applicants = case.data.get("plaintiffs")
    return (f"{case.data['case_number']} of {case.data['filed_on']}, "
            + (f"applicant {', '.join(p['name'] for p in applicants)}" if applicants
               else "no applicant shown (the company's own?)"))


@rule("court_bankruptcy_petition", "courts", "high", 40,
      "A bankruptcy case was opened in the last 24 months with the company as the debtor (whether a "
      "procedure followed is for the bankruptcy register to say).", countries=("RU",))
def court_bankruptcy_petition(evidence: CheckEvidence) -> Iterable[Hit]:
    cases = _petitions(evidence, recent=True)
    if cases:
        yield Hit("; ".join(map(_petition, cases)), tuple(cases))


@rule("court_past_bankruptcy_petition", "courts", "medium", 10,
      "A bankruptcy case with the company as the debtor was opened more than 24 months ago.", countries=("RU",))
def court_past_bankruptcy_petition(evidence: CheckEvidence) -> Iterable[Hit]:
    cases = _petitions(evidence, recent=False)
    if cases:
        yield Hit("; ".join(map(_petition, cases)), tuple(cases))


# --- us (CourtListener federal dockets) --------------------------------------------------------------


def _federal_search_coverage(evidence: CheckEvidence) -> str:
    partial = [s for s in evidence.of("federal_case_search") if not s.data.get("complete", True)]
    return "".join(f"; at least: read {s.data['pages_read']} pages of {s.data['total']} dockets" for s in partial)


@rule("us_defendant_suits", "courts", "medium", SUIT_POINTS_RECENT,
      f"Federal suits against the company as defendant (outside bankruptcy courts): {SUIT_POINTS_RECENT} points "
      f"per suit filed in the last 12 months, {SUIT_POINTS_OLDER} per suit 12–24 months ago, from {SUITS_MIN} "
      f"suits on, at most {SUIT_POINTS_CAP}.", countries=("US",))
def us_defendant_suits(evidence: CheckEvidence) -> Iterable[Hit]:
    suits = sorted((c for c in evidence.of("federal_case") if c.data["role"] == "defendant"
                    and not c.data.get("bankruptcy_court") and since(evidence, c.data["filed_on"], 730)),
                   key=lambda c: c.data["filed_on"], reverse=True)
    if len(suits) < SUITS_MIN:
        return
    recent = [c for c in suits if since(evidence, c.data["filed_on"], 365)]
    natures = Counter(c.data.get("nature_of_suit") or c.data.get("cause") or "not shown" for c in suits)
    yield Hit(f"{len(suits)} suit(s) as defendant in 24 months, {len(recent)} in the last 12; latest "
              f"{describe_federal_case(suits[0])}; by nature of suit: "
              f"{', '.join(f'{n} ({k})' for n, k in natures.most_common(3))}{_federal_search_coverage(evidence)}",
              tuple(suits), points=min(SUIT_POINTS_CAP, SUIT_POINTS_RECENT * len(recent)
                                       + SUIT_POINTS_OLDER * (len(suits) - len(recent))))
