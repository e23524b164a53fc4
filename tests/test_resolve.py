"""`clientvet check --name / --domain`: search the registries, choose one company, check it.

Hand-made recordings (made-up companies, region code 00) are in tests/fixtures/resolve;
the Companies House search and SEC tickers are the shared real recordings.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import sqlite3
from pathlib import Path

import pytest

from clientvet.crawler.finders.companies_house import parse_search
from clientvet.crawler.finders.edgar import parse_tickers
from clientvet.crawler.finders.website import identifiers_in
from clientvet.evidence.identifiers import Identity
from clientvet.crawler.resolve import Candidate, ResolveError, choose, parse_domain, rank
from tests.conftest import AS_OF, DEMO, ROOT, har_response, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "resolve"


@pytest.fixture
def replay(tmp_path) -> Path:
    """The hand-made search recordings beside the demo company's source recordings."""
    directory = tmp_path / "replay"
    directory.mkdir()
    for har in [*FIXTURES.glob("*.har"), *DEMO.glob("*.har")]:
        shutil.copy(har, directory)
    return directory


WIDE = {"COLUMNS": "200"}  # the candidates table, unabridged


def check(replay: Path, db: Path, *args: str):
    return run_cli("check", *args, "--replay", str(replay), "--db", str(db), "--as-of", AS_OF, env=WIDE)


def said(result) -> str:
    """Standard error with the terminal's line wrapping undone."""
    return " ".join(result.stderr.split())


def stored_checks(db: Path) -> list[tuple[str, dict]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return [(key, json.loads(terms)) for key, terms in
                conn.execute("select company_key, terms from checks order by id")]


def test_one_strong_candidate_is_used_and_the_choice_stored(replay, tmp_path):
    """'Демо-Поставка' finds the demo company and 'ДЕМО-ПОСТАВКА ПЛЮС', which is a different name."""
    db = tmp_path / "db.sqlite"
    result = check(replay, db, "--name", "Демо-Поставка", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["company"]["identifiers"]["inn"] == "0000123450"
    assert document["terms"]["found_by"]["how"] == "only-strong"  # the report says how it was found
    assert "Using" in result.stderr and "(the only strong match)" in said(result)
    [(key, terms)] = stored_checks(db)
    assert key == "ru:inn:0000123450"
    found_by = terms["found_by"]
    assert (found_by["how"], found_by["picked"]) == ("only-strong", 1)
    assert found_by["query"] == {"name": "Демо-Поставка", "searched_country": "ru"}
    assert [(c["identifier"], c["strong"]) for c in found_by["candidates"]] == [
        ("0000123450", True), ("0000123468", False)]
    with sqlite3.connect(db) as conn:  # the search answers are evidence of this check
        assert conn.execute("select count(*) from responses where source = 'egrul_search' and check_id = 1"
                            ).fetchone() == (2,)


def test_several_candidates_without_a_terminal_exit_3_with_the_list(replay, tmp_path):
    """Two active-or-ceased ООО «РОМАШКА» and a «РОМАШКА-М»: the tool must not guess."""
    db = tmp_path / "db.sqlite"
    result = check(replay, db, "--name", "Ромашка")
    assert result.returncode == 3, result.stderr
    for text in ("0000123475", "0000123482", "0000123490", "--pick"):
        assert text in result.stderr
    # Best first: the active Moscow company, then the ceased one, then the different name.
    assert result.stderr.index("0000123475") < result.stderr.index("0000123482") < result.stderr.index("0000123490")
    assert stored_checks(db) == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from responses").fetchone() == (0,)


def test_json_lists_the_candidates(replay, tmp_path):
    result = check(replay, tmp_path / "db.sqlite", "--name", "Ромашка", "--json")
    assert result.returncode == 3
    document = json.loads(result.stdout)
    assert "choose one with --pick" in document["error"]
    assert [(c["number"], c["identifier"], c["status"], c["strong"]) for c in document["candidates"]] == [
        (1, "0000123475", "active", True), (2, "0000123482", "ceased", True), (3, "0000123490", "active", False)]
    assert document["searched"] == [{"source": "egrul_search", "status": "ok", "candidates": 3}]


def test_pick_2_checks_the_second_candidate(replay, tmp_path):
    db = tmp_path / "db.sqlite"
    result = check(replay, db, "--name", "Ромашка", "--pick", "2", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["company"]["identifiers"]["inn"] == "0000123482"
    assert "ceased" in document["deal_killers"]
    [(key, terms)] = stored_checks(db)
    assert key == "ru:inn:0000123482"
    assert (terms["found_by"]["how"], terms["found_by"]["picked"]) == ("--pick", 2)
    assert len(terms["found_by"]["candidates"]) == 3


def test_in_a_terminal_the_user_chooses_by_number(replay, tmp_path):
    """stdin is a terminal: the list is shown on stderr and the number typed picks the company."""
    terminal, user_side = pty.openpty()
    try:
        os.write(terminal, b"2\n")  # typed ahead: the terminal holds the line until the prompt reads it
        db = tmp_path / "db.sqlite"
        result = run_cli("check", "--name", "Ромашка", "--replay", str(replay), "--db", str(db),
                         "--as-of", AS_OF, env=WIDE, stdin=user_side)
    finally:
        os.close(user_side)
        os.close(terminal)
    assert result.returncode == 0, result.stderr
    assert "Which company? Number" in said(result) and "0000123490" in result.stderr  # the whole list was shown
    [(key, terms)] = stored_checks(db)
    assert key == "ru:inn:0000123482"
    assert (terms["found_by"]["how"], terms["found_by"]["picked"]) == ("user", 2)


def test_city_leaves_one_strong_candidate(replay, tmp_path):
    db = tmp_path / "db.sqlite"
    result = check(replay, db, "--name", "Ромашка", "--city", "Москва", "--json")
    assert result.returncode == 0, result.stderr
    [(key, terms)] = stored_checks(db)
    assert key == "ru:inn:0000123475" and terms["found_by"]["how"] == "only-strong"


def test_domain_inn_from_the_contacts_page_is_checked(replay, tmp_path):
    """demo-postavka.example: no number on /, ИНН/КПП on /contacts (a typo'd INN beside it is ignored)."""
    db = tmp_path / "db.sqlite"
    result = check(replay, db, "--domain", "https://demo-postavka.example/shop", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["company"]["name"] == 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ДЕМО-ПОСТАВКА"'
    [(key, terms)] = stored_checks(db)
    assert key == "ru:inn:0000123450"
    found_by = terms["found_by"]
    assert found_by["how"] == "site-identifier"
    assert found_by["query"] == {"domain": "demo-postavka.example"}
    assert found_by["candidates"][0]["url"] == "https://demo-postavka.example/contacts"
    assert [run["source"] for run in found_by["searched"]] == ["website"]  # no name search was needed


def test_domain_without_a_number_falls_back_to_the_trustpilot_name(replay, tmp_path):
    """demo-trade.example has none of the legal pages; Trustpilot names it 'Демо-Поставка', country RU."""
    db = tmp_path / "db.sqlite"
    result = check(replay, db, "--domain", "demo-trade.example", "--json")
    assert result.returncode == 0, result.stderr
    [(key, terms)] = stored_checks(db)
    assert key == "ru:inn:0000123450"
    found_by = terms["found_by"]
    assert found_by["how"] == "only-strong"
    assert found_by["query"]["name_found"] == "Демо-Поставка"
    assert [(r["source"], r["status"]) for r in found_by["searched"]] == [
        ("website", "empty"), ("trustpilot", "ok"), ("egrul_search", "ok")]


@pytest.mark.parametrize("given, reason", [
    (("--name", "Капча"), "egrul_search failed: captcha: egrul.nalog.ru asks for a captcha"),
    (("--name", "Нет Такой"), "egrul_search failed: unrecorded request: POST https://egrul.nalog.ru/"),
    (("--domain", "demo-blocked.example"),
     "trustpilot failed: blocked: HTTP 403 from https://www.trustpilot.com/review/demo-blocked.example"),
])
def test_failed_search_exits_non_zero_with_the_reason(replay, tmp_path, given, reason):
    db = tmp_path / "db.sqlite"
    result = check(replay, db, *given, "--json")
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error.startswith("the search could not be completed") and reason in error
    assert "could not be completed" in said(result)
    assert stored_checks(db) == []


def test_name_search_without_companies_house_key_is_skipped_and_says_so(tmp_path):
    """Live mode, Latin name, no key: no request leaves, and the search failed rather than found nothing."""
    result = run_cli("check", "--name", "Acme Widgets", "--db", str(tmp_path / "db.sqlite"), "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["searched"] == [{"source": "companies_house_search", "status": "skipped", "candidates": 0,
                                     "reason": "no API key"}]
    assert "could not be completed" in document["error"]


def test_companies_house_search_recording_finds_you_limited(recordings, tmp_path):
    """companies_house/search-you.har (q=you): only 'YOU  LIMITED' 04475590 is the same name."""
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--name", "you", "--country", "gb", "--replay", str(recordings), "--db", str(db),
                     "--json", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    [(key, terms)] = stored_checks(db)
    assert key == "gb:company_number:04475590"
    assert terms["found_by"]["how"] == "only-strong"
    assert terms["found_by"]["candidates"][0]["name"] == "YOU LIMITED"
    assert len(terms["found_by"]["candidates"]) == 10  # the first ten of 14 named items are shown


@pytest.mark.parametrize("domain", ["", "not a domain", "info@example.com", "localhost", "example.com:8080",
                                    "192.168.0.1", "-bad-.com"])
def test_garbage_domain_exits_2_and_stores_nothing(tmp_path, domain):
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--domain", domain, "--db", str(db))
    assert result.returncode == 2
    assert "--domain" in result.stderr
    assert not db.exists()


def test_pick_needs_a_name_or_domain(tmp_path):
    result = run_cli("check", "--inn", "7707083893", "--pick", "1", "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2 and "--pick goes with --name or --domain" in said(result)


# --- the pure parts, on real recordings where there are any --------------------


def test_companies_house_search_items_become_candidates(recordings):
    answer = json.loads(har_response(recordings / "companies_house" / "search-you.har", "/search/companies").text)
    candidates = parse_search(answer)
    assert len(candidates) == 14  # one of 15 items has no title
    assert candidates[0] == Candidate(Identity("GB", "company_number", "04475590"), "YOU LIMITED", "companies_house",
                                      "active", "74 Lairgate, Beverley, East Yorkshire, United Kingdom, HU17 8EU")
    assert {c.status for c in candidates} == {"active", "dissolved"}


def test_sec_tickers_give_a_cik_per_company(recordings):
    answer = har_response(recordings / "edgar" / "company-tickers.har", "company_tickers").body
    ranked = rank(parse_tickers(answer, "Tesla Inc"), "Tesla Inc")
    assert ranked[0].candidate.identity == Identity("US", "cik", "0001318605")
    assert ranked[0].strong and not any(r.strong for r in ranked[1:])
    alphabet = parse_tickers(answer, "Alphabet")  # GOOGL and GOOG: one company
    assert [c.identity.value for c in alphabet].count("0001652044") == 1


def test_identifiers_need_a_label_and_a_valid_checksum():
    text = ("Тел. 0001234567, р/с 40702810900000012345. ИНН 7707083894 (опечатка). "
            "Реквизиты: ИНН/КПП 7707083893/773601001, ОГРН 1027700132195")
    assert identifiers_in(text) == [Identity("RU", "inn", "7707083893")]
    assert identifiers_in("ОГРН: 1027700132195") == [Identity("RU", "ogrn", "1027700132195")]
    assert identifiers_in("Registered in England and Wales with company number 08957400. VAT No. 123456789") == [
        Identity("GB", "company_number", "08957400")]
    assert identifiers_in("Company No. SC123456") == [Identity("GB", "company_number", "SC123456")]
    assert identifiers_in("Call 0800 123 4567 or +7 (495) 500-55-50") == []


def test_domain_is_normalised_to_its_host():
    assert parse_domain(" HTTPS://Www.Example.co.uk/about?x=1 ") == "www.example.co.uk"
    assert parse_domain("пример.рф") == "xn--e1afmkfd.xn--p1ai"


def test_ranking_prefers_active_then_city_and_a_search_gap_blocks_the_automatic_choice():
    def candidate(inn: str, status: str, address: str) -> Candidate:
        return Candidate(Identity("RU", "inn", inn), 'ООО "РОМАШКА"', "egrul", status, address)

    candidates = [candidate("0000123482", "ceased", "Г.КАЗАНЬ"), candidate("0000123475", "active", "Г.МОСКВА")]
    assert [r.candidate.identity.value for r in rank(candidates, "Ромашка")] == ["0000123475", "0000123482"]
    in_kazan = rank(candidates, "Ромашка", city="Казань")
    assert [r.strong for r in in_kazan] == [True, False]
    assert choose(in_kazan, pick=None, ask=None, complete=True) == (1, "only-strong")
    with pytest.raises(ResolveError) as raised:
        choose(in_kazan, pick=None, ask=None, complete=False)  # the right one may be where we could not look
    assert raised.value.exit_code == 3
    assert choose(in_kazan, pick=None, ask=lambda shown: 2, complete=False) == (2, "user")
