"""The watch list: active clients re-checked on a schedule, each for its own deal.

A watched company is due when its last finished check (under any of its identifiers) is at
least its interval old, or when it has none. `watch import` reads the same file format as
`check --from`, with the columns of the schedule: a bad row is reported and the good ones kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from clientvet.checks.batch import TERM_COLUMNS, CompanyFile, deal_columns, read_company_file
from clientvet.evidence.companies import CompanyRef
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.store import Store

DEFAULT_EVERY = "7d"
UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}
MIN_EVERY = 3600  # an hour: a source's politeness makes a re-check of a portfolio take that long anyway


def parse_every(text: str) -> int:
    """'7d', '2w', '12h' → seconds; ValueError for anything else."""
    found = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", text or "", re.IGNORECASE)
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
        ref = resolve(_typed(identity))
        checks = store.complete_checks_of(ref.aliases)
        name = ref.label if ref.label not in (identity.value, f"{identity.scheme.upper()} {identity.value}") else None
        found.append(Watched(identity, row["every_seconds"], row["terms"], row["note"], row["added_at"],
                             name, ref.aliases, checks[-1] if checks else None))
    return found


def _typed(identity: Identity) -> str:
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
