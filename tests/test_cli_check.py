"""`clientvet check`: bad input changes nothing; keys stay secret; history accumulates; kills are survivable."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import AS_OF, DEMO, ROOT, check_json, run_cli

DEMO_INN = "0000123450"


@pytest.mark.parametrize("args, message", [
    (["--inn", "7707083894"], "wrong checksum"),
    (["--inn", ""], "INN is empty"),
    (["--inn", "77-07"], "digits only"),
    (["--ogrn", "1027700132196"], "wrong checksum"),
    (["--company-number", "12345678X"], "company number"),
    ([], "exactly one of"),
    (["--inn", "7707083893", "--company-number", "08957400"], "exactly one of"),
])
def test_bad_identifiers_exit_2_and_write_nothing(tmp_path, args, message):
    db = tmp_path / "db.sqlite"
    result = run_cli("check", *args, "--db", str(db))
    assert result.returncode == 2
    assert message in result.stderr
    assert not db.exists()


def test_corrupt_recording_exits_2_and_writes_nothing(tmp_path):
    (tmp_path / "replay").mkdir()
    (tmp_path / "replay" / "cut.har").write_text('{"log": {"entries": [{"request": ', encoding="utf-8")
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--inn", DEMO_INN, "--replay", str(tmp_path / "replay"), "--db", str(db))
    assert result.returncode == 2
    assert "corrupt recording" in result.stderr and "cut.har" in result.stderr
    assert not db.exists()


def test_demo_company_is_amber_for_creditor_notices(tmp_path):
    """The bundled demo (a made-up company, hand-made recordings) — what the README runs."""
    document = check_json("--inn", DEMO_INN, "--replay", str(DEMO), "--db", str(tmp_path / "db.sqlite"))
    assert document["verdict"] == "amber"
    assert document["company"]["name"] == 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ДЕМО-ПОСТАВКА"'
    assert {f["code"] for f in document["factors"]} >= {"creditor_intends_bankruptcy"}
    assert set(document) >= {"company", "verdict", "score", "factors", "coverage", "checked_at"}
    for factor in document["factors"]:
        assert set(factor) >= {"code", "severity", "points", "summary", "evidence"}


def test_readable_summary_names_verdict_reasons_and_coverage(tmp_path):
    result = run_cli("check", "--inn", DEMO_INN, "--replay", str(DEMO), "--db", str(tmp_path / "db.sqlite"),
                     "--as-of", AS_OF, env={"COLUMNS": "120"})
    assert result.returncode == 0, result.stderr
    for text in ("AMBER", "Creditors announced", "What was checked", "egrul", "Safeguards"):
        assert text in result.stdout


def test_uk_source_without_key_is_skipped_not_empty(tmp_path):
    """Live mode with no COMPANIES_HOUSE_API_KEY: no request is made, the source says why."""
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--company-number", "08957400", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    run = next(r for r in document["coverage"] if r["source"] == "companies_house")
    assert (run["status"], run["reason"], run["requests"]) == ("skipped", "no API key", 0)
    assert document["verdict"] == "amber"  # never green while the registry was not checked


def test_api_key_never_reaches_output_or_database(tmp_path):
    """With a key, live requests go to a dead local proxy (tests never leave the machine): failed, key unseen."""
    secret = "ch-test-key-do-not-leak-8f3a"
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--company-number", "08957400", "--db", str(db), "--json", "-vv",
                     "--set", "RETRY_ENABLED=False", "--set", "DOWNLOAD_DELAY=0",
                     env={"COMPANIES_HOUSE_API_KEY": secret})
    assert result.returncode == 0, result.stderr
    run = next(r for r in json.loads(result.stdout)["coverage"] if r["source"] == "companies_house")
    assert run["status"] == "failed" and run["reason"]
    assert secret not in result.stdout + result.stderr
    assert secret.encode() not in db.read_bytes()


def test_recheck_adds_history_instead_of_overwriting(recordings, tmp_path):
    db = tmp_path / "db.sqlite"
    first = check_json("--inn", "7707083893", "--replay", str(recordings), "--db", str(db))
    second = check_json("--inn", "7707083893", "--replay", str(recordings), "--db", str(db))
    assert second["check_id"] == first["check_id"] + 1
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select first_check_id, last_check_id, first_seen <= last_seen from facts"
                            " where kind = 'registry_record'").fetchall()
        assert rows == [(first["check_id"], second["check_id"], 1)]
        assert conn.execute("select count(*) from observations where fact_id in"
                            " (select id from facts where kind = 'registry_record')").fetchone() == (2,)
        # Identical bodies are stored once, each response still points at its body.
        responses, blobs = conn.execute("select count(*), count(distinct sha256) from responses").fetchone()
        assert responses == 2 * blobs


def test_killed_check_leaves_earlier_evidence_intact(recordings, tmp_path):
    db = tmp_path / "db.sqlite"
    first = check_json("--inn", "7707083893", "--replay", str(recordings), "--db", str(db))
    # Slow the replay down so the second check can be killed in the middle.
    slow = subprocess.Popen(
        [sys.executable, "-m", "clientvet", "check", "--inn", "7707083893", "--replay", str(recordings),
         "--db", str(db), "--set", "CLIENTVET_REPLAY_LATENCY=3"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as conn:
                if conn.execute("select count(*) from responses where check_id > ?", [first["check_id"]]).fetchone()[0]:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the second check archived no response within 60 s")
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        status = conn.execute("select status from checks where id = ?", [first["check_id"] + 1]).fetchone()
        assert status == ("running",)
    third = check_json("--inn", "7707083893", "--replay", str(recordings), "--db", str(db))
    assert third["verdict"] == first["verdict"] and third["score"] == first["score"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select status from checks where id = ?", [first["check_id"] + 1]).fetchone() == ("interrupted",)
        assert conn.execute("select verdict from checks where id = ?", [first["check_id"]]).fetchone() == (first["verdict"],)
        first_facts = conn.execute("select count(*) from observations where check_id = ?", [first["check_id"]]).fetchone()
        assert first_facts[0] >= 18


def test_unreachable_source_reads_as_network_error_not_as_bad_answer(tmp_path):
    """Live mode, every request through the dead local proxy: the source failed to connect, and says so."""
    config = tmp_path / "config.toml"
    config.write_text('[edgar]\ncontact_email = "risk@example.com"\n', encoding="utf-8")
    result = run_cli("check", "--cik", "1318605", "--db", str(tmp_path / "db.sqlite"), "--json",
                     "--set", "RETRY_ENABLED=False", env={"CLIENTVET_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    run = next(r for r in json.loads(result.stdout)["coverage"] if r["source"] == "edgar")
    assert run["status"] == "failed" and run["reason"].startswith(
        "network error: the connection was refused (https://data.sec.gov/submissions/CIK0001318605.json)"), run["reason"]
