"""Factors → score → traffic light, with the safeguards that fit it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import RULES, Rule
from clientvet.evidence.store import Observation

RED_FROM = 60
AMBER_FROM = 25

SAFEGUARDS = {
    "green": ["Standard terms: invoice on delivery with the usual payment period."],
    "amber": [
        "Take a prepayment of at least 50% before work starts.",
        "Stage the work; sign an acceptance act for each stage with a deadline for signing it.",
        "Write penalties for the client's payment and approval delays into the contract.",
        "Attach a detailed statement of work and estimate to the contract.",
        "Ask for proof that the signatory may sign (director's record or power of attorney).",
    ],
    "red": [
        "Decline, or work only on 100% prepayment.",
        "If you proceed, have a lawyer review the contract first.",
    ],
}


@dataclass(frozen=True)
class Factor:
    rule: Rule
    detail: str
    points: int
    evidence: tuple[Observation, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.rule.code,
            "group": self.rule.group,
            "severity": self.rule.severity,
            "points": self.points,
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

    @property
    def deal_killers(self) -> list[Factor]:
        return [f for f in self.factors if f.rule.deal_killer]


def evaluate(evidence: CheckEvidence) -> Verdict:
    factors = [
        Factor(rule, hit.detail, rule.points if hit.points is None else hit.points, hit.evidence)
        for rule in RULES.values()
        for hit in rule.evaluate(evidence)
    ]
    score = max(0, min(100, sum(f.points for f in factors)))
    reasons = []
    if any(f.rule.deal_killer for f in factors):
        colour = "red"
        reasons.append("a deal-killer was found")
    elif score >= RED_FROM:
        colour = "red"
        reasons.append(f"score {score} ≥ {RED_FROM}")
    elif score >= AMBER_FROM:
        colour = "amber"
        reasons.append(f"score {score} ≥ {AMBER_FROM}")
    else:
        colour = "green"
    unchecked = [run.source for run in evidence.unchecked() if run.source in evidence.essential_sources]
    if colour == "green" and unchecked:
        colour = "amber"
        reasons.append(f"not green while {', '.join(unchecked)} could not be checked")
    return Verdict(colour, score, factors, reasons)


def report(evidence: CheckEvidence, verdict: Verdict) -> dict[str, Any]:
    """The JSON document of one check."""
    check = evidence.check
    return {
        "check_id": check.id,
        "company": evidence.company(),
        "verdict": verdict.colour,
        "score": verdict.score,
        "verdict_reasons": verdict.reasons,
        "deal_killers": [f.rule.code for f in verdict.deal_killers],
        "factors": [f.as_dict() for f in sorted(verdict.factors, key=lambda f: -f.points)],
        "safeguards": SAFEGUARDS[verdict.colour],
        "coverage": [
            {"source": run.source, "status": run.status, "reason": run.reason,
             "essential": run.source in evidence.essential_sources,
             "requests": run.requests, "facts": run.facts}
            for run in evidence.coverage
        ],
        "checked_at": check.finished_at or check.started_at,
        "as_of": evidence.today.isoformat(),
        "replay": check.replay,
        "terms": check.terms,
    }
