"""The SQLite evidence store, shared by concurrent processes and safe against a killed one.

Several processes may write one database (a salesperson's check while a scheduled re-check
runs): it is in WAL mode, and every write is one transaction that takes the write lock up
front (BEGIN IMMEDIATE), waits for it and is retried for up to `lock_timeout()` seconds. A
write that still cannot be made raises `StoreError` and the store takes no further writes,
so a run that lost evidence fails instead of passing for a smaller check.

Every transaction is complete or absent, so a run killed at any point leaves the database
consistent: earlier facts keep their history, and the unfinished check stays visible as
``interrupted`` instead of passing for a complete one. `synchronous=NORMAL`: a killed
process loses nothing committed; a power cut or an OS crash may lose the last transactions
(never corrupt the file).

A crawl's store holds answers (`hold_answers=True`): an archived response and the facts read
from it are written together, in one transaction, once the answer is parsed (`answer_done`)
or its source closes (`flush`); every read and every other write first writes what is held.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import zlib
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from sqlite_utils import Database

from clientvet.evidence import errors
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.migrations import migrations

T = TypeVar("T")
Statement = tuple[str, Sequence[Any]]

DEFAULT_LOCK_TIMEOUT = 30.0  # seconds; writes of a check take milliseconds, an import of a large CSV a second
RESPONSE_ID_BLOCK = 64  # response ids a store takes at a time (see m005_response_id_blocks)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fact_id(company_key: str, kind: str, key: str) -> str:
    """One id per fact across checks, so a re-check extends its history."""
    return hashlib.sha1(f"{company_key}\x1f{kind}\x1f{key}".encode()).hexdigest()


class StoreError(errors.ClientvetError):
    """The evidence database cannot be opened or written: one line for the user, and the exit status."""


class NotOurDatabase(StoreError):
    """The file is not SQLite, or holds another application's tables: bad input, nothing was written."""

    exit_code = errors.BAD_INPUT


def lock_timeout() -> float:
    """How long to wait for a database another process is writing: $CLIENTVET_DB_TIMEOUT seconds, else 30."""
    given = os.environ.get("CLIENTVET_DB_TIMEOUT", "").strip()
    if not given:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86400:
        raise StoreError(f"CLIENTVET_DB_TIMEOUT must be a number of seconds, got {given!r}", errors.BAD_INPUT)
    return seconds


def store_error(path: Path, exc: sqlite3.Error | OSError, timeout: float) -> StoreError:
    """What went wrong with the database at `path`, in words a user can act on."""
    if isinstance(exc, OSError):
        return StoreError(f"cannot use the evidence database {path}: {exc.strerror or exc}")
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return NotOurDatabase(f"{path} is not a clientvet evidence database ({exc}); give another --db")
    reason = {
        sqlite3.SQLITE_BUSY: f"another process holds it locked (waited {timeout:g} s; "
                             "set CLIENTVET_DB_TIMEOUT to wait longer)",
        sqlite3.SQLITE_LOCKED: "another connection holds it locked",
        sqlite3.SQLITE_READONLY: "it is read-only",
        sqlite3.SQLITE_PERM: "permission denied",
        sqlite3.SQLITE_CANTOPEN: "cannot open the file (check the path and its permissions)",
        sqlite3.SQLITE_FULL: "the disk is full",
        sqlite3.SQLITE_IOERR: f"input/output error ({exc}: the disk may be full)",
    }.get(code, str(exc))
    return StoreError(f"cannot use the evidence database {path}: {reason}")


def _busy(exc: sqlite3.Error) -> bool:
    """A lock another connection holds: worth waiting for, unlike every other error."""
    return ((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """Raise NotOurDatabase for a file that is not SQLite or holds tables clientvet did not create."""
    tables = sorted(name for (name,) in conn.execute(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"))
    if not tables:
        return  # a new database
    if "_sqlite_migrations" in tables and conn.execute(
            "select 1 from _sqlite_migrations where migration_set = ? limit 1", [migrations.name]).fetchone():
        return
    shown = ", ".join(_printable(name)[:40] for name in tables[:5]) + (", …" if len(tables) > 5 else "")
    raise NotOurDatabase(f"{path} is not a clientvet evidence database: it holds another application's "
                         f"tables ({shown}); give a new file or a clientvet database as --db")


@contextmanager
def read_only(path: str | os.PathLike[str]) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to the clientvet database at `path`, never creating or migrating it; None when there
    is no file. A folder, a file that is not ours, a locked or corrupt one raise StoreError saying so."""
    path = Path(path)
    if not path.exists():
        yield None
        return
    if not path.is_file():
        raise NotOurDatabase(f"{path} is a folder, not an evidence database; give a file as --db")
    timeout = lock_timeout()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise store_error(path, exc, timeout) from None
    try:
        _refuse_foreign(conn, path)
        yield conn
    except sqlite3.Error as exc:
        raise store_error(path, exc, timeout) from None
    finally:
        conn.close()


def inspect_database(path: str | os.PathLike[str]) -> None:
    """Refuse (StoreError) a file at `path` that is not a clientvet database, reading only; no file is fine."""
    with read_only(path):
        pass


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
    """One connection to the evidence database; see the module docstring for how it writes."""

    def __init__(self, path: str | os.PathLike[str], *, hold_answers: bool = False):
        self.path = Path(path)
        self.timeout = lock_timeout()
        self.hold_answers = hold_answers
        self.failure: StoreError | None = None  # the write that could not be made: no further writes are taken
        self._held: list[Statement] = []  # held writes that belong to no open answer, in order
        self._answers: dict[int, tuple[str, list[Statement]]] = {}  # open answers: response id → source, writes
        self._response_ids: Iterator[int] = iter(())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise store_error(self.path, exc, self.timeout) from None
        try:
            self.db = Database(self.conn)
            _refuse_foreign(self.conn, self.path)
            self._use_wal()
            self.conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable against a killed process
            self.conn.execute("PRAGMA foreign_keys = ON")
            if migrations.pending(self.db):
                self._write(self._migrate)
        except sqlite3.Error as exc:
            self.conn.close()
            raise store_error(self.path, exc, self.timeout) from None
        except StoreError:
            self.conn.close()
            raise

    def close(self) -> None:
        with suppress(StoreError):
            self.flush()
        self.conn.close()

    def _use_wal(self) -> None:
        """WAL mode (kept in the file), so readers never wait for a writer; concurrent first opens retry."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise
            if mode.lower() != "wal":
                raise StoreError(f"cannot use the evidence database {self.path}: it cannot be switched to WAL mode"
                                 f" (journal mode {mode}; is it read-only?)")
            return

    def _migrate(self, conn: sqlite3.Connection) -> None:
        _refuse_foreign(conn, self.path)  # under the write lock: another process may have created it meanwhile
        migrations.apply(self.db)

    # --- transactions -----------------------------------------------------

    def _write(self, work: Callable[[sqlite3.Connection], T],
               answers: Callable[[int, str], bool] = lambda response_id, source: True) -> T:
        """Run `work` in one write transaction after the held writes (of the open answers, those `answers` picks).

        Retried while another process holds the lock; raises StoreError when it finally cannot be made.
        Then the held writes are lost and the store takes no further writes.
        """
        if self.failure:
            raise self.failure
        written = [rid for rid, (source, _) in self._answers.items() if answers(rid, source)]
        held = self._held + [statement for rid in written for statement in self._answers[rid][1]]
        if work is _nothing and not held:
            return None  # type: ignore[return-value]
        deadline = time.monotonic() + self.timeout
        pause = 0.005
        while True:
            try:
                result = self._transaction(held, work)
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(pause)
                    pause = min(pause * 2, 0.2)
                    continue
                self._held, self._answers = [], {}
                self.failure = store_error(self.path, exc, self.timeout)
                raise self.failure from None
            self._held = []
            for rid in written:
                del self._answers[rid]
            return result

    def _transaction(self, held: list[Statement], work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")  # the write lock now (waited for), not at the first write
        try:
            for sql, params in held:
                conn.execute(sql, params)
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        return result

    def _write_or_hold(self, statements: list[Statement], response_id: int | None = None) -> None:
        """Write now; when holding answers, write with the open answer `response_id`, else with the next write."""
        if not self.hold_answers:
            self._write(lambda conn: _execute(conn, statements))
        elif self.failure is None:
            answer = self._answers.get(response_id) if response_id is not None else None
            (answer[1] if answer else self._held).extend(statements)

    def answer_done(self, response_id: int | None) -> None:
        """The answer is parsed: write it, with the facts read from it, in one transaction (StoreError if not)."""
        self._write(_nothing, lambda rid, source: rid == response_id)

    def flush(self, source: str | None = None) -> None:
        """Write what is held (of the open answers, those of `source` when given).

        Raises StoreError when this or an earlier write of this store could not be made.
        """
        self._write(_nothing, lambda rid, answer_source: source in (None, answer_source))

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """A read, after writing what is held so it sees this store's own writes (a failure is kept, not raised)."""
        if self._held or self._answers:
            with suppress(StoreError):
                self.flush()
        return list(self.db.query(sql, params))

    # --- checks -----------------------------------------------------------

    def start_check(self, identity: Identity, replay: str | None = None,
                    terms: dict[str, Any] | None = None) -> int:
        self.mark_interrupted()
        return self._write(lambda conn: conn.execute(
            "insert into checks (company_key, jurisdiction, scheme, identifier, started_at, status, pid, replay, terms)"
            " values (?, ?, ?, ?, ?, 'running', ?, ?, ?)",
            [identity.key, identity.jurisdiction, identity.scheme, identity.value, utc_now(), os.getpid(), replay,
             json.dumps(terms or {}, ensure_ascii=False)]).lastrowid)

    def finish_check(self, check_id: int, verdict: str, score: int) -> None:
        self._write(lambda conn: conn.execute(
            "update checks set status = 'complete', finished_at = ?, verdict = ?, score = ? where id = ?",
            [utc_now(), verdict, score, check_id]))

    def mark_interrupted(self) -> None:
        """Checks left 'running' by a process that no longer exists were killed (or could not write)."""
        dead = [row["id"] for row in self._rows("select id, pid from checks where status = 'running'")
                if row["pid"] != os.getpid() and not _process_alive(row["pid"])]
        if dead:
            self._write(lambda conn: _execute(conn, [statement for check_id in dead for statement in (
                ("update checks set status = 'interrupted' where id = ? and status = 'running'", [check_id]),
                ("update source_runs set status = 'failed', reason = 'interrupted: the run was killed'"
                 " where check_id = ? and status = 'running'", [check_id]))]))

    def discard_check(self, check_id: int) -> None:
        """Undo a check that found no such company, so bad input changes nothing."""
        def discard(conn: sqlite3.Connection) -> None:
            observed = [fid for (fid,) in conn.execute("select fact_id from observations where check_id = ?",
                                                       [check_id])]
            conn.execute("delete from observations where check_id = ?", [check_id])
            for fid in observed:
                conn.execute("delete from facts where id = ? and not exists"
                             " (select 1 from observations where fact_id = ?)", [fid, fid])
            conn.execute("delete from responses where check_id = ?", [check_id])
            conn.execute("delete from source_runs where check_id = ?", [check_id])
            conn.execute("delete from checks where id = ?", [check_id])
            _drop_unused_blobs(conn)
        self._write(discard)

    def check(self, check_id: int) -> CheckRecord:
        [row] = self._rows("select * from checks where id = ?", [check_id])
        fields = {k: row[k] for k in CheckRecord.__dataclass_fields__ if k in row and k not in ("sources", "terms")}
        return CheckRecord(**fields, terms=json.loads(row["terms"] or "{}"), sources=self.source_runs(check_id))

    def complete_checks(self, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        """The finished checks of a company stored under any of its keys, oldest first, without their sources."""
        return list(self.db.query(
            f"select id, company_key, started_at, finished_at, verdict, score, replay from checks"
            f" where status = 'complete' and company_key in ({_marks(keys)}) order by id", keys))

    def save_document(self, check_id: int, document: dict[str, Any], version: str) -> None:
        """The check's verdict document as it was given, so a report weeks later shows that verdict."""
        self._write(lambda conn: conn.execute(  # the write lock first, waited for like every write
            "insert or replace into check_documents (check_id, document, saved_at, version) values (?, ?, ?, ?)",
            [check_id, json.dumps(document, ensure_ascii=False), utc_now(), version]))

    def document(self, check_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("select document from check_documents where check_id = ?", [check_id]))
        return json.loads(rows[0]["document"]) if rows else None

    def latest_check(self, company_key: str) -> CheckRecord | None:
        rows = self._rows(
            "select id from checks where company_key = ? and status = 'complete' order by id desc limit 1",
            [company_key])
        return self.check(rows[0]["id"]) if rows else None

    # --- sources ----------------------------------------------------------

    def source_started(self, check_id: int, source: str) -> None:
        self._write_or_hold([(
            "insert into source_runs (check_id, source, status, started_at, requests, facts)"
            " values (?, ?, 'running', ?, 0, 0) on conflict (check_id, source) do update set"
            " status = excluded.status, started_at = excluded.started_at, requests = 0, facts = 0",
            [check_id, source, utc_now()])])

    def source_finished(self, check_id: int, source: str, status: str, reason: str | None,
                        requests: int, facts: int, unread_fields: dict[str, int] | None = None) -> None:
        self._write_or_hold([(
            "update source_runs set status = ?, reason = ?, finished_at = ?, requests = ?, facts = ?,"
            " unread_fields = ? where check_id = ? and source = ?",
            [status, reason, utc_now(), requests, facts,
             json.dumps(unread_fields or {}, ensure_ascii=False, sort_keys=True), check_id, source])])

    def source_runs(self, check_id: int) -> list[SourceRun]:
        return [
            SourceRun(r["source"], r["status"], r["reason"], r["started_at"], r["finished_at"],
                      r["requests"] or 0, r["facts"] or 0, json.loads(r["unread_fields"] or "{}"))
            for r in self._rows("select * from source_runs where check_id = ? order by source", [check_id])
        ]

    # --- raw responses ----------------------------------------------------

    def archive_response(self, *, check_id: int | None, source: str, method: str, url: str,
                         request_body: str | None, status: int, content_type: str | None,
                         body: bytes, replayed: bool) -> int | None:
        """The response's id; when holding answers, it opens an answer written with its facts (`answer_done`).

        None when the store has failed (the run will fail; nothing more is written).
        """
        response_id = self._next_response_id()
        if response_id is None:
            return None
        digest = hashlib.sha256(body).hexdigest()
        statements: list[Statement] = [
            ("insert or ignore into blobs (sha256, size, body) values (?, ?, ?)",
             [digest, len(body), zlib.compress(body)]),
            ("insert into responses (id, check_id, source, method, url, request_body, status, content_type,"
             " fetched_at, sha256, replayed) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [response_id, check_id, source, method, url, request_body, status, content_type, utc_now(), digest,
              int(replayed)]),
        ]
        if self.hold_answers:
            self._answers[response_id] = (source, statements)
        else:
            self._write_or_hold(statements)
        return response_id

    def _next_response_id(self) -> int | None:
        """An id no other process will use: taken from this store's block, a new block when it is used up."""
        if self.failure:
            return None
        if (response_id := next(self._response_ids, None)) is not None:
            return response_id

        def take_block(conn: sqlite3.Connection) -> int:
            (end,) = conn.execute("update id_blocks set next = next + ? where name = 'responses' returning next",
                                  [RESPONSE_ID_BLOCK]).fetchone()
            return end
        try:
            end = self._write(take_block, lambda rid, source: False)
        except StoreError:
            if self.hold_answers:
                return None
            raise
        self._response_ids = iter(range(end - RESPONSE_ID_BLOCK + 1, end))
        return end - RESPONSE_ID_BLOCK

    def response_body(self, response_id: int) -> bytes:
        [row] = self._rows(
            "select b.body from responses r join blobs b on b.sha256 = r.sha256 where r.id = ?", [response_id])
        return zlib.decompress(row["body"])

    def attach_responses(self, check_id: int, response_ids: Sequence[int]) -> None:
        """Search answers archived before the check existed become part of its evidence."""
        self._write(lambda conn: conn.execute(
            f"update responses set check_id = ? where check_id is null and id in ({_marks(tuple(response_ids))})",
            [check_id, *response_ids]))

    def discard_responses(self, response_ids: Sequence[int]) -> None:
        """Drop the answers of a search that led to no check, so it leaves nothing behind."""
        def discard(conn: sqlite3.Connection) -> None:
            conn.execute(f"delete from responses where check_id is null and id in ({_marks(tuple(response_ids))})",
                         list(response_ids))
            _drop_unused_blobs(conn)
        self._write(discard)

    # --- facts ------------------------------------------------------------

    def record_fact(self, *, check_id: int, company_key: str, source: str, kind: str, key: str,
                    data: dict[str, Any], response_id: int | None) -> str:
        """Upsert a fact, keeping its first sighting, and note that this check saw it (with its answer when held)."""
        fid = fact_id(company_key, kind, key)
        now = utc_now()
        encoded = json.dumps(data, ensure_ascii=False, sort_keys=True)
        self._write_or_hold([
            ("insert into facts (id, company_key, kind, key, source, data, first_seen, first_check_id, last_seen,"
             " last_check_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (id) do update set"
             " data = excluded.data, last_seen = excluded.last_seen, last_check_id = excluded.last_check_id,"
             " source = excluded.source",
             [fid, company_key, kind, key, source, encoded, now, check_id, now, check_id]),
            ("insert into observations (fact_id, check_id, response_id, seen_at, data) values (?, ?, ?, ?, ?)"
             " on conflict (fact_id, check_id) do update set response_id = excluded.response_id,"
             " seen_at = excluded.seen_at, data = excluded.data",
             [fid, check_id, response_id, now, encoded]),
        ], response_id)
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
            for r in self._rows(sql, [check_id])
        ]

    def fact_history(self, company_key: str) -> Iterator[dict[str, Any]]:
        yield from self._rows(
            "select kind, key, source, first_seen, last_seen, first_check_id, last_check_id"
            " from facts where company_key = ? order by kind, key", [company_key])

    # --- conversation signals and account history (keys: every key of one company) ---

    def add_signal(self, keys: tuple[str, ...], code: str, note: str | None, entered_by: str) -> bool:
        """Record a signal under the first key; False when it is already active (the first entry stands)."""
        def add(conn: sqlite3.Connection) -> bool:
            if conn.execute(f"select 1 from signals where company_key in ({_marks(keys)}) and code = ?"
                            " and removed_at is null", [*keys, code]).fetchone():
                return False
            conn.execute("insert into signals (company_key, code, note, entered_by, entered_at) values (?, ?, ?, ?, ?)",
                         [keys[0], code, note or None, entered_by, utc_now()])
            return True
        return self._write(add)

    def remove_signal(self, keys: tuple[str, ...], code: str, removed_by: str) -> int:
        """Mark the active signal removed; the row stays, so the history shows who entered and removed it."""
        return self._write(lambda conn: conn.execute(
            f"update signals set removed_at = ?, removed_by = ? where removed_at is null and code = ?"
            f" and company_key in ({_marks(keys)})", [utc_now(), removed_by, code, *keys]).rowcount)

    def signals(self, keys: tuple[str, ...], code: str | None = None,
                include_removed: bool = False) -> list[dict[str, Any]]:
        sql = f"select * from signals where company_key in ({_marks(keys)})"
        sql += "" if include_removed else " and removed_at is null"
        sql += "" if code is None else " and code = ?"
        return self._rows(sql + " order by entered_at, id", [*keys, *([code] if code else [])])

    def import_history(self, invoices: Sequence[dict[str, Any]] = (),
                       events: Sequence[dict[str, Any]] = ()) -> dict[str, int]:
        """All rows in one transaction; rows already stored are updated, not duplicated. Returns new counts."""
        def import_rows(conn: sqlite3.Connection) -> dict[str, int]:
            before = self.db["invoices"].count, self.db["account_events"].count
            self.db["invoices"].upsert_all(invoices, pk=("company_key", "invoice_id"))
            self.db["account_events"].insert_all(events, ignore=True)
            return {"invoices": self.db["invoices"].count - before[0],
                    "events": self.db["account_events"].count - before[1]}
        return self._write(import_rows)

    def invoices(self, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        return self._rows(
            f"select * from invoices where company_key in ({_marks(keys)}) order by issued, invoice_id", keys)

    def account_events(self, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        return self._rows(
            f"select * from account_events where company_key in ({_marks(keys)}) order by date, kind", keys)

    # --- watch list: companies re-checked on a schedule (clientvet watch, recheck) ---

    def watch(self, identity: Identity, every_seconds: int | None, terms: dict[str, Any] | None,
              note: str | None, *, default_every: int) -> bool:
        """Watch the company, or change how it is watched (None: keep as it is); True when it was not watched."""
        now = utc_now()
        encoded = None if terms is None else json.dumps(terms, ensure_ascii=False, sort_keys=True)

        def upsert(conn: sqlite3.Connection) -> bool:
            new = not conn.execute("select 1 from watch where company_key = ?", [identity.key]).fetchone()
            conn.execute(
                "insert into watch (company_key, jurisdiction, scheme, identifier, every_seconds, terms, note,"
                " added_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (company_key) do update set"
                " every_seconds = coalesce(?, every_seconds), terms = coalesce(?, terms), note = coalesce(?, note),"
                " updated_at = excluded.updated_at",
                [identity.key, identity.jurisdiction, identity.scheme, identity.value, every_seconds or default_every,
                 encoded or "{}", note or None, now, now, every_seconds, encoded, note])  # note "": none
            return new
        return self._write(upsert)

    def unwatch(self, keys: tuple[str, ...]) -> int:
        return self._write(lambda conn: conn.execute(
            f"delete from watch where company_key in ({_marks(keys)})", keys).rowcount)

    def watched(self) -> list[dict[str, Any]]:
        return [{**row, "terms": json.loads(row["terms"]), "note": row["note"] or None}
                for row in self._rows("select * from watch order by added_at, company_key")]


def _nothing(conn: sqlite3.Connection) -> None:
    """The work of a transaction that only writes what is held."""


def _execute(conn: sqlite3.Connection, statements: list[Statement]) -> None:
    for sql, params in statements:
        conn.execute(sql, params)


def _drop_unused_blobs(conn: sqlite3.Connection) -> None:
    conn.execute("delete from blobs where sha256 not in (select sha256 from responses where sha256 is not null)")


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
