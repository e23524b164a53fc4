"""`clientvet recheck` and `clientvet diff`: what changed between two checks of a company, and the exit status.

The checks are replayed from the demo recordings and from a variant the test writes (tests/monitor_support.py):
a liquidation notice, a new director, a one-star review, two sources that no longer answer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clientvet.checks.diff import compare
from clientvet.checks.run import Sources
from clientvet.evidence.identifiers import parse_inn
from clientvet.evidence.store import Store
from tests.conftest import ROOT, offline_env, run_cli
from tests.monitor_support import (DEMO_INN, LIQUIDATION_NOTICE, NEW_DIRECTOR, OLD_DIRECTOR, copy_demo,
                                   uk_unknown_company, worse_demo)

WEEK_LATER = "2026-11-30"


def recheck_json(*args: str) -> tuple[int, dict[str, dict], str]:
    """(exit status, {company key: its JSON object}, stderr) of one `recheck … --json`."""
    result = run_cli("recheck", *args, "--json", timeout=240)
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    return result.returncode, {d["company"]: d for d in documents}, result.stderr


def by_fact(diff: dict) -> dict[tuple[str, str], dict]:
    return {(change["kind"], change["key"]): change for change in diff["changes"]}


def test_baseline_no_change_then_worse_with_the_evidence(tmp_path):
    db, reports = tmp_path / "db.sqlite", tmp_path / "reports"
    same = copy_demo(tmp_path / "same")
    uk_unknown_company(same)
    later = worse_demo(tmp_path / "later")
    uk_unknown_company(later)
    demo, unknown = f"ru:inn:{DEMO_INN}", "gb:company_number:99999999"
    for company in (DEMO_INN, "99999999"):
        assert run_cli("watch", "add", company, "--purpose", "prepaid", "--db", str(db)).returncode == 0

    # First run: the demo company's baseline; the unknown company gets no verdict, so the run exits 1.
    status, found, _ = recheck_json("--due", "--replay", str(same), "--db", str(db), "--as-of", "2026-11-23",
                                    "--reports", str(reports))
    assert status == 1
    assert (found[demo]["state"], found[demo]["baseline"], found[demo]["diff"]) == ("baseline", True, None)
    assert found[unknown]["state"] == "no_verdict" and "no company with COMPANY_NUMBER 99999999" in found[unknown]["error"]
    report = json.loads(Path(found[demo]["report"]).read_text(encoding="utf-8"))
    assert report["check"]["check_id"] == found[demo]["check_id"] and report["check"]["terms"]["purpose"] == "prepaid"
    first = found[demo]["check_id"]

    assert run_cli("watch", "remove", "99999999", "--db", str(db)).returncode == 0
    nothing = run_cli("recheck", "--db", str(db))  # --due is the default: checked just now, due in 7 days
    assert nothing.returncode == 0 and "nothing to re-check: no watched company is due" in nothing.stderr

    # The same answers again: no change, and the sources that failed say so instead of "no change".
    same_again = run_cli("recheck", "--all", "--replay", str(same), "--db", str(db), "--as-of", "2026-11-23",
                         "--reports", str(reports), env={"COLUMNS": "200"}, timeout=240)
    assert same_again.returncode == 0, same_again.stderr
    assert "NO CHANGE — 1 source(s) could not re-check" in same_again.stdout
    assert "? could not re-check fssp: failed (captcha: the site asks a captcha" in same_again.stdout
    assert "nothing changed in the sources that answered" in same_again.stdout
    second = Store(db).complete_checks((demo,))[-1]["id"]
    assert second > first

    # A week later the company is worse; an unknown company checked in the same run does not hide it.
    assert run_cli("watch", "add", "99999999", "--db", str(db)).returncode == 0
    status, found, stderr = recheck_json("--all", "--replay", str(later), "--db", str(db), "--as-of", WEEK_LATER,
                                         "--reports", str(reports))
    assert status == 10, stderr
    assert found[unknown]["state"] == "no_verdict"
    result = found[demo]
    assert (result["state"], result["previous_check_id"], result["worse"]) == ("worse", second, True)
    diff = result["diff"]
    assert diff["light"] == {"was": "amber", "is": "red"} and diff["score"]["is"] == 100
    assert diff["new_deal_killers"] == ["liquidation_notice"]
    assert diff["worse_because"][:2] == ["new deal-killer(s): liquidation_notice", "light amber → red"]
    changes = by_fact(diff)
    notice = changes[("notice", LIQUIDATION_NOTICE)]
    assert (notice["change"], notice["risk"], notice["factors"]) == ("new", True, ["liquidation_notice"])
    assert notice["text"] == '«Ликвидация юридического лица» of 2026-11-25 by ООО "ДЕМО-ПОСТАВКА"'
    assert notice["is"]["url"].startswith("https://fedresurs.ru/backend/companies/") and len(notice["is"]["sha256"]) == 64
    assert notice["is"]["check_id"] == result["check_id"] and notice["was"] is None
    officers = {(c["change"], c["text"]) for c in diff["changes"] if c["kind"] == "officer"}
    assert officers == {("new", f"ГЕНЕРАЛЬНЫЙ ДИРЕКТОР {NEW_DIRECTOR}"), ("gone", f"ГЕНЕРАЛЬНЫЙ ДИРЕКТОР {OLD_DIRECTOR}")}
    gone = next(c for c in diff["changes"] if c["change"] == "gone")
    assert (gone["was"]["check_id"], gone["is"], gone["risk"]) == (second, None, False)  # egrul answered
    review = changes[("review", "2gis.ru:9100000000000009")]
    assert review["risk"] is True and review["text"].startswith("2gis.ru 1★ of 2026-11-21")
    page = changes[("review_page", "https://2gis.ru/firm/70000001099999001/tab/reviews")]
    assert {"field": "count", "was": 3, "is": 4} in page["fields"] and page["risk"] is False
    # dreamjob.ru did not answer: its three facts are unconfirmed, not gone; nor is anything of bankrot's.
    assert not [c for c in diff["changes"] if c["source"] in ("dreamjob", "bankrot_fedresurs")]
    unchecked = {u["source"]: u for u in diff["could_not_recheck"]}
    assert unchecked["dreamjob"]["facts_unconfirmed"] == 3 and unchecked["dreamjob"]["status"] == "failed"
    assert unchecked["bankrot_fedresurs"]["reason"].startswith("unrecorded request: GET https://bankrot.fedresurs.ru/")
    assert unchecked["bankrot_fedresurs"]["facts_unconfirmed"] == 0
    assert json.loads(Path(result["report"]).read_text(encoding="utf-8"))["recheck"]["diff"] == diff

    # `diff` shows the same for the same two checks, and exits 10 too.
    shown = run_cli("diff", DEMO_INN, "--from", str(second), "--to", str(result["check_id"]), "--as-of", WEEK_LATER,
                    "--json", "--db", str(db))
    assert shown.returncode == 10
    assert json.loads(shown.stdout) == diff
    text = run_cli("diff", DEMO_INN, "--from", str(first), "--db", str(db), "--as-of", WEEK_LATER,
                   env={"COLUMNS": "200"})
    assert text.returncode == 10
    lines = text.stdout.splitlines()
    assert re.match(rf"amber \d+ → red 100 \(check #{first} of ", lines[1])  # the light, the score, the checks
    assert any(line.startswith("+ notice «Ликвидация юридического лица» of 2026-11-25") and
               "[against the company: liquidation_notice] (fedresurs; check #" in line for line in lines)
    assert any(line.startswith(f"- officer ГЕНЕРАЛЬНЫЙ ДИРЕКТОР {OLD_DIRECTOR} — gone since check #{first}")
               for line in lines)
    assert "? could not re-check dreamjob: failed" in text.stdout and "3 earlier fact(s) unconfirmed" in text.stdout


def test_diff_needs_two_finished_checks_of_the_company(tmp_path):
    db = tmp_path / "db.sqlite"
    store = Store(db)
    only = store.start_check(parse_inn(DEMO_INN))
    store.finish_check(only, "green", 0)
    result = run_cli("diff", DEMO_INN, "--db", str(db))
    assert result.returncode == 2 and f"needs two finished checks to compare; it has #{only}" in result.stderr
    other = run_cli("diff", DEMO_INN, "--from", "7", "--db", str(db))
    assert other.returncode == 2 and f"check #7 is not a finished check of INN {DEMO_INN}" in other.stderr


# --- what counts as worse, on facts stored by hand (no crawl) ---------------------------------------

SOURCES = Sources(names=("egrul", "bo_nalog", "kad_arbitr", "fssp"), essential=frozenset({"egrul"}),
                  registry=("egrul",), reviews=frozenset())


def stored_check(store: Store, facts: list[tuple[str, str, str, dict]], runs: dict[str, str]) -> int:
    check_id = store.start_check(parse_inn(DEMO_INN))
    for source, status in runs.items():
        store.source_started(check_id, source)
        store.source_finished(check_id, source, status, None if status in ("ok", "empty") else "timeout", 1, 0)
    for source, kind, key, data in facts:
        store.record_fact(check_id=check_id, company_key=f"ru:inn:{DEMO_INN}", source=source, kind=kind, key=key,
                          data=data, response_id=None)
    store.finish_check(check_id, "green", 0)
    return check_id


REGISTRY = {"name": "ООО «ДЕМО»", "status": "active", "inn": DEMO_INN, "ogrn": "1000000000010"}
STATEMENT_2024 = {"year": 2024, "lines": {}, "revenue_thousand_rub": 100000}
STATEMENT_2025 = {"year": 2025, "lines": {}, "revenue_thousand_rub": 45000}
PLAINTIFF_CASE = {"case_number": "А40-1/2026", "case_kind": "civil", "filed_on": "2026-10-01", "court": "АС г. Москвы",
                  "role": "plaintiff", "plaintiffs": [], "respondents": []}
PROCEEDING = {"number": "1/26/77000-ИП", "started_on": "2026-10-20", "debtor": "ООО «ДЕМО»", "subject": "Задолженность",
              "open": True, "total_rub": 250000.0}


def test_the_kinds_that_speak_against_the_company(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    all_ok = {"egrul": "ok", "bo_nalog": "ok", "kad_arbitr": "ok", "fssp": "ok"}
    before = stored_check(store, [("egrul", "registry_record", "1000000000010", REGISTRY),
                                  ("bo_nalog", "financial_statement", "1:2024", STATEMENT_2024)], all_ok)
    after = stored_check(store, [("egrul", "registry_record", "1000000000010", {**REGISTRY, "status": "ceased"}),
                                 ("bo_nalog", "financial_statement", "1:2024", STATEMENT_2024),
                                 ("bo_nalog", "financial_statement", "1:2025", STATEMENT_2025),
                                 ("kad_arbitr", "court_case", "А40-1/2026", PLAINTIFF_CASE),
                                 ("fssp", "enforcement_proceeding", PROCEEDING["number"], PROCEEDING)], all_ok)
    diff = compare(store, before, after, SOURCES, as_of=None)
    changes = {change.kind: change for change in diff.changes}
    assert set(changes) == {"registry_record", "financial_statement", "court_case", "enforcement_proceeding"}
    registry = changes["registry_record"]
    assert (registry.change, registry.fields, registry.risk) == ("changed", (("status", "active", "ceased"),), True)
    assert "ceased" in registry.factors and "ceased" in diff.new_deal_killers
    statement = changes["financial_statement"]
    assert statement.text == "2025, revenue 45 000 thousand RUB (-55% on 2024)" and statement.risk
    assert changes["court_case"].risk is False  # the company sues: nothing against it
    assert changes["court_case"].text.startswith("civil case А40-1/2026 as plaintiff, filed 2026-10-01")
    assert changes["enforcement_proceeding"].risk is True
    assert changes["enforcement_proceeding"].text == ("open proceeding 1/26/77000-ИП of 2026-10-20: Задолженность, "
                                                      "250 000.00 RUB")
    assert diff.worse

    # A source that fails now leaves its facts unconfirmed; one that answers empty makes them gone.
    failed = stored_check(store, [("egrul", "registry_record", "1000000000010", {**REGISTRY, "status": "ceased"})],
                          {"egrul": "ok", "bo_nalog": "failed", "kad_arbitr": "empty", "fssp": "skipped"})
    diff = compare(store, after, failed, SOURCES)
    assert [(c.kind, c.change) for c in diff.changes] == [("court_case", "gone")]
    assert [(u.source, u.status, u.facts) for u in diff.could_not_recheck] == [("bo_nalog", "failed", 2),
                                                                                 ("fssp", "skipped", 1)]
    assert not diff.worse and diff.changed


@pytest.mark.parametrize("was, now, risky", [
    ({**PROCEEDING, "open": False}, PROCEEDING, True),  # reopened
    (PROCEEDING, {**PROCEEDING, "total_rub": 300000.0}, True),  # grown
    (PROCEEDING, {**PROCEEDING, "open": False}, False),  # closed: better
])
def test_a_changed_enforcement_proceeding(tmp_path, was, now, risky):
    store = Store(tmp_path / "db.sqlite")
    runs = {"egrul": "ok", "fssp": "ok"}
    registry = ("egrul", "registry_record", "1000000000010", REGISTRY)
    before = stored_check(store, [registry, ("fssp", "enforcement_proceeding", "1", was)], runs)
    after = stored_check(store, [registry, ("fssp", "enforcement_proceeding", "1", now)], runs)
    [change] = compare(store, before, after, SOURCES).changes
    assert change.change == "changed" and change.risk is risky


# --- one re-check at a time ---------------------------------------------------------------------------


def test_a_second_recheck_exits_clearly_or_waits(tmp_path):
    import fcntl
    import subprocess
    import sys

    from clientvet.checks.watch import lock_path

    db = tmp_path / "db.sqlite"
    assert run_cli("watch", "add", DEMO_INN, "--db", str(db)).returncode == 0
    with open(lock_path(db), "a+", encoding="utf-8") as held:  # a re-check in progress, as its lock shows it
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 4242, started 2026-11-30T03:00:00+00:00\n")
        held.flush()
        refused = run_cli("recheck", "--due", "--db", str(db))
        assert refused.returncode == 1
        assert (f"another re-check of {db} is running (pid 4242, started 2026-11-30T03:00:00+00:00); "
                "this one exits (give --wait to wait for it)") in " ".join(refused.stderr.split())
        # Once the other run ends, this one chooses: the unknown company is not watched (exit 2).
        waiting = subprocess.Popen([sys.executable, "-m", "clientvet", "recheck", "7707083893", "--wait", "--db",
                                    str(db)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=offline_env(), cwd=ROOT)
        said = waiting.stderr.readline()  # it says it waits before it waits: then the other run ends
        assert waiting.poll() is None, said
        fcntl.flock(held, fcntl.LOCK_UN)
        rest, = waiting.communicate(timeout=120)[1:]
    waited = subprocess.CompletedProcess(waiting.args, waiting.returncode, "", said + rest)
    assert "waiting for another re-check" in waited.stderr and "(pid 4242" in waited.stderr
    assert waited.returncode == 2 and "is not watched" in waited.stderr
    assert lock_path(db).read_text(encoding="utf-8") == ""  # the run that had it let go
