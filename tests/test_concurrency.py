"""Several `clientvet` processes on one database: each gets exactly what it would get alone; kills leave no litter.

A salesperson's check while a scheduled re-check runs, an account-history import meanwhile: each process
writes through its own connection, waits for the write lock and never loses a fact to "database is locked".
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import AS_OF, DEMO, RECORDINGS, run_cli

DEMO_INN = "0000123450"
IN_RECEIVERSHIP = "0272023903"  # RED 100 alone (bankrot_fedresurs); the one the issue saw come out AMBER 35
OTHER_COMPANY = "7707083893"  # gets a signal and account history while the checks run; checked by none of them


def _companies() -> list[tuple[str, Path]]:
    """The checks run side by side: the same company twice, and different companies, when the recordings exist."""
    if RECORDINGS.is_dir():
        return [(IN_RECEIVERSHIP, RECORDINGS), (DEMO_INN, DEMO), (IN_RECEIVERSHIP, RECORDINGS), (DEMO_INN, DEMO)]
    return [(DEMO_INN, DEMO)] * 4


def _check(inn: str, replay: Path, db: Path) -> subprocess.CompletedProcess:
    return run_cli("check", "--inn", inn, "--replay", str(replay), "--db", str(db), "--json", "--as-of", AS_OF,
                   timeout=600)


def _outcome(document: dict) -> dict:
    """What a check concluded and from what; the fssp request's cache-buster `_=` differs run to run."""
    return {"verdict": document["verdict"], "score": document["score"],
            "factors": sorted((f["code"], f["points"]) for f in document["factors"]),
            "coverage": [(c["source"], c["status"], re.sub(r"_=\d+", "_=", c["reason"] or ""), c["requests"],
                          c["facts"]) for c in document["coverage"]]}


def _evidence(db: Path, check_id: int) -> dict:
    """The facts a check observed and the answers it archived, as stored."""
    with sqlite3.connect(db) as conn:
        facts = conn.execute(
            "select f.kind, f.key, f.source, o.data, r.url is not null from observations o"
            " join facts f on f.id = o.fact_id left join responses r on r.id = o.response_id"
            " where o.check_id = ? order by 1, 2", [check_id]).fetchall()
        answers = conn.execute(
            "select source, method, status, sha256 from responses where check_id = ? order by 1, 2, 3, 4",
            [check_id]).fetchall()
        runs = conn.execute("select source, status, requests, facts from source_runs where check_id = ?"
                            " order by 1", [check_id]).fetchall()
    return {"facts": facts, "answers": [a[:3] for a in answers], "bodies": sorted(a[3] for a in answers),
            "runs": runs}


def test_parallel_checks_and_imports_give_what_each_gives_alone(tmp_path):
    companies = _companies()
    solo = {}
    for inn, replay in dict.fromkeys(companies):
        db = tmp_path / f"solo-{inn}.sqlite"
        result = _check(inn, replay, db)
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        solo[inn] = (_outcome(document), _evidence(db, document["check_id"]))

    shared = tmp_path / "shared.sqlite"
    history = tmp_path / "events.csv"
    history.write_text(f"company,date,kind,note\n{OTHER_COMPANY},2026-04-02,discount_request,asked again\n"
                       f"{OTHER_COMPANY},2026-05-02,rude_contact,\n", encoding="utf-8")
    side_jobs = [("signals", "add", OTHER_COMPANY, "cash_off_books", "--by", "anna"),
                 ("history", "import", str(history)),
                 ("signals", "add", OTHER_COMPANY, "promises_broken", "--by", "boris")]
    with ThreadPoolExecutor(len(companies) + len(side_jobs)) as pool:
        checks = [pool.submit(_check, inn, replay, shared) for inn, replay in companies]
        time.sleep(2)  # the side jobs write while the checks crawl
        jobs = [pool.submit(run_cli, *job, "--db", str(shared)) for job in side_jobs]
        results = [future.result() for future in checks]
        job_results = [future.result() for future in jobs]

    for result in results + job_results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "locked" not in result.stderr, result.stderr
    check_ids = set()
    for (inn, _), result in zip(companies, results):
        document = json.loads(result.stdout)
        check_ids.add(document["check_id"])
        assert (_outcome(document), _evidence(shared, document["check_id"])) == solo[inn], inn
    assert len(check_ids) == len(companies)
    with sqlite3.connect(shared) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute("select status, count(*) from checks group by 1").fetchall() == [
            ("complete", len(companies))]
        assert conn.execute("select code from signals where company_key = ? order by code",
                            [f"ru:inn:{OTHER_COMPANY}"]).fetchall() == [("cash_off_books",), ("promises_broken",)]
        assert conn.execute("select count(*) from account_events").fetchone() == (2,)


def test_killed_run_leaves_no_job_or_temporary_files(tmp_path):
    """Nothing but the database (and its WAL files) is written, even on kill -9.

    No Scrapy JOBDIR, no temporary files, and no remote-control job file (Scrapy writes one, with the
    token of a code-running local server, to ~/.local/state/scrapy/job_files for every crawler it runs).
    """
    from clientvet.crawler.runner import build_settings

    settings = build_settings(str(tmp_path / "db.sqlite"), str(DEMO))
    assert settings.get("JOBDIR") is None and not settings.getbool("REMOTE_CONTROL_ENABLED")
    workdir, temp, data = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "data"
    for folder in (workdir, temp, data):
        folder.mkdir()
    db = data / "db.sqlite"
    run = subprocess.Popen(
        [sys.executable, "-m", "clientvet", "check", "--inn", DEMO_INN, "--replay", str(DEMO), "--db", str(db),
         "--set", "CLIENTVET_REPLAY_LATENCY=2"],
        cwd=workdir, env={"PATH": "/usr/bin:/bin", "TMPDIR": str(temp), "HOME": str(temp),
                          "CLIENTVET_CONFIG": str(temp / "none.toml")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run.poll() is None:
            if db.exists():
                with sqlite3.connect(db) as conn:
                    if conn.execute("select count(*) from sqlite_master where name = 'responses'").fetchone()[0] and \
                            conn.execute("select count(*) from responses").fetchone()[0]:
                        break
            time.sleep(0.2)
        else:
            pytest.fail(f"the check archived no answer within 120 s (exit {run.poll()})")
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert list(workdir.iterdir()) == []
    assert list(temp.iterdir()) == []
    assert {path.name for path in data.iterdir()} <= {"db.sqlite", "db.sqlite-wal", "db.sqlite-shm"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute("select status from checks").fetchall() == [("running",)]
