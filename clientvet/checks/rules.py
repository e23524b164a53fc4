"""Every factor is one rule: a code, a severity, points and a one-line explanation.

A rule's function looks at the evidence and returns hits; a hit may name its own
points (e.g. per notice) and always names the observations it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Iterable

from clientvet.checks.evidence import CEASED_PHRASES, UK_CEASED, UK_INSOLVENT, CheckEvidence
from clientvet.evidence.store import Observation


@dataclass(frozen=True)
class Hit:
    detail: str
    evidence: tuple[Observation, ...] = ()
    points: int | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    group: str  # registry | bankruptcy | coverage (courts, debts, finances, … come with their sources)
    severity: str  # critical | high | medium | low
    points: int
    summary: str
    deal_killer: bool = False
    evaluate: Callable[[CheckEvidence], Iterable[Hit]] = field(default=lambda evidence: (), repr=False)


RULES: dict[str, Rule] = {}


def rule(code: str, group: str, severity: str, points: int, summary: str, deal_killer: bool = False):
    def register(func: Callable[[CheckEvidence], Iterable[Hit]]):
        RULES[code] = Rule(code, group, severity, points, summary, deal_killer, func)
        return func
    return register


def _since(evidence: CheckEvidence, iso: str | None, days: int) -> bool:
    return bool(iso) and date.fromisoformat(iso[:10]) >= evidence.today - timedelta(days=days)


# --- registry ------------------------------------------------------------------


@rule("ceased", "registry", "critical", 100, "The company no longer exists (ceased, liquidated or dissolved).",
      deal_killer=True)
def ceased(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data["status"] in ("ceased", *UK_CEASED):
        when = record.data.get("ceased_on")
        yield Hit(f"registry status '{record.data['status']}'" + (f" since {when}" if when else ""), (record,))
    for status in evidence.of("status_record"):
        text = (status.data.get("status") or "").lower()
        if status.data.get("active") is False and any(p in text for p in CEASED_PHRASES):
            yield Hit(f"{status.source}: «{status.data['status']}»", (status,))


@rule("in_insolvency", "registry", "critical", 100,
      "The registry shows the company in liquidation, administration or receivership.", deal_killer=True)
def in_insolvency(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data["status"] in UK_INSOLVENT:
        yield Hit(f"Companies House status '{record.data['status']}'", (record,))


@rule("registry_record_invalid", "registry", "high", 25,
      "The registry marks the company's record as invalid (unreliable data).")
def registry_record_invalid(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data["status"] == "invalid":
        yield Hit(f"record invalid since {record.data.get('invalid_since')}", (record,))


@rule("young_company", "registry", "medium", 10, "Registered less than a year ago: no track record.")
def young_company(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and _since(evidence, record.data.get("registered_on"), 365):
        yield Hit(f"registered on {record.data['registered_on']}", (record,))


@rule("accounts_overdue", "registry", "medium", 15, "Annual accounts are overdue at the registry.")
def accounts_overdue(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data.get("accounts_overdue"):
        yield Hit("Companies House: accounts overdue", (record,))


@rule("confirmation_statement_overdue", "registry", "low", 10, "The confirmation statement is overdue.")
def confirmation_statement_overdue(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data.get("confirmation_statement_overdue"):
        yield Hit("Companies House: confirmation statement overdue", (record,))


@rule("outstanding_charges", "debts", "low", 5, "Assets are pledged to lenders (outstanding charges).")
def outstanding_charges(evidence: CheckEvidence) -> Iterable[Hit]:
    charges = tuple(c for c in evidence.of("charge") if c.data.get("status") == "outstanding")
    if charges:
        yield Hit(f"{len(charges)} outstanding charge(s)", charges)


# --- bankruptcy and insolvency --------------------------------------------------


@rule("bankruptcy_case", "bankruptcy", "critical", 100,
      "A bankruptcy case is running against the company as debtor.", deal_killer=True)
def bankruptcy_case(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in evidence.of("bankruptcy_case"):
        if case.data["active"]:
            stage = case.data["stage"] + ("" if case.data.get("stage_recognised", True) else " (unrecognised stage)")
            yield Hit(f"case {case.data.get('case_number')}: {stage} since {case.data.get('stage_since')}", (case,))


@rule("past_bankruptcy_case", "bankruptcy", "high", 25,
      "A bankruptcy case against the company was terminated or closed.")
def past_bankruptcy_case(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in evidence.of("bankruptcy_case"):
        if not case.data["active"]:
            yield Hit(f"case {case.data.get('case_number')}: {case.data['stage']} on {case.data.get('stage_since')}",
                      (case,))


@rule("insolvency_case", "bankruptcy", "critical", 100,
      "Companies House lists an insolvency case for the company.", deal_killer=True)
def insolvency_case(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in evidence.of("insolvency_case"):
        yield Hit(f"insolvency case {case.key}: {case.data['type']}", (case,))


def _live_notices(evidence: CheckEvidence, category: str) -> list[Observation]:
    return [n for n in evidence.of("notice") if n.data["category"] == category and not n.data.get("annulled")]


@rule("debtor_intends_bankruptcy", "bankruptcy", "critical", 100,
      "The company announced its own intention to file for bankruptcy.", deal_killer=True)
def debtor_intends_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = [n for n in _live_notices(evidence, "debtor_intends_bankruptcy")
               if n.data.get("published_by_subject") and _since(evidence, n.data["published"], 365)]
    if notices:
        yield Hit(f"{len(notices)} notice(s), latest {max(n.data['published'] for n in notices)}", tuple(notices))


@rule("creditor_intends_bankruptcy", "bankruptcy", "high", 15,
      "Creditors announced they intend to file for the company's bankruptcy (15 points each, at most 45).")
def creditor_intends_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    # A notice the company published itself is one where it is the creditor, not the debtor.
    notices = [n for n in _live_notices(evidence, "creditor_intends_bankruptcy")
               if not n.data.get("published_by_subject") and _since(evidence, n.data["published"], 365)]
    if notices:
        creditors = sorted({n.data.get("publisher") or "?" for n in notices})
        yield Hit(f"{len(notices)} notice(s) in the last 12 months by {', '.join(creditors)}",
                  tuple(notices), points=min(45, 15 * len(notices)))


@rule("liquidation_notice", "registry", "critical", 100,
      "A decision to liquidate the company was published.", deal_killer=True)
def liquidation_notice(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = [n for n in _live_notices(evidence, "liquidation") if n.data.get("published_by_subject")]
    if notices:
        yield Hit(f"liquidation notice of {max(n.data['published'] for n in notices)}", tuple(notices))


@rule("reorganisation_notice", "registry", "medium", 10,
      "A reorganisation (merger, split) involving the company was announced in the last two years.")
def reorganisation_notice(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = [n for n in _live_notices(evidence, "reorganisation") if _since(evidence, n.data["published"], 730)]
    if notices:
        yield Hit(f"{len(notices)} reorganisation notice(s)", tuple(notices))


# --- coverage ---------------------------------------------------------------------


@rule("essential_source_unchecked", "coverage", "medium", 15,
      "An essential source could not be checked, so the picture is incomplete.")
def essential_source_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    for run in evidence.unchecked():
        if run.source in evidence.essential_sources:
            yield Hit(f"{run.source}: {run.status} ({run.reason})")


@rule("source_unchecked", "coverage", "low", 5, "A supporting source could not be checked.")
def source_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    for run in evidence.unchecked():
        if run.source not in evidence.essential_sources:
            yield Hit(f"{run.source}: {run.status} ({run.reason})")
