"""Bankruptcy rules: cases, notices of intent, the Gazette's winding-up notices, US bankruptcies."""

from __future__ import annotations

from typing import Iterable

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import Hit, rule
from clientvet.checks.rules.shared import describe_federal_case, describe_notice, gazette_notices, live_notices, since
from clientvet.evidence.store import Observation


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


@rule("debtor_intends_bankruptcy", "bankruptcy", "critical", 100,
      "The company announced its own intention to file for bankruptcy.", deal_killer=True)
def debtor_intends_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = [n for n in live_notices(evidence, "debtor_intends_bankruptcy")
               if n.data.get("published_by_subject") and since(evidence, n.data["published"], 365)]
    if notices:
        yield Hit(f"{len(notices)} notice(s), latest {max(n.data['published'] for n in notices)}", tuple(notices))


@rule("creditor_intends_bankruptcy", "bankruptcy", "high", 15,
      "Creditors announced they intend to file for the company's bankruptcy (15 points each, at most 45).")
def creditor_intends_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    # A notice the company published itself is one where it is the creditor, not the debtor.
    notices = [n for n in live_notices(evidence, "creditor_intends_bankruptcy")
               if not n.data.get("published_by_subject") and since(evidence, n.data["published"], 365)]
    if notices:
        creditors = sorted({n.data.get("publisher") or "?" for n in notices})
        yield Hit(f"{len(notices)} notice(s) in the last 12 months by {', '.join(creditors)}",
                  tuple(notices), points=min(45, 15 * len(notices)))


# --- uk (The Gazette's notices) --------------------------------------------------------------------

UK_PETITION_DAYS = 365  # a petition is heard within weeks; an older one was dismissed, paid or became an order
UK_APPOINTMENT_DAYS = 3 * 365  # a company that left administration or liquidation years ago has a new record since
UK_WINDING_UP = ("liquidator_appointed", "administrator_appointed", "winding_up_order", "winding_up_resolution")


@rule("uk_winding_up_petition", "bankruptcy", "critical", 100,
      f"A petition to wind the company up was published in The Gazette in the last {UK_PETITION_DAYS} days: "
      "a creditor asks the court to liquidate it.", deal_killer=True)
def uk_winding_up_petition(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = gazette_notices(evidence, ("winding_up_petition",), UK_PETITION_DAYS)
    if notices:
        yield Hit("; ".join(map(describe_notice, notices)), tuple(notices))


@rule("uk_winding_up", "bankruptcy", "critical", 100,
      "The Gazette published a winding-up order or resolution, or the appointment of a liquidator or "
      f"administrator, in the last {UK_APPOINTMENT_DAYS // 365} years.", deal_killer=True)
def uk_winding_up(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = gazette_notices(evidence, UK_WINDING_UP, UK_APPOINTMENT_DAYS)
    if notices:
        yield Hit("; ".join(map(describe_notice, notices)), tuple(notices))


# --- us (SEC EDGAR 8-K reports; CourtListener federal dockets) -------------------------------------

US_BANKRUPTCY_REPORT_RECENT_DAYS = 365  # an 8-K item 1.03 this recent: the proceeding is likely still running


def _bankruptcy_report(report: Observation) -> str:
    return f"{report.data['form']} of {report.data['filed_on']} reports item 1.03 (bankruptcy or receivership)"


def _debtor_cases(evidence: CheckEvidence, open_: bool) -> list[Observation]:
    return [c for c in evidence.of("federal_case") if c.data["role"] == "debtor" and bool(c.data.get("open")) == open_]


def _bankruptcy_reports(evidence: CheckEvidence, recent: bool) -> list[Observation]:
    return [r for r in evidence.of("bankruptcy_report")
            if since(evidence, r.data["filed_on"], US_BANKRUPTCY_REPORT_RECENT_DAYS) == recent]


@rule("us_bankruptcy", "bankruptcy", "critical", 100,
      "The company is in bankruptcy: an open federal bankruptcy case with it as debtor, or its own 8-K "
      "reporting bankruptcy or receivership (item 1.03) in the last 12 months.", deal_killer=True)
def us_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in _debtor_cases(evidence, open_=True):
        yield Hit(describe_federal_case(case), (case,))
    for report in _bankruptcy_reports(evidence, recent=True):
        yield Hit(_bankruptcy_report(report), (report,))


@rule("us_past_bankruptcy", "bankruptcy", "high", 25,
      "A past bankruptcy of the company: a closed federal bankruptcy case with it as debtor, or an 8-K item 1.03 "
      "filed more than 12 months ago.")
def us_past_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in _debtor_cases(evidence, open_=False):
        yield Hit(describe_federal_case(case), (case,))
    for report in _bankruptcy_reports(evidence, recent=False):
        yield Hit(_bankruptcy_report(report), (report,))
