"""Every factor is one rule: a code, a severity, points and a one-line explanation.

A rule's function looks at the evidence and returns hits; a hit may name its own
points (e.g. per notice) and always names the observations it rests on. A rule may
bring its own safeguard, offered with the verdict when it fires.

The same fact weighs differently per deal (`clientvet check --purpose`): a rule's
points are multiplied by its purpose weight (PURPOSE_WEIGHTS_BY_GROUP, overridden per
rule in PURPOSE_WEIGHTS_BY_RULE). Signs that the client may not pay — courts, debts,
bankruptcy, finances, late payments, a sinking business — weigh more when we work
before being paid (deferred, long-project) and less under full prepayment.
Deal-killers are not weighted: they make the verdict red whatever the purpose.

Positive factors (careful behaviour, a loyal history) have negative points and lower
the score, so they can turn amber into green; but the score never goes below 0 (they
never offset more than the risk points), they never cancel a deal-killer, and a
verdict with an essential source unchecked is never green.

The user's config changes points, disables rules and adds keyword and code lists
(see checks/tuning.py); `clientvet rules` lists the rules as configured.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from datetime import date, timedelta
from typing import Callable, Iterable, Mapping

from clientvet import config
from clientvet.checks.evidence import CEASED_PHRASES, UK_CEASED, UK_INSOLVENT, Activity, CheckEvidence, money
from clientvet.checks.tuning import Tuning
from clientvet.evidence.store import Observation
from clientvet.checks.history import EVENT_KINDS, NORMAL_DELAY_DAYS, PART_WAYS_DELAY_DAYS, EventKind
from clientvet.evidence.matching import PersonMatch, match_names, match_persons
from clientvet.checks.complaints import TOPIC_LABELS
from clientvet.checks.signals import CATALOGUE, Signal

# Purpose weights: `check --purpose` -> multiplier of a rule's points (1 when not named).
CREDIT_RISK = {"prepaid": 0.5, "deferred": 1.5, "long-project": 1.5}  # will the client pay us later?
PURPOSE_WEIGHTS_BY_GROUP: dict[str, Mapping[str, float]] = {
    "courts": CREDIT_RISK, "debts": CREDIT_RISK, "bankruptcy": CREDIT_RISK, "finances": CREDIT_RISK,
}
PURPOSE_WEIGHTS_BY_RULE: dict[str, Mapping[str, float]] = {
    "signal_business_sinking": CREDIT_RISK,
    "signal_promises_broken": {"prepaid": 0.5},  # a deposit not paid matters less when nothing starts unpaid
    "history_late_payments": CREDIT_RISK,
    "history_very_late_payments": CREDIT_RISK,
    "history_unpaid_overdue": CREDIT_RISK,
    "history_scope_added_without_fee": {"long-project": 1.5},  # scope creep grows with the project
    "signal_fast_results_slow_work": {"long-project": 1.5},
    "debts_exceed_prepaid_deal": {},  # already specific to a prepaid deal
}


@dataclass(frozen=True)
class Hit:
    detail: str
    evidence: tuple[Observation, ...] = ()
    points: int | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    group: str  # courts | debts | bankruptcy | finances | registers | reviews | registry | industry | …
    severity: str  # critical | high | medium | low | info
    points: int
    summary: str
    deal_killer: bool = False
    safeguard: str | None = None  # offered with the verdict when the rule fires
    evaluate: Callable[[CheckEvidence], Iterable[Hit]] = field(default=lambda evidence: (), repr=False)
    purpose_weights: Mapping[str, float] = field(default_factory=dict)

    def weight(self, purpose: str | None) -> float:
        return 1.0 if self.deal_killer else self.purpose_weights.get(purpose, 1.0)


RULES: dict[str, Rule] = {}


def rule(code: str, group: str, severity: str, points: int, summary: str, deal_killer: bool = False,
         safeguard: str | None = None):
    def register(func: Callable[[CheckEvidence], Iterable[Hit]]):
        weights = PURPOSE_WEIGHTS_BY_RULE.get(code, PURPOSE_WEIGHTS_BY_GROUP.get(group, {}))
        RULES[code] = Rule(code, group, severity, points, summary, deal_killer=deal_killer, safeguard=safeguard,
                           evaluate=func, purpose_weights=weights)
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


SUPPORTING_UNCHECKED_POINTS = 5  # per supporting source that could not be checked …
SUPPORTING_UNCHECKED_CAP = 10  # … at most: uncertainty alone must not turn a clean company amber


@rule("source_unchecked", "coverage", "low", SUPPORTING_UNCHECKED_POINTS,
      f"Supporting sources could not be checked ({SUPPORTING_UNCHECKED_POINTS} points each, "
      f"at most {SUPPORTING_UNCHECKED_CAP}); what they would have shown is unknown.")
def source_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    runs = [run for run in evidence.unchecked()
            if run.source not in evidence.essential_sources and run.source not in review_sources()]
    if runs:
        yield Hit("; ".join(f"{run.source}: {run.status} ({run.reason})" for run in runs),
                  points=min(SUPPORTING_UNCHECKED_CAP, SUPPORTING_UNCHECKED_POINTS * len(runs)))


# --- conversation signals and account history --------------------------------------
# One rule per catalogue entry: codes, points and explanations live in checks/signals.py
# (what the salesperson entered) and checks/history.py (invoices and events of a client).



def _signal_rule(signal: Signal) -> None:
    @rule(f"signal_{signal.code}", "conversation", signal.severity, signal.points, signal.explanation)
    def entered(evidence: CheckEvidence) -> Iterable[Hit]:
        for stored in evidence.signals:
            if stored.code == signal.code:
                note = f": {stored.note}" if stored.note else ""
                yield Hit(f"(entered by {stored.entered_by} on {stored.entered_at[:10]}{note})")


def _friction_rule(kind: EventKind) -> None:
    @rule(f"history_{kind.code}", "history", kind.severity, kind.points,
          f"{kind.explanation.rstrip('.')} ({kind.points} points each, at most {kind.max_points}).")
    def happened(evidence: CheckEvidence) -> Iterable[Hit]:
        dates = sorted(e.date.isoformat() for e in evidence.account.events if e.kind == kind.code)
        if dates:
            yield Hit(f"{len(dates)} time(s), latest {dates[-1]}",
                      points=min(kind.max_points, kind.points * len(dates)))


for _entry in CATALOGUE:
    _signal_rule(_entry)
for _kind in EVENT_KINDS.values():
    if _kind.friction:
        _friction_rule(_kind)


def _delays(evidence: CheckEvidence) -> str:
    d = evidence.account.discipline(evidence.today)
    return (f"worst {d.worst_days_late} days late; average {d.average_days_late} days over {d.paid} paid invoice(s); "
            f"{d.share_paid_late:.0%} paid more than {NORMAL_DELAY_DAYS} days late" if d.paid
            else f"worst {d.worst_days_late} days late; no invoice paid yet")


@rule("history_late_payments", "history", "medium", 10,
      f"The client pays more than {NORMAL_DELAY_DAYS} days late (1–{NORMAL_DELAY_DAYS} days is normal).")
def history_late_payments(evidence: CheckEvidence) -> Iterable[Hit]:
    worst = evidence.account.discipline(evidence.today).worst_days_late or 0
    if NORMAL_DELAY_DAYS < worst < PART_WAYS_DELAY_DAYS:
        yield Hit(_delays(evidence))


@rule("history_very_late_payments", "history", "high", 25,
      f"An invoice was paid, or stays unpaid, {PART_WAYS_DELAY_DAYS}+ days after due: renegotiate or part ways.")
def history_very_late_payments(evidence: CheckEvidence) -> Iterable[Hit]:
    if (evidence.account.discipline(evidence.today).worst_days_late or 0) >= PART_WAYS_DELAY_DAYS:
        yield Hit(_delays(evidence))


@rule("history_unpaid_overdue", "history", "medium", 10, "Invoices are unpaid past their due date now.")
def history_unpaid_overdue(evidence: CheckEvidence) -> Iterable[Hit]:
    discipline = evidence.account.discipline(evidence.today)
    if discipline.unpaid_overdue:
        totals = ", ".join(f"{amount:,.2f} {cur}" for cur, amount in discipline.unpaid_overdue_totals().items())
        yield Hit(f"{len(discipline.unpaid_overdue)} invoice(s), {totals}")


@rule("history_loyal_client", "history", "info", -10,
      "A loyal client: pays on time, orders again, little friction.")
def history_loyal_client(evidence: CheckEvidence) -> Iterable[Hit]:
    placed = evidence.account.classify(evidence.today)
    if placed.label == "loyal":
        yield Hit(f"({'; '.join(placed.reasons)})")


# --- registers: pb.nalog.ru marks, disqualified persons, Bank of Russia warning list ------



@rule("tax_liquidation_mark", "registers", "critical", 100,
      "The tax service (Прозрачный бизнес) marks the company as being liquidated.", deal_killer=True)
def tax_liquidation_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    for flags in evidence.of("tax_risk_flags"):
        if flags.data.get("liquidation"):
            yield Hit(f"pr_liq=1, status «{flags.data.get('status')}»", (flags,))


@rule("tax_unreliable_data_mark", "registers", "high", 25,
      "The tax service (Прозрачный бизнес) marks the company's registry data as unreliable.")
def tax_unreliable_data_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    for flags in evidence.of("tax_risk_flags"):
        if flags.data.get("unreliable_data"):
            yield Hit(f"invalid=1, status «{flags.data.get('status')}»", (flags,))


MASS_ADDRESS_MIN = 5  # other companies at the same address from which pb's list means a mass address
MASS_HEAD_MIN = 10  # companies one person heads or founded from which public pb clients call it "mass"
TAX_FINES_YEARS = 2  # fines for tax offences (mostly late or missing returns) of this year and the last


def _rub(value: float) -> str:
    return f"{value:,.2f} RUB".replace(",", " ")


@rule("tax_reorganisation_mark", "registers", "medium", 10,
      "The tax service shows the company in reorganisation: it may be merged into another company and cease.")
def tax_reorganisation_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    marked = [o for o in evidence.of("tax_risk_flags") + evidence.of("tax_card") if o.data.get("reorganisation")]
    if marked:
        statuses = sorted({o.data.get("status_detail") or o.data.get("status") for o in marked})
        yield Hit(f"status «{'; '.join(statuses)}»", tuple(marked))


@rule("tax_debt_mark", "registers", "high", 20,
      "The tax service marks a tax debt over 1,000 roubles: a company that does not pay the state may not pay you.")
def tax_debt_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        if card.data.get("tax_debt"):
            arrears = card.data.get("arrears_rub")
            yield Hit(f"arrears, penalties and fines {_rub(arrears)}" if arrears else "amount not shown", (card,))


@rule("tax_reports_missing", "registers", "high", 25,
      "The tax service marks the company as not filing tax reports for over a year: a dormant or abandoned "
      "company, whose bank accounts the tax service may freeze.")
def tax_reports_missing(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        if card.data.get("reports_missing"):
            yield Hit("pr_otch=1", (card,))


@rule("tax_offence_fines", "registers", "low", 5,
      f"The tax service published fines for tax offences (mostly late or missing returns) in the last "
      f"{TAX_FINES_YEARS} years.")
def tax_offence_fines(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        fines = [f for f in card.data.get("tax_offence_fines", []) if f["year"] > evidence.today.year - TAX_FINES_YEARS]
        if fines:
            yield Hit("; ".join(f"{f['year']}: {_rub(f['fine_rub']) if f['fine_rub'] else 'sum not shown'}"
                                for f in fines), (card,))


@rule("tax_mass_address", "registers", "medium", 10,
      f"{MASS_ADDRESS_MIN} or more other companies are registered at the company's address (a mass address): "
      "the company may have no real office there.")
def tax_mass_address(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        count = card.data.get("same_address_companies") or 0
        if count >= MASS_ADDRESS_MIN:
            sample = ", ".join(c["name"] for c in card.data.get("same_address_sample", []) if c.get("name"))
            yield Hit(f"{count} other companies, e.g. {sample}", (card,))


def _mass_people(evidence: CheckEvidence, field: str) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        mass = [p for p in card.data.get(field, []) if p["companies"] >= MASS_HEAD_MIN]
        if mass:
            yield Hit("; ".join(f"{p['name']}{' (' + p['position'] + ')' if p.get('position') else ''}: "
                                f"{p['companies']} companies" for p in mass), (card,))


@rule("tax_mass_director", "registers", "medium", 15,
      f"The company's head is head or founder of {MASS_HEAD_MIN} or more companies (a mass director): often a "
      "nominee who does not run the business.")
def tax_mass_director(evidence: CheckEvidence) -> Iterable[Hit]:
    yield from _mass_people(evidence, "heads")


@rule("tax_mass_founder", "registers", "low", 5,
      f"A founder of the company is head or founder of {MASS_HEAD_MIN} or more companies (a mass founder).")
def tax_mass_founder(evidence: CheckEvidence) -> Iterable[Hit]:
    yield from _mass_people(evidence, "founders")


def _disqualified_heads(evidence: CheckEvidence) -> Iterable[tuple[Observation, str | None]]:
    """Current disqualifications of a head's full name, each with what confirms it is this company's head."""
    record = evidence.registry_record
    data = record.data if record else {}
    inn = data.get("inn") or (evidence.check.identifier if evidence.check.scheme == "inn" else None)
    names = [n for n in (data.get("name"), data.get("short_name")) if n]
    for entry in evidence.of("disqualification"):
        if entry.data["ends"] < evidence.today.isoformat():
            continue
        if entry.data.get("organisation_inn"):
            yield entry, "organisation INN" if entry.data["organisation_inn"] == inn else None
        elif any(match_names(entry.data["organisation"], name).same for name in names):
            yield entry, "organisation name"
        else:
            yield entry, None


def _disqualification(entry: Observation) -> str:
    d = entry.data
    return (f"{d['person']} ({d.get('searched_role')}), at {d['organisation']} as {d.get('position')}: "
            f"{d.get('offence')}, {d['starts']} to {d['ends']}")


@rule("director_disqualified", "registers", "critical", 100,
      "The company's head is in the register of disqualified persons.", deal_killer=True)
def director_disqualified(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry, confirmed_by in _disqualified_heads(evidence):
        if confirmed_by:
            yield Hit(f"{_disqualification(entry)}; confirmed by {confirmed_by}", (entry,))


@rule("director_namesake_disqualified", "registers", "high", 30,
      "A person with the head's full name is in the register of disqualified persons.")
def director_namesake_disqualified(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry, confirmed_by in _disqualified_heads(evidence):
        if not confirmed_by:
            yield Hit(f"{_disqualification(entry)}; matched by full name only, may be a namesake "
                      f"(born {entry.data.get('birth_date') or 'unknown'})", (entry,))


@rule("on_cbr_warning_list", "registers", "critical", 100,
      "The Bank of Russia lists the company for signs of illegal activity on financial markets.", deal_killer=True)
def on_cbr_warning_list(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry in evidence.of("warning_list_entry"):
        if entry.data.get("meaning") == "listed":
            closed = "; the Bank marks the company closed" if entry.data.get("closed") else ""
            yield Hit(f"«{'; '.join(entry.data['signs'])}» since {entry.data['listed_on']}{closed}", (entry,))


@rule("cbr_warning_impersonation", "registers", "medium", 10,
      "The Bank of Russia warns that someone illegally uses this company's details: make sure you deal with "
      "the company itself.")
def cbr_warning_impersonation(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry in evidence.of("warning_list_entry"):
        if entry.data.get("meaning") == "impersonated":
            yield Hit(f"«{entry.data['name']}», listed since {entry.data['listed_on']}: {entry.data.get('comment')}",
                      (entry,))


# --- finances (ГИР БО statements; amounts in thousands of roubles, as filed) -------------------

REVENUE_FALL = 0.30  # revenue (line 2110) down more than this share year on year
REVENUE_FALL_STEEP = 0.50
TRANSIT_MIN_REVENUE = 100_000  # thousand roubles: 100 million roubles a year
TRANSIT_MAX_HEADCOUNT = 1
TRANSIT_THIN_NET_ASSETS = 0.01  # net assets (line 1300) under 1% of revenue


def _statements(evidence: CheckEvidence) -> dict[int, Observation]:
    return {o.data["year"]: o for o in evidence.of("financial_statement")}


def _revenue(statement: Observation) -> int | float | None:
    """Line 2110 from the form, else the period list's gainSum (which mirrors it)."""
    revenue = statement.data.get("revenue_thousand_rub")
    return revenue if revenue is not None else statement.data.get("gain_sum_thousand_rub")


def _latest_pair(evidence: CheckEvidence, value: Callable[[Observation], int | float | None]):
    """(latest, year before) among the years that report the value, or None without two consecutive years."""
    years = {year: o for year, o in _statements(evidence).items() if value(o) is not None}
    if not years or max(years) - 1 not in years:
        return None
    return years[max(years)], years[max(years) - 1]


def _negative_run(evidence: CheckEvidence, value: Callable[[Observation], int | float | None]) -> tuple:
    """The latest years, newest first, in which the value is negative: none, one, or two running."""
    years = {year: o for year, o in _statements(evidence).items() if value(o) is not None}
    run, year = [], max(years, default=None)
    while year in years and value(years[year]) < 0 and len(run) < 2:
        run.append(years[year])
        year -= 1
    return tuple(run)


def _net_assets(statement: Observation) -> int | float | None:
    return statement.data.get("net_assets_thousand_rub")


def _net_profit(statement: Observation) -> int | float | None:
    return statement.data.get("net_profit_thousand_rub")


def _thousands(value: int | float) -> str:
    return f"{value:,.0f} thousand RUB".replace(",", " ")


def _years(statements: tuple[Observation, ...], value: Callable[[Observation], int | float | None]) -> str:
    return "; ".join(f"{s.data['year']}: {_thousands(value(s))}" for s in statements)


def _negative_run_rules(value: Callable[[Observation], int | float | None], two_years: tuple, last_year: tuple,
                        two_years_kills: bool = False) -> None:
    """Two rules over one statement line: negative at the last two year-ends, or at the last one only.

    Each spec is (code, severity, points, summary) of the rule's @rule.
    """
    code, severity, points, summary = two_years

    @rule(code, "finances", severity, points, summary, deal_killer=two_years_kills)
    def both_years(evidence: CheckEvidence) -> Iterable[Hit]:
        run = _negative_run(evidence, value)
        if len(run) == 2:
            yield Hit(_years(run, value), run)

    code, severity, points, summary = last_year

    @rule(code, "finances", severity, points, summary)
    def one_year(evidence: CheckEvidence) -> Iterable[Hit]:
        run = _negative_run(evidence, value)
        if len(run) == 1:
            yield Hit(_years(run, value), run)


_negative_run_rules(
    _net_assets,
    ("negative_net_assets_two_years", "critical", 100,
     "Net assets (balance sheet line 1300) were negative at the last two year-ends: the company has owed "
     "more than it owns for over a year."),
    ("negative_net_assets", "high", 25,
     "Net assets (balance sheet line 1300) were negative at the last year-end: liabilities exceed assets."),
    two_years_kills=True)
_negative_run_rules(
    _net_profit,
    ("net_loss_two_years", "high", 20, "A net loss (income statement line 2400) in each of the last two years."),
    ("net_loss", "medium", 10, "A net loss (income statement line 2400) in the last year."))


def _revenue_fall(evidence: CheckEvidence) -> tuple[float, Hit] | None:
    pair = _latest_pair(evidence, _revenue)
    if not pair or _revenue(pair[1]) <= 0:
        return None
    latest, before = pair
    fall = 1 - _revenue(latest) / _revenue(before)
    return fall, Hit(f"{before.data['year']}: {_thousands(_revenue(before))} → {latest.data['year']}: "
                     f"{_thousands(_revenue(latest))} (−{fall:.0%})", pair)


def _revenue_fall_rules(prefix: str, where: str, fall: Callable[[CheckEvidence], tuple[float, Hit] | None]) -> None:
    """The steep and the moderate revenue-fall rule over one kind of statement (`fall` gives share and hit)."""

    @rule(f"{prefix}revenue_falling_steeply", "finances", "high", 20,
          f"Revenue ({where}) fell by more than {REVENUE_FALL_STEEP:.0%} year on year.")
    def steeply(evidence: CheckEvidence) -> Iterable[Hit]:
        found = fall(evidence)
        if found and found[0] > REVENUE_FALL_STEEP:
            yield found[1]

    @rule(f"{prefix}revenue_falling", "finances", "medium", 10,
          f"Revenue ({where}) fell by {REVENUE_FALL:.0%}–{REVENUE_FALL_STEEP:.0%} year on year.")
    def moderately(evidence: CheckEvidence) -> Iterable[Hit]:
        found = fall(evidence)
        if found and REVENUE_FALL < found[0] <= REVENUE_FALL_STEEP:
            yield found[1]


_revenue_fall_rules("", "income statement line 2110", _revenue_fall)


@rule("growth_without_staff", "finances", "medium", 15,
      f"Large and growing revenue (line 2110, at least {_thousands(TRANSIT_MIN_REVENUE)}) with a headcount of "
      f"{TRANSIT_MAX_HEADCOUNT} or less — or, where no source reports the headcount, with net assets (line 1300) "
      f"under {TRANSIT_THIN_NET_ASSETS:.0%} of revenue. This is the pattern of a transit company that passes "
      "money through; it is a pattern, not proof.")
def growth_without_staff(evidence: CheckEvidence) -> Iterable[Hit]:
    pair = _latest_pair(evidence, _revenue)
    if not pair or not _revenue(pair[1]) < _revenue(pair[0]) or _revenue(pair[0]) < TRANSIT_MIN_REVENUE:
        return
    latest, before = pair
    # Headcount from any source that reports it, the statement itself first (ГИР БО forms carry none).
    staffed = [o for o in (latest, *evidence.observations) if o.data.get("headcount") is not None]
    growth = (f"revenue {before.data['year']}: {_thousands(_revenue(before))} → "
              f"{latest.data['year']}: {_thousands(_revenue(latest))}")
    if staffed:
        if staffed[0].data["headcount"] <= TRANSIT_MAX_HEADCOUNT:
            yield Hit(f"{growth}, headcount {staffed[0].data['headcount']} ({staffed[0].source})",
                      (*pair, staffed[0]))
        return
    net_assets = _net_assets(latest)
    if net_assets is not None and net_assets < TRANSIT_THIN_NET_ASSETS * _revenue(latest):
        yield Hit(f"{growth}, net assets {_thousands(net_assets)}, headcount not reported", pair)


# --- courts (kad.arbitr.ru: arbitration cases where the company is a party) ---------------------
# The search list carries no claim amounts and no subject of the claim («о взыскании …»): a
# claim between parties (civil, or shown without a kind) where the company is the defendant is
# counted as a suit against it — in arbitration courts most of them are for unpaid debts. The
# cards of the newest such suits (court_card) add the amount and whether it is debt collection.


SUIT_KINDS = frozenset({"civil", "unspecified"})
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
    return [c for c in _cases(evidence, SUIT_KINDS, "defendant") if _since(evidence, c.data["filed_on"], 730)]


@rule("court_defendant_suits", "courts", "medium", SUIT_POINTS_RECENT,
      f"Suits against the company as defendant in arbitration courts (mostly debt collection): "
      f"{SUIT_POINTS_RECENT} points per suit filed in the last 12 months, {SUIT_POINTS_OLDER} per suit "
      f"12–24 months ago, {DEBT_COLLECTION_EXTRA} more for each whose card shows debt collection, from "
      f"{SUITS_MIN} suits on, at most {SUIT_POINTS_CAP}.")
def court_defendant_suits(evidence: CheckEvidence) -> Iterable[Hit]:
    suits = _suits(evidence)
    recent = [c for c in suits if _since(evidence, c.data["filed_on"], 365)]
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


def _rub_amount(value: float) -> str:
    return f"{value:,.2f} RUB".replace(",", " ")


@rule("court_claims_total", "courts", "medium", 10,
      f"Claims against the company in suits of the last 24 months add up to {_rub_amount(CLAIMS_LARGE_RUB)} or "
      f"more (10 points; 25 from {_rub_amount(CLAIMS_VERY_LARGE_RUB)}), as far as the case cards read show.")
def court_claims_total(evidence: CheckEvidence) -> Iterable[Hit]:
    claimed = sorted((c for c in _cards(evidence, _suits(evidence)) if c.data.get("claim_rub")),
                     key=lambda c: -c.data["claim_rub"])
    total = sum(c.data["claim_rub"] for c in claimed)
    if total >= CLAIMS_LARGE_RUB:
        largest = ", ".join(f"{c.data['case_number']}: {_rub_amount(c.data['claim_rub'])}" for c in claimed[:3])
        yield Hit(f"{_rub_amount(total)} in {len(claimed)} suit(s); largest {largest}{_cards_coverage(evidence)}",
                  tuple(claimed), points=25 if total >= CLAIMS_VERY_LARGE_RUB else 10)


def _petitions(evidence: CheckEvidence, recent: bool) -> list[Observation]:
    return [c for c in _cases(evidence, BANKRUPTCY_KINDS, "defendant")
            if _since(evidence, c.data["filed_on"], 730) == recent]


def _petition(case: Observation) -> str:
    applicants = case.data.get("plaintiffs")
    return (f"{case.data['case_number']} of {case.data['filed_on']}, "
            + (f"applicant {', '.join(p['name'] for p in applicants)}" if applicants
               else "no applicant shown (the company's own?)"))


@rule("court_bankruptcy_petition", "courts", "high", 40,
      "A bankruptcy case was opened in the last 24 months with the company as the debtor (whether a "
      "procedure followed is for the bankruptcy register to say).")
def court_bankruptcy_petition(evidence: CheckEvidence) -> Iterable[Hit]:
    cases = _petitions(evidence, recent=True)
    if cases:
        yield Hit("; ".join(map(_petition, cases)), tuple(cases))


@rule("court_past_bankruptcy_petition", "courts", "medium", 10,
      "A bankruptcy case with the company as the debtor was opened more than 24 months ago.")
def court_past_bankruptcy_petition(evidence: CheckEvidence) -> Iterable[Hit]:
    cases = _petitions(evidence, recent=False)
    if cases:
        yield Hit("; ".join(map(_petition, cases)), tuple(cases))


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
    amount = f", {_rub(p.data['total_rub'])}" if p.data.get("total_rub") else ""
    ended = f", ended {p.data['ended_on']} ({p.data['end_reason']})" if p.data.get("ended_on") else ""
    return f"{p.data['number']} of {p.data['started_on']}: {p.data['subject']}{amount}{ended}"


@rule("enforcement_open", "debts", "medium", ENFORCEMENT_POINTS_PER_OPEN,
      f"Bailiffs are enforcing unpaid debts of the company (open enforcement proceedings): "
      f"{ENFORCEMENT_POINTS_PER_OPEN} points each, at most {ENFORCEMENT_OPEN_CAP}.")
def enforcement_open(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _open_proceedings(evidence)
    if proceedings:
        yield Hit(f"{len(proceedings)} open, {_rub(_owed(proceedings))} outstanding; latest "
                  f"{_proceeding(proceedings[0])}", tuple(proceedings),
                  points=min(ENFORCEMENT_OPEN_CAP, ENFORCEMENT_POINTS_PER_OPEN * len(proceedings)))


@rule("enforcement_large_debt", "debts", "high", 25,
      f"The open enforcement proceedings add up to {_rub(ENFORCEMENT_LARGE_TOTAL_RUB)} or more: compare it "
      "with the size of the deal.")
def enforcement_large_debt(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _open_proceedings(evidence)
    if _owed(proceedings) >= ENFORCEMENT_LARGE_TOTAL_RUB:
        largest = max(proceedings, key=lambda p: p.data.get("total_rub") or 0)
        yield Hit(f"{_rub(_owed(proceedings))} in {len(proceedings)} proceeding(s); largest {_proceeding(largest)}",
                  tuple(proceedings))


@rule("enforcement_recent", "debts", "medium", ENFORCEMENT_POINTS_PER_RECENT,
      f"Enforcement proceedings opened in the last 12 months, paid since or not: {ENFORCEMENT_POINTS_PER_RECENT} "
      f"points each, at most {ENFORCEMENT_RECENT_CAP}.")
def enforcement_recent(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _proceedings(evidence, lambda p: _since(evidence, p.data["started_on"], 365))
    if proceedings:
        yield Hit(f"{len(proceedings)} in the last 12 months: " + "; ".join(map(_proceeding, proceedings)),
                  tuple(proceedings),
                  points=min(ENFORCEMENT_RECENT_CAP, ENFORCEMENT_POINTS_PER_RECENT * len(proceedings)))


@rule("enforcement_no_assets", "debts", "high", 30,
      "Bailiffs ended a proceeding in the last three years because the company or its property could not be "
      "found, or it had nothing to seize (ст. 46 ч. 1 п. 3–4 of 229-ФЗ): a creditor won in court and still "
      "got nothing. A strong sign of a sinking company.")
def enforcement_no_assets(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _proceedings(evidence, lambda p: p.data.get("end_meaning") == "no_assets"
                               and _since(evidence, p.data["ended_on"], ENFORCEMENT_ENDED_DAYS))
    if proceedings:
        yield Hit("; ".join(map(_proceeding, proceedings)), tuple(proceedings))


@rule("enforcement_paid", "debts", "low", 1,
      f"Debts paid only once bailiffs enforced them (ended as fulfilled, ст. 47 ч. 1 п. 1), in the last three "
      f"years: mostly harmless, 1 point each, at most {ENFORCEMENT_PAID_CAP}.")
def enforcement_paid(evidence: CheckEvidence) -> Iterable[Hit]:
    proceedings = _proceedings(evidence, lambda p: p.data.get("end_meaning") == "paid"
                               and _since(evidence, p.data["ended_on"], ENFORCEMENT_ENDED_DAYS))
    if proceedings:
        yield Hit("; ".join(map(_proceeding, proceedings)), tuple(proceedings),
                  points=min(ENFORCEMENT_PAID_CAP, len(proceedings)))
# --- uk (Companies House filings, officers and PSC; The Gazette notices) ------------------------

UK_PETITION_DAYS = 365  # a petition is heard within weeks; an older one was dismissed, paid or became an order
UK_APPOINTMENT_DAYS = 3 * 365  # a company that left administration or liquidation years ago has a new record since
UK_STRIKE_OFF_DAYS = 365
UK_CHANGE_DAYS = 365
UK_WINDING_UP = ("liquidator_appointed", "administrator_appointed", "winding_up_order", "winding_up_resolution")
UK_MANY_APPOINTMENTS = 20  # current and past appointments of one director, all companies
UK_MANY_FAILED = 3  # of them dissolved, in liquidation or administration


def _gazette(evidence: CheckEvidence, categories: tuple[str, ...], days: int) -> list[Observation]:
    return sorted((n for n in evidence.of("notice") if n.source == "gazette" and n.data["category"] in categories
                   and _since(evidence, n.data["published"], days)), key=lambda n: n.data["published"], reverse=True)


def _notice(notice: Observation) -> str:
    return (f"«{notice.data['type']}» of {notice.data['published']} ({notice.data.get('url')}, "
            f"matched by {notice.data.get('attributed_by')})")


@rule("uk_winding_up_petition", "bankruptcy", "critical", 100,
      f"A petition to wind the company up was published in The Gazette in the last {UK_PETITION_DAYS} days: "
      "a creditor asks the court to liquidate it.", deal_killer=True)
def uk_winding_up_petition(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = _gazette(evidence, ("winding_up_petition",), UK_PETITION_DAYS)
    if notices:
        yield Hit("; ".join(map(_notice, notices)), tuple(notices))


@rule("uk_winding_up", "bankruptcy", "critical", 100,
      "The Gazette published a winding-up order or resolution, or the appointment of a liquidator or "
      f"administrator, in the last {UK_APPOINTMENT_DAYS // 365} years.", deal_killer=True)
def uk_winding_up(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = _gazette(evidence, UK_WINDING_UP, UK_APPOINTMENT_DAYS)
    if notices:
        yield Hit("; ".join(map(_notice, notices)), tuple(notices))


def _filings(evidence: CheckEvidence, events: tuple[str, ...], days: int | None = None) -> list[Observation]:
    return sorted((f for f in evidence.of("filing") if f.data["event"] in events
                   and (days is None or _since(evidence, f.data["date"], days))),
                  key=lambda f: f.data["date"], reverse=True)


@rule("uk_strike_off_notice", "registry", "high", 25,
      "The registrar proposes to strike the company off (first Gazette notice), usually for unfiled accounts or "
      "confirmation statements; it is dissolved unless the action is stopped.")
def uk_strike_off_notice(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = _gazette(evidence, ("strike_off",), UK_STRIKE_OFF_DAYS)
    filings = _filings(evidence, ("strike_off_notice",), UK_STRIKE_OFF_DAYS)
    record = evidence.registry_record
    proposal = record if record and record.data.get("status_detail") == "active-proposal-to-strike-off" else None
    latest = max([n.data["published"] for n in notices] + [f.data["date"] for f in filings], default=None)
    stopped = [f for f in _filings(evidence, ("strike_off_discontinued",)) if latest and f.data["date"] >= latest]
    if stopped and not proposal:
        return
    found = [f"Gazette {_notice(n)}" for n in notices] + [f"filing {f.data['type']} of {f.data['date']}" for f in filings]
    if proposal:
        found.append("Companies House status detail 'active-proposal-to-strike-off'")
    if found:
        yield Hit("; ".join(found), (*notices, *filings, *((proposal,) if proposal else ())))


@rule("uk_recent_name_or_office_change", "registry", "low", 5,
      f"The company changed its name or registered office in the last {UK_CHANGE_DAYS} days: make sure the "
      "contract names the company as it is registered now.")
def uk_recent_name_or_office_change(evidence: CheckEvidence) -> Iterable[Hit]:
    filings = _filings(evidence, ("change_of_name", "registered_office_change"), UK_CHANGE_DAYS)
    if filings:
        changes = [f"{'name' if f.data['event'] == 'change_of_name' else 'registered office'} on {f.data['date']}"
                   + (f" (from {f.data['old_address']})" if f.data.get("old_address") else "") for f in filings]
        yield Hit("; ".join(changes), tuple(filings))


@rule("uk_director_many_appointments", "registry", "medium", 10,
      f"A current director holds {UK_MANY_APPOINTMENTS}+ appointments, or {UK_MANY_FAILED}+ of their companies are "
      "dissolved or insolvent: the pattern of a nominee director or of companies left behind (phoenix).")
def uk_director_many_appointments(evidence: CheckEvidence) -> Iterable[Hit]:
    flagged = []
    for director in evidence.of("officer_appointments"):
        failed = sum(1 for c in director.data.get("companies") or []
                     if c.get("company_status") in (*UK_CEASED, *UK_INSOLVENT))
        if director.data["total"] >= UK_MANY_APPOINTMENTS or failed >= UK_MANY_FAILED:
            unread = director.data["read"] < director.data["total"]
            flagged.append((director, f"{director.data.get('name')}: {director.data['total']} appointment(s), "
                                      f"{failed} dissolved or insolvent"
                                      + (f" among the {director.data['read']} read" if unread else "")))
    if flagged:
        yield Hit("; ".join(text for _, text in flagged), tuple(director for director, _ in flagged))


@rule("uk_no_psc", "registry", "low", 5,
      "No active person with significant control is registered: who owns or controls the company is not on record.")
def uk_no_psc(evidence: CheckEvidence) -> Iterable[Hit]:
    for register in evidence.of("psc_register"):
        if register.data["active_count"] == 0:
            statements = " (the register holds statements instead)" if register.data.get("statements_url") else ""
            yield Hit(f"0 active, {register.data.get('ceased_count') or 0} ceased{statements}", (register,))
# --- us (SEC EDGAR 8-K reports and XBRL figures in USD; CourtListener federal dockets) ----------

US_BANKRUPTCY_REPORT_RECENT_DAYS = 365  # an 8-K item 1.03 this recent: the proceeding is likely still running


def _usd(value: int | float) -> str:
    return f"{value / 1e6:,.1f} million USD"


def _federal_case(case: Observation) -> str:
    d = case.data
    court = d.get("court_citation") or d.get("court_id")
    chapter = f", chapter {d['chapter']}" if d.get("chapter") else ""
    state = "open" if d.get("open") else f"closed {d.get('terminated_on')}"
    return f"{court} {d.get('docket_number')} «{d.get('case_name')}»{chapter}, filed {d.get('filed_on')}, {state}"


def _bankruptcy_report(report: Observation) -> str:
    return f"{report.data['form']} of {report.data['filed_on']} reports item 1.03 (bankruptcy or receivership)"


def _debtor_cases(evidence: CheckEvidence, open_: bool) -> list[Observation]:
    return [c for c in evidence.of("federal_case") if c.data["role"] == "debtor" and bool(c.data.get("open")) == open_]


def _bankruptcy_reports(evidence: CheckEvidence, recent: bool) -> list[Observation]:
    return [r for r in evidence.of("bankruptcy_report")
            if _since(evidence, r.data["filed_on"], US_BANKRUPTCY_REPORT_RECENT_DAYS) == recent]


@rule("us_bankruptcy", "bankruptcy", "critical", 100,
      "The company is in bankruptcy: an open federal bankruptcy case with it as debtor, or its own 8-K "
      "reporting bankruptcy or receivership (item 1.03) in the last 12 months.", deal_killer=True)
def us_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in _debtor_cases(evidence, open_=True):
        yield Hit(_federal_case(case), (case,))
    for report in _bankruptcy_reports(evidence, recent=True):
        yield Hit(_bankruptcy_report(report), (report,))


@rule("us_past_bankruptcy", "bankruptcy", "high", 25,
      "A past bankruptcy of the company: a closed federal bankruptcy case with it as debtor, or an 8-K item 1.03 "
      "filed more than 12 months ago.")
def us_past_bankruptcy(evidence: CheckEvidence) -> Iterable[Hit]:
    for case in _debtor_cases(evidence, open_=False):
        yield Hit(_federal_case(case), (case,))
    for report in _bankruptcy_reports(evidence, recent=False):
        yield Hit(_bankruptcy_report(report), (report,))


def _federal_search_coverage(evidence: CheckEvidence) -> str:
    partial = [s for s in evidence.of("federal_case_search") if not s.data.get("complete", True)]
    return "".join(f"; at least: read {s.data['pages_read']} pages of {s.data['total']} dockets" for s in partial)


@rule("us_defendant_suits", "courts", "medium", SUIT_POINTS_RECENT,
      f"Federal suits against the company as defendant (outside bankruptcy courts): {SUIT_POINTS_RECENT} points "
      f"per suit filed in the last 12 months, {SUIT_POINTS_OLDER} per suit 12–24 months ago, from {SUITS_MIN} "
      f"suits on, at most {SUIT_POINTS_CAP}.")
def us_defendant_suits(evidence: CheckEvidence) -> Iterable[Hit]:
    suits = sorted((c for c in evidence.of("federal_case") if c.data["role"] == "defendant"
                    and not c.data.get("bankruptcy_court") and _since(evidence, c.data["filed_on"], 730)),
                   key=lambda c: c.data["filed_on"], reverse=True)
    if len(suits) < SUITS_MIN:
        return
    recent = [c for c in suits if _since(evidence, c.data["filed_on"], 365)]
    natures = Counter(c.data.get("nature_of_suit") or c.data.get("cause") or "not shown" for c in suits)
    yield Hit(f"{len(suits)} suit(s) as defendant in 24 months, {len(recent)} in the last 12; latest "
              f"{_federal_case(suits[0])}; by nature of suit: "
              f"{', '.join(f'{n} ({k})' for n, k in natures.most_common(3))}{_federal_search_coverage(evidence)}",
              tuple(suits), points=min(SUIT_POINTS_CAP, SUIT_POINTS_RECENT * len(recent)
                                       + SUIT_POINTS_OLDER * (len(suits) - len(recent))))


def _us_years(evidence: CheckEvidence, measure: str) -> list[Observation]:
    """Fiscal years that report the measure, newest first."""
    return sorted((o for o in evidence.of("annual_financials") if o.data.get(measure) is not None),
                  key=lambda o: o.data["period_end"], reverse=True)


def _us_run_below_zero(evidence: CheckEvidence, measure: str) -> tuple[Observation, ...]:
    """The latest consecutive fiscal years (at most two) in which the measure is negative."""
    run: list[Observation] = []
    for year in _us_years(evidence, measure)[:2]:
        if year.data[measure] >= 0 or (run and run[-1].data["year"] - year.data["year"] != 1):
            break
        run.append(year)
    return tuple(run)


def _us_figures(years: tuple[Observation, ...], measure: str) -> str:
    return "; ".join(f"FY ending {y.data['period_end']}: {_usd(y.data[measure])}" for y in years)


@rule("us_negative_equity", "finances", "high", 20,
      "Stockholders' equity was negative at the last fiscal year-end (10-K): liabilities exceed assets. "
      "Large share buy-backs can also cause this, so read it with the company's profits.")
def us_negative_equity(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _us_run_below_zero(evidence, "stockholders_equity")
    if run:
        yield Hit(_us_figures(run[:1], "stockholders_equity"), run[:1])


@rule("us_net_loss_two_years", "finances", "high", 20, "A net loss (10-K) in each of the last two fiscal years.")
def us_net_loss_two_years(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _us_run_below_zero(evidence, "net_income")
    if len(run) == 2:
        yield Hit(_us_figures(run, "net_income"), run)


@rule("us_net_loss", "finances", "medium", 10, "A net loss (10-K) in the last fiscal year.")
def us_net_loss(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _us_run_below_zero(evidence, "net_income")
    if len(run) == 1:
        yield Hit(_us_figures(run, "net_income"), run)


def _us_revenue_fall(evidence: CheckEvidence) -> tuple[float, Hit] | None:
    years = _us_years(evidence, "revenue")[:2]
    if len(years) < 2 or years[0].data["year"] - years[1].data["year"] != 1 or years[1].data["revenue"] <= 0:
        return None
    latest, before = years
    fall = 1 - latest.data["revenue"] / before.data["revenue"]
    return fall, Hit(f"FY ending {before.data['period_end']}: {_usd(before.data['revenue'])} → FY ending "
                     f"{latest.data['period_end']}: {_usd(latest.data['revenue'])} (−{fall:.0%})", (latest, before))


_revenue_fall_rules("us_", "10-K", _us_revenue_fall)


@rule("us_going_concern_doubt", "finances", "high", 40,
      "The latest annual report (10-K) states substantial doubt about the company's ability to continue as a "
      "going concern within a year.")
def us_going_concern_doubt(evidence: CheckEvidence) -> Iterable[Hit]:
    years = sorted(evidence.of("annual_financials"), key=lambda o: o.data["period_end"], reverse=True)
    if years and years[0].data.get("going_concern_doubt"):
        yield Hit(f"FY ending {years[0].data['period_end']}: {years[0].data['lines'].get('going_concern_doubt')}",
                  years[:1])
# --- reviews (otzovik, 2GIS, Yandex Maps: customers; dreamjob: employees) -------------------------
# Judged on the reviews of the last 24 months as of evidence.today, with a floor on how many there
# are, so one angry review is not a verdict. Topics come from clientvet.checks.complaints.classify.


REVIEW_WINDOW_DAYS = 730
REVIEW_RECENT_DAYS = 365
REVIEWS_MIN = 5  # recent customer reviews needed before their share of complaints means anything
REVIEW_COMPLAINT_SHARE = 0.3  # of recent customer reviews
PAYMENT_COMPLAINTS_MIN = 2  # non-payment / fraud: two customers independently …
PAYMENT_COMPLAINT_SHARE = 0.1  # … and not a handful among thousands of a large company's reviews
SALARY_COMPLAINTS_MIN = 2
LOW_STARS = 3.0
PAYMENT_TOPICS = frozenset({"non_payment", "fraud"})
CUSTOMER_TOPICS = frozenset(TOPIC_LABELS) - {"salary_delay"}
@cache
def review_sources() -> frozenset[str]:
    """The registered review sites: weak evidence each, so coverage counts them together."""
    from clientvet.crawler.spiders import all_sources  # loads Scrapy: only once a check is judged, not for `rules`

    return frozenset(source.name for source in all_sources() if "review" in source.evidence)


def _recent_reviews(evidence: CheckEvidence, reviewer: str | None = None) -> list[Observation]:
    """Reviews of the last 24 months, newest first: by customers or employees, or all of them."""
    return sorted((r for r in evidence.of("review") if reviewer in (None, r.data.get("reviewer"))
                   and _since(evidence, r.data.get("published"), REVIEW_WINDOW_DAYS)),
                  key=lambda r: r.data["published"], reverse=True)


def _complaining(reviews: list[Observation], topics: frozenset[str]) -> list[Observation]:
    return [r for r in reviews if topics & set(r.data.get("topics") or ())]


def _review_list(evidence: CheckEvidence, reviews: list[Observation]) -> str:
    last_year = sum(_since(evidence, r.data["published"], REVIEW_RECENT_DAYS) for r in reviews)
    shown = "; ".join(f"{r.data['site']} {r.data['published']} {r.data['rating']:g}★ "
                      f"({', '.join(TOPIC_LABELS[t] for t in r.data['topics'] if t in TOPIC_LABELS)})"
                      for r in reviews[:3])
    return f"{last_year} of them in the last 12 months; latest: {shown}"


@rule("reviews_non_payment_or_fraud", "reviews", "high", 25,
      f"At least {PAYMENT_COMPLAINTS_MIN} customer reviews of the last 24 months, and {PAYMENT_COMPLAINT_SHARE:.0%} "
      "of them, say the company does not pay, pays late or defrauds.")
def reviews_non_payment_or_fraud(evidence: CheckEvidence) -> Iterable[Hit]:
    recent = _recent_reviews(evidence, "customer")
    complaints = _complaining(recent, PAYMENT_TOPICS)
    if len(complaints) >= max(PAYMENT_COMPLAINTS_MIN, PAYMENT_COMPLAINT_SHARE * len(recent)):
        yield Hit(f"{len(complaints)} of {len(recent)} review(s), {_review_list(evidence, complaints)}",
                  tuple(complaints))


@rule("reviews_many_complaints", "reviews", "medium", 10,
      f"At least {REVIEW_COMPLAINT_SHARE:.0%} of the customer reviews of the last 24 months (when there are "
      f"{REVIEWS_MIN} or more) complain of non-payment, fraud, broken deadlines or rudeness.")
def reviews_many_complaints(evidence: CheckEvidence) -> Iterable[Hit]:
    recent = _recent_reviews(evidence, "customer")
    complaints = _complaining(recent, CUSTOMER_TOPICS)
    if len(recent) >= REVIEWS_MIN and len(complaints) >= REVIEW_COMPLAINT_SHARE * len(recent):
        yield Hit(f"{len(complaints)} of {len(recent)} reviews ({len(complaints) / len(recent):.0%}), "
                  f"{_review_list(evidence, complaints)}", tuple(complaints))


@rule("reviews_salary_delays", "reviews", "medium", 15,
      f"At least {SALARY_COMPLAINTS_MIN} reviews of the last 24 months (employees', on any site) say salaries "
      "are delayed or withheld: a sign the business may be sinking.")
def reviews_salary_delays(evidence: CheckEvidence) -> Iterable[Hit]:
    complaints = _complaining(_recent_reviews(evidence), frozenset({"salary_delay"}))
    if len(complaints) >= SALARY_COMPLAINTS_MIN:
        yield Hit(f"{len(complaints)} review(s), {_review_list(evidence, complaints)}", tuple(complaints))


@rule("reviews_low_rating", "reviews", "low", 5,
      f"Customers rate the company below {LOW_STARS:.0f} stars on average (on a site with at least "
      f"{REVIEWS_MIN} reviews); stars alone say little.")
def reviews_low_rating(evidence: CheckEvidence) -> Iterable[Hit]:
    pages = [p for p in evidence.of("review_page") if p.data.get("reviewer", "customer") == "customer"
             and p.data.get("rating") is not None and p.data["count"] >= REVIEWS_MIN
             and p.data["rating"] < LOW_STARS]
    if pages:
        yield Hit("; ".join(f"{p.data['site']}: {p.data['rating']}★ from {p.data['count']} reviews" for p in pages),
                  tuple(pages))


def _unchecked_list(runs: list) -> str:
    return "; ".join(f"{run.source}: {run.status} ({run.reason})" for run in runs)


@rule("reviews_unchecked", "coverage", "low", 5, "Reviews could not be read on any review site.")
def reviews_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    runs = [run for run in evidence.coverage if run.source in review_sources()]
    unchecked = [run for run in evidence.unchecked() if run.source in review_sources()]
    if unchecked and len(unchecked) == len(runs):
        yield Hit(_unchecked_list(unchecked))


@rule("reviews_partly_unchecked", "coverage", "info", 0,
      "Reviews could not be read on some review sites (others were read).")
def reviews_partly_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    runs = [run for run in evidence.coverage if run.source in review_sources()]
    unchecked = [run for run in evidence.unchecked() if run.source in review_sources()]
    if unchecked and len(unchecked) < len(runs):
        yield Hit(_unchecked_list(unchecked))
# --- signing authority (the contact named with `check --contact`, against the registry) ------------
# ЕГРЮЛ lists only the head, who acts for the company without a power of attorney, and a sole
# trader signs in person; Companies House lists every officer, of whom those below may sign alone
# (a director under the Companies Act 2006 s.44; a secretary signs only with another signatory).


UK_SIGNING_ROLES = frozenset({
    "director", "nominee-director", "llp-member", "llp-designated-member",
    "general-partner-in-a-limited-partnership", "person-authorised-to-represent",
    "person-authorised-to-represent-and-accept", "judicial-factor", "receiver-and-manager",
})


@dataclass(frozen=True)
class _Signatory:
    """A person the registry names for the company, and whether they may sign for it now."""

    record: Observation
    name: str
    role: str
    not_authorised: str | None  # why not, when they may not


def _signatories(evidence: CheckEvidence) -> list[_Signatory]:
    record = evidence.registry_record
    status = record.data.get("status") if record else None
    people = []
    for officer in evidence.of("officer"):
        role, resigned = officer.data["role"], officer.data.get("resigned_on")
        if resigned:
            why_not = f"resigned on {resigned}"
        elif not officer.data.get("active", True):  # ЕГРЮЛ: the company is not active
            why_not = f"the company's registry status is '{status}'"
        elif officer.source != "egrul" and role not in UK_SIGNING_ROLES:
            why_not = f"a {role} cannot sign for the company alone"
        else:
            why_not = None
        people.append(_Signatory(officer, officer.data["name"], role, why_not))
    if record and record.data.get("entity") == "sole_trader":
        people.append(_Signatory(record, record.data["name"], "sole trader",
                                 None if status == "active" else f"the registry status is '{status}'"))
    return people


def _comparisons(evidence: CheckEvidence, contact: str) -> list[tuple[_Signatory, PersonMatch]] | None:
    """The contact compared with every person the registry names; None when the contact has no surname."""
    try:
        return [(person, match_persons(contact, person.name)) for person in _signatories(evidence)]
    except ValueError:
        return None


def _contact_is(contact: str, person: _Signatory, match: PersonMatch) -> str:
    return f"«{contact}» is {person.name} ({person.role}, {person.record.source}): {match.reason}"


@rule("contact_can_sign", "registry", "info", -5,
      "The contact is the company's registered head or a current director, who may sign for it.")
def contact_can_sign(evidence: CheckEvidence) -> Iterable[Hit]:
    contact = evidence.check.terms.get("contact")
    comparisons = _comparisons(evidence, contact) if contact else None
    authorised = [(p, m) for p, m in comparisons or () if m.same and p.not_authorised is None]
    if authorised:
        person, match = max(authorised, key=lambda found: found[1].score)
        yield Hit(_contact_is(contact, person, match), (person.record,))


@rule("contact_authority_unproven", "registry", "medium", 10,
      "The contact is not a current director or registered head of the company: they may sign only "
      "with a power of attorney.",
      safeguard="Before signing, ask for the power of attorney the company's head gave the contact — for a "
                "Russian company, the number of its machine-readable power of attorney (МЧД), to check "
                "with the tax service — or have a registered director sign.")
def contact_authority_unproven(evidence: CheckEvidence) -> Iterable[Hit]:
    contact = evidence.check.terms.get("contact")
    if not contact:
        return
    comparisons = _comparisons(evidence, contact)
    if comparisons is None:
        yield Hit(f"«{contact}» has no surname to compare")
        return
    matched = [(p, m) for p, m in comparisons if m.same]
    if any(p.not_authorised is None for p, _ in matched):
        return
    if matched:
        yield Hit("; ".join(f"{_contact_is(contact, p, m)}, but {p.not_authorised}" for p, m in matched),
                  tuple(p.record for p, _ in matched))
        return
    current = [(p, m) for p, m in comparisons if p.not_authorised is None]
    if not current:
        yield Hit(f"the registry names no current director or head to compare «{contact}» with")
        return
    yield Hit(f"«{contact}» is none of: " + "; ".join(f"{p.name} ({p.role}): {m.reason}" for p, m in current),
              tuple(p.record for p, _ in current))
# --- debts against the deal (`check --amount`): CheckEvidence.outstanding_debts() sums them ---------



def _debts_over_deal(evidence: CheckEvidence) -> Iterable[Hit]:
    """One hit when the known debts exceed the deal amount given in the same currency."""
    terms = evidence.check.terms
    debts = evidence.outstanding_debts()
    if terms.get("amount") and terms.get("currency") == debts.currency and debts.amount > terms["amount"]:
        yield Hit(f"{debts.describe()} > the deal's {money(terms['amount'], terms['currency'])}", debts.observations)


@rule("debts_exceed_deal", "debts", "critical", 100,
      "The company's known outstanding debts (claims in court, open enforcement proceedings, tax debt) "
      "exceed the deal amount, and the deal is not fully prepaid.", deal_killer=True)
def debts_exceed_deal(evidence: CheckEvidence) -> Iterable[Hit]:
    if evidence.check.terms.get("purpose") != "prepaid":  # without a purpose, assume we are paid later
        yield from _debts_over_deal(evidence)


@rule("debts_exceed_prepaid_deal", "debts", "medium", 15,
      "The company's known outstanding debts exceed the amount of this fully prepaid deal.",
      safeguard="Start only once the full prepayment has arrived; do not accept a partial payment as a start.")
def debts_exceed_prepaid_deal(evidence: CheckEvidence) -> Iterable[Hit]:
    if evidence.check.terms.get("purpose") == "prepaid":
        yield from _debts_over_deal(evidence)


# --- industry: the main registered activity against a list of high-risk industries -----------------
# Defaults, by activity code prefix (OKVED 2 and UK SIC 2007 both follow NACE Rev. 2; US SIC differs)
# or by a word in the activity's name; the config adds more ([rules.codes] / [rules.keywords]).


@dataclass(frozen=True)
class Industry:
    label: str
    prefixes: tuple[str, ...] = ()  # "RU:46.38" — a country and an activity code prefix
    keywords: tuple[str, ...] = ()  # matched, case-insensitively, in the activity's name

    def matches(self, activity: Activity) -> str | None:
        """What matched (a code prefix or a keyword), if anything."""
        digits = activity.code.replace(".", "")
        for entry in self.prefixes:
            country, prefix = entry.split(":", 1)
            if country == activity.country and digits.startswith(prefix.replace(".", "")):
                return entry
        name = (activity.name or "").lower()
        return next((word for word in self.keywords if word.lower() in name), None)


HIGH_RISK_INDUSTRIES = (
    # Long subcontracting chains: a subcontractor is paid when the one above is paid.
    Industry("construction and construction subcontracting",
             ("RU:41", "RU:42", "RU:43", "GB:41", "GB:42", "GB:43", "US:15", "US:16", "US:17"), ("субподряд",)),
    # Agents and brokers in wholesale: thin margins, money passes through, little to recover.
    Industry("wholesale trade intermediaries (agents)", ("RU:46.1", "GB:461")),
    # Non-specialised wholesale: the usual registered activity of transit companies.
    Industry("non-specialised wholesale trade", ("RU:46.90", "GB:4690")),
    # The industry sales people named: perishable goods, volatile cash flow.
    Industry("fish and seafood trading", ("RU:46.38.1", "GB:46380", "US:5146"), ("морепродукт", "seafood")),
    # Event agencies: paid after the event by clients of their own, often late.
    Industry("event agencies (conference and exhibition organisers)", ("RU:82.30", "GB:8230")),
)


def _industries(evidence: CheckEvidence) -> tuple[Industry, ...]:
    tuning = evidence.tuning
    configured = Industry("your config", tuning.codes.get("high_risk_industry", ()),
                          tuning.keywords.get("high_risk_industry", ()))
    return (*HIGH_RISK_INDUSTRIES, configured)


@rule("high_risk_industry", "industry", "medium", 15,
      "The company's main registered activity (OKVED, SIC) is in an industry marked high-risk.")
def high_risk_industry(evidence: CheckEvidence) -> Iterable[Hit]:
    """One factor however many activities and industries match: it is one fact about the company."""
    found = [(industry.label, activity, match) for activity in evidence.main_activities()
             for industry in _industries(evidence) if (match := industry.matches(activity))]
    if not found:
        return
    # The salesperson may have entered the same fact in conversation: count it once.
    entered = any(s.code == "high_risk_industry" for s in evidence.signals)
    detail = "; ".join(dict.fromkeys(
        f"{label}: {a.code}" + (f" «{a.name}»" if a.name else "") + f" ({a.observation.source}, matched {match})"
        for label, a, match in found))
    yield Hit(detail + ("; also entered in conversation, counted there" if entered else ""),
              tuple({a.observation.fact_id: a.observation for _, a, _ in found}.values()),
              points=0 if entered else None)


# --- the user's [rules] table ------------------------------------------------------------------------


RULES_WITH_LISTS = ("high_risk_industry",)  # the rules that read [rules.keywords] / [rules.codes]


def tuning_from_config() -> Tuning:
    """The `[rules]` table of the user's config, checked against the rules; raises ConfigError."""
    return Tuning.from_table(config.setting("rules", {}), RULES, RULES_WITH_LISTS)
