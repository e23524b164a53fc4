"""Factors → score → traffic light, with the safeguards that fit it and what would change it."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.groups import GROUPS, LAWYER_REVIEW
from clientvet.checks.kinds import gating_sources
from clientvet.checks.rules import RULES, Rule
from clientvet.checks.rules.coverage import NOT_CHECKED, PARTLY, KindCoverage, coverage_by_kind
from clientvet.evidence.store import Observation

RED_FROM = 60
AMBER_FROM = 25
# Prepayment share of an amber verdict by score: (score from, share %), highest first; red asks for 100%.
PREPAYMENT_BANDS = ((40, 50), (0, 30))
ACCEPTANCE_DAYS = 5  # working days the client has to sign or dispute an acceptance act
# Factors that call for a particular safeguard even when the colour alone would not.
PAYMENT_DISCIPLINE = frozenset({"history_late_payments", "history_very_late_payments", "history_unpaid_overdue",
                                "signal_promises_broken"})
UNCLEAR_SCOPE = frozenset({"signal_fast_results_slow_work", "signal_no_inputs_wants_numbers",
                           "signal_refuses_measurement", "signal_blames_previous_contractors",
                           "history_scope_added_without_fee"})
IDENTITY_DOUBT = frozenset({"signal_anonymous_contact", "signal_no_signing_authority", "cbr_warning_impersonation",
                            "registry_record_invalid", "tax_unreliable_data_mark", "director_namesake_disqualified"})
# The contact (--contact) was compared with the registry: proven, or its own power-of-attorney safeguard.
CONTACT_COMPARED = frozenset({"contact_can_sign", "contact_authority_unproven"})


@dataclass(frozen=True)
class Factor:
    rule: Rule
    detail: str
    points: int
    evidence: tuple[Observation, ...]
    weight: float = 1.0  # the deal purpose's multiplier, already applied to points

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.rule.code,
            "group": self.rule.group,
            "severity": self.rule.severity,
            "points": self.points,
            **({"purpose_weight": self.weight} if self.weight != 1 else {}),
            "deal_killer": self.rule.deal_killer,
            "summary": f"{self.rule.summary} {self.detail}".strip(),
            "evidence": [
                {"fact_id": o.fact_id, "source": o.source, "kind": o.kind, "key": o.key, "url": o.url,
                 "fetched_at": o.fetched_at, "sha256": o.sha256, "response_id": o.response_id}
                for o in self.evidence
            ],
        }


@dataclass(frozen=True)
class Verdict:
    colour: str
    score: int
    factors: list[Factor]
    reasons: list[str]
    unchecked_essential: tuple[str, ...] = ()  # essential sources that failed or were skipped, not accepted
    purpose: str | None = None
    coverage: tuple[KindCoverage, ...] = ()  # by evidence kind (checks/kinds.py)

    @property
    def deal_killers(self) -> list[Factor]:
        return [f for f in self.factors if f.rule.deal_killer]

    @property
    def not_verified(self) -> list[KindCoverage]:
        """The kinds that keep the verdict from green: gating, publicly covered, not checked, not accepted."""
        return [k for k in self.coverage if k.blocks_green]

    @property
    def capped(self) -> bool:
        """Never green: a gating kind or an essential source could not be checked."""
        return bool(self.not_verified or self.unchecked_essential)

    def gaps(self) -> list[str]:
        """What could not be checked, as the verdict names it: the kinds, and essential sources outside them."""
        in_kinds = {run.source for k in self.not_verified for run in k.unchecked}
        return [k.kind.label for k in self.not_verified] + [s for s in self.unchecked_essential if s not in in_kinds]


def score_of(factors: list[Factor]) -> int:
    """The sum of the points, 0–100: positive factors never offset more than the risk points."""
    return max(0, min(100, sum(f.points for f in factors)))


def colour_of(score: int, deal_killer: bool, capped: bool) -> str:
    """Red for a deal-killer or a high score; never green while capped (Verdict.capped)."""
    if deal_killer or score >= RED_FROM:
        return "red"
    return "amber" if score >= AMBER_FROM or capped else "green"


def _round(value: float) -> int:
    return int(math.floor(value + 0.5))


def evaluate(evidence: CheckEvidence) -> Verdict:
    """Every enabled rule's hits, at the configured points weighted for the deal's purpose → score → colour."""
    tuning = evidence.tuning
    purpose = evidence.check.terms.get("purpose")
    factors = []
    for rule in RULES.values():
        if rule.code in tuning.disabled:
            continue
        points = tuning.points.get(rule.code, rule.points)
        weight = rule.weight(purpose)
        for hit in rule.evaluate(evidence):
            base = points
            if hit.points is not None:  # a hit that counts (per notice, per suit) scales with the configured points
                base = hit.points * points / rule.points if rule.points else hit.points
            factors.append(Factor(rule, hit.detail, _round(base * weight), hit.evidence, weight))
    score = score_of(factors)
    coverage = tuple(coverage_by_kind(evidence))
    unchecked = tuple(run.source for run in evidence.unchecked()
                      if run.source in evidence.essential_sources and not _accepted(evidence, run.source))
    killers = any(f.rule.deal_killer for f in factors)
    verdict = Verdict("", score, factors, [], unchecked, purpose, coverage)
    colour = colour_of(score, killers, verdict.capped)
    reasons = []
    if killers:
        reasons.append("a deal-killer was found")
    elif score >= RED_FROM:
        reasons.append(f"score {score} ≥ {RED_FROM}")
    elif score >= AMBER_FROM:
        reasons.append(f"score {score} ≥ {AMBER_FROM}")
    if colour != "red" and (not_verified := verdict.not_verified):
        reasons.append(f"not verified: {', '.join(k.kind.label for k in not_verified)} could not be checked")
        if remedies := list(dict.fromkeys(line for k in not_verified for line in k.to_check())):
            reasons.append(f"to check — {'; '.join(remedies)}")
    elif colour != "red" and score < AMBER_FROM and unchecked:
        reasons.append(f"not green while {', '.join(unchecked)} could not be checked")
    if accepted := [k for k in coverage if k.accepted and k.kind.gates_green and k.state in (PARTLY, NOT_CHECKED)]:
        reasons.append(f"{', '.join(k.kind.label for k in accepted)} could not be checked: you accepted that "
                       "(--accept-unchecked)")
    return replace(verdict, colour=colour, reasons=reasons)


def _accepted(evidence: CheckEvidence, source: str) -> bool:
    """Whether the user accepted every evidence kind the source covers unchecked."""
    kinds = evidence.source_kinds.get(source)
    return bool(kinds) and set(kinds) <= set(evidence.accepted_unchecked)


def safeguards(verdict: Verdict) -> list[str]:
    """The terms to sign on, fitted to the colour, the score, the deal's purpose, the factors and their groups."""
    risks = [f for f in verdict.factors if f.points > 0 or f.rule.deal_killer]
    codes = {f.rule.code for f in risks}
    groups = {f.rule.group for f in risks}
    colour, score, purpose = verdict.colour, verdict.score, verdict.purpose
    cautious = colour != "green"
    found: list[str] = []
    if colour == "red":
        found.append("Decline, or work only on 100% prepayment received before any work starts"
                     + (" (a deal-killer was found)." if verdict.deal_killers else f" (score {score})."))
    elif purpose == "prepaid":
        found.append("Keep the full prepayment you planned: start only when the money has arrived.")
    elif colour == "amber":
        share = next(share for start, share in PREPAYMENT_BANDS if score >= start)
        why = f"score {score}" if score >= AMBER_FROM else f"{', '.join(verdict.gaps())} unchecked"
        found.append(f"Take a {share}% prepayment before work starts ({why})"
                     + (" instead of paying later." if purpose == "deferred" else "."))
    else:
        found.append("Standard terms: invoice on delivery with the usual payment period.")
    if cautious or purpose == "long-project":
        found.append(f"Stage the work and its payments: an acceptance act for each stage, signed or disputed in "
                     f"writing within {ACCEPTANCE_DAYS} working days (silence means accepted); the next stage "
                     "starts when the previous one is paid.")
    if cautious and purpose != "prepaid" or codes & PAYMENT_DISCIPLINE or purpose in ("deferred", "long-project"):
        found.append("Write penalties for the client's payment and approval delays into the contract "
                     "(e.g. 0.1% of the amount due per day late) and the right to pause work.")
    if cautious or purpose == "long-project" or codes & UNCLEAR_SCOPE:
        found.append("Attach a detailed statement of work and estimate; anything outside it is a paid change.")
    contact_compared = {f.rule.code for f in verdict.factors} & CONTACT_COMPARED
    if (cautious or codes & IDENTITY_DOUBT) and not contact_compared:
        found.append("Ask for proof that the signatory may sign: the director in the registry, or a power of "
                     "attorney signed by the director.")
    if colour == "red":
        found.append(LAWYER_REVIEW)
    found += [safeguard for group in GROUPS.values() if group.code in groups for safeguard in group.safeguards]
    found += [f.rule.safeguard for f in risks if f.rule.safeguard]
    return list(dict.fromkeys(found))


def _without(factors: list[Factor], gone: list[Factor]) -> list[Factor]:
    return [f for f in factors if not any(f is g for g in gone)]


def _to_go(factors: list[Factor], below: int) -> list[Factor]:
    """The fewest risk factors, largest first, whose removal brings the score under `below`."""
    gone: list[Factor] = []
    for factor in sorted((f for f in factors if f.points > 0), key=lambda f: -f.points):
        if score_of(_without(factors, gone)) < below:
            break
        gone.append(factor)
    return gone


def _names(factors: list[Factor], among: list[Factor]) -> str:
    """Codes with their points; where a code fired more than once, which hit (the start of its detail)."""
    fired = Counter(f.rule.code for f in among)

    def name(f: Factor) -> str:
        which = f"; {f.detail[:40].rstrip()}{'…' if len(f.detail) > 40 else ''}" if fired[f.rule.code] > 1 else ""
        return f"{f.rule.code} ({f.points}{which})"
    return ", ".join(map(name, factors))


def _to_check(verdict: Verdict) -> dict[str, Any]:
    """What would have to be checked for a capped verdict to be green, or accepted unchecked."""
    not_verified = verdict.not_verified
    if not not_verified:
        return {"to": "green", "check": list(verdict.unchecked_essential),
                "text": f"These essential sources would have to be checked (and find nothing new): "
                        f"{', '.join(verdict.unchecked_essential)}."}
    sources = [run.source for k in not_verified for run in k.unchecked] + list(verdict.unchecked_essential)
    codes = [k.kind.code for k in not_verified]
    return {"to": "green", "check": list(dict.fromkeys(sources)), "kinds": codes,
            "text": f"These evidence kinds would have to be checked (and find nothing new), or accepted unchecked "
                    f"with --accept-unchecked {','.join(codes)}: "
                    + "; ".join(f"{k.kind.label} ({k.why()})" for k in not_verified) + "."}


def would_change(verdict: Verdict, evidence: CheckEvidence) -> list[dict[str, Any]]:
    """What would move the verdict to the next colour, computed from its factors.

    A green verdict's examples are rules that can fire in the check's country, so none names another country's source.
    """
    changes: list[dict[str, Any]] = []
    factors = verdict.factors
    if verdict.colour == "red":
        if killers := verdict.deal_killers:
            factors = _without(factors, killers)
            changes.append({"to": colour_of(score_of(factors), False, verdict.capped),
                            "remove": [f.rule.code for f in killers],
                            "text": "Every deal-killer would have to go away: "
                                    + "; ".join(f"{f.rule.code} — {f.rule.summary} {f.detail}" for f in killers)})
        if gone := _to_go(factors, RED_FROM):
            changes.append({"to": "amber", "remove": [f.rule.code for f in gone],
                            "text": f"{'Then these' if killers else 'These'} factors would have to go away to "
                                    f"bring the score under {RED_FROM}: {_names(gone, factors)} "
                                    f"(score {score_of(factors)} → {score_of(_without(factors, gone))})."})
    elif verdict.colour == "amber":
        if verdict.capped:
            changes.append(_to_check(verdict))
            factors = [f for f in factors if f.rule.code != "essential_source_unchecked"]
        if gone := _to_go(factors, AMBER_FROM):
            changes.append({"to": "green", "remove": [f.rule.code for f in gone],
                            "text": f"These factors would have to go away to bring the score under {AMBER_FROM}: "
                                    f"{_names(gone, factors)} (score {score_of(factors)} → "
                                    f"{score_of(_without(factors, gone))})."})
    else:
        margin = AMBER_FROM - verdict.score
        fired = {f.rule.code for f in factors}
        examples = sorted((rule for rule in RULES.values()
                           if rule.code not in fired | evidence.tuning.disabled and not rule.deal_killer
                           and rule.applies_to(evidence.check.jurisdiction)
                           and evidence.tuning.points.get(rule.code, rule.points) * rule.weight(verdict.purpose)
                           >= margin), key=lambda r: r.points)[:3]
        changes.append({"to": "amber", "text": f"{margin} more risk points would make it amber"
                        + (f", e.g. {', '.join(f'{r.code} ({r.points})' for r in examples)}" if examples else "")
                        + f"; so would a {gating_sources(evidence.check.jurisdiction)} source that cannot be "
                          "checked. Any deal-killer makes it red."})
    if verdict.colour != "green" and verdict.purpose != "prepaid":
        prepaid = evaluate(replace(evidence, check=replace(evidence.check,
                                                           terms={**evidence.check.terms, "purpose": "prepaid"})))
        if prepaid.colour != verdict.colour:
            changes.append({"to": prepaid.colour, "purpose": "prepaid",
                            "text": f"With full prepayment (--purpose prepaid) the verdict would be {prepaid.colour} "
                                    f"(score {prepaid.score})."})
    return changes

