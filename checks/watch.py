"""The watch list: active clients re-checked on a schedule, each for its own deal.

A watched company is due when its last finished check (under any of its identifiers) is at
least its interval old, or when it has none. `watch import` reads the same file format as
`check --from`, with the columns of the schedule: a bad row is reported and the good ones kept.

`recheck` checks watched companies as one batch (run_checks) and compares each new check with
the company's previous finished one (checks/diff.py); a company's first check is its baseline.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from clientvet.checks.batch import TERM_COLUMNS, CompanyFile, deal_columns, read_company_file
from clientvet.checks.diff import CheckDiff, compare
from clientvet.checks.run import BatchProgress, Company, Engine, Outcome, run_checks
from clientvet.checks.tuning import Tuning
from clientvet.evidence import errors
from clientvet.evidence.companies import CompanyRef
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.store import Store

DEFAULT_EVERY = "7d"
UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}
MIN_EVERY = 3600  # an hour: a source's politeness makes a re-check of a portfolio take that long anyway


def parse_every(text: str) -> int:
    """'7d', '2w', '12h' → seconds; ValueError for anything else."""
    found = re.fullmatch(r"\s*([0-9]+)\s*([hdw])\s*", text or "", re.IGNORECASE)
    if not found:
        raise ValueError(f"{text!r} is not an interval like 7d, 2w or 12h")
    seconds = int(found[1]) * UNITS[found[2].lower()]
    if seconds < MIN_EVERY:
        raise ValueError(f"{text!r} is shorter than an hour")
    return seconds


def every_text(seconds: int) -> str:
    """Seconds as days where they are whole days, else hours: 604800 → '7d', 43200 → '12h'."""
    return f"{seconds // UNITS['d']}d" if seconds % UNITS["d"] == 0 else f"{seconds // UNITS['h']}h"


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@dataclass(frozen=True)
class Watched:
    """A company on the watch list, with its last finished check."""

    identity: Identity
    every_seconds: int
    terms: dict[str, Any]
    note: str | None
    added_at: str
    name: str | None  # the registry's, when a check found it
    aliases: tuple[str, ...]  # every key its checks may be stored under
    last_check: dict[str, Any] | None  # id, started_at, finished_at, verdict, score

    @property
    def key(self) -> str:
        return self.identity.key

    def next_due(self) -> datetime | None:
        """When it is next due; None: now (never checked)."""
        if self.last_check is None:
            return None
        return _moment(self.last_check["started_at"]) + timedelta(seconds=self.every_seconds)

    def due(self, now: datetime) -> bool:
        due = self.next_due()
        return due is None or due <= now

    def as_dict(self, now: datetime) -> dict[str, Any]:
        due = self.next_due()
        return {"company": self.key, "name": self.name, "jurisdiction": self.identity.jurisdiction,
                "identifiers": {self.identity.scheme: self.identity.value},
                "every": every_text(self.every_seconds), "terms": self.terms, "note": self.note,
                "added_at": self.added_at, "last_check": self.last_check,
                "next_due": due.isoformat(timespec="seconds") if due else None, "due": self.due(now)}


def watch_list(store: Store, resolve: Callable[[str], CompanyRef]) -> list[Watched]:
    """Every watched company with its last finished check; `resolve` names a key's company (Directory.resolve)."""
    found = []
    for row in store.watched():
        identity = Identity(row["jurisdiction"], row["scheme"], row["identifier"])
        ref = resolve(typed(identity))
        checks = store.complete_checks(ref.aliases)
        name = ref.label if ref.label not in (identity.value, f"{identity.scheme.upper()} {identity.value}") else None
        found.append(Watched(identity, row["every_seconds"], row["terms"], row["note"], row["added_at"],
                             name, ref.aliases, checks[-1] if checks else None))
    return found


def typed(identity: Identity) -> str:
    """The identifier as a person types it, so the directory reads it as the same scheme."""
    return f"CIK{identity.value}" if identity.scheme == "cik" else identity.value


def now() -> datetime:
    return datetime.now(timezone.utc)


# --- watch import ------------------------------------------------------------------------------

SCHEDULE_COLUMNS: Mapping[str, Callable[[str], Any]] = {**TERM_COLUMNS, "every": parse_every, "note": str}


def read_watch_file(path: Path, every_seconds: int) -> CompanyFile:
    """The rows of a watch list file: identifier, every, purpose, amount, currency, contact, note.

    Each kept row's values are {"every_seconds", "terms", "note"}; a row without `every` is
    watched every `every_seconds`. Raises BadFile when nothing in it can be used.
    """
    terms_of = deal_columns()

    def schedule(values: dict[str, Any]) -> dict[str, Any]:
        return {"every_seconds": values.get("every", every_seconds), "terms": terms_of(values),
                "note": values.get("note")}
    return read_company_file(path, SCHEDULE_COLUMNS, schedule)


# --- re-checks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recheck:
    """One watched company re-checked: the outcome of its check and what changed since the previous one."""

    watched: Watched
    outcome: Outcome
    diff: CheckDiff | None = None  # None: the first check (the baseline), or no verdict
    problem: str | None = None  # why there is no verdict, or why the checks could not be compared

    @property
    def previous_check_id(self) -> int | None:
        return self.watched.last_check["id"] if self.watched.last_check else None

    @property
    def baseline(self) -> bool:
        return self.problem is None and self.previous_check_id is None

    @property
    def worse(self) -> bool:
        return bool(self.diff and self.diff.worse)

    @property
    def changed(self) -> bool:
        return bool(self.diff and self.diff.changed)


def recheck(watched: Sequence[Watched], engine: Engine, *, db_path: Path, replay: Path | None = None,
            as_of: date | None = None, settings: Mapping[str, Any] | None = None, tuning: Tuning | None = None,
            progress: BatchProgress | None = None, on_recheck: Callable[[Recheck], None] | None = None
            ) -> list[Recheck]:
    """Check the watched companies in one batch, each for its own deal, and compare each with its previous check.

    `on_recheck` hears of each company as soon as it is compared. Raises what run_checks raises.
    """
    comparing = _Comparing(watched, engine, db_path, as_of, tuning, progress or BatchProgress(), on_recheck)
    run_checks([Company(w.identity, w.terms) for w in watched], engine, db_path=db_path, replay=replay, as_of=as_of,
               settings=settings, tuning=tuning, progress=comparing)
    return [comparing.done_by_index[index] for index in sorted(comparing.done_by_index)]


class _Comparing(BatchProgress):
    """The batch's progress, passed on; each company is compared as soon as it is judged."""

    def __init__(self, watched: Sequence[Watched], engine: Engine, db_path: Path, as_of: date | None,
                 tuning: Tuning | None, progress: BatchProgress, on_recheck: Callable[[Recheck], None] | None):
        self.watched, self.engine, self.db_path, self.as_of, self.tuning = watched, engine, db_path, as_of, tuning
        self.progress, self.on_recheck = progress, on_recheck
        self.done_by_index: dict[int, Recheck] = {}

    def checking(self, companies, source_runs):
        return self.progress.checking(companies, source_runs)

    def source_done(self, company, source, status, reason):
        self.progress.source_done(company, source, status, reason)

    def done(self, outcome: Outcome) -> None:
        self.progress.done(outcome)
        watched = self.watched[outcome.index]
        found = self.compared(watched, outcome)
        self.done_by_index[outcome.index] = found
        if self.on_recheck:
            self.on_recheck(found)

    def compared(self, watched: Watched, outcome: Outcome) -> Recheck:
        if outcome.result is None:
            return Recheck(watched, outcome, problem=str(outcome.error))
        if watched.last_check is None:
            return Recheck(watched, outcome)
        sources = self.engine.sources_for(watched.identity.jurisdiction)
        try:
            diff = compare(self.engine.open_store(self.db_path), watched.last_check["id"], outcome.result.check_id,
                           sources, self.tuning, self.as_of)
        except sqlite3.Error as exc:
            return Recheck(watched, outcome, problem=f"checked, but not compared with check "
                                                     f"#{watched.last_check['id']}: {exc}")
        return Recheck(watched, outcome, diff)


# --- one re-check at a time per database ---------------------------------------------------------------


class RecheckRunning(errors.ClientvetError):
    """Another re-check of the same database holds its lock."""


def lock_path(db_path: Path) -> Path:
    return db_path.resolve().with_name(db_path.name + ".recheck.lock")


@contextmanager
def recheck_lock(db_path: Path, *, wait: bool, waiting: Callable[[str], None] = lambda holder: None) -> Iterator[None]:
    """Held while a re-check chooses and checks its companies, so two runs (cron overlapping a slow run) never
    check the same companies twice. Without `wait`, raises RecheckRunning when another run holds it; with it,
    calls `waiting` with who holds it and waits. The lock file stays beside the database; the kernel lets go
    of the lock when its process ends, however it ends.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "a process that has not said which"
            if not wait:
                raise RecheckRunning(f"another re-check of {db_path} is running ({holder}); "
                                     "this one exits (give --wait to wait for it)") from None
            waiting(holder)
            fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        file.truncate()
        file.write(f"pid {os.getpid()}, started {now().isoformat(timespec='seconds')}\n")
        file.flush()
        try:
            yield
        finally:
            file.seek(0)
            file.truncate()
