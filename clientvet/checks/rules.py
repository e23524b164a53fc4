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
(see clientvet/checks/tuning.py); `clientvet rules` lists the rules as configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Iterable, Mapping

from clientvet.checks.evidence import CEASED_PHRASES, UK_CEASED, UK_INSOLVENT, CheckEvidence
from clientvet.evidence.store import Observation

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


@rule("source_unchecked", "coverage", "low", 5, "A supporting source could not be checked.")
def source_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    for run in evidence.unchecked():
        if run.source not in evidence.essential_sources:
            yield Hit(f"{run.source}: {run.status} ({run.reason})")


# --- conversation signals and account history --------------------------------------
# One rule per catalogue entry: codes, points and explanations live in clientvet/signals.py
# (what the salesperson entered) and clientvet/history.py (invoices and events of a client).

from clientvet.history import EVENT_KINDS, NORMAL_DELAY_DAYS, PART_WAYS_DELAY_DAYS, EventKind  # noqa: E402
from clientvet.signals import CATALOGUE, Signal  # noqa: E402


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

from clientvet.matching import match_names  # noqa: E402


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


@rule("negative_net_assets_two_years", "finances", "critical", 100,
      "Net assets (balance sheet line 1300) were negative at the last two year-ends: the company has owed "
      "more than it owns for over a year.", deal_killer=True)
def negative_net_assets_two_years(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _negative_run(evidence, _net_assets)
    if len(run) == 2:
        yield Hit(_years(run, _net_assets), run)


@rule("negative_net_assets", "finances", "high", 25,
      "Net assets (balance sheet line 1300) were negative at the last year-end: liabilities exceed assets.")
def negative_net_assets(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _negative_run(evidence, _net_assets)
    if len(run) == 1:
        yield Hit(_years(run, _net_assets), run)


@rule("net_loss_two_years", "finances", "high", 20,
      "A net loss (income statement line 2400) in each of the last two years.")
def net_loss_two_years(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _negative_run(evidence, _net_profit)
    if len(run) == 2:
        yield Hit(_years(run, _net_profit), run)


@rule("net_loss", "finances", "medium", 10, "A net loss (income statement line 2400) in the last year.")
def net_loss(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _negative_run(evidence, _net_profit)
    if len(run) == 1:
        yield Hit(_years(run, _net_profit), run)


def _revenue_fall(evidence: CheckEvidence) -> tuple[float, Hit] | None:
    pair = _latest_pair(evidence, _revenue)
    if not pair or _revenue(pair[1]) <= 0:
        return None
    latest, before = pair
    fall = 1 - _revenue(latest) / _revenue(before)
    return fall, Hit(f"{before.data['year']}: {_thousands(_revenue(before))} → {latest.data['year']}: "
                     f"{_thousands(_revenue(latest))} (−{fall:.0%})", pair)


@rule("revenue_falling_steeply", "finances", "high", 20,
      f"Revenue (income statement line 2110) fell by more than {REVENUE_FALL_STEEP:.0%} year on year.")
def revenue_falling_steeply(evidence: CheckEvidence) -> Iterable[Hit]:
    found = _revenue_fall(evidence)
    if found and found[0] > REVENUE_FALL_STEEP:
        yield found[1]


@rule("revenue_falling", "finances", "medium", 10,
      f"Revenue (income statement line 2110) fell by {REVENUE_FALL:.0%}–{REVENUE_FALL_STEEP:.0%} year on year.")
def revenue_falling(evidence: CheckEvidence) -> Iterable[Hit]:
    found = _revenue_fall(evidence)
    if found and REVENUE_FALL < found[0] <= REVENUE_FALL_STEEP:
        yield found[1]


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
# counted as a suit against it — in arbitration courts most of them are for unpaid debts.

from collections import Counter  # noqa: E402

SUIT_KINDS = frozenset({"civil", "unspecified"})
BANKRUPTCY_KINDS = frozenset({"bankruptcy"})  # the respondent of a bankruptcy case is the debtor
SUIT_POINTS_RECENT = 3  # per suit filed in the last 12 months
SUIT_POINTS_OLDER = 1  # per suit filed 12–24 months ago
SUIT_POINTS_CAP = 30
SUITS_MIN = 2  # one suit in two years is ordinary business


def _cases(evidence: CheckEvidence, kinds: frozenset[str], role: str) -> list[Observation]:
    return sorted((c for c in evidence.of("court_case") if c.data["case_kind"] in kinds and c.data["role"] == role),
                  key=lambda c: c.data["filed_on"], reverse=True)


def _search_coverage(evidence: CheckEvidence) -> str:
    """What share of the court search was read, when not all of it (the counts are then a lower bound)."""
    partial = [s for s in evidence.of("court_search") if not s.data.get("complete", True)]
    return "".join(f"; at least: read {s.data['pages_read']} of {s.data['pages']} pages (newest first), "
                   f"{s.data['total']} cases in all" for s in partial)


@rule("court_defendant_suits", "courts", "medium", SUIT_POINTS_RECENT,
      f"Suits against the company as defendant in arbitration courts (mostly debt collection): "
      f"{SUIT_POINTS_RECENT} points per suit filed in the last 12 months, {SUIT_POINTS_OLDER} per suit "
      f"12–24 months ago, from {SUITS_MIN} suits on, at most {SUIT_POINTS_CAP}.")
def court_defendant_suits(evidence: CheckEvidence) -> Iterable[Hit]:
    suits = [c for c in _cases(evidence, SUIT_KINDS, "defendant") if _since(evidence, c.data["filed_on"], 730)]
    recent = [c for c in suits if _since(evidence, c.data["filed_on"], 365)]
    if len(suits) < SUITS_MIN:
        return
    plaintiffs = Counter(p["name"] for c in suits for p in c.data.get("plaintiffs", []))
    top = ", ".join(f"{name} ({n})" for name, n in plaintiffs.most_common(3))
    latest = suits[0]
    yield Hit(f"{len(suits)} suit(s) as defendant in 24 months, {len(recent)} in the last 12; latest "
              f"{latest.data['case_number']} of {latest.data['filed_on']}; plaintiffs: {top}"
              f"{_search_coverage(evidence)}", tuple(suits),
              points=min(SUIT_POINTS_CAP, SUIT_POINTS_RECENT * len(recent)
                         + SUIT_POINTS_OLDER * (len(suits) - len(recent))))


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


# --- debts against the deal (`check --amount`): CheckEvidence.outstanding_debts() sums them ---------

from clientvet.checks.evidence import Activity, money  # noqa: E402


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

from clientvet import config  # noqa: E402
from clientvet.checks.tuning import Tuning  # noqa: E402

RULES_WITH_LISTS = ("high_risk_industry",)  # the rules that read [rules.keywords] / [rules.codes]


def tuning_from_config() -> Tuning:
    """The `[rules]` table of the user's config, checked against the rules; raises ConfigError."""
    return Tuning.from_table(config.setting("rules", {}), RULES, RULES_WITH_LISTS)
