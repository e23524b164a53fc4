"""The evidence store: answers written whole, locks waited for, failures loud; bad databases refused in one line."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from clientvet.evidence import errors
from clientvet.evidence.identifiers import parse_inn
from clientvet.evidence.migrations import migrations
from clientvet.evidence.store import NotOurDatabase, Store, StoreError, inspect_database
from tests.conftest import AS_OF, DEMO, ROOT, run_cli

DEMO_INN = "0000123450"
COMPANY = parse_inn("7707083893")


def _answer(store: Store, check_id: int, body: bytes, source: str = "egrul") -> int | None:
    return store.archive_response(check_id=check_id, source=source, method="GET", url=f"https://x.test/{source}",
                                  request_body=None, status=200, content_type="application/json", body=body,
                                  replayed=True)


def _fact(store: Store, check_id: int, key: str, response_id: int | None) -> None:
    store.record_fact(check_id=check_id, company_key=COMPANY.key, source="egrul", kind="registry_record",
                      key=key, data={"name": key}, response_id=response_id)


def _counts(db: Path) -> tuple[int, int, int]:
    """Responses, observations and blobs another connection sees."""
    with sqlite3.connect(db) as conn:
        return tuple(conn.execute(f"select count(*) from {table}").fetchone()[0]
                     for table in ("responses", "observations", "blobs"))


@contextmanager
def _write_lock(db: Path):
    """Another process's write transaction, held while the block runs."""
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("insert into id_blocks (name, next) values ('held by a test', 1)")
    try:
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


# --- the store in this process --------------------------------------------------------------------


def test_an_answer_is_written_with_its_facts_in_one_transaction(tmp_path):
    db = tmp_path / "db.sqlite"
    store = Store(db, hold_answers=True)
    check_id = store.start_check(COMPANY)
    first, second = _answer(store, check_id, b'{"a": 1}'), _answer(store, check_id, b'{"b": 2}', source="fedresurs")
    _fact(store, check_id, "one", first)
    _fact(store, check_id, "two", first)
    _fact(store, check_id, "three", second)
    assert _counts(db) == (0, 0, 0)  # held: another process sees neither the answers nor their facts
    store.answer_done(first)
    assert _counts(db) == (1, 2, 1)  # the parsed answer, whole; the other one is still open
    store.flush(source="egrul")
    assert _counts(db) == (1, 2, 1)
    store.flush(source="fedresurs")
    assert _counts(db) == (2, 3, 2)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select o.response_id, r.url from observations o join responses r on r.id = o.response_id"
                            " join facts f on f.id = o.fact_id where f.key = 'three'").fetchone() == (
            second, "https://x.test/fedresurs")


def test_a_store_reads_what_it_holds(tmp_path):
    store = Store(tmp_path / "db.sqlite", hold_answers=True)
    check_id = store.start_check(COMPANY)
    _fact(store, check_id, "one", _answer(store, check_id, b"{}"))
    assert [o.key for o in store.observations(check_id)] == ["one"]
    assert _counts(tmp_path / "db.sqlite") == (1, 1, 1)


def test_a_write_waits_for_another_process_to_finish(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIENTVET_DB_TIMEOUT", "20")
    db = tmp_path / "db.sqlite"
    store = Store(db)
    with _write_lock(db) as holder:
        threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
        assert store.add_signal((COMPANY.key,), "cash_off_books", None, "anna")
    assert [row["code"] for row in store.signals((COMPANY.key,))] == ["cash_off_books"]


def test_a_write_that_cannot_be_made_fails_and_nothing_of_its_answer_is_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIENTVET_DB_TIMEOUT", "0.3")
    db = tmp_path / "db.sqlite"
    store = Store(db, hold_answers=True)
    check_id = store.start_check(COMPANY)
    response_id = _answer(store, check_id, b"{}")
    _fact(store, check_id, "one", response_id)
    with _write_lock(db), pytest.raises(StoreError, match="another process holds it locked"):
        store.answer_done(response_id)
    assert _counts(db) == (0, 0, 0)
    # The store takes no more writes: the run that lost evidence fails instead of going on smaller.
    assert _answer(store, check_id, b"{}") is None
    _fact(store, check_id, "two", None)
    with pytest.raises(StoreError, match="locked"):
        store.flush()
    with pytest.raises(StoreError):
        store.finish_check(check_id, "green", 0)
    assert _counts(db) == (0, 0, 0)
    assert store.check(check_id).status == "running"


def test_concurrent_first_opens_create_the_schema_once(tmp_path):
    db = tmp_path / "db.sqlite"
    opens = [subprocess.Popen([sys.executable, "-c", "import sys; from clientvet.evidence.store import Store;"
                               " Store(sys.argv[1]).add_signal(('ru:inn:7707083893',), sys.argv[2], None, 'x')",
                               str(db), code], cwd=ROOT, stderr=subprocess.PIPE, text=True)
             for code in ("cash_off_books", "promises_broken", "anonymous_contact", "business_sinking",
                          "high_risk_industry", "demands_top_person")]
    for process in opens:
        assert process.wait(timeout=120) == 0, process.stderr.read()
    with sqlite3.connect(db) as conn:
        applied = [name for (name,) in conn.execute("select name from _sqlite_migrations order by id")]
        assert applied == [migration.name for migration in migrations._migrations]
        assert conn.execute("pragma journal_mode").fetchone() == ("wal",)
        assert conn.execute("select count(*) from signals").fetchone() == (6,)


def test_response_ids_of_two_processes_never_collide(tmp_path):
    db = tmp_path / "db.sqlite"
    one, other = Store(db, hold_answers=True), Store(db, hold_answers=True)
    check_id = one.start_check(COMPANY)
    ids = [store.archive_response(check_id=check_id, source="egrul", method="GET", url=f"https://x.test/{n}",
                                  request_body=None, status=200, content_type=None, body=str(n).encode(),
                                  replayed=True)
           for n in range(150) for store in ((one, other)[n % 2],)]
    other.flush()
    one.flush()
    assert len(set(ids)) == 150
    with sqlite3.connect(db) as conn:
        assert sorted(id_ for (id_,) in conn.execute("select id from responses")) == sorted(ids)


def test_a_file_that_is_not_a_clientvet_database_is_refused_unchanged(tmp_path):
    junk = tmp_path / "notes.sqlite"
    junk.write_bytes(os.urandom(6000))
    foreign = tmp_path / "crm.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table customers (id integer primary key, name text)")
        conn.execute("create table facts (x)")
    for path, message in ((junk, "not a clientvet evidence database"), (foreign, r"another application's tables "
                                                                                  r"\(customers, facts\)")):
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        for open_it in (Store, inspect_database):
            with pytest.raises(NotOurDatabase, match=message) as refused:
                open_it(path)
            assert refused.value.exit_code == errors.BAD_INPUT
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.sqlite", "notes.sqlite"]
    inspect_database(tmp_path / "new.sqlite")  # no file yet: nothing to refuse, nothing created
    assert not (tmp_path / "new.sqlite").exists()
    with pytest.raises(NotOurDatabase, match="is a folder"):
        inspect_database(tmp_path)


def test_a_bad_lock_timeout_is_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIENTVET_DB_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="CLIENTVET_DB_TIMEOUT") as refused:
        Store(tmp_path / "db.sqlite")
    assert refused.value.exit_code == errors.BAD_INPUT


# --- every command that opens the database ----------------------------------------------------------

WRITERS = [("check", "--inn", DEMO_INN, "--replay", str(DEMO)), ("signals", "add", DEMO_INN, "cash_off_books"),
           ("signals", "remove", DEMO_INN, "promises_broken"), ("history", "import", "{events}"),
           ("interview", DEMO_INN)]
READERS = [("signals", "list", DEMO_INN), ("history", "show", DEMO_INN)]


def _run_all(commands, db: Path, tmp_path: Path, env: dict[str, str] | None = None):
    """Every command at once (they only wait, so this is as fast as the slowest)."""
    events = tmp_path / "events.csv"
    events.write_text(f"company,date,kind,note\n{DEMO_INN},2026-04-02,discount_request,\n", encoding="utf-8")
    with ThreadPoolExecutor(len(commands)) as pool:
        runs = [pool.submit(run_cli, *[arg.format(events=events) for arg in command], "--db", str(db),
                            env=env, input="1\n\n") for command in commands]
        return [(command, run.result()) for command, run in zip(commands, runs)]


def _one_line_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    errors_shown = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors_shown) == 1, result.stderr
    for text in expected:
        assert text in errors_shown[0], result.stderr


def _clientvet_db(path: Path) -> None:
    store = Store(path)
    store.add_signal((f"ru:inn:{DEMO_INN}",), "promises_broken", "said so", "anna")
    store.close()


@pytest.mark.parametrize("kind", ["not SQLite", "foreign SQLite"])
def test_every_command_refuses_a_file_that_is_not_a_clientvet_database(tmp_path, kind):
    db = tmp_path / "db.sqlite"
    if kind == "not SQLite":
        db.write_bytes(b"SQLite format 2\x00" + os.urandom(5000))
    else:
        with sqlite3.connect(db) as conn:
            conn.execute("create table signals (who text, what text)")
    before = db.read_bytes()
    for command, result in _run_all(WRITERS + READERS, db, tmp_path):
        assert result.returncode == errors.BAD_INPUT, (command, result.stderr)
        _one_line_error(result, str(db), "not a clientvet evidence database")
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite", "events.csv"]


def test_a_locked_database_fails_writes_in_one_line_and_still_reads(tmp_path):
    db = tmp_path / "db.sqlite"
    _clientvet_db(db)
    with _write_lock(db):
        results = _run_all(WRITERS + READERS, db, tmp_path, env={"CLIENTVET_DB_TIMEOUT": "1"})
    for command, result in results:
        if command in READERS:
            assert result.returncode == 0, (command, result.stderr)
        else:
            assert result.returncode == errors.FAILED, (command, result.stderr)
            _one_line_error(result, "another process holds it locked (waited 1 s")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from checks").fetchone() == (0,)
        assert conn.execute("select code, removed_at from signals").fetchall() == [("promises_broken", None)]


@contextmanager
def _read_only(path: Path):
    """The file and its folder cannot be written (root ignores permissions, so it gets the immutable flag)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        try:
            yield
        finally:
            path.parent.chmod(0o755)
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode:
        pytest.skip("running as root without chattr +i: cannot make a file read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_database_fails_writes_in_one_line_and_still_reads(tmp_path):
    db = tmp_path / "data" / "db.sqlite"
    db.parent.mkdir()
    _clientvet_db(db)
    before = db.read_bytes()
    with _read_only(db):
        results = _run_all(WRITERS + READERS, db, tmp_path)
        assert db.read_bytes() == before
    for command, result in results:
        if command in READERS:
            assert result.returncode == 0, (command, result.stderr)
            assert "promises_broken" in result.stdout or command[0] == "history"
        else:
            assert result.returncode == errors.FAILED, (command, result.stderr)
            _one_line_error(result, str(db), "read-only")


def _with_file_size_limit(limit: int, *args: str) -> subprocess.CompletedProcess:
    """`clientvet` whose files cannot grow past `limit` bytes, as on a disk with that much left for them."""
    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "clientvet", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml")},
                          preexec_fn=limit_files, stdin=subprocess.DEVNULL, timeout=300)


def test_a_full_disk_fails_the_check_without_a_verdict_and_keeps_earlier_evidence(tmp_path):
    db = tmp_path / "db.sqlite"
    check = ("check", "--inn", DEMO_INN, "--replay", str(DEMO), "--db", str(db), "--json", "--as-of", AS_OF)
    first = _with_file_size_limit(resource.RLIM_INFINITY, *check)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(db) as conn:
        seen = conn.execute("select count(*) from observations where check_id = 1").fetchone()

    full = _with_file_size_limit(db.stat().st_size + 60_000, *check)
    assert full.returncode == errors.FAILED, full.stderr
    assert full.stdout == ""  # no verdict, no document
    _one_line_error(full, str(db), "no verdict")
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        # The full disk stops the second check at its first write (no row) or later (left running).
        after_full = conn.execute("select id, status from checks").fetchall()
        assert after_full in ([(1, "complete")], [(1, "complete"), (2, "running")]), after_full
        assert conn.execute("select count(*) from observations where check_id = 1").fetchone() == seen

    signal = _with_file_size_limit(1000, "signals", "add", DEMO_INN, "cash_off_books", "--db", str(db))
    assert signal.returncode == errors.FAILED, signal.stderr
    _one_line_error(signal, str(db))

    again = _with_file_size_limit(resource.RLIM_INFINITY, *check)
    assert again.returncode == 0, again.stderr
    assert (json.loads(again.stdout)["verdict"], json.loads(again.stdout)["score"]) == (
        json.loads(first.stdout)["verdict"], json.loads(first.stdout)["score"])
    with sqlite3.connect(db) as conn:
        assert conn.execute("select id, status from checks").fetchall() == (
            [(1, "complete"), (2, "complete")] if len(after_full) == 1
            else [(1, "complete"), (2, "interrupted"), (3, "complete")])
        assert conn.execute("select count(*) from signals where code = 'cash_off_books'").fetchone() == (0,)
