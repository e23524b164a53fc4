"""A finished check as every report reads it: from the database alone, however long ago it was made.

The verdict is the document `check --json` printed, stored with the check when it finished
(`record`), so a report weeks later shows the verdict that was given, not one re-judged under
today's rules, config, date and signals. A check finished before documents were stored is
re-judged from its stored evidence as of its own day, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.history import AccountHistory
from clientvet.checks.run import CheckResult, Sources
from clientvet.checks.signals import StoredSignal
from clientvet.checks.tuning import Tuning
from clientvet.checks.verdict import evaluate
from clientvet.evidence import errors
from clientvet.evidence.companies import CompanyRef
from clientvet.evidence.store import Store, utc_now
from clientvet.reports.document import report


def tool_version() -> str:
    try:
        return version("clientvet")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def record(result: CheckResult, store: Store) -> dict[str, Any]:
    """The finished check's document, stored with it for the reports to come; what `check --json` prints."""
    document = report(result.evidence, result.verdict)
    store.save_document(result.check_id, document, tool_version())
    return document


class NoReport(errors.ClientvetError):
    """There is no finished check to report on: never checked, or not this company's, or not finished."""

    exit_code = errors.NOT_FOUND


@dataclass(frozen=True)
class PastCheck:
    check_id: int
    checked_at: str
    verdict: str
    score: int

    def as_dict(self) -> dict[str, Any]:
        return {"check_id": self.check_id, "checked_at": self.checked_at, "verdict": self.verdict,
                "score": self.score}


@dataclass(frozen=True)
class StoredCheck:
    """One finished check and what its report shows beside the verdict."""

    document: dict[str, Any]  # the verdict as `check --json` gave it
    evidence: CheckEvidence  # the check, its facts, and the signals and account history as of the check
    history: tuple[PastCheck, ...]  # the company's earlier finished checks, oldest first
    rebuilt: bool  # no document was stored with the check: re-judged from its evidence (see `load`)
    generated_at: str
    version: str

    @property
    def check_id(self) -> int:
        return self.evidence.check.id

    def as_json(self) -> dict[str, Any]:
        """The document `check --json` printed, plus the history of the earlier checks."""
        return {**self.document, "history": [past.as_dict() for past in self.history]}


def find(store: Store, company: CompanyRef, check_id: int | None, sources_for: Callable[[str], Sources],
         tuning: Callable[[], Tuning] = Tuning) -> StoredCheck:
    """Check `check_id` of the company, or its latest finished check: what `report` (and a bundle) shows.

    Raises NoReport when the company has no such finished check.
    """
    if check_id is None:
        checks = store.complete_checks(company.aliases)
        if not checks:
            raise NoReport(f"{company.label} has no finished check in this database; "
                           "run `clientvet check` on it first")
        check_id = checks[-1]["id"]
    return load(store, check_id, company.aliases, company.label, sources_for, tuning)


def load(store: Store, check_id: int, keys: tuple[str, ...], label: str,
         sources_for: Callable[[str], Sources], tuning: Callable[[], Tuning] = Tuning) -> StoredCheck:
    """Check `check_id` of the company stored under `keys`, as its report shows it.

    Only a check without a stored document calls `sources_for` (the essential and review
    sources of its jurisdiction) and `tuning` (the user's [rules] table), to be judged again.
    """
    row = store.db["checks"].get(check_id) if _exists(store, check_id) else None
    if row is None or row["company_key"] not in keys:
        raise NoReport(f"no check #{check_id} of {label} in this database")
    if row["status"] != "complete":
        raise NoReport(f"check #{check_id} of {label} did not finish ({row['status']}): it has no verdict")
    check = store.check(check_id)
    ended = check.finished_at or check.started_at
    document = store.document(check_id)
    rebuilt = document is None
    as_of = date.fromisoformat(document["as_of"]) if document else date.fromisoformat(ended[:10])
    if rebuilt:
        sources = sources_for(check.jurisdiction)
        evidence = CheckEvidence.load(store, check_id, sources.essential, as_of, tuning(), sources.reviews)
    else:
        essential = frozenset(run["source"] for run in document["coverage"] if run.get("essential"))
        evidence = CheckEvidence(check, store.observations(check_id), essential, as_of)
    keys = evidence.company_keys()
    evidence = replace(evidence, signals=_signals_at(store, keys, ended),
                       account=_account_at(store, keys, as_of))
    if rebuilt:
        document = report(evidence, evaluate(evidence))
    history = tuple(PastCheck(past["id"], past["finished_at"] or past["started_at"], past["verdict"], past["score"])
                    for past in store.complete_checks(tuple(dict.fromkeys((*keys, check.company_key))))
                    if past["id"] < check_id)
    return StoredCheck(document, evidence, history, rebuilt, utc_now(), tool_version())


def _exists(store: Store, check_id: int) -> bool:
    return bool(list(store.db.query("select 1 from checks where id = ?", [check_id])))


def _signals_at(store: Store, keys: tuple[str, ...], moment: str) -> list[StoredSignal]:
    """The signals that were active when the check ended: entered before, not withdrawn by then."""
    return [StoredSignal.from_row(row) for row in store.signals(keys, include_removed=True)
            if row["entered_at"] <= moment and (row["removed_at"] is None or row["removed_at"] > moment)]


def _account_at(store: Store, keys: tuple[str, ...], as_of: date) -> AccountHistory:
    """Invoices issued and events dated up to the check's day."""
    day = as_of.isoformat()
    return AccountHistory.from_rows([row for row in store.invoices(keys) if row["issued"] <= day],
                                    [row for row in store.account_events(keys) if row["date"] <= day])
