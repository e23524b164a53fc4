"""`clientvet watch`: the watch list in the evidence database, due by each company's interval."""

from __future__ import annotations

import json

import pytest

from clientvet.checks.watch import every_text, parse_every
from clientvet.evidence.identifiers import parse_inn
from clientvet.evidence.store import Store
from tests.conftest import run_cli
from tests.monitor_support import DEMO_INN


def watched(db) -> dict[str, dict]:
    result = run_cli("watch", "list", "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return {entry["company"]: entry for entry in json.loads(result.stdout)}


@pytest.mark.parametrize("text, seconds, shown", [("7d", 604800, "7d"), ("2w", 1209600, "14d"), ("12h", 43200, "12h"),
                                                   (" 1D ", 86400, "1d")])
def test_intervals(text, seconds, shown):
    assert parse_every(text) == seconds
    assert every_text(seconds) == shown


@pytest.mark.parametrize("text", ["7", "0d", "30m", "a week", "", "\u0667d"])
def test_bad_intervals(text):
    with pytest.raises(ValueError):
        parse_every(text)


def test_add_change_list_and_remove(tmp_path):
    db = tmp_path / "db.sqlite"
    added = run_cli("watch", "add", DEMO_INN, "--purpose", "deferred", "--amount", "1200000", "--note", "key account",
                    "--db", str(db))
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"watching INN {DEMO_INN} (ru:inn:{DEMO_INN}) every 7d"
    changed = run_cli("watch", "add", DEMO_INN, "--every", "2w", "--db", str(db))
    assert changed.stdout.strip() == f"now watching INN {DEMO_INN} (ru:inn:{DEMO_INN}) every 14d"
    entry = watched(db)[f"ru:inn:{DEMO_INN}"]
    # What the second add did not give stays as it was.
    assert (entry["every"], entry["terms"], entry["note"]) == (
        "14d", {"purpose": "deferred", "amount": 1200000.0, "currency": ""}, "key account")
    assert entry["due"] is True and entry["last_check"] is None  # never checked: due now

    # A finished check makes it due again only after its interval.
    store = Store(db)
    check_id = store.start_check(parse_inn(DEMO_INN))
    store.finish_check(check_id, "amber", 45)
    entry = watched(db)[f"ru:inn:{DEMO_INN}"]
    assert entry["due"] is False
    assert entry["last_check"]["id"] == check_id and entry["last_check"]["verdict"] == "amber"
    assert entry["next_due"] > entry["last_check"]["started_at"]
    table = run_cli("watch", "list", "--db", str(db), env={"COLUMNS": "140"})
    assert "Watched companies (1, 0 due now)" in table.stdout and "amber 45" in table.stdout
    assert "deferred · 1 200 000" in table.stdout and "key account" in table.stdout

    removed = run_cli("watch", "remove", DEMO_INN, "--db", str(db))
    assert removed.returncode == 0 and watched(db) == {}
    again = run_cli("watch", "remove", DEMO_INN, "--db", str(db))
    assert again.returncode == 2 and "is not watched; nothing changed" in again.stderr
    assert store.check(check_id).status == "complete"  # its checks stay


def test_bad_input_changes_nothing(tmp_path):
    db = tmp_path / "db.sqlite"
    for args, message in ((["7707083894"], "wrong checksum"), (["Ромашка"], "no company named 'Ромашка'"),
                          ([DEMO_INN, "--every", "30m"], "not an interval"),
                          ([DEMO_INN, "--currency", "RUB"], "--currency needs --amount")):
        result = run_cli("watch", "add", *args, "--db", str(db))
        assert result.returncode == 2, args
        assert message in result.stderr, args
    assert watched(db) == {}


@pytest.mark.parametrize("args, message", [
    (["watch", "add", DEMO_INN, "--amount", "inf"], "'inf' must be from 0.01 to"),
    (["watch", "add", DEMO_INN, "--amount", "\u0661\u0662"], "expected a number from 0.01"),
    (["worker", "--queue", "redis://127.0.0.1:1/0", "--heartbeat", "nan"], "'nan' is not a number of seconds"),
    (["worker", "--queue", "redis://127.0.0.1:1/0", "--idle-exit", "inf"], "'inf' is not a number of seconds"),
    (["worker", "--queue", "redis://127.0.0.1:1/0", "--batch", "\u0661\u0662"], "is not a whole number"),
    (["report", DEMO_INN, "--check", "\u0661"], "is not a whole number"),
])
def test_a_number_option_takes_finite_numbers_in_ascii_digits_only(tmp_path, args, message):
    """float() and int() also read "nan", "inf" and other scripts' digits: an option refuses them with a usage error."""
    db = tmp_path / "db.sqlite"
    result = run_cli(*args, "--db", str(db))
    assert result.returncode == 2 and message in result.stderr and not db.exists()


def test_import_keeps_good_rows_and_names_the_bad_lines(tmp_path):
    db = tmp_path / "db.sqlite"
    run_cli("watch", "add", "7707083893", "--note", "old note", "--every", "1d", "--db", str(db))
    file = tmp_path / "clients.csv"
    file.write_text("identifier;every;purpose;amount;note;owner\n"
                    f"{DEMO_INN};2w;deferred;1 200 000;key account;anna\n"
                    "7707083893;;;;;\n"
                    "08957400;fortnightly;;;;\n"
                    "CIK1318605;12h;loan;;;\n"
                    f"{DEMO_INN};7d;;;;\n", encoding="utf-8")
    result = run_cli("watch", "import", str(file), "--every", "3d", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "watching 2 companies from clients.csv: 1 new, 1 updated; 3 line(s) skipped"
    assert "line 4: every: 'fortnightly' is not an interval like 7d, 2w or 12h" in result.stderr
    assert "line 5: purpose: 'loan' is not one of prepaid, deferred, long-project" in result.stderr
    assert "line 6: the same company as line 2" in result.stderr
    assert "columns not read: owner" in result.stderr
    entries = watched(db)
    assert set(entries) == {f"ru:inn:{DEMO_INN}", "ru:inn:7707083893"}
    demo = entries[f"ru:inn:{DEMO_INN}"]
    assert (demo["every"], demo["terms"], demo["note"]) == (
        "14d", {"purpose": "deferred", "amount": 1200000.0, "currency": ""}, "key account")
    # The file says everything about a company in it: no every → the default, no note → none.
    assert (entries["ru:inn:7707083893"]["every"], entries["ru:inn:7707083893"]["note"]) == ("3d", None)

    nothing = tmp_path / "nothing.csv"
    nothing.write_text("inn,every\n7707083894,7d\n", encoding="utf-8")
    refused = run_cli("watch", "import", str(nothing), "--db", str(db))
    assert refused.returncode == 2 and "nothing was imported" in refused.stderr
