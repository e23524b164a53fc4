"""Bankruptcy rules: the company in a procedure by any source, notices of intent, the Gazette's winding-up notices,
US bankruptcies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import Hit, rule
from clientvet.checks.rules.shared import describe_federal_case, describe_notice, gazette_notices, live_notices, since
from clientvet.evidence.store import Observation

PROCEDURE_NOTICE_DAYS = 365  # a running procedure publishes (meetings, claims, sales) at least this often


@dataclass(frozen=True)
class ProcedureNotices:
    """The notices a bankruptcy procedure published about the company as debtor on fedresurs.ru, newest first."""

    notices: list[Observation]
    ended: Observation | None  # the newest that says the case ended (terminated, completed, settled)
    since_end: list[Observation]  # those published after it (all, when none says so)

    @property
    def running(self) -> bool:
        return bool(self.since_end)


def _describe_procedure(notices: list[Observation]) -> str:
    """How many notices, the latest, and the stage the newest court act among them names."""
    latest = notices[0]
    stage = next((n.data["stage"] for n in notices if n.data.get("stage")), None)
    return (f"{len(notices)} notice(s) of its bankruptcy procedure on fedresurs.ru, the latest "
            f"«{latest.data['type']}» of {latest.data['published']}" + (f", stage {stage}" if stage else ""))


def procedure_notices(evidence: CheckEvidence) -> ProcedureNotices:
    """A procedure notice is about the company as debtor when someone else published it and it names nobody else.

    The procedure runs when a notice was published in the last PROCEDURE_NOTICE_DAYS after the newest one
    saying the case ended.
    """
    notices = sorted((n for n in live_notices(evidence, "bankruptcy_procedure")
                      if not n.data.get("published_by_subject") and not n.data.get("names_others")),
                     key=lambda n: n.data["published"] or "", reverse=True)
    ended = next((n for n in notices if n.data.get("stage_running") is False), None)
    after = [n for n in notices if ended is None or (n.data["published"] or "") > (ended.data["published"] or "")]
    return ProcedureNotices(notices, ended, [n for n in after if since(evidence, n.data["published"],
                                                                         PROCEDURE_NOTICE_DAYS)])


@rule("bankruptcy_case", "bankruptcy", "critical", 100,
      "The company is itself in a bankruptcy procedure (observation, financial recovery, external management, "
      "receivership): a running case in the bankruptcy register, a register's status, or the procedure's own "
      "recent notices about it as debtor.", deal_killer=True, countries=("RU",))
def bankruptcy_case(evidence: CheckEvidence) -> Iterable[Hit]:
    """One finding from every source that says so, each with its evidence."""
    found: list[tuple[str, Observation]] = []
    for case in evidence.of("bankruptcy_case"):
        if case.data["active"]:
            stage = case.data["stage"] + ("" if case.data.get("stage_recognised", True) else " (unrecognised stage)")
            found.append((f"case {case.data.get('case_number')}: {stage} since {case.data.get('stage_since')}", case))
        elif case.data.get("debtor_procedure"):  # the register's status of the debtor is newer than its last case
            found.append((f"{case.source}: status «{case.data['debtor_status']}»", case))
    for status in evidence.of("status_record"):
        if status.data.get("procedure"):
            found.append((f"{status.source}: status «{status.data['status']}»", status))
    procedure = procedure_notices(evidence)
    details = [detail for detail, _ in found]
    if procedure.running:
        details.append(_describe_procedure(procedure.since_end))
    if details:
        yield Hit("; ".join(details), tuple(o for _, o in found) + tuple(procedure.since_end))


@rule("past_bankruptcy_case", "bankruptcy", "high", 25,
      "A bankruptcy case against the company was terminated or closed, or its procedure's notices stopped.",
      countries=("RU",))
def past_bankruptcy_case(evidence: CheckEvidence) -> Iterable[Hit]:
    """One finding of every source that shows a past procedure, the same case as often one."""
    found = [(f"case {case.data.get('case_number')}: {case.data['stage']} on {case.data.get('stage_since')}", (case,))
             for case in evidence.of("bankruptcy_case") if not case.data["active"]]
    procedure = procedure_notices(evidence)
    if procedure.notices and not procedure.running:
        ended = procedure.ended
        found.append((f"fedresurs.ru: «{ended.data['type']}» of {ended.data['published']}" if ended else
                      f"{_describe_procedure(procedure.notices)}; none in the last {PROCEDURE_NOTICE_DAYS} days",
                      tuple(procedure.notices)))
    if found:
        yield Hit("; ".join(detail for detail, _ in found),
                  tuple(o for _, observations in found for o in observations))


@rule("insolvency_case", "bankruptcy", "critical", 100,
      "Companies House lists an insolvency case for the company.", deal_killer=True, countries=("GB",))
def insolvency_case(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in evidence.of("insolvency_case"):
        yield Hit(f"insolvency case {case.key}: {case.data['type']}", (case,))


@rule("debtor_intends_bankruptcy", "bankruptcy", "critical", 100,
      "The company announced its own intention to file for bankruptcy.", deal_killer=True, countries=("RU",))
def debtor_intends_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = [n for n in live_notices(evidence, "debtor_intends_bankruptcy")
               if n.data.get("published_by_subject") and since(evidence, n.data["published"], 365)]
    if notices:
        yield Hit(f"{len(notices)} notice(s), latest {max(n.data['published'] for n in notices)}", tuple(notices))


@rule("creditor_intends_bankruptcy", "bankruptcy", "high", 15,
      "Creditors announced they intend to file for the company's bankruptcy (15 points each, at most 45).",
      countries=("RU",))
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
      "a creditor asks the court to liquidate it.", deal_killer=True, countries=("GB",))
def uk_winding_up_petition(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = gazette_notices(evidence, ("winding_up_petition",), UK_PETITION_DAYS)
    if notices:
        yield Hit("; ".join(map(describe_notice, notices)), tuple(notices))


@rule("uk_winding_up", "bankruptcy", "critical", 100,
      "The Gazette published a winding-up order or resolution, or the appointment of a liquidator or "
      f"administrator, in the last {UK_APPOINTMENT_DAYS // 365} years.", deal_killer=True, countries=("GB",))
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
      "reporting bankruptcy or receivership (item 1.03) in the last 12 months.", deal_killer=True, countries=("US",))
def us_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in _debtor_cases(evidence, open_=True):
        yield Hit(describe_federal_case(case), (case,))
    for report in _bankruptcy_reports(evidence, recent=True):
        yield Hit(_bankruptcy_report(report), (report,))


@rule("us_past_bankruptcy", "bankruptcy", "high", 25,
      "A past bankruptcy of the company: a closed federal bankruptcy case with it as debtor, or an 8-K item 1.03 "
      "filed more than 12 months ago.", countries=("US",))
def us_past_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in _debtor_cases(evidence, open_=False):
        yield Hit(describe_federal_case(case), (case,))
    for report in _bankruptcy_reports(evidence, recent=False):
        yield Hit(_bankruptcy_report(report), (report,))
