"""`clientvet check --from FILE`: many companies in one crawl; bad lines reported, a failed company reported."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import pytest

from clientvet.checks.batch import TERM_COLUMNS, BadFile, deal_columns, read_company_file
from clientvet.crawler.base import Finished
from clientvet.crawler.items import Subject
from tests.conftest import AS_OF, run_cli
from tests.monitor_support import DEMO_INN, copy_demo, demo_company, uk_unknown_company


def write(tmp_path: Path, text: str, name: str = "companies.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- reading the file ------------------------------------------------------------------------------


def test_a_csv_keeps_its_good_rows_and_names_each_bad_line(tmp_path):
    path = write(tmp_path, "# exported from the CRM\n"
                           "INN;company_number;name;amount;currency;purpose\n"
                           "0000123450;;Demo;1 200 000,50;;deferred\n"
                           "7707083894;;typo;;;\n"
                           ";08957400;Candour;;;\n"
                           "7707083893;;Sber;lots;;\n"
                           "0000123450;;again;;;\n"
                           ";;nobody;;;\n"
                           "7707083893;08957400;both;;;\n"
                           "5029169023;;Evro;100;usd;\n"
                           "5029169023x;;;;;;;;\n"
                           "7728662669;;;;eur;\n")
    read = read_company_file(path, TERM_COLUMNS, deal_columns({"purpose": "prepaid"}))
    assert [(row.line, row.identity.key, row.values) for row in read.rows] == [
        (3, "ru:inn:0000123450", {"purpose": "deferred", "amount": 1200000.5, "currency": ""}),
        (5, "gb:company_number:08957400", {"purpose": "prepaid"}),
        (10, "ru:inn:5029169023", {"purpose": "prepaid", "amount": 100.0, "currency": "USD"}),
    ]
    assert read.problems == [
        "line 4: inn: INN 7707083894 has a wrong checksum (a typo?)",
        "line 6: amount: 'lots' is not an amount",
        "line 7: the same company as line 3",
        "line 8: no identifier",
        "line 9: two identifiers (inn, company_number)",
        "line 11: 9 cells, the header has 6",
        "line 12: currency: a currency needs an amount",
    ]
    assert read.ignored_columns == ["name"]


def test_one_identifier_per_line_told_by_its_form(tmp_path):
    path = write(tmp_path, "0000123450\n\n# a comment\nCIK1318605\n8957400\n1027700132195\nРомашка\n", "list.txt")
    read = read_company_file(path, TERM_COLUMNS)
    assert [(row.line, row.identity.key) for row in read.rows] == [
        (1, "ru:inn:0000123450"), (4, "us:cik:0001318605"), (5, "gb:company_number:08957400"),
        (6, "ru:ogrn:1027700132195")]
    assert read.problems == ["line 7: 'Ромашка' is not an INN, OGRN, company number or CIK (CIK1318605)"]


@pytest.mark.parametrize("content, message", [
    (b"name,amount\nDemo,1\n", "no identifier column in the header ['name', 'amount']"),
    (b"inn,inn\n0000123450,0000123450\n", "a column is named twice"),
    (b"\xff\xfei\x00n\x00n\x00", "is not UTF-8 text"),
    (b"\n# nothing\n", "names no company"),
])
def test_a_file_that_cannot_be_used_at_all(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(BadFile, match=re.escape(message)):
        read_company_file(path, TERM_COLUMNS)


# --- checking them ---------------------------------------------------------------------------------


@pytest.fixture
def portfolio(tmp_path) -> tuple[Path, list[str]]:
    """Recordings of three made-up companies and an unknown UK company number."""
    replay = copy_demo(tmp_path / "replay")
    return replay, [DEMO_INN, demo_company(replay, 1), demo_company(replay, 2), uk_unknown_company(replay)]


def test_a_batch_checks_every_company_in_one_crawl_and_goes_on_past_a_failure(tmp_path, portfolio):
    replay, (demo, first, second, unknown) = portfolio
    db = tmp_path / "db.sqlite"
    file = write(tmp_path, f"identifier,purpose\n{demo},deferred\n{first},\n7707083894,\n{second},\n{unknown},\n")
    result = run_cli("check", "--from", str(file), "--replay", str(replay), "--db", str(db), "--as-of", AS_OF,
                     env={"COLUMNS": "120"}, timeout=240)
    assert result.returncode == 1, result.stderr  # one company got no verdict
    assert "skipped: companies.csv line 4: identifier: INN 7707083894 has a wrong checksum" in result.stderr
    lines = {line.split(":", 1)[0]: line for line in result.stdout.splitlines() if line.startswith("line ")}
    assert set(lines) == {"line 2", "line 3", "line 5", "line 6"}
    assert lines["line 2"].startswith("line 2: RED ")  # deferred payment weighs the creditors' notices more
    assert f"(INN {demo})" in lines["line 2"] and "creditor_intends_bankruptcy 23" in lines["line 2"]
    assert lines["line 3"].startswith("line 3: AMBER ") and f"(INN {first})" in lines["line 3"]
    assert lines["line 6"] == (f"line 6: NO VERDICT company number {unknown}: no company with COMPANY_NUMBER "
                               f"{unknown} in companies_house")
    assert "4 companies: 1 red, 2 amber, 1 without a verdict" in result.stdout  # the final table
    with sqlite3.connect(db) as conn:
        checks = conn.execute("select identifier, status, verdict, pid, started_at, finished_at, terms"
                              " from checks order by id").fetchall()
        assert [(c[0], c[1], c[2]) for c in checks] == [(demo, "complete", "red"), (first, "complete", "amber"),
                                                         (second, "complete", "amber")]
        assert len({c[3] for c in checks}) == 1  # one process
        assert max(c[4] for c in checks) < min(c[5] for c in checks)  # all started before any finished
        assert json.loads(checks[0][6]) == {"purpose": "deferred"}
        # Every source of every company ran, and each company's answers are its own evidence.
        runs = conn.execute("select check_id, count(*) from source_runs group by check_id").fetchall()
        assert len({count for _, count in runs}) == 1 and len(runs) == 3
        egrul = conn.execute("select c.identifier, r.status from source_runs r join checks c on c.id = r.check_id"
                             " where r.source = 'egrul' order by c.id").fetchall()
        assert egrul == [(demo, "ok"), (first, "ok"), (second, "ok")]
        # The made-up companies share the demo's name, so the review sites are asked the very same URLs for
        # each: every company still gets its own answers (Scrapy would drop a request it has seen).
        answers = conn.execute("select source, check_id, count(*) from responses where source in ('twogis', "
                               "'dreamjob') group by source, check_id").fetchall()
        assert sorted(answers) == sorted((source, check, 2) for source in ("twogis", "dreamjob")
                                         for check in (1, 2, 3))


def test_json_is_one_check_document_per_line(tmp_path, portfolio):
    replay, (demo, first, _, unknown) = portfolio
    db = tmp_path / "db.sqlite"
    file = write(tmp_path, f"{demo}\n{unknown}\n{first}\n", "list.txt")
    result = run_cli("check", "--from", str(file), "--replay", str(replay), "--db", str(db), "--as-of", AS_OF,
                     "--json", "--purpose", "prepaid", timeout=240)
    assert result.returncode == 1, result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(documents) == 3
    by_line = {d.get("line"): d for d in documents if "error" in d}
    assert by_line == {2: {"error": f"no company with COMPANY_NUMBER {unknown} in companies_house", "exit_code": 1,
                           "company": {"jurisdiction": "GB", "identifiers": {"company_number": unknown}}, "line": 2}}
    verdicts = {d["company"]["identifiers"]["inn"]: d for d in documents if "error" not in d}
    assert set(verdicts) == {demo, first}
    single = run_cli("check", "--inn", demo, "--replay", str(replay), "--db", str(tmp_path / "one.sqlite"),
                     "--as-of", AS_OF, "--json", "--purpose", "prepaid")
    alone = json.loads(single.stdout)
    assert set(verdicts[demo]) == set(alone)  # the same document as `check --json`
    for key in ("verdict", "score", "deal_killers", "safeguards", "terms", "would_change"):
        assert verdicts[demo][key] == alone[key], key
    assert [(f["code"], f["points"]) for f in verdicts[demo]["factors"]] == [
        (f["code"], f["points"]) for f in alone["factors"]]


def test_a_file_without_a_good_line_exits_2_and_writes_nothing(tmp_path):
    db = tmp_path / "db.sqlite"
    file = write(tmp_path, "inn\n7707083894\n123\n")
    result = run_cli("check", "--from", str(file), "--db", str(db))
    assert result.returncode == 2
    assert "line 2: inn: INN 7707083894 has a wrong checksum" in result.stderr
    assert "line 3: inn: INN must have 10 or 12 digits, got 3" in result.stderr
    assert "no line of companies.csv names a company that can be checked" in result.stderr
    assert not db.exists()


def test_from_names_the_companies_alone(tmp_path):
    file = write(tmp_path, f"{DEMO_INN}\n")
    result = run_cli("check", "--from", str(file), "--inn", DEMO_INN, "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2
    assert "--from names the companies: --inn cannot go with it" in result.stderr


def test_a_later_source_starts_a_company_when_its_earlier_sources_finished_that_company():
    """Not when they finished the whole batch; and a source that closed lets the ones after it go."""
    first, second = (Subject(n, f"gb:company_number:9920000{n}", "GB", "company_number", f"9920000{n}") for n in (1, 2))
    finished = Finished()

    async def scenario() -> None:
        waiting = asyncio.ensure_future(finished.wait(second, ["companies_house"]))
        finished.source_done("companies_house", first)
        await asyncio.sleep(0)
        assert not waiting.done()
        await asyncio.wait_for(finished.wait(first, ["companies_house"]), 1)
        finished.source_done("companies_house", second)
        await asyncio.wait_for(waiting, 1)
        finished.source_closed("gazette")
        await asyncio.wait_for(finished.wait(first, ["gazette"]), 1)

    asyncio.run(scenario())
