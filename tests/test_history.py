"""Account history: CSV import (all or nothing), payment discipline, harmful / normal / loyal, history factors.

Every company here is made up: valid-checksum INNs with no real company behind them.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.verdict import evaluate
from clientvet.evidence.store import Store
from clientvet.checks.history import EVENT_KINDS, FORMATS, AccountEvent, AccountHistory, Invoice
from clientvet.evidence.identifiers import parse_inn
from tests.conftest import AS_OF, DEMO, check_json, run_cli

LOYAL = "0000000018"  # made-up ООО «Пример-Лоял»: pays on time, orders again
NORMAL = "0000000025"  # made-up ООО «Пример-Норма»: a week late now and then
HARMFUL = "0000000032"  # made-up ООО «Пример-Вред»: an invoice 23 days overdue
DEMO_INN = "0000123450"  # the bundled made-up demo company

INVOICES = f"""company,invoice_id,issued,due,paid,amount,currency
{LOYAL},L-1,2026-01-05,2026-01-15,2026-01-15,100000.00,RUB
{LOYAL},L-2,2026-02-05,2026-02-15,2026-02-17,100000.00,RUB
{LOYAL},L-3,2026-03-05,2026-03-15,2026-03-14,100000.00,RUB
{LOYAL},L-4,2026-11-10,2026-11-30,,100000.00,RUB
{NORMAL},N-1,2026-01-20,2026-01-31,2026-02-03,40000,RUB
{NORMAL},N-2,2026-02-18,2026-02-28,2026-03-09,40000,RUB
{HARMFUL},H-1,2026-01-20,2026-01-31,2026-02-01,80000,RUB
{HARMFUL},H-2,2026-10-20,2026-10-31,,80000,RUB
"""
EVENTS = f"""company,date,kind,note
{LOYAL},2026-03-20,repeat_order,second site
{LOYAL},2026-04-01,discount_request,asked for 10% off
{HARMFUL},2026-05-03,rude_contact,shouted at the project manager
{HARMFUL},2026-05-04,off_hours_demand,called at 23:40
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def show(db: Path, company: str) -> dict:
    result = run_cli("history", "show", company, "--json", "--as-of", AS_OF, "--db", str(db))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


@pytest.fixture
def imported(tmp_path) -> Path:
    db = tmp_path / "db.sqlite"
    for name, text in (("invoices.csv", INVOICES), ("events.csv", EVENTS)):
        result = run_cli("history", "import", write(tmp_path, name, text), "--db", str(db))
        assert result.returncode == 0, result.stderr
    return db


# --- import -------------------------------------------------------------------------


def test_good_files_are_imported_and_a_reimport_duplicates_nothing(imported, tmp_path):
    assert (count(imported, "invoices"), count(imported, "account_events")) == (8, 4)
    again = run_cli("history", "import", write(tmp_path, "invoices.csv", INVOICES), "--db", str(imported))
    assert again.returncode == 0 and "8 invoices for 3 company(ies): 0 new, 8 already stored" in again.stdout
    run_cli("history", "import", write(tmp_path, "events.csv", EVENTS), "--db", str(imported))
    assert (count(imported, "invoices"), count(imported, "account_events")) == (8, 4)


def test_reimport_updates_an_invoice_that_was_paid_since(imported, tmp_path):
    paid = INVOICES.splitlines()[0] + f"\n{HARMFUL},H-2,2026-10-20,2026-10-31,2026-11-02,80000,RUB\n"
    assert run_cli("history", "import", write(tmp_path, "paid.csv", paid), "--db", str(imported)).returncode == 0
    discipline = show(imported, HARMFUL)["discipline"]
    assert (discipline["paid"], discipline["worst_days_late"], discipline["unpaid_overdue"]) == (2, 2, [])


def test_one_bad_row_imports_nothing_and_names_its_line(tmp_path):
    db = tmp_path / "db.sqlite"
    assert run_cli("history", "import", write(tmp_path, "events.csv", EVENTS), "--db", str(db)).returncode == 0
    bad = INVOICES.replace("N-2,2026-02-18,2026-02-28", "N-2,2026-02-18,2026-02-30")
    result = run_cli("history", "import", write(tmp_path, "bad.csv", bad), "--db", str(db))
    assert result.returncode == 2
    assert "bad.csv line 7: due '2026-02-30' is not a real date" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert (count(db, "invoices"), count(db, "account_events")) == (0, 4)


@pytest.mark.parametrize("text, message", [
    (INVOICES + f"{LOYAL},L-1,2026-01-05,2026-01-15,,5,RUB\n", "line 10: repeats line 2"),
    (INVOICES + f"{LOYAL},L-9,2026-01-05,2026-01-01,,5,RUB\n", "line 10: due 2026-01-01 is before issued 2026-01-05"),
    (INVOICES + f"{LOYAL},L-9,05.01.2026,2026-01-15,,5,RUB\n", "line 10: issued '05.01.2026' is not a date YYYY-MM-DD"),
    (INVOICES + f"{LOYAL},L-9,\u0662\u0660\u0662\u0666-01-05,2026-01-15,,5,RUB\n",
     "line 10: issued '٢٠٢٦-01-05' is not a date"),
    (INVOICES + f"{LOYAL},L-9,2026-01-05,2026-01-15,,-5,RUB\n", "line 10: amount '-5' must be a positive number"),
    (INVOICES + f"{LOYAL},L-9,2026-01-05,2026-01-15,,\"1,500\",RUB\n", "line 10: amount '1,500' is ambiguous"),
    (INVOICES + f"{LOYAL},L-9,2026-01-05,2026-01-15,,\u0661\u0665,RUB\n", "line 10: amount '١٥' is not a number"),
    (INVOICES + f"{LOYAL},L-9,2026-01-05,2026-01-15,,5,рубли\n", "line 10: currency 'рубли' is not a three-letter"),
    (INVOICES + "7707083894,L-9,2026-01-05,2026-01-15,,5,RUB\n", "line 10: company: INN 7707083894 has a wrong"),
    (INVOICES + "ООО Неизвестная,L-9,2026-01-05,2026-01-15,,5,RUB\n", "line 10: company: no company named"),
    (INVOICES + f"{LOYAL},L-9,2026-01-05\n", "line 10: 3 cells, the header has 7"),
    (EVENTS + f"{LOYAL},2026-05-01,lawsuit_threat,\n", "line 6: kind 'lawsuit_threat' is not one of"),
    (INVOICES.replace("currency\n", "currency,vat\n", 1), "line 1 (invoices): unknown column(s) vat"),
    (INVOICES.replace(",currency\n", "\n", 1), "line 1 (invoices): missing column(s) currency"),
    ("company,when,what\n", "cannot tell the format"),
    ("", "cannot tell the format"),
])
def test_bad_files_are_refused_with_the_reason(tmp_path, text, message):
    db = tmp_path / "db.sqlite"
    result = run_cli("history", "import", write(tmp_path, "file.csv", text), "--db", str(db))
    assert result.returncode == 2
    assert message in result.stderr
    assert not db.exists()


def test_amounts_as_russian_and_english_exports_write_them_are_read(tmp_path):
    db = tmp_path / "db.sqlite"
    rows = "".join(f'{LOYAL},X-{n},2026-01-05,2026-01-15,,"{amount}",RUB\n'
                   for n, amount in enumerate(("1 500 000,50", "1,500,000.50", "1500000.5")))
    assert run_cli("history", "import", write(tmp_path, "mixed.csv", INVOICES.split("\n")[0] + "\n" + rows),
                   "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as conn:
        assert [amount for (amount,) in conn.execute("select amount from invoices")] == [1_500_000.5] * 3


def test_company_option_fills_empty_cells_and_refuses_other_companies(tmp_path):
    db = tmp_path / "db.sqlite"
    events = "date,kind,note\n2026-04-01,discount_request,\n2026-04-09,repeat_order,\n"
    result = run_cli("history", "import", write(tmp_path, "events.csv", events), "--company", NORMAL, "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert show(db, NORMAL)["events"] == {"discount_request": 1, "repeat_order": 1}
    mixed = f"company,date,kind,note\n,2026-04-01,discount_request,\n{LOYAL},2026-04-02,repeat_order,\n"
    result = run_cli("history", "import", write(tmp_path, "mixed.csv", mixed), "--company", NORMAL, "--db", str(db))
    assert result.returncode == 2
    assert f"line 3: company: '{LOYAL}' is not the company given with --company" in result.stderr
    no_company = run_cli("history", "import", write(tmp_path, "events.csv", events), "--db", str(db))
    assert no_company.returncode == 2 and "missing column(s) company" in no_company.stderr


def test_a_file_in_another_encoding_is_refused(tmp_path):
    db = tmp_path / "db.sqlite"
    result = run_cli("history", "import", write(tmp_path, "ru.csv", EVENTS.replace("second site", "второй сайт"),
                                                "cp1251"), "--db", str(db))
    assert result.returncode == 2 and "ru.csv is not UTF-8 text" in result.stderr
    assert not db.exists()


def test_semicolons_and_a_byte_order_mark_are_read(tmp_path):
    """As Excel saves a CSV in a Russian locale."""
    db = tmp_path / "db.sqlite"
    text = INVOICES.replace(",", ";")
    result = run_cli("history", "import", write(tmp_path, "excel.csv", text, "utf-8-sig"), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert count(db, "invoices") == 8


def test_import_help_documents_both_formats_and_every_event_kind():
    result = run_cli("history", "import", "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    for fmt in FORMATS:
        assert ",".join(["company", *fmt.fields]) in result.stdout
    for kind in EVENT_KINDS:
        assert kind in result.stdout


# --- payment discipline and class --------------------------------------------------------


@pytest.mark.parametrize("company, average, worst, share, overdue, label", [
    (LOYAL, 0.7, 2, 0.0, [], "loyal"),  # L-4 is not due yet
    (NORMAL, 6.0, 9, 0.5, [], "normal"),  # 3 days late is normal; 9 is late
    (HARMFUL, 1.0, 23, 0.0, ["H-2"], "harmful"),  # unpaid 23 days after due
])
def test_payment_discipline_and_class(imported, company, average, worst, share, overdue, label):
    document = show(imported, company)
    discipline = document["discipline"]
    assert discipline["average_days_late"] == average
    assert discipline["worst_days_late"] == worst
    assert discipline["share_paid_late"] == share
    assert [i["invoice_id"] for i in discipline["unpaid_overdue"]] == overdue
    assert document["class"] == label


def test_reasons_name_the_thresholds(imported):
    assert show(imported, HARMFUL)["reasons"] == [
        "paid or still unpaid 23 days after due (15+ days: renegotiate or part ways)"]
    assert show(imported, LOYAL)["reasons"] == [
        "pays on time: worst delay 2 days (up to 3 is normal)", "1 repeat order(s)", "little friction: 1 event(s)"]
    assert "no repeat orders yet" in show(imported, NORMAL)["reasons"]


def test_readable_summary(imported):
    result = run_cli("history", "show", HARMFUL, "--as-of", AS_OF, "--db", str(imported), env={"COLUMNS": "120"})
    assert result.returncode == 0, result.stderr
    assert "worst days late" in result.stdout and "23" in result.stdout and "80,000.00 RUB" in result.stdout
    assert "class: harmful" in result.stdout and "15–30 days late: renegotiate or part ways" in result.stdout


def invoice(due: str, paid: str | None) -> Invoice:
    return Invoice("ru:inn:x", f"I-{due}", date(2026, 1, 1), date.fromisoformat(due),
                   date.fromisoformat(paid) if paid else None, 1.0, "RUB")


def event(kind: str, day: int = 1) -> AccountEvent:
    return AccountEvent("ru:inn:x", date(2026, 6, day), kind, "")


@pytest.mark.parametrize("invoices, events, label", [
    ([invoice("2026-02-01", "2026-02-04")], [event("repeat_order")], "loyal"),  # 3 days: still normal
    ([invoice("2026-02-01", "2026-02-05")], [event("repeat_order")], "normal"),  # 4 days: late
    ([invoice("2026-02-01", "2026-02-15")], [], "normal"),  # 14 days
    ([invoice("2026-02-01", "2026-02-16")], [], "harmful"),  # 15 days: renegotiate or part ways
    ([invoice("2026-11-08", None)], [], "harmful"),  # unpaid 15 days after due as of 2026-11-23
    ([invoice("2026-02-01", "2026-02-01")], [event("repeat_order"), event("rude_contact")], "loyal"),
    ([invoice("2026-02-01", "2026-02-01")], [event("repeat_order"), event("rude_contact"), event("discount_request")],
     "normal"),  # two friction events are more than a little
    ([invoice("2026-02-01", "2026-02-01")], [event("discount_request", d) for d in (1, 2, 3)], "harmful"),
    ([], [event("repeat_order")], "normal"),  # nothing paid yet: not loyal
])
def test_class_thresholds(invoices, events, label):
    assert AccountHistory(tuple(invoices), tuple(events)).classify(date(2026, 11, 23)).label == label


# --- history becomes factors of a check ------------------------------------------------------


def history_factors(db: Path, inn: str) -> dict[str, int]:
    store = Store(db)
    check_id = store.start_check(parse_inn(inn))
    verdict = evaluate(CheckEvidence.load(store, check_id, frozenset(), date(2026, 11, 23)))
    return {f.rule.code: f.points for f in verdict.factors if f.rule.group == "history"}


def test_history_factors(imported):
    assert history_factors(imported, LOYAL) == {"history_loyal_client": -10, "history_discount_request": 5}
    assert history_factors(imported, NORMAL) == {"history_late_payments": 10}
    assert history_factors(imported, HARMFUL) == {"history_very_late_payments": 25, "history_unpaid_overdue": 10,
                                                  "history_rude_contact": 10, "history_off_hours_demand": 3}


def test_friction_points_are_capped(tmp_path):
    db = tmp_path / "db.sqlite"
    events = "date,kind,note\n" + "".join(f"2026-06-0{d},discount_request,\n" for d in range(1, 6))
    result = run_cli("history", "import", write(tmp_path, "e.csv", events), "--company", NORMAL, "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert history_factors(db, NORMAL) == {"history_discount_request": 15}


def test_check_of_the_demo_company_shows_its_history(tmp_path):
    db = str(tmp_path / "db.sqlite")
    invoices = f"company,invoice_id,issued,due,paid,amount,currency\n{DEMO_INN},D-1,2026-08-01,2026-08-15,,50000,RUB\n"
    assert run_cli("history", "import", write(tmp_path, "d.csv", invoices), "--db", db).returncode == 0
    document = check_json("--inn", DEMO_INN, "--replay", str(DEMO), "--db", db)
    history = {f["code"]: f for f in document["factors"] if f["group"] == "history"}
    assert set(history) == {"history_very_late_payments", "history_unpaid_overdue"}
    assert "worst 100 days late" in history["history_very_late_payments"]["summary"]
    assert "1 invoice(s), 50,000.00 RUB" in history["history_unpaid_overdue"]["summary"]
