"""Conversation signals: the catalogue, its rules, `clientvet signals …` and the interview."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import RULES
from clientvet.checks.verdict import evaluate
from clientvet.evidence.companies import Directory, UnknownCompany
from clientvet.evidence.store import Store
from clientvet.evidence.identifiers import parse_inn
from clientvet.checks.signals import CATALOGUE, SIGNALS
from tests.conftest import DEMO, ROOT, check_json, run_cli

DEMO_INN = "0000123450"  # the bundled made-up company ООО «ДЕМО-ПОСТАВКА»
DEMO_OGRN = "1000000000010"
MADE_UP_INN = "0000000018"  # valid checksum, no real company behind it
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
RED_FLAGS = [s for s in CATALOGUE if s.red_flag]
CAREFUL = [s for s in CATALOGUE if not s.red_flag]


def run_with_input(stdin: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`clientvet …` in a fresh process with typed answers on standard input."""
    base_env = {**os.environ, "CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml")}
    return subprocess.run([sys.executable, "-m", "clientvet", *args], input=stdin, capture_output=True,
                          text=True, env={**base_env, **(env or {})}, timeout=60, cwd=ROOT)


def listed(db: Path, company: str, *flags: str) -> list[dict]:
    result = run_cli("signals", "list", company, "--json", "--db", str(db), *flags)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


# --- the catalogue -----------------------------------------------------------------


def test_catalogue_has_a_code_for_every_pre_signing_flag_in_the_design():
    if not DESIGN.is_file():
        pytest.skip(f"{DESIGN} not found")
    section = DESIGN.read_text(encoding="utf-8").split("Before signing", 1)[1].split("Not red flags", 1)
    flags = re.findall(r"^- ", section[0], flags=re.M)
    careful = section[1].split("\n", 1)[0]
    assert len(RED_FLAGS) == len(flags) == 12
    assert len(CAREFUL) == careful.count(",") + 1 == 2


@pytest.mark.parametrize("signal", CATALOGUE, ids=lambda s: s.code)
def test_catalogue_entry_is_complete_and_is_its_rule(signal):
    assert re.fullmatch(r"[a-z_]+", signal.code)
    assert signal.question["en"].endswith("?") and signal.question["ru"].endswith("?")
    assert re.search("[а-я]", signal.question["ru"]) and not re.search("[а-я]", signal.question["en"])
    assert signal.severity in ({"high", "medium", "low"} if signal.red_flag else {"info"})
    assert signal.points > 0 if signal.severity != "info" else signal.points <= 0
    rule = RULES[f"signal_{signal.code}"]
    assert (rule.group, rule.severity, rule.points, rule.summary) == (
        "conversation", signal.severity, signal.points, signal.explanation)


# --- signals become factors --------------------------------------------------------


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "db.sqlite")


def conversation_factors(store: Store, inn: str = MADE_UP_INN) -> dict[str, dict]:
    check_id = store.start_check(parse_inn(inn))
    verdict = evaluate(CheckEvidence.load(store, check_id, frozenset(), date(2026, 11, 23)))
    return {f.rule.code: f.as_dict() for f in verdict.factors if f.rule.group == "conversation"}


@pytest.mark.parametrize("signal", CATALOGUE, ids=lambda s: s.code)
def test_each_stored_signal_fires_its_rule(store, signal):
    key = parse_inn(MADE_UP_INN).key
    store.add_signal((key,), signal.code, "said on the call of 20 Nov", "anna")
    factors = conversation_factors(store)
    assert list(factors) == [f"signal_{signal.code}"]
    factor = factors[f"signal_{signal.code}"]
    assert factor["points"] == signal.points
    assert signal.explanation in factor["summary"]
    assert "anna" in factor["summary"] and "said on the call of 20 Nov" in factor["summary"]


def test_removed_signal_no_longer_counts_but_stays_in_history(store):
    keys = (parse_inn(MADE_UP_INN).key,)
    store.add_signal(keys, "cash_off_books", None, "anna")
    assert store.remove_signal(keys, "cash_off_books", "boris") == 1
    assert conversation_factors(store) == {}
    [row] = store.signals(keys, include_removed=True)
    assert (row["entered_by"], row["removed_by"]) == ("anna", "boris") and row["removed_at"]


def test_positive_codes_lower_the_score_of_the_demo_company(tmp_path):
    db = str(tmp_path / "db.sqlite")
    before = check_json("--inn", DEMO_INN, "--replay", str(DEMO), "--db", db)
    for signal in CAREFUL:
        assert run_cli("signals", "add", DEMO_INN, signal.code, "--db", db).returncode == 0
    after = check_json("--inn", DEMO_INN, "--replay", str(DEMO), "--db", db)
    assert after["score"] == before["score"] + sum(s.points for s in CAREFUL) < before["score"]
    careful = {f["code"]: f for f in after["factors"] if f["group"] == "conversation"}
    assert set(careful) == {f"signal_{s.code}" for s in CAREFUL}
    assert all(f["points"] < 0 and "not a red flag" in f["summary"] for f in careful.values())


def test_signal_entered_by_ogrn_before_any_check_counts_in_a_check_by_inn(tmp_path):
    db = str(tmp_path / "db.sqlite")
    assert run_cli("signals", "add", DEMO_OGRN, "no_signing_authority", "--by", "anna", "--db", db).returncode == 0
    document = check_json("--inn", DEMO_INN, "--replay", str(DEMO), "--db", db)
    factor = next(f for f in document["factors"] if f["code"] == "signal_no_signing_authority")
    assert factor["points"] == SIGNALS["no_signing_authority"].points and "anna" in factor["summary"]


# --- naming the company ------------------------------------------------------------


def test_name_of_a_checked_company_resolves_to_its_inn(tmp_path):
    db = str(tmp_path / "db.sqlite")
    check_json("--inn", DEMO_INN, "--replay", str(DEMO), "--db", db)
    result = run_cli("signals", "add", "демо-поставка", "promises_broken", "--db", db)
    assert result.returncode == 0, result.stderr
    assert [row["company_key"] for row in listed(Path(db), DEMO_OGRN)] == [f"ru:inn:{DEMO_INN}"]


def test_name_shared_by_two_companies_is_ambiguous(store):
    """Two made-up companies named «Ромашка» with different INNs."""
    for inn in ("0000000025", "0000000032"):
        identity = parse_inn(inn)
        check_id = store.start_check(identity)
        store.record_fact(check_id=check_id, company_key=identity.key, source="egrul", kind="registry_record",
                          key=inn, data={"name": 'ООО "Ромашка"', "inn": inn}, response_id=None)
    directory = Directory(store.path)
    with pytest.raises(UnknownCompany, match="matches 2 companies"):
        directory.resolve("Ромашка")
    with pytest.raises(UnknownCompany, match="no company named"):
        directory.resolve("Лютик")
    assert directory.resolve("0000000025").label == 'ООО "Ромашка"'


# --- the signals commands -----------------------------------------------------------


def test_add_list_remove(tmp_path):
    db = tmp_path / "db.sqlite"
    added = run_cli("signals", "add", MADE_UP_INN, "cash_off_books", "--note", "half in cash", "--by", "anna",
                    "--db", str(db))
    assert added.returncode == 0 and "recorded cash_off_books" in added.stdout
    again = run_cli("signals", "add", MADE_UP_INN, "cash_off_books", "--db", str(db))
    assert again.returncode == 0 and "already recorded" in again.stdout
    [row] = listed(db, MADE_UP_INN)
    assert (row["code"], row["note"], row["entered_by"], row["points"]) == (
        "cash_off_books", "half in cash", "anna", 20)
    table = run_cli("signals", "list", MADE_UP_INN, "--db", str(db), env={"COLUMNS": "120"})
    assert "cash_off_books" in table.stdout and "half in cash" in table.stdout

    removed = run_cli("signals", "remove", MADE_UP_INN, "cash_off_books", "--by", "boris", "--db", str(db))
    assert removed.returncode == 0, removed.stderr
    assert listed(db, MADE_UP_INN) == []
    [history] = listed(db, MADE_UP_INN, "--all")
    assert history["removed_by"] == "boris" and history["removed_at"]


@pytest.mark.parametrize("args, message", [
    (["signals", "add", "7707083894", "cash_off_books"], "wrong checksum"),
    (["signals", "add", "77070838931", "cash_off_books"], "11 digits"),
    (["signals", "add", MADE_UP_INN, "pays_in_bitcoin"], "unknown signal code"),
    (["signals", "add", "ООО Нет Такой", "cash_off_books"], "no company named"),
    (["signals", "add", " ", "cash_off_books"], "company is empty"),
    (["signals", "remove", MADE_UP_INN, "promises_broken"], "no active promises_broken"),
    (["signals", "list", "1027700132196"], "wrong checksum"),
    (["interview", "7707083894"], "wrong checksum"),
])
def test_bad_input_exits_2_and_changes_nothing(tmp_path, args, message):
    db = tmp_path / "db.sqlite"
    assert run_cli("signals", "add", MADE_UP_INN, "cash_off_books", "--db", str(db)).returncode == 0
    before = dump(db)
    result = run_cli(*args, "--db", str(db))
    assert result.returncode == 2
    assert message in result.stderr
    assert dump(db) == before


def test_bad_inn_does_not_create_the_database(tmp_path):
    db = tmp_path / "db.sqlite"
    result = run_cli("signals", "add", "7707083894", "cash_off_books", "--db", str(db))
    assert result.returncode == 2 and "wrong checksum" in result.stderr
    assert not db.exists()


def test_codes_lists_every_code_with_its_question(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('high_risk_industries = ["seafood trading", "crypto exchanges"]\n', encoding="utf-8")
    result = run_cli("signals", "codes", "--lang", "ru", env={"COLUMNS": "250", "CLIENTVET_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    for signal in CATALOGUE:
        assert signal.code in result.stdout
    assert "crypto exchanges" in result.stdout and "Клиент задаёт много вопросов" in result.stdout


# --- the interview ------------------------------------------------------------------


def answers(**given: str) -> str:
    """Typed input for the whole interview: given codes get their answer lines, the rest Enter (skip)."""
    return "".join(given.get(signal.code, "\n") for signal in CATALOGUE)


def test_interview_in_english_records_yes_clears_no_and_skips_the_rest(tmp_path):
    db = tmp_path / "db.sqlite"
    assert run_cli("signals", "add", MADE_UP_INN, "promises_broken", "--db", str(db)).returncode == 0
    stdin = answers(anonymous_contact="1\nvoice message from an unknown number\n",
                    promises_broken="2\n",
                    cash_off_books="7\n1\n\n",  # 7 is not an answer: asked again
                    asks_many_questions="1\n\n")
    result = run_with_input(stdin, "interview", MADE_UP_INN, "--by", "anna", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Does the client want to pay in cash or off the books?" in result.stdout
    assert "Done: 3 yes, 1 no, 10 skipped." in result.stdout
    rows = {row["code"]: row for row in listed(db, MADE_UP_INN)}
    assert set(rows) == {"anonymous_contact", "cash_off_books", "asks_many_questions"}
    assert rows["anonymous_contact"]["note"] == "voice message from an unknown number"
    assert rows["cash_off_books"]["note"] is None
    assert {row["entered_by"] for row in rows.values()} == {"anna"}
    cleared = [row for row in listed(db, MADE_UP_INN, "--all") if row["code"] == "promises_broken"]
    assert cleared[0]["removed_by"] == "anna"


def test_interview_in_russian(tmp_path):
    db = tmp_path / "db.sqlite"
    stdin = answers(cash_off_books="1\nпросил половину наличными\n", reads_contract_carefully="1\n\n")
    result = run_with_input(stdin, "interview", MADE_UP_INN, "--lang", "ru", "--by", "борис", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Клиент хочет платить наличными" in result.stdout and "1) да" in result.stdout
    assert "Готово: да — 2, нет — 0, пропущено — 12." in result.stdout
    rows = {row["code"]: row for row in listed(db, MADE_UP_INN)}
    assert rows["cash_off_books"]["note"] == "просил половину наличными"
    assert rows["reads_contract_carefully"]["entered_by"] == "борис"


def test_interview_cut_short_keeps_the_answers_given(tmp_path):
    db = tmp_path / "db.sqlite"
    result = run_with_input("1\n\n2\n", "interview", MADE_UP_INN, "--db", str(db))
    assert result.returncode == 1
    assert "answers given so far are saved" in result.stderr
    assert [row["code"] for row in listed(db, MADE_UP_INN)] == [CATALOGUE[0].code]


def test_every_command_has_help_with_an_example():
    for command in (["signals", "add"], ["signals", "list"], ["signals", "remove"], ["signals", "codes"],
                    ["interview"], ["history", "import"], ["history", "show"]):
        result = run_cli(*command, "--help")
        assert result.returncode == 0 and "Example" in result.stdout, command


def test_a_cik_is_written_with_its_prefix_and_a_bare_short_number_stays_a_uk_company(tmp_path):
    from clientvet.evidence.companies import Directory

    directory = Directory(tmp_path / "none.sqlite")
    assert directory.resolve("CIK 1318605").key == "us:cik:0001318605"
    assert directory.resolve("1318605").key == "gb:company_number:01318605"
