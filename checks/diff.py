"""What changed between two checks of one company: facts new, gone and changed, the light and the score.

Facts are matched by kind and key (a case number, a notice's id, an officer), which do not
depend on the identifier a check was made by. A fact missing from the later check is "gone"
only when its source answered then (ok or empty); when the source failed or was skipped, the
fact could not be re-checked and the source is listed as such — never as "no change".

A change is a risk when the later verdict rests on it for a risk factor that did not rest on it
before (a suit that tips the suits rule, a liquidation notice that is a deal-killer), or when it
is of a kind that speaks against the company on its own (a new suit as defendant, a new open
enforcement proceeding, a bankruptcy, insolvency or liquidation notice, a worse status, a new
negative review, a revenue fall in a new statement). Something got worse when there is a new
deal-killer, the light is worse, or a change is a risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from clientvet.checks.evidence import CheckEvidence, money
from clientvet.checks.rules.finances import REVENUE_FALL
from clientvet.checks.run import Sources
from clientvet.checks.tuning import Tuning
from clientvet.checks.verdict import Verdict, evaluate
from clientvet.evidence.store import CheckRecord, Observation, Store

LIGHTS = ("green", "amber", "red")  # better to worse
ANSWERED = frozenset({"ok", "empty"})
# Fields that describe the answer a fact came in, not the fact: they change without the fact changing.
ANSWER_FIELDS = {"notice": frozenset({"total_found"})}
NEGATIVE_RATING = 2  # a review of at most this many stars (of 5) speaks against the company
# Notice categories that say nothing against the company (its own filed statements, anything unread).
HARMLESS_NOTICES = frozenset({"financial_statements", "other"})
ACTIVE_STATUSES = frozenset({"active"})
KIND_NAMES = {
    "registry_record": "registry record", "officer": "officer", "status_record": "status",
    "bankruptcy_case": "bankruptcy case", "notice": "notice", "charge": "charge",
    "insolvency_case": "insolvency case", "financial_statement": "financial statement",
    "tax_risk_flags": "tax risk marks", "tax_card": "tax card", "disqualification": "disqualification",
    "warning_list_entry": "Bank of Russia warning list", "court_case": "court case", "court_search": "court search",
    "court_card": "case card", "enforcement_proceeding": "enforcement proceeding",
    "officer_appointments": "officer's appointments", "psc": "person with significant control",
    "psc_register": "PSC register", "filing": "filing", "bankruptcy_report": "8-K bankruptcy report",
    "annual_financials": "annual figures", "federal_case": "federal case", "federal_case_search": "federal case search",
    "review": "review", "review_page": "review page",
}


# --- what one fact is, in words -------------------------------------------------------------------


def _court_case(d: dict) -> str:
    against = ", ".join(p.get("name", "") for p in d.get("plaintiffs") or []) if d.get("role") == "defendant" else ""
    role = {"defendant": "as defendant", "plaintiff": "as plaintiff"}.get(d.get("role"), f"as {d.get('role')}")
    return (f"{d.get('case_kind')} case {d.get('case_number')} {role}, filed {d.get('filed_on')} at {d.get('court')}"
            + (f", plaintiff(s) {against}" if against else ""))


def _enforcement(d: dict) -> str:
    amount = f", {money(d['total_rub'], 'RUB', 2)}" if d.get("total_rub") is not None else ""
    return (f"{'open' if d.get('open') else 'closed'} proceeding {d.get('number')} of {d.get('started_on')}: "
            f"{d.get('subject')}{amount}")


def _statement(d: dict) -> str:
    revenue = d.get("revenue_thousand_rub", d.get("gain_sum_thousand_rub"))
    return f"{d.get('year')}" + (f", revenue {money(revenue, 'thousand RUB')}" if revenue is not None else "")


DESCRIBE: dict[str, Callable[[dict], str]] = {
    "registry_record": lambda d: f"{d.get('name')}, status {d.get('status')}",
    "officer": lambda d: f"{d.get('role')} {d.get('name')}" + ("" if d.get("active", True) else " (resigned)"),
    "status_record": lambda d: f"{d.get('name')}: {d.get('status')}",
    "bankruptcy_case": lambda d: f"case {d.get('case_number')}: {d.get('stage_description') or d.get('stage')}"
                                 + (f" since {d['stage_since']}" if d.get("stage_since") else ""),
    "notice": lambda d: f"«{d.get('type')}» of {d.get('published')}" + (f" by {d['publisher']}" if d.get("publisher")
                                                                           else ""),
    "court_case": _court_case,
    "enforcement_proceeding": _enforcement,
    "financial_statement": _statement,
    "review": lambda d: f"{d.get('site')} {d.get('rating'):g}★ of {d.get('published')}"
                        + (f": «{d['text'][:80]}»" if d.get("text") else ""),
    "tax_card": lambda d: "tax debt" + (f" {money(d['arrears_rub'], 'RUB', 2)}" if d.get("arrears_rub") else "")
                          if d.get("tax_debt") else "no tax debt",
    "disqualification": lambda d: f"{d.get('person')} at {d.get('organisation')}, {d.get('starts')} to {d.get('ends')}",
    "warning_list_entry": lambda d: f"{d.get('name')} listed {d.get('listed_on')}",
    "federal_case": lambda d: f"{d.get('court_id')} {d.get('docket_number')} «{d.get('case_name')}» as {d.get('role')}",
    "charge": lambda d: f"charge created {d.get('created_on')}, {d.get('status')}",
    "insolvency_case": lambda d: f"{d.get('type')}",
}


def describe(kind: str, key: str, data: dict[str, Any]) -> str:
    try:
        return DESCRIBE[kind](data) if kind in DESCRIBE else key
    except (KeyError, TypeError, ValueError):  # a fact stored by an older parser: its key says which one
        return key


# --- one change -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A fact as one check saw it, and the answer it came from."""

    check_id: int
    data: dict[str, Any]
    url: str | None
    fetched_at: str | None
    sha256: str | None

    @classmethod
    def of(cls, check_id: int, observation: Observation) -> Seen:
        return cls(check_id, observation.data, observation.url, observation.fetched_at, observation.sha256)

    def as_dict(self) -> dict[str, Any]:
        return {"check_id": self.check_id, "data": self.data, "url": self.url, "fetched_at": self.fetched_at,
                "sha256": self.sha256}


@dataclass(frozen=True)
class Change:
    kind: str
    key: str
    change: str  # new | gone | changed
    source: str
    text: str  # what the fact is (now, or when last seen)
    was: Seen | None
    now: Seen | None
    fields: tuple[tuple[str, Any, Any], ...] = ()  # changed: (field, was, is)
    factors: tuple[str, ...] = ()  # risk factors of the later verdict that rest on it and did not before
    risk: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "change": self.change, "source": self.source,
                "text": self.text, "fields": [{"field": f, "was": w, "is": i} for f, w, i in self.fields],
                "factors": list(self.factors), "risk": self.risk,
                "was": self.was.as_dict() if self.was else None, "is": self.now.as_dict() if self.now else None}


@dataclass(frozen=True)
class Unchecked:
    """A source that did not answer in the later check: what it showed before could not be re-checked."""

    source: str
    status: str
    reason: str | None
    facts: int  # facts it had shown before, now neither confirmed nor gone

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "status": self.status, "reason": self.reason, "facts_unconfirmed": self.facts}


@dataclass(frozen=True)
class Side:
    check_id: int
    checked_at: str
    verdict: str | None
    score: int | None

    @classmethod
    def of(cls, check: CheckRecord) -> Side:
        return cls(check.id, check.finished_at or check.started_at, check.verdict, check.score)


@dataclass(frozen=True)
class CheckDiff:
    company_key: str
    before: Side
    after: Side
    changes: tuple[Change, ...]
    could_not_recheck: tuple[Unchecked, ...]
    new_deal_killers: tuple[str, ...]
    gone_deal_killers: tuple[str, ...]
    worse_reasons: tuple[str, ...] = field(default=())

    @property
    def worse(self) -> bool:
        return bool(self.worse_reasons)

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.new_deal_killers or self.gone_deal_killers
                    or (self.before.verdict, self.before.score) != (self.after.verdict, self.after.score))

    def as_dict(self) -> dict[str, Any]:
        return {"company": self.company_key, "worse": self.worse, "worse_because": list(self.worse_reasons),
                "changed": self.changed,
                "light": {"was": self.before.verdict, "is": self.after.verdict},
                "score": {"was": self.before.score, "is": self.after.score},
                "checks": {"was": {"check_id": self.before.check_id, "checked_at": self.before.checked_at},
                           "is": {"check_id": self.after.check_id, "checked_at": self.after.checked_at}},
                "new_deal_killers": list(self.new_deal_killers), "gone_deal_killers": list(self.gone_deal_killers),
                "changes": [c.as_dict() for c in self.changes],
                "could_not_recheck": [u.as_dict() for u in self.could_not_recheck]}


# --- the comparison -----------------------------------------------------------------------------------


def compare(store: Store, before_id: int, after_id: int, sources: Sources, tuning: Tuning | None = None,
            as_of: date | None = None) -> CheckDiff:
    """The diff from check `before_id` to check `after_id` of one company.

    Each check's verdict is taken as it was stored; the factors are judged again to see what each
    rests on, the earlier check as of its own day, the later as of `as_of` (default: its own day).
    """
    before, after = (_load(store, check_id, sources, tuning, day)
                     for check_id, day in ((before_id, None), (after_id, as_of)))
    seen_before = {(o.kind, o.key): o for o in before.observations}
    seen_after = {(o.kind, o.key): o for o in after.observations}
    runs = {run.source: run for run in after.coverage}
    cited_before, cited_after = _citations(evaluate(before)), _citations(evaluate(after))
    killers_before = {f.rule.code for f in evaluate(before).deal_killers}
    killers_after = {f.rule.code for f in evaluate(after).deal_killers}

    changes: list[Change] = []
    unconfirmed: dict[str, int] = {}
    for fact in sorted(seen_before.keys() | seen_after.keys()):
        was, now = seen_before.get(fact), seen_after.get(fact)
        kind, key = fact
        if was and not now:
            run = runs.get(was.source)
            if run is None or run.status not in ANSWERED:
                unconfirmed[was.source] = unconfirmed.get(was.source, 0) + 1
                continue
            changes.append(Change(kind, key, "gone", was.source, describe(kind, key, was.data),
                                  Seen.of(before_id, was), None))
            continue
        assert now is not None
        fields = _changed_fields(kind, was.data, now.data) if was else ()
        if was and not fields:
            continue
        factors = tuple(sorted(code for code, k in cited_after - cited_before if k == fact))
        risk = bool(factors) or _risky(kind, was.data if was else None, now.data, after)
        text = describe(kind, key, now.data)
        if kind == "financial_statement" and (fall := _revenue_fall(now.data, after)) is not None:
            text += f" ({-fall:+.0%} on {now.data['year'] - 1})"
        changes.append(Change(kind, key, "changed" if was else "new", now.source, text,
                              Seen.of(before_id, was) if was else None, Seen.of(after_id, now), fields, factors, risk))
    could_not = tuple(Unchecked(run.source, run.status, run.reason, unconfirmed.get(run.source, 0))
                      for run in after.coverage if run.status not in ANSWERED)
    before_side, after_side = Side.of(before.check), Side.of(after.check)
    new_killers = tuple(sorted(killers_after - killers_before))
    reasons = []
    if new_killers:
        reasons.append(f"new deal-killer(s): {', '.join(new_killers)}")
    if _light(after_side.verdict) > _light(before_side.verdict):
        reasons.append(f"light {before_side.verdict} → {after_side.verdict}")
    risks = [c for c in changes if c.risk]
    if risks:
        reasons.append(f"{len(risks)} new or changed fact(s) against the company")
    return CheckDiff(after.check.company_key, before_side, after_side, tuple(changes), could_not, new_killers,
                     tuple(sorted(killers_before - killers_after)), tuple(reasons))


def _load(store: Store, check_id: int, sources: Sources, tuning: Tuning | None, as_of: date | None) -> CheckEvidence:
    check = store.check(check_id)
    day = as_of or date.fromisoformat((check.finished_at or check.started_at)[:10])
    return CheckEvidence.load(store, check_id, sources.essential, day, tuning, sources.reviews)


def _light(verdict: str | None) -> int:
    return LIGHTS.index(verdict) if verdict in LIGHTS else -1


def _citations(verdict: Verdict) -> set[tuple[str, tuple[str, str]]]:
    """(rule code, (kind, key)) of every fact a risk factor of the verdict rests on."""
    return {(f.rule.code, (o.kind, o.key)) for f in verdict.factors if f.points > 0 or f.rule.deal_killer
            for o in f.evidence}


def _changed_fields(kind: str, was: dict[str, Any], now: dict[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    ignored = ANSWER_FIELDS.get(kind, frozenset())
    return tuple((name, was.get(name), now.get(name)) for name in sorted(was.keys() | now.keys())
                 if name not in ignored and was.get(name) != now.get(name))


def _risky(kind: str, was: dict[str, Any] | None, now: dict[str, Any], after: CheckEvidence) -> bool:
    """Whether the new or changed fact speaks against the company on its own."""
    new = was is None
    if kind in ("court_case", "federal_case"):
        return new and now.get("role") == "defendant"
    if kind == "enforcement_proceeding":
        return bool(now.get("open")) and (new or not was.get("open")
                                          or (now.get("total_rub") or 0) > (was.get("total_rub") or 0))
    if kind == "bankruptcy_case":
        return bool(now.get("active")) and (new or was.get("stage") != now.get("stage"))
    if kind in ("insolvency_case", "bankruptcy_report", "disqualification", "warning_list_entry"):
        return new
    if kind == "charge":
        return new and now.get("status") == "outstanding"
    if kind == "notice":
        return new and now.get("category") not in HARMLESS_NOTICES and not now.get("annulled")
    if kind == "registry_record":
        return now.get("status") not in ACTIVE_STATUSES and (new or now.get("status") != was.get("status"))
    if kind == "status_record":
        return not new and was.get("active") is not False and now.get("active") is False
    if kind == "tax_card":
        return bool(now.get("tax_debt")) and (new or not was.get("tax_debt")
                                              or (now.get("arrears_rub") or 0) > (was.get("arrears_rub") or 0))
    if kind == "tax_risk_flags":
        return any(value is True and (new or was.get(name) is not True) for name, value in now.items())
    if kind == "review":
        return new and now.get("rating") is not None and now["rating"] <= NEGATIVE_RATING
    if kind == "financial_statement":
        fall = _revenue_fall(now, after)
        return new and fall is not None and fall > REVENUE_FALL
    return False


def _revenue(data: dict[str, Any] | None) -> float | None:
    return data.get("revenue_thousand_rub", data.get("gain_sum_thousand_rub")) if data else None


def _revenue_fall(statement: dict[str, Any], after: CheckEvidence) -> float | None:
    """The share by which the statement's revenue is under the year before's (as the same check read it)."""
    previous = next((o.data for o in after.of("financial_statement") if o.data.get("year") == statement["year"] - 1),
                    None)
    latest, before = _revenue(statement), _revenue(previous)
    return 1 - latest / before if latest is not None and before and before > 0 else None
