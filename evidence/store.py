"""The SQLite evidence store.

Every write is its own transaction, so a run killed at any point leaves the
database consistent: earlier facts keep their history, and the unfinished
check stays visible as ``interrupted`` instead of passing for a complete one.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from sqlite_utils import Database

from clientvet.evidence.migrations import migrations
from clientvet.evidence.identifiers import Identity


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fact_id(company_key: str, kind: str, key: str) -> str:
    """One id per fact across checks, so a re-check extends its history."""
    return hashlib.sha1(f"{company_key}\x1f{kind}\x1f{key}".encode()).hexdigest()


@dataclass
class Observation:
    """A fact as one check saw it, with the response it came from."""

    fact_id: str
    kind: str
    key: str
    source: str
    data: dict[str, Any]
    first_seen: str
    last_seen: str
    response_id: int | None
    url: str | None = None
    fetched_at: str | None = None
    sha256: str | None = None


@dataclass
class SourceRun:
    source: str
    status: str
    reason: str | None
    started_at: str | None
    finished_at: str | None
    requests: int
    facts: int
    unread_fields: dict[str, int] = field(default_factory=dict)  # field the parser never read → records with it


@dataclass
class CheckRecord:
    id: int
    company_key: str
    jurisdiction: str
    scheme: str
    identifier: str
    started_at: str
    finished_at: str | None
    status: str
    replay: str | None
    verdict: str | None = None
    score: int | None = None
    terms: dict[str, Any] = field(default_factory=dict)  # purpose, amount, currency, contact, …
    sources: list[SourceRun] = field(default_factory=list)


class Store:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.path)
        self.db.execute("PRAGMA busy_timeout = 10000")
        self.db.enable_wal()
        self.db.execute("PRAGMA foreign_keys = ON")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    # --- checks -----------------------------------------------------------

    def start_check(self, identity: Identity, replay: str | None = None,
                    terms: dict[str, Any] | None = None) -> int:
        self.mark_interrupted()
        with self.db.atomic():
            table = self.db["checks"].insert(
                {
                    "company_key": identity.key,
                    "jurisdiction": identity.jurisdiction,
                    "scheme": identity.scheme,
                    "identifier": identity.value,
                    "started_at": utc_now(),
                    "status": "running",
                    "pid": os.getpid(),
                    "replay": replay,
                    "terms": json.dumps(terms or {}, ensure_ascii=False),
                }
            )
        return table.last_pk

    def finish_check(self, check_id: int, verdict: str, score: int) -> None:
        with self.db.atomic():
            self.db["checks"].update(
                check_id,
                {"status": "complete", "finished_at": utc_now(), "verdict": verdict, "score": score},
            )

    def mark_interrupted(self) -> None:
        """Checks left 'running' by a process that no longer exists were killed."""
        for row in self.db.query("select id, pid from checks where status = 'running'"):
            if row["pid"] != os.getpid() and not _process_alive(row["pid"]):
                with self.db.atomic():
                    self.db["checks"].update(row["id"], {"status": "interrupted"})
                    self.db.execute(
                        "update source_runs set status = 'failed', reason = 'interrupted: the run was killed'"
                        " where check_id = ? and status = 'running'",
                        [row["id"]],
                    )

    def discard_check(self, check_id: int) -> None:
        """Undo a check that found no such company, so bad input changes nothing."""
        with self.db.atomic():
            observed = [r["fact_id"] for r in self.db.query(
                "select fact_id from observations where check_id = ?", [check_id])]
            self.db.execute("delete from observations where check_id = ?", [check_id])
            for fid in observed:
                self.db.execute(
                    "delete from facts where id = ? and not exists (select 1 from observations where fact_id = ?)",
                    [fid, fid],
                )
            self.db.execute("delete from responses where check_id = ?", [check_id])
            self.db.execute(
                "delete from blobs where sha256 not in (select sha256 from responses where sha256 is not null)"
            )
            self.db.execute("delete from source_runs where check_id = ?", [check_id])
            self.db.execute("delete from checks where id = ?", [check_id])

    def check(self, check_id: int) -> CheckRecord:
        row = self.db["checks"].get(check_id)
        fields = {k: row[k] for k in CheckRecord.__dataclass_fields__ if k in row and k not in ("sources", "terms")}
        return CheckRecord(**fields, terms=json.loads(row["terms"] or "{}"), sources=self.source_runs(check_id))

    def complete_checks(self, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        """The finished checks of a company stored under any of its keys, oldest first, without their sources."""
        return list(self.db.query(
            f"select id, company_key, started_at, finished_at, verdict, score, replay from checks"
            f" where status = 'complete' and company_key in ({_marks(keys)}) order by id", keys))

    def save_document(self, check_id: int, document: dict[str, Any], version: str) -> None:
        """The check's verdict document as it was given, so a report weeks later shows that verdict."""
        with self.db.atomic():
            self.db["check_documents"].upsert(
                {"check_id": check_id, "document": json.dumps(document, ensure_ascii=False),
                 "saved_at": utc_now(), "version": version}, pk="check_id")

    def document(self, check_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("select document from check_documents where check_id = ?", [check_id]))
        return json.loads(rows[0]["document"]) if rows else None

    def latest_check(self, company_key: str) -> CheckRecord | None:
        rows = list(self.db.query(
            "select id from checks where company_key = ? and status = 'complete' order by id desc limit 1",
            [company_key]))
        return self.check(rows[0]["id"]) if rows else None

    # --- sources ----------------------------------------------------------

    def source_started(self, check_id: int, source: str) -> None:
        with self.db.atomic():
            self.db["source_runs"].upsert(
                {"check_id": check_id, "source": source, "status": "running", "started_at": utc_now(),
                 "requests": 0, "facts": 0},
                pk=("check_id", "source"),
            )

    def source_finished(self, check_id: int, source: str, status: str, reason: str | None,
                        requests: int, facts: int, unread_fields: dict[str, int] | None = None) -> None:
        with self.db.atomic():
            self.db["source_runs"].update(
                (check_id, source),
                {"status": status, "reason": reason, "finished_at": utc_now(),
                 "requests": requests, "facts": facts,
                 "unread_fields": json.dumps(unread_fields or {}, ensure_ascii=False, sort_keys=True)},
            )

    def source_runs(self, check_id: int) -> list[SourceRun]:
        return [
            SourceRun(r["source"], r["status"], r["reason"], r["started_at"], r["finished_at"],
                      r["requests"] or 0, r["facts"] or 0, json.loads(r["unread_fields"] or "{}"))
            for r in self.db.query(
                "select * from source_runs where check_id = ? order by source", [check_id])
        ]

    # --- raw responses ----------------------------------------------------

    def archive_response(self, *, check_id: int | None, source: str, method: str, url: str,
                         request_body: str | None, status: int, content_type: str | None,
                         body: bytes, replayed: bool) -> int:
        digest = hashlib.sha256(body).hexdigest()
        with self.db.atomic():
            self.db["blobs"].insert(
                {"sha256": digest, "size": len(body), "body": zlib.compress(body)}, ignore=True)
            table = self.db["responses"].insert({
                "check_id": check_id, "source": source, "method": method, "url": url,
                "request_body": request_body, "status": status, "content_type": content_type,
                "fetched_at": utc_now(), "sha256": digest, "replayed": int(replayed),
            })
        return table.last_pk

    def response_body(self, response_id: int) -> bytes:
        row = next(self.db.query(
            "select b.body from responses r join blobs b on b.sha256 = r.sha256 where r.id = ?",
            [response_id]))
        return zlib.decompress(row["body"])

    def attach_responses(self, check_id: int, response_ids: Sequence[int]) -> None:
        """Search answers archived before the check existed become part of its evidence."""
        with self.db.atomic():
            self.db.execute(f"update responses set check_id = ? where check_id is null and id in"
                            f" ({_marks(tuple(response_ids))})", [check_id, *response_ids])

    def discard_responses(self, response_ids: Sequence[int]) -> None:
        """Drop the answers of a search that led to no check, so it leaves nothing behind."""
        with self.db.atomic():
            self.db.execute(f"delete from responses where check_id is null and id in ({_marks(tuple(response_ids))})",
                            list(response_ids))
            self.db.execute(
                "delete from blobs where sha256 not in (select sha256 from responses where sha256 is not null)")

    # --- facts ------------------------------------------------------------

    def record_fact(self, *, check_id: int, company_key: str, source: str, kind: str, key: str,
                    data: dict[str, Any], response_id: int | None) -> str:
        """Upsert a fact, keeping its first sighting, and note that this check saw it."""
        fid = fact_id(company_key, kind, key)
        now = utc_now()
        encoded = json.dumps(data, ensure_ascii=False, sort_keys=True)
        with self.db.atomic():
            self.db["facts"].insert(
                {"id": fid, "company_key": company_key, "kind": kind, "key": key, "source": source,
                 "data": encoded, "first_seen": now, "first_check_id": check_id,
                 "last_seen": now, "last_check_id": check_id},
                ignore=True,
            )
            self.db["facts"].update(
                fid, {"data": encoded, "last_seen": now, "last_check_id": check_id, "source": source})
            self.db["observations"].upsert(
                {"fact_id": fid, "check_id": check_id, "response_id": response_id, "seen_at": now,
                 "data": encoded},
                pk=("fact_id", "check_id"),
            )
        return fid

    def observations(self, check_id: int) -> list[Observation]:
        sql = """
            select f.id, f.kind, f.key, f.source, o.data, f.first_seen, f.last_seen, o.response_id,
                   r.url, r.fetched_at, r.sha256
            from observations o join facts f on f.id = o.fact_id
            left join responses r on r.id = o.response_id
            where o.check_id = ? order by f.kind, f.key
        """
        return [
            Observation(r["id"], r["kind"], r["key"], r["source"], json.loads(r["data"]),
                        r["first_seen"], r["last_seen"], r["response_id"], r["url"],
                        r["fetched_at"], r["sha256"])
            for r in self.db.query(sql, [check_id])
        ]

    def fact_history(self, company_key: str) -> Iterator[dict[str, Any]]:
        yield from self.db.query(
            "select kind, key, source, first_seen, last_seen, first_check_id, last_check_id"
            " from facts where company_key = ? order by kind, key", [company_key])

    # --- conversation signals and account history (keys: every key of one company) ---

    def add_signal(self, keys: tuple[str, ...], code: str, note: str | None, entered_by: str) -> bool:
        """Record a signal under the first key; False when it is already active (the first entry stands)."""
        with self.db.atomic():
            if self.signals(keys, code=code):
                return False
            self.db["signals"].insert({"company_key": keys[0], "code": code, "note": note or None,
                                       "entered_by": entered_by, "entered_at": utc_now()})
        return True

    def remove_signal(self, keys: tuple[str, ...], code: str, removed_by: str) -> int:
        """Mark the active signal removed; the row stays, so the history shows who entered and removed it."""
        with self.db.atomic():
            cursor = self.db.execute(
                f"update signals set removed_at = ?, removed_by = ? where removed_at is null and code = ?"
                f" and company_key in ({_marks(keys)})", [utc_now(), removed_by, code, *keys])
        return cursor.rowcount

    def signals(self, keys: tuple[str, ...], code: str | None = None,
                include_removed: bool = False) -> list[dict[str, Any]]:
        sql = f"select * from signals where company_key in ({_marks(keys)})"
        sql += "" if include_removed else " and removed_at is null"
        sql += "" if code is None else " and code = ?"
        return list(self.db.query(sql + " order by entered_at, id", [*keys, *([code] if code else [])]))

    def import_history(self, invoices: Sequence[dict[str, Any]] = (),
                       events: Sequence[dict[str, Any]] = ()) -> dict[str, int]:
        """All rows in one transaction; rows already stored are updated, not duplicated. Returns new counts."""
        with self.db.atomic():
            before = self.db["invoices"].count, self.db["account_events"].count
            self.db["invoices"].upsert_all(invoices, pk=("company_key", "invoice_id"))
            self.db["account_events"].insert_all(events, ignore=True)
            return {"invoices": self.db["invoices"].count - before[0],
                    "events": self.db["account_events"].count - before[1]}

    def invoices(self, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        return list(self.db.query(
            f"select * from invoices where company_key in ({_marks(keys)}) order by issued, invoice_id", keys))

    def account_events(self, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        return list(self.db.query(
            f"select * from account_events where company_key in ({_marks(keys)}) order by date, kind", keys))


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
