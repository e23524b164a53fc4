"""Hostile input, as a tester would try it through the CLI.

Escape sequences in scraped text never reach the terminal and JSON stays valid; identifiers
and amounts outside what a registry or a deal can be exit 2 with the reason and write nothing;
broken recordings, configs and CSV files are one line, never a traceback; API keys are never
stored or shown.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from clientvet import cli as cli_module
from clientvet.cli import cli
from clientvet.crawler.base import TerminalLogFormatter, describe_failure
from clientvet.crawler.middlewares import ArchiveMiddleware
from clientvet.crawler.spiders.twogis import TwogisSpider, with_key
from tests.conftest import AS_OF, DEMO, ROOT, run_cli

DEMO_INN = "0000123450"
# Colour, an OSC-8 hyperlink to a local file, clear-screen, a right-to-left override, an 8-bit CSI, Rich markup.
HOSTILE = ("ООО \x1b[31mRED\x1b[0m \x1b]8;;file:///etc/passwd\x1b\\link\x1b]8;;\x1b\\ \x1b[2J\u202eevil\x9b31m"
           " [bold]end :skull:")
SHOWN = "ООО RED link evil [bold]end :skull:"  # what a terminal may show of it: the words, markup as typed
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ROMASHKA_SEARCH = ROOT / "tests" / "fixtures" / "resolve" / "handmade-egrul-search-romashka.har"


def edit_answer(har: Path, url_part: str, edit: Callable[[Any], None]) -> None:
    """Change the JSON answer of every entry whose URL contains url_part, as a hostile site would."""
    recording = json.loads(har.read_text(encoding="utf-8"))
    for entry in recording["log"]["entries"]:
        if url_part in entry["request"]["url"]:
            content = entry["response"]["content"]
            answer = json.loads(content["text"])
            edit(answer)
            content["text"] = json.dumps(answer, ensure_ascii=False)
    har.write_text(json.dumps(recording, ensure_ascii=False), encoding="utf-8")


def demo_copy(tmp_path: Path) -> Path:
    replay = tmp_path / "replay"
    shutil.copytree(DEMO, replay)
    return replay


def one_line(text: str) -> str:
    """Rich wraps long lines; the words are what counts."""
    return " ".join(text.split())


def assert_no_raw_control(*texts: str) -> None:
    for text in texts:
        assert not RAW_CONTROL.findall(text), RAW_CONTROL.findall(text)[:5]


# --- escape sequences from outside ------------------------------------------------------------------


@pytest.fixture
def hostile_demo(tmp_path) -> Path:
    """The demo company, its registry name, fedresurs status and 2GIS error written by an attacker."""
    replay = demo_copy(tmp_path)

    def name(answer):
        answer["rows"][0]["n"] = HOSTILE

    def status(answer):
        answer["pageData"][0]["status"] = HOSTILE

    def blocked(answer):
        answer["meta"].update(code=403, error={"type": HOSTILE})

    edit_answer(replay / f"egrul-{DEMO_INN}.har", "search-result", name)
    edit_answer(replay / f"fedresurs-{DEMO_INN}.har", "companies?", status)
    edit_answer(replay / f"twogis-{DEMO_INN}.har", "catalog.api.2gis.com", blocked)
    return replay


def test_scraped_escape_sequences_never_reach_the_terminal(hostile_demo, tmp_path):
    result = run_cli("check", "--inn", DEMO_INN, "--replay", str(hostile_demo), "--db",
                     str(tmp_path / "db.sqlite"), "--as-of", AS_OF, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert_no_raw_control(result.stdout, result.stderr)
    shown = one_line(result.stdout)
    assert f"{SHOWN} (INN {DEMO_INN}" in shown  # the registry name
    assert f"— {SHOWN}" in shown  # the fedresurs status
    assert f"blocked: 2GIS answered 403 {SHOWN}" in shown  # a reason, in the coverage table…
    assert f"twogis: failed (blocked: 2GIS answered 403 {SHOWN})" in one_line(result.stderr)  # …and in the progress


def test_json_escapes_them_and_keeps_the_text(hostile_demo, tmp_path):
    result = run_cli("check", "--inn", DEMO_INN, "--replay", str(hostile_demo), "--db",
                     str(tmp_path / "db.sqlite"), "--as-of", AS_OF, "--json")
    assert result.returncode == 0, result.stderr
    assert_no_raw_control(result.stdout, result.stderr)
    document = json.loads(result.stdout)
    assert document["company"]["name"] == HOSTILE
    assert "\\u001b]8;;file:///etc/passwd" in result.stdout and "\\u202e" in result.stdout and "\\u009b" in result.stdout
    twogis = next(run for run in document["coverage"] if run["source"] == "twogis")
    assert twogis["reason"] == f"blocked: 2GIS answered 403 {HOSTILE}"


def test_candidates_of_a_search_are_listed_without_escape_sequences(tmp_path):
    replay = tmp_path / "replay"
    replay.mkdir()
    shutil.copy(ROMASHKA_SEARCH, replay)

    def poison(answer):
        for row in answer["rows"]:
            row.update(n=row["n"] + HOSTILE, a=HOSTILE)

    edit_answer(replay / ROMASHKA_SEARCH.name, "search-result", poison)
    result = run_cli("check", "--name", "Ромашка", "--replay", str(replay), "--db", str(tmp_path / "db.sqlite"),
                     env={"COLUMNS": "300"})
    assert result.returncode == 3, result.stderr
    assert_no_raw_control(result.stdout, result.stderr)
    assert SHOWN in one_line(result.stderr) and "0000123482" in result.stderr


def test_a_signal_note_and_its_author_are_shown_without_escape_sequences(tmp_path):
    db = str(tmp_path / "db.sqlite")
    added = run_cli("signals", "add", DEMO_INN, "cash_off_books", "--note", HOSTILE, "--by", HOSTILE, "--db", db)
    assert added.returncode == 0, added.stderr
    shown = run_cli("signals", "list", DEMO_INN, "--db", db, env={"COLUMNS": "300"})
    listed = run_cli("signals", "list", DEMO_INN, "--db", db, "--json")
    assert_no_raw_control(shown.stdout, shown.stderr, listed.stdout)
    assert f"by {SHOWN}" in one_line(shown.stdout) and f"{SHOWN}" in shown.stdout
    [row] = json.loads(listed.stdout)
    assert row["note"] == row["entered_by"] == HOSTILE


def test_a_company_name_with_escape_sequences_in_an_error_message_is_plain(tmp_path):
    """A name that matches no stored company comes back in the error; the terminal gets it harmless."""
    result = run_cli("signals", "list", HOSTILE, "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2
    assert_no_raw_control(result.stderr)
    assert "Traceback" not in result.stderr


# --- identifiers and amounts: refused before anything is written ---------------------------------------


def invoke(*args: str):
    """A command refused before any crawl, in this process; the database must stay unwritten."""
    return CliRunner().invoke(cli, list(args), env={"CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml")})


@pytest.mark.parametrize("option, value", [
    ("--inn", "٧٧٠٧٠٨٣٨٩٣"),  # Arabic-Indic digits of a real INN
    ("--inn", "⁷⁷⁰⁷⁰⁸³⁸⁹³"),  # superscripts: str.isdigit() but not int()
    ("--inn", "７７０７０８３８９３"),  # fullwidth
    ("--ogrn", "١٠٢٧٧٠٠١٣٢١٩٥"),
    ("--company-number", "٠٨٩٥٧٤٠٠"),
    ("--company-number", "ſc123456"),  # upper() makes it SC123456
    ("--cik", "١٣١٨٦٠٥"),
    ("--cik", "cık1318605"),  # upper() makes it CIK1318605
])
def test_identifiers_are_ascii_digits_only(tmp_path, option, value):
    db = tmp_path / "db.sqlite"
    result = invoke("check", option, value, "--db", str(db))
    assert result.exit_code == 2, result.output
    assert "0-9" in result.output and repr(value) in result.output and isinstance(result.exception, SystemExit)
    assert not db.exists()


@pytest.mark.parametrize("company, message", [
    ("٧٧٠٧٠٨٣٨٩٣", "digits 0-9"),
    ("²", "digits 0-9"),
    ("%", "no letters or digits"),
    ("CIK١٢", "digits only (0-9)"),
])
@pytest.mark.parametrize("command", [("signals", "add", "{company}", "cash_off_books"),
                                     ("signals", "list", "{company}"), ("history", "show", "{company}"),
                                     ("interview", "{company}")])
def test_company_arguments_that_name_no_company_exit_2(tmp_path, command, company, message):
    db = tmp_path / "db.sqlite"
    result = invoke(*[part.format(company=company) for part in command], "--db", str(db))
    assert result.exit_code == 2, result.output
    assert message in result.output and isinstance(result.exception, SystemExit)
    assert not db.exists()


@pytest.mark.parametrize("amount, message", [
    ("nan", "is not a number"), ("inf", "must be from 0.01"), ("1e400", "must be from 0.01"),
    ("-inf", "must be a positive number"), ("0", "must be a positive number"), ("1e-400", "must be a positive number"),
    ("0.001", "must be from 0.01"), ("1e16", "must be from 0.01"), ("١٢٠٠", "expected a number"),
    ("twelve", "expected a number"),
])
def test_amounts_are_finite_positive_and_sane(tmp_path, amount, message):
    db = tmp_path / "db.sqlite"
    result = invoke("check", "--inn", DEMO_INN, "--replay", "demo", "--amount", amount, "--db", str(db))
    assert result.exit_code == 2, result.output
    assert message in result.output and isinstance(result.exception, SystemExit)
    assert not db.exists()


def test_history_import_refuses_amounts_a_float_cannot_hold_with_the_line(tmp_path):
    huge, tiny = "1" + "0" * 400, "0." + "0" * 400 + "1"
    csv = tmp_path / "invoices.csv"
    csv.write_text("company,invoice_id,issued,due,paid,amount,currency\n"
                   + "".join(f"{DEMO_INN},I-{n},2026-03-01,2026-03-15,,{amount},RUB\n"
                             for n, amount in enumerate((huge, tiny, "1e400", "1e-400", "0.001", "1500.00"))),
                   encoding="utf-8")
    db = tmp_path / "db.sqlite"
    result = run_cli("history", "import", str(csv), "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = one_line(result.stderr)
    for line in (2, 3, 4, 5, 6):
        assert f"line {line}: amount" in errors
    assert "line 7" not in errors and "must be from 0.01" in errors and "must be a positive number" in errors
    assert not db.exists()


def test_history_import_of_a_cell_over_the_csv_limit_is_one_line(tmp_path):
    csv = tmp_path / "events.csv"
    csv.write_text(f"company,date,kind,note\n{DEMO_INN},2026-04-02,discount_request,{'x' * 200_000}\n",
                   encoding="utf-8")
    result = run_cli("history", "import", str(csv), "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "line 2: field larger than field limit" in result.stderr
    assert not (tmp_path / "db.sqlite").exists()


# --- no traceback for any input ---------------------------------------------------------------------------


@pytest.mark.parametrize("recording, reason", [
    ('{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.example/"},'
     ' "response": {"status": 200, "content": null}}]}}', "a response's content is NoneType, not an object"),
    ('{"log": {"entries": ' + "[" * 10_000 + "]" * 10_000 + "}}", "JSON nested too deeply to be a HAR file"),
    ('{"log": {"entries": [{"request": {"method": 1, "url": "https://a.example/"},'
     ' "response": {"status": 200, "content": {}}}]}}', "a field of the wrong type"),
    ('{"log": {"entries": [{"request": {"url": "https://a.example/"}, "response": {"status": 200}}]}}',
     "no 'method' field where HAR has one"),
    ('{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.ex',
     "not JSON, or cut short (unterminated string starting at: line 1, column 59)"),
])
def test_broken_recording_is_one_line_and_exit_2(tmp_path, recording, reason):
    (tmp_path / "replay").mkdir()
    (tmp_path / "replay" / "hostile.har").write_text(recording, encoding="utf-8")
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--inn", DEMO_INN, "--replay", str(tmp_path / "replay"), "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "corrupt recording" in result.stderr and "hostile.har" in result.stderr and reason in result.stderr
    assert not re.search(r"\w+(Error|Exception)\b", result.stderr.splitlines()[-1])
    assert not db.exists()


def config_run(tmp_path: Path, config: bytes, *command: str):
    path = tmp_path / "config.toml"
    path.write_bytes(config)
    return run_cli(*command, env={"CLIENTVET_CONFIG": str(path)}), str(path)


@pytest.mark.parametrize("config, reason", [
    (b'user_agent = "\xff\xfe"\n', "not UTF-8 text (byte 14)"),
    (b"[rules.points\n", "not valid TOML"),
    (b"a = " + b"[" * 5000 + b"\n", "not valid TOML"),  # tomllib recurses per bracket
])
@pytest.mark.parametrize("command", [("rules",), ("signals", "codes")])
def test_broken_config_is_one_line_and_exit_2(tmp_path, config, reason, command):
    result, path = config_run(tmp_path, config, *command)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"cannot read config {path}: {reason}" in one_line(result.stderr)


@pytest.mark.parametrize("command", [("check", "--inn", DEMO_INN, "--replay", "demo"), ("interview", DEMO_INN)])
def test_every_command_reading_a_broken_config_exits_2_and_writes_nothing(tmp_path, command):
    db = tmp_path / "db.sqlite"
    result, path = config_run(tmp_path, b"\xff\n", *command, "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"cannot read config {path}: not UTF-8 text" in one_line(result.stderr)
    assert not db.exists()


def test_a_handled_source_failure_is_one_log_line_and_its_traceback_only_with_vv(tmp_path):
    replay = demo_copy(tmp_path)
    edit_answer(replay / f"bo_nalog-{DEMO_INN}.har", "search?query", lambda answer: answer.update(content="garbage"))
    args = ("check", "--inn", DEMO_INN, "--replay", str(replay), "--db", str(tmp_path / "db.sqlite"), "--json")
    quiet = run_cli(*args)
    assert quiet.returncode == 0 and "Traceback" not in quiet.stderr
    [logged] = [line for line in quiet.stderr.splitlines() if "Spider error processing" in line and "bo.nalog.ru" in line]
    reason = "unparseable answer: bo.nalog.ru search has no content list"
    assert "bo.nalog.ru" in logged and logged.endswith(f"SourceFailure: {reason}")
    bo_nalog = next(run for run in json.loads(quiet.stdout)["coverage"] if run["source"] == "bo_nalog")
    assert (bo_nalog["status"], bo_nalog["reason"]) == ("failed", reason)
    verbose = run_cli(*args, "-vv")
    assert verbose.returncode == 0 and "Traceback (most recent call last)" in verbose.stderr


def test_an_unexpected_error_is_one_line_its_traceback_only_when_asked(monkeypatch, capsys):
    def broken():
        raise RuntimeError("a state nobody foresaw")

    monkeypatch.setattr(cli_module, "cli", broken)
    monkeypatch.delenv(cli_module.TRACEBACK_ENV, raising=False)
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 1
    said = capsys.readouterr().err
    assert "unexpected RuntimeError: a state nobody foresaw" in said and "Traceback" not in said
    monkeypatch.setenv(cli_module.TRACEBACK_ENV, "1")
    with pytest.raises(SystemExit):
        cli_module.main()
    assert "Traceback" in capsys.readouterr().err


# --- secrets ----------------------------------------------------------------------------------------------

SECRET = "2gis-web-key-do-not-leak-7c1e"


def keyed(url: str) -> str:
    return with_key(url, SECRET)


def test_the_2gis_key_is_sent_but_never_stored(tmp_path):
    """The request carries the key; the archived response's URL does not."""
    db = tmp_path / "db.sqlite"
    crawler = get_crawler(TwogisSpider, {"CLIENTVET_DB": str(db)})
    crawler.spider = TwogisSpider.from_crawler(crawler)
    url = keyed("https://catalog.api.2gis.com/3.0/items?q=x&type=branch")
    assert f"key={SECRET}" in url
    request = Request(url)
    archive = ArchiveMiddleware(crawler)
    archive.process_response(request, TextResponse(url, body=b"{}", request=request))
    archive.store.flush()  # the answer is held until it is parsed; write it now
    with sqlite3.connect(db) as conn:
        [(stored,)] = conn.execute("select url from responses").fetchall()
    assert stored == "https://catalog.api.2gis.com/3.0/items?q=x&type=branch&key=REDACTED"
    assert SECRET.encode() not in db.read_bytes()


def test_the_2gis_key_is_not_in_a_failure_reason():
    url = keyed("https://public-api.reviews.2gis.com/2.0/branches/1/reviews?limit=50")
    response = TextResponse(url, status=403, body=b"{}", request=Request(url))
    reason = describe_failure(Failure(HttpError(response, "Ignoring non-200 response")))
    assert reason == "blocked: HTTP 403 from https://public-api.reviews.2gis.com/2.0/branches/1/reviews?limit=50" \
                     "&key=REDACTED"


def test_log_lines_lose_the_key_escape_sequences_and_tracebacks():
    url = keyed("https://catalog.api.2gis.com/3.0/items?q=x")
    try:
        raise ValueError(f"bad answer {HOSTILE}")
    except ValueError:
        record = logging.LogRecord("scrapy.core.scraper", logging.ERROR, __file__, 1,
                                   "Spider error processing <GET %s> (referer: %s)", (url, url),
                                   exc_info=sys.exc_info())
    line = TerminalLogFormatter(tracebacks=False).format(record)
    assert SECRET not in line and "\n" not in line
    assert_no_raw_control(line)
    assert line.endswith("Spider error processing <GET https://catalog.api.2gis.com/3.0/items?q=x&key=REDACTED> "
                         "(referer: https://catalog.api.2gis.com/3.0/items?q=x&key=REDACTED): "
                         f"ValueError: bad answer {SHOWN}")
    detailed = TerminalLogFormatter(tracebacks=True).format(record)
    assert "Traceback (most recent call last)" in detailed and SECRET not in detailed
