"""`clientvet report`: a stored check as HTML, PDF, Markdown, JSON and CSV, from the database alone.

The checks are real replays of the demo company (hand-made recordings of a made-up company),
one of them from a copy whose registry and review answers carry hostile text, as a scraped
page may: a script, an image with onerror, a Markdown link, a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clientvet.evidence.store import Store
from clientvet.reports import formats
from clientvet.reports.stored import load
from tests.conftest import AS_OF, DEMO, ROOT, run_cli

INN = "0000123450"
SCRIPT = "<script>window.pwned = 1</script>"
IMAGE = "<img src=x onerror=window.pwned=2>"
LINK = "[click](javascript:window.pwned=3)"
FORMULA = '=HYPERLINK("http://example.invalid")'
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots and page images a person can look at (not committed)


def _hostile_demo(into: Path) -> Path:
    """The demo recordings, with hostile text in the registry's head and in a 2GIS review."""
    shutil.copytree(DEMO, into)
    for name, old, new in (
            ("egrul-0000123450.har", "Примеров Пётр Петрович", f"Примеров {IMAGE} Пётр Петрович"),
            ("twogis-0000123450.har", "Сорвали сроки приёмки на неделю.",
             f"Сорвали сроки. {SCRIPT} {LINK} | {FORMULA}")):
        har = into / name
        archive = json.loads(har.read_text(encoding="utf-8"))
        for entry in archive["log"]["entries"]:
            content = entry["response"]["content"]
            if old in content.get("text", ""):
                content["text"] = content["text"].replace(old, json.dumps(new, ensure_ascii=False)[1:-1])
        har.write_text(json.dumps(archive, ensure_ascii=False), encoding="utf-8")
    return into


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """Check 1: the demo; then a signal and invoices; check 2: the hostile copy, for a deferred deal (red)."""
    where = tmp_path_factory.mktemp("report")
    path = where / "db.sqlite"
    first = run_cli("check", "--inn", INN, "--replay", "demo", "--db", str(path), "--as-of", AS_OF)
    assert first.returncode == 0, first.stderr
    assert run_cli("signals", "add", INN, "cash_off_books", "--note", "asked <b>twice</b>", "--by", "anna",
                   "--db", str(path)).returncode == 0
    invoices = where / "invoices.csv"
    invoices.write_text("company,invoice_id,issued,due,paid,amount,currency\n"
                        f"{INN},INV-1,2026-01-10,2026-01-20,2026-01-22,150000.00,RUB\n"
                        f"{INN},INV-2,2026-03-01,2026-03-15,,90000.00,RUB\n", encoding="utf-8")
    assert run_cli("history", "import", str(invoices), "--db", str(path)).returncode == 0
    second = run_cli("check", "--inn", INN, "--replay", str(_hostile_demo(where / "hostile")), "--db", str(path),
                     "--as-of", AS_OF, "--purpose", "deferred", "--amount", "100000", "--contact", "Иванов Иван")
    assert second.returncode == 0, second.stderr
    return path


def stored(db: Path, check_id: int = 2):
    keys = (f"ru:inn:{INN}", "ru:ogrn:1000000000010")
    return load(Store(db), check_id, keys, INN, sources_for=_no_sources)


def _no_sources(jurisdiction):
    raise AssertionError("a check with a stored document is never judged again")


def report(db: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return run_cli("report", INN, "--db", str(db), *args, **kwargs)


# --- the verdict as given, read from the database alone -------------------------------------------


def test_json_is_the_document_check_printed_plus_the_history(db, tmp_path):
    again = run_cli("check", "--inn", INN, "--replay", "demo", "--db", str(tmp_path / "own.sqlite"),
                    "--as-of", AS_OF, "--json")
    printed = json.loads(again.stdout)
    shown = json.loads(run_cli("report", INN, "--db", str(tmp_path / "own.sqlite"), "--format", "json").stdout)
    assert shown == {**printed, "history": []}

    second = json.loads(report(db, "--format", "json").stdout)
    first = json.loads(report(db, "--check", "1", "--format", "json").stdout)
    assert (second["check_id"], second["verdict"], first["verdict"]) == (2, "red", "amber")
    assert second["history"] == [{"check_id": 1, "checked_at": first["checked_at"], "verdict": "amber",
                                  "score": first["score"]}]
    assert "signal_cash_off_books" in {f["code"] for f in second["factors"]}
    assert "signal_cash_off_books" not in {f["code"] for f in first["factors"]}  # entered after check 1


def test_a_report_shows_the_verdict_that_was_given_not_one_judged_again_today(db, tmp_path):
    """Rules disabled in the config since, and a signal withdrawn since, change nothing in the report."""
    config = tmp_path / "config.toml"
    config.write_text('[rules]\ndisabled = ["creditor_intends_bankruptcy"]\n', encoding="utf-8")
    assert run_cli("signals", "remove", INN, "cash_off_books", "--db", str(db)).returncode == 0
    try:
        shown = json.loads(report(db, "--format", "json", env={"CLIENTVET_CONFIG": str(config)}).stdout)
        page = report(db, "--format", "md").stdout
    finally:
        assert run_cli("signals", "add", INN, "cash_off_books", "--note", "asked <b>twice</b>", "--by", "anna",
                       "--db", str(db)).returncode == 0
    assert {"creditor_intends_bankruptcy", "signal_cash_off_books"} <= {f["code"] for f in shown["factors"]}
    assert "`cash_off_books`" in page  # the signals section lists what was active when the check ended


def test_a_check_stored_before_documents_is_judged_again_from_its_evidence_and_says_so(db, tmp_path):
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(old) as copy:
        source.backup(copy)
        copy.execute("delete from check_documents")
    page = run_cli("report", INN, "--db", str(old), "--format", "md", "--check", "1").stdout
    assert "worked out again from its stored evidence" in page
    assert re.search(r"\*\*(GREEN|AMBER|RED) — .*\*\* · score \d+/100", page)


@pytest.mark.parametrize("args, message", [
    (("--check", "99"), "no check #99 of"),
    (("--check", "0"), "0 is not in the range"),
])
def test_a_check_that_is_not_there_is_refused(db, args, message):
    result = report(db, *args, "--format", "md")
    assert result.returncode in (1, 2) and message in " ".join(result.stderr.split()) and not result.stdout


def test_a_company_never_checked_and_a_missing_database_are_refused(db, tmp_path):
    never = run_cli("report", "7707083893", "--db", str(db), "--format", "md")
    missing = run_cli("report", INN, "--db", str(tmp_path / "none.sqlite"), "--format", "md")
    assert never.returncode == missing.returncode == 1
    assert "has no finished check" in never.stderr and "no evidence database" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_the_company_is_found_by_name_as_the_other_commands_find_it(db):
    by_name = json.loads(run_cli("report", "ДЕМО-ПОСТАВКА", "--db", str(db), "--format", "json").stdout)
    assert by_name["check_id"] == 2


# --- HTML: self-contained, inert, looks right in a real browser -----------------------------------


def test_html_is_one_inert_page_that_fetches_nothing_in_chromium(db, tmp_path):
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(formats.html(stored(db), "en"), encoding="utf-8")
    source = page_file.read_text(encoding="utf-8")
    assert "<script" not in source and "onerror=window" not in source.replace("onerror=window.pwned=2&gt;", "")
    ARTIFACTS.mkdir(exist_ok=True)
    requested = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_file.as_uri())
            page.screenshot(path=str(ARTIFACTS / "report-en.png"), full_page=True)
            pwned = page.evaluate("window.pwned")
            counts = page.evaluate("[document.scripts.length, document.images.length]")
            text = page.inner_text("body")
            light = page.inner_text(".light")
            title = page.title()
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        finally:
            browser.close()
    assert requested == [page_file.as_uri()]  # no stylesheet, font, image or script fetched
    assert pwned is None and counts == [0, 0]
    assert SCRIPT in text and IMAGE in text and LINK in text  # scraped text shows as text
    assert light == "RED — decline, or only with full prepayment"
    assert 'ДЕМО-ПОСТАВКА' in title and "check #2" in title
    for heading in ("Company", "Verdict", "Evidence", "What was checked", "Safeguards",
                    "What would change this verdict", "Conversation signals and account history",
                    "Earlier checks of this company"):
        assert f"\n{heading}\n" in f"\n{text}\n", heading
    assert width[0] <= width[1]  # nothing runs off to the side (long addresses wrap)


def test_html_says_where_every_fact_came_from(db):
    checked = stored(db)
    page = formats.html(checked, "en")
    for observation in checked.evidence.observations:
        assert observation.sha256 and observation.sha256 in page
        assert f'id="fact-{observation.fact_id[:12]}"' in page
    factor_links = re.findall(r'href="#(fact-[0-9a-f]{12})"', page)
    assert factor_links and all(f'id="{anchor}"' in page for anchor in factor_links)
    assert "the head: acts for the company without a power of attorney" in page
    assert "5 years 8 months old" in page
    assert re.search(r"<td>[^<]*</td><td>#1</td><td><span class=\"dot amber\"></span> amber</td>", page)


# --- PDF: A4, page numbers, Cyrillic --------------------------------------------------------------


def test_pdf_is_a4_with_page_numbers_and_correct_cyrillic(db, tmp_path):
    from PIL import Image

    out = tmp_path / "report.pdf"
    result = report(db, "--format", "pdf", "--lang", "ru", "--out", str(out))
    assert result.returncode == 0, result.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ДЕМО-ПОСТАВКА"' in text
    assert "КРАСНЫЙ — отказаться или только по полной предоплате" in text
    assert f"стр. 1 / {pages}" in text and f"стр. {pages} / {pages}" in text
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(out),
                    str(ARTIFACTS / "report-ru-page1")], check=True)
    image = Image.open(ARTIFACTS / "report-ru-page1.png").convert("L")
    dark = sum(image.histogram()[:128])
    assert image.size[0] < image.size[1] and dark > 0.01 * image.size[0] * image.size[1]  # portrait, not blank


def test_pdf_is_not_printed_on_a_terminal(db):
    main, terminal = os.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "clientvet", "report", INN, "--db", str(db), "--format", "pdf"],
                                stdout=terminal, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
                                env={**os.environ, "CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml")})
    finally:
        os.close(terminal)
        os.close(main)
    assert result.returncode == 2 and "not printed on a terminal" in result.stderr


# --- Markdown and CSV -----------------------------------------------------------------------------


def test_markdown_shows_scraped_text_as_text(db):
    page = report(db, "--format", "md").stdout
    assert not re.search(r"(?<!\\)[<\[]", page.split("## Evidence")[1])  # no tag, no link: each one escaped
    assert r"\<script\>window.pwned = 1\</script\>" in page and r"\[click\](javascript:window.pwned=3)" in page
    for line in page.splitlines():
        if line.startswith("| "):  # a table row keeps its cells: a scraped | is escaped
            assert len(re.findall(r"(?<!\\)\|", line)) in (3, 4, 5, 6), line
    assert "**RED — decline, or only with full prepayment** · score" in page


def test_csv_into_a_directory_is_a_file_per_table_with_source_url_and_hash(db, tmp_path):
    result = report(db, "--format", "csv", "--out", f"{tmp_path}/")
    assert result.returncode == 0, result.stderr
    document = json.loads(report(db, "--format", "json").stdout)
    factors = list(csv.DictReader((tmp_path / f"clientvet-inn-{INN}-check2-factors.csv").open(encoding="utf-8")))
    facts = list(csv.DictReader((tmp_path / f"clientvet-inn-{INN}-check2-facts.csv").open(encoding="utf-8")))
    assert [(row["code"], int(row["points"])) for row in factors] == \
        [(f["code"], f["points"]) for f in document["factors"]]
    assert len(facts) == len(stored(db).evidence.observations)
    assert all(row["source"] and row["url"].startswith("https://") and re.fullmatch(r"[0-9a-f]{64}", row["sha256"])
               for row in facts)
    creditors = next(row for row in factors if row["code"] == "creditor_intends_bankruptcy")
    assert creditors["sources"] == "fedresurs" and len(creditors["fact_ids"].split()) == 1
    review = next(row for row in facts if FORMULA.replace('"', "") in row["data"].replace('\\"', ""))
    assert SCRIPT in json.loads(review["data"])["text"]


def test_csv_in_one_file_tells_the_tables_apart_and_no_cell_is_a_formula(db):
    rows = list(csv.DictReader(io.StringIO(report(db, "--format", "csv").stdout)))
    assert {row["table"] for row in rows} == {"factor", "fact"}
    assert [row["table"] for row in rows] == sorted((row["table"] for row in rows), key=lambda t: t != "factor")
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values() if value)
    text = formats.csv_text([{"summary": FORMULA, "points": -5}], ("summary", "points"))
    assert text.splitlines()[1] == "\"'=HYPERLINK(\"\"http://example.invalid\"\")\",-5"


# --- --out ------------------------------------------------------------------------------------------


def test_out_does_not_climb_and_does_not_overwrite_without_force(db, tmp_path):
    (tmp_path / "inside").mkdir()
    climbing = report(db, "--format", "md", "--out", str(tmp_path / "inside" / ".." / "x.md"))
    assert climbing.returncode == 2 and "'..'" in climbing.stderr and not (tmp_path / "x.md").exists()

    target = tmp_path / "report.md"
    target.write_text("kept", encoding="utf-8")
    refused = report(db, "--format", "md", "--out", str(target))
    assert refused.returncode == 2 and "--force" in refused.stderr and target.read_text() == "kept"
    forced = report(db, "--format", "md", "--out", str(target), "--force")
    assert forced.returncode == 0 and target.read_text(encoding="utf-8").startswith("# Evidence report")


def test_out_replaces_a_link_instead_of_writing_through_it(db, tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours", encoding="utf-8")
    link = tmp_path / "report.html"
    link.symlink_to(elsewhere)
    assert report(db, "--format", "html", "--out", str(link)).returncode == 2
    assert report(db, "--format", "html", "--out", str(link), "--force").returncode == 0
    assert not link.is_symlink() and elsewhere.read_text() == "not yours"


def test_a_name_made_for_a_directory_never_comes_from_scraped_text(db, tmp_path):
    result = report(db, "--format", "html", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == [f"clientvet-inn-{INN}-check2.html"]
    assert result.stdout.strip() == f"wrote {tmp_path / f'clientvet-inn-{INN}-check2.html'}"


# --- languages ------------------------------------------------------------------------------------


def test_russian_report_speaks_russian(db):
    page = report(db, "--format", "md", "--lang", "ru").stdout
    for russian in ("# Отчёт о проверке", "## Вердикт", "**КРАСНЫЙ — отказаться или только по полной предоплате**",
                    "балл риска", "Кредиторы объявили о намерении подать на банкротство компании",
                    "Откажитесь или работайте только по 100% предоплате", "## Меры защиты",
                    "руководитель: действует от имени компании без доверенности", "5 лет 8 месяцев",
                    "Клиент хочет платить наличными или неофициально."):
        assert russian in page, russian
    for english in ("Decline, or", "Stage the work", "would have to go away", "Creditors announced", "Safeguards"):
        assert english not in page, english


def test_the_language_follows_the_locale_unless_lang_is_given(db):
    russian = report(db, "--format", "md", env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "ru_RU.UTF-8"}).stdout
    english = report(db, "--format", "md", env={"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}).stdout
    chosen = report(db, "--format", "md", "--lang", "en", env={"LC_ALL": "ru_RU.UTF-8"}).stdout
    assert russian.startswith("# Отчёт о проверке") and english.startswith("# Evidence report")
    assert chosen.split("\nGenerated ")[0] == english.split("\nGenerated ")[0]


def test_check_summary_speaks_russian_with_lang_ru(tmp_path):
    result = run_cli("check", "--inn", INN, "--replay", "demo", "--db", str(tmp_path / "db.sqlite"),
                     "--as-of", AS_OF, "--lang", "ru", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    for russian in ("ЖЁЛТЫЙ — работать с мерами защиты", "балл риска 48/100", "Меры защиты", "Что проверено",
                    "ИНН 0000123450", "Банкротство", "обязательный источник", "Что изменило бы вердикт"):
        assert russian in result.stdout, russian
    assert "Safeguards" not in result.stdout and "AMBER" not in result.stdout
