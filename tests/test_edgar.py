"""SEC EDGAR: the CIK, the real Tesla / tickers / rate-limit recordings, the hand-made made-up company."""

from __future__ import annotations

import copy
import json
import sqlite3
from typing import Callable

import pytest
from scrapy.utils.test import get_crawler

from clientvet import config
from clientvet.crawler.base import SourceFailure
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.edgar import (NO_CONTACT, EdgarSpider, TickerCandidate, annual_financials,
                                             check_answer, ticker_candidates)
from clientvet.evidence.identifiers import InvalidIdentifier, parse_cik
from tests.conftest import ROOT, check_json, har_response, run_cli

TESLA = "0001318605"
DEMO_CIK = "0009999990"  # DEMO SUPPLY, INC.: made up, hand-made fixtures only
EDGAR_FIXTURE = ROOT / "tests" / "fixtures" / "edgar" / f"handmade-{DEMO_CIK}.har"
COURTLISTENER_FIXTURE = ROOT / "tests" / "fixtures" / "courtlistener" / f"handmade-{DEMO_CIK}.har"


def subject(cik: str) -> Subject:
    return Subject(1, f"us:cik:{cik}", "US", "cik", cik)


@pytest.fixture
def spider(tmp_path):
    """A crawler-bound spider, as a run builds it, with no user config."""
    def build(**settings) -> EdgarSpider:
        crawler = get_crawler(EdgarSpider, {"CLIENTVET_DB": str(tmp_path / "db.sqlite"), **settings})
        return EdgarSpider.from_crawler(crawler)
    return build


@pytest.fixture
def user_config(tmp_path, monkeypatch):
    """Point clientvet at a config file with this text (the config is cached per process)."""
    def write(text: str) -> None:
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("CLIENTVET_CONFIG", str(path))
        config.load_config.cache_clear()
    yield write
    config.load_config.cache_clear()


# --- the identifier --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1318605", "0001318605", " 1318605 ", "CIK0001318605", "cik1318605"])
def test_cik_is_padded_to_the_ten_digits_edgar_uses(raw):
    identity = parse_cik(raw)
    assert (identity.jurisdiction, identity.scheme, identity.value) == ("US", "cik", TESLA)
    assert identity.key == "us:cik:0001318605"


@pytest.mark.parametrize("raw, message", [
    ("", "CIK is empty"),
    ("13-18605", "digits only"),
    ("TSLA", "digits only"),
    ("12345678901", "at most 10 digits"),
    ("0000000000", "belongs to no company"),
])
def test_bad_ciks_are_refused_with_the_reason(raw, message):
    with pytest.raises(InvalidIdentifier, match=message):
        parse_cik(raw)


@pytest.mark.parametrize("args, message", [
    (["--cik", "TSLA"], "digits only"),
    (["--cik", "1318605", "--inn", "7707083893"], "exactly one of"),
])
def test_bad_cik_on_the_command_line_exits_2_and_writes_nothing(tmp_path, args, message):
    db = tmp_path / "db.sqlite"
    result = run_cli("check", *args, "--db", str(db))
    assert result.returncode == 2
    assert message in result.stderr
    assert not db.exists()


# --- company_tickers.json (name -> CIK candidates) ----------------------------------------


def test_ticker_table_gives_padded_cik_ticker_and_title(recordings):
    """edgar/company-tickers.har: the whole table as served (about 10,000 rows)."""
    response = har_response(recordings / "edgar" / "company-tickers.har", "company_tickers.json")
    candidates = ticker_candidates(response.body)
    assert candidates[0] == TickerCandidate("0000789019", "MSFT", "MICROSOFT CORP")
    assert TickerCandidate(TESLA, "TSLA", "Tesla, Inc.") in candidates
    assert len(candidates) > 9000
    assert all(len(c.cik) == 10 and c.cik.isdigit() for c in candidates)


@pytest.mark.parametrize("body", ['[{"cik_str": 1}]', '{"0": {"ticker": "X", "title": "Y"}}'])
def test_a_changed_ticker_table_fails_loudly(body):
    with pytest.raises(SourceFailure, match="company_tickers.json"):
        ticker_candidates(body)


# --- submissions: the real Tesla recording ------------------------------------------------


def test_tesla_submissions_give_the_registry_card_and_no_bankruptcy_report(recordings, spider):
    """edgar/1318605.har: 1001 recent filings (163 8-Ks), none with item 1.03."""
    response = har_response(recordings / "edgar" / "1318605.har", "submissions", {"subject": subject(TESLA)})
    output = list(spider().parse_submissions(response))
    facts = [o for o in output if hasattr(o, "kind")]
    assert [f.kind for f in facts] == ["registry_record"]
    record = facts[0].data
    assert (record["name"], record["cik"], record["status"]) == ("Tesla, Inc.", TESLA, "registered")
    assert (record["sic"], record["sic_description"]) == ("3711", "Motor Vehicles & Passenger Car Bodies")
    assert record["previous_names"] == ["TESLA MOTORS INC"]
    assert record["address"] == "3500 DEER CREEK RD, PALO ALTO, CA, 94304"  # no 'None' street2
    assert (record["last_filed_on"], record["filings_read_since"]) == ("2022-11-30", "2013-12-11")
    assert record["older_filing_files"] == 1
    [follow_up] = [o for o in output if not hasattr(o, "kind")]
    assert follow_up.url == f"https://data.sec.gov/api/xbrl/companyfacts/CIK{TESLA}.json"


def test_requests_carry_the_configured_contact_e_mail(user_config, spider):
    user_config('[edgar]\ncontact_email = "risk@example.com"\n')
    [request] = spider().requests_for(subject(TESLA))
    assert request.url == f"https://data.sec.gov/submissions/CIK{TESLA}.json"
    assert request.headers["User-Agent"] == b"clientvet risk@example.com"


def test_a_user_agent_with_an_e_mail_serves_as_the_contact(user_config, spider):
    user_config("")
    [request] = spider(USER_AGENT="Acme Sales ops@acme.example").requests_for(subject(TESLA))
    assert request.headers["User-Agent"] == b"Acme Sales ops@acme.example"


def test_without_a_contact_e_mail_a_live_run_sends_nothing(user_config, spider):
    user_config("")
    edgar = spider()
    assert list(edgar.requests_for(subject(TESLA))) == []
    assert edgar.ledger.outcome(subject(TESLA)) == ("skipped", NO_CONTACT)


def test_rate_limit_page_is_a_rate_limit_not_a_block(recordings):
    """edgar/rate-exceeded.har: SEC's 403 'Request Rate Threshold Exceeded' page."""
    response = har_response(recordings / "edgar" / "rate-exceeded.har", "submissions")
    assert response.status == 403
    with pytest.raises(SourceFailure, match=r"^rate limited: HTTP 403 'Request Rate Threshold Exceeded'"):
        check_answer(response)


def test_another_403_is_a_block(recordings):
    response = har_response(recordings / "edgar" / "rate-exceeded.har", "submissions")
    other = response.replace(body=b"<html><title>Access Denied</title></html>")
    with pytest.raises(SourceFailure, match=r"^blocked: HTTP 403"):
        check_answer(other)


# --- the hand-made made-up company: 8-K item 1.03 and XBRL company facts ----------------------


def test_8k_with_item_1_03_is_a_bankruptcy_report(spider):
    response = har_response(EDGAR_FIXTURE, "submissions", {"subject": subject(DEMO_CIK)})
    reports = [f.data for f in spider().parse_submissions(response) if getattr(f, "kind", "") == "bankruptcy_report"]
    assert reports == [{
        "accession": "0009999990-26-000012", "form": "8-K", "filed_on": "2026-08-20", "report_date": "2026-08-19",
        "items": ["1.03", "2.04", "9.01"],
        "url": "https://www.sec.gov/Archives/edgar/data/9999990/000999999026000012/dsup-8k_20260819.htm",
    }]  # the 8-Ks with items 2.02 and 5.02 are not


def test_company_facts_give_one_row_per_fiscal_year_end():
    """Annual 10-K values only (quarters left out); the latest filing of a year wins (FY2024 restated)."""
    facts = json.loads(har_response(EDGAR_FIXTURE, "companyfacts").text)
    years = {y["period_end"]: y for y in annual_financials(facts)}
    assert list(years) == ["2025-12-31", "2024-12-31", "2023-12-31", "2022-12-31"]
    assert {k: years["2025-12-31"][k] for k in ("year", "revenue", "net_income", "stockholders_equity",
                                                 "going_concern_doubt", "currency")} == {
        "year": 2025, "revenue": 15_300_000, "net_income": -12_800_000, "stockholders_equity": -6_300_000,
        "going_concern_doubt": True, "currency": "USD"}
    assert years["2024-12-31"]["revenue"] == 41_200_000
    assert years["2024-12-31"]["lines"]["revenue"] == "us-gaap:Revenues in 10-K 0009999990-26-000004 filed 2026-03-16"
    assert years["2024-12-31"]["going_concern_doubt"] is None  # not stated for that year


def test_company_facts_without_facts_fail_loudly():
    with pytest.raises(SourceFailure, match="no facts"):
        annual_financials({"cik": 1, "entityName": "X"})


# --- the real company facts of SNOWFLAKE INC. (CIK 1640147), fiscal years ending 31 January -----

SNOWFLAKE_10K_2025 = "0001640147-25-000052"
RFCWC = "RevenueFromContractWithCustomerExcludingAssessedTax"


@pytest.fixture
def snowflake_facts(recordings) -> dict:
    return json.loads(har_response(recordings / "edgar/companyfacts-1640147.har", "companyfacts").text)


def by_year(facts: dict) -> dict[int, dict]:
    return {row["year"]: row for row in annual_financials(facts)}


def test_real_snowflake_figures_per_fiscal_year(snowflake_facts):
    """Snowflake names the year to 31 January 2025 fiscal 2025 (fy of its 10-K); each year once, from 10-Ks."""
    years = by_year(snowflake_facts)
    assert {year: (row["period_end"], row["revenue"], row["net_income"], row["stockholders_equity"])
            for year, row in years.items()} == {
        2025: ("2025-01-31", 3_626_396_000, -1_285_640_000, 2_999_929_000),
        2024: ("2024-01-31", 2_806_489_000, -836_097_000, 5_180_308_000),
        2023: ("2023-01-31", 2_065_659_000, -796_705_000, 5_456_436_000),
        2022: ("2022-01-31", 1_219_327_000, -679_948_000, 5_049_045_000),
        2021: ("2021-01-31", 592_049_000, -539_102_000, 4_936_471_000),
    }
    assert years[2025]["lines"] == {
        "revenue": f"us-gaap:{RFCWC} in 10-K {SNOWFLAKE_10K_2025} filed 2025-03-21",
        "net_income": f"us-gaap:NetIncomeLoss in 10-K {SNOWFLAKE_10K_2025} filed 2025-03-21",
        "stockholders_equity": f"us-gaap:StockholdersEquity in 10-K {SNOWFLAKE_10K_2025} filed 2025-03-21"}
    # FY2023 is in three 10-Ks (its own and two as comparatives): the latest gives it
    assert years[2023]["lines"]["revenue"] == f"us-gaap:{RFCWC} in 10-K {SNOWFLAKE_10K_2025} filed 2025-03-21"


def test_real_snowflake_years_are_the_figures_sec_frames_for_the_period(snowflake_facts):
    """Of the duplicates across filings, SEC marks one per calendar period with a frame: ours is that one."""
    gaap = snowflake_facts["facts"]["us-gaap"]
    for measure, concept in (("revenue", RFCWC), ("net_income", "NetIncomeLoss")):
        framed = {f["end"]: f["val"] for f in gaap[concept]["units"]["USD"]
                  if f.get("frame", "").startswith("CY") and len(f["frame"]) == 6 and f["form"] == "10-K"}
        for row in annual_financials(snowflake_facts):
            assert row[measure] == framed[row["period_end"]], (measure, row["period_end"])
        assert len(gaap[concept]["units"]["USD"]) > 3 * len(framed)  # quarters and duplicates were left out


def test_real_snowflake_net_income_is_the_parents_not_with_minority_interests(snowflake_facts):
    """NetIncomeLoss (−1 285.6 m) and ProfitLoss (−1 289.2 m, with non-controlling interests) both exist."""
    profit_loss = {f["end"]: f["val"] for f in snowflake_facts["facts"]["us-gaap"]["ProfitLoss"]["units"]["USD"]}
    years = by_year(snowflake_facts)
    assert profit_loss["2025-01-31"] == -1_289_212_000 and years[2025]["net_income"] == -1_285_640_000
    assert all("NetIncomeLoss" in row["lines"]["net_income"] for row in years.values())
    assert all("us-gaap:StockholdersEquity " in row["lines"]["stockholders_equity"] for row in years.values())


def moved(facts: dict, source: str, target: str, keep: Callable[[dict], bool], change=lambda f: f) -> dict:
    """The real facts with the figures `keep` picks filed under another concept instead (changed by `change`)."""
    facts = copy.deepcopy(facts)
    gaap = facts["facts"]["us-gaap"]
    figures_ = gaap[source]["units"]["USD"]
    gaap[source]["units"]["USD"] = [f for f in figures_ if not keep(f)]
    gaap.setdefault(target, {"units": {"USD": []}})["units"]["USD"] += [change(dict(f)) for f in figures_ if keep(f)]
    return facts


def test_real_snowflake_years_under_the_older_revenue_concept_still_count(snowflake_facts):
    """A filer whose older 10-Ks used Revenues: the same figures, each year naming its concept."""
    older = moved(snowflake_facts, RFCWC, "Revenues", lambda f: f["filed"] < "2023-01-01")
    years = by_year(older)
    assert {y: r["revenue"] for y, r in years.items()} == {y: r["revenue"] for y, r in by_year(snowflake_facts).items()}
    assert years[2021]["lines"]["revenue"].startswith(f"us-gaap:{RFCWC} in 10-K 0001640147-23-000030")
    only_older = moved(snowflake_facts, RFCWC, "SalesRevenueNet", lambda f: f["end"] <= "2021-01-31")
    assert by_year(only_older)[2021]["lines"]["revenue"].startswith("us-gaap:SalesRevenueNet in 10-K")


def test_real_snowflake_a_later_report_under_the_newer_concept_beats_the_preferred_older_one(snowflake_facts):
    """Revenues is preferred, but a 2023 Revenues figure restated in 2025 under the ASC 606 concept is old news."""
    stale = moved(snowflake_facts, RFCWC, "Revenues",
                  lambda f: f["end"] == "2023-01-31" and f["filed"] == "2023-03-29",
                  lambda f: {**f, "val": 2_000_000_000})
    assert by_year(stale)[2023]["revenue"] == 2_065_659_000
    # in one report, the preferred concept (total revenues) wins over the contract revenue
    total = copy.deepcopy(snowflake_facts)
    latest = next(f for f in total["facts"]["us-gaap"][RFCWC]["units"]["USD"] if f["accn"] == SNOWFLAKE_10K_2025
                  and f["end"] == "2025-01-31")
    total["facts"]["us-gaap"]["Revenues"] = {"units": {"USD": [{**latest, "val": 3_700_000_000}]}}
    assert by_year(total)[2025]["revenue"] == 3_700_000_000


def test_real_snowflake_a_filer_naming_the_year_by_its_start(snowflake_facts):
    """Retailers call the year to 1 February 2025 fiscal 2024: their 10-Ks say fy 2024, and so do we."""
    shifted = copy.deepcopy(snowflake_facts)
    for concept in shifted["facts"]["us-gaap"].values():
        for values in concept["units"].values():
            for fact in values:
                fact["fy"] -= 1
    assert list(by_year(shifted)) == [2024, 2023, 2022, 2021, 2020]
    assert by_year(shifted)[2024]["period_end"] == "2025-01-31"


# --- end to end through the CLI ---------------------------------------------------------------


@pytest.fixture
def replay_dir(tmp_path):
    """A replay directory of links to chosen recordings (the shared ones stay where they are)."""
    def build(*hars):
        directory = tmp_path / "replay"
        directory.mkdir(exist_ok=True)
        for har in hars:
            (directory / f"{har.parent.name}-{har.name}").symlink_to(har)
        return directory
    return build


def coverage(document: dict) -> dict[str, dict]:
    return {run["source"]: run for run in document["coverage"]}


def test_tesla_check_shows_the_card_and_says_what_was_not_recorded(recordings, tmp_path):
    """edgar/1318605.har: submissions only; company facts and CourtListener are not recorded."""
    document = check_json("--cik", "1318605", "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
    company = document["company"]
    assert (company["name"], company["identifiers"], company["jurisdiction"]) == (
        "Tesla, Inc.", {"cik": TESLA}, "US")
    runs = coverage(document)
    assert runs["edgar"]["status"] == "failed"
    assert runs["edgar"]["reason"] == (
        f"unrecorded request: GET https://data.sec.gov/api/xbrl/companyfacts/CIK{TESLA}.json")
    assert runs["courtlistener"]["status"] == "failed"
    assert runs["courtlistener"]["reason"] == ("unrecorded request: GET https://www.courtlistener.com"
                                               "/api/rest/v4/search/?type=r&q=party%3A%22Tesla%2C+Inc.%22")
    assert not {f["code"] for f in document["factors"]} & {"us_bankruptcy", "us_past_bankruptcy"}
    assert document["verdict"] == "amber"  # never green with the essential source incomplete


def test_rate_limited_edgar_reads_failed_rate_limited(recordings, replay_dir, tmp_path):
    replay = replay_dir(recordings / "edgar" / "rate-exceeded.har")
    document = check_json("--cik", "1318605", "--replay", str(replay), "--db", str(tmp_path / "db.sqlite"))
    run = coverage(document)["edgar"]
    assert run["status"] == "failed"
    assert run["reason"].startswith("rate limited: HTTP 403")


def test_made_up_company_in_chapter_11_is_red(replay_dir, tmp_path):
    """Hand-made fixtures: 8-K item 1.03, an open chapter 11 case, losses, negative equity, suits."""
    replay = replay_dir(EDGAR_FIXTURE, COURTLISTENER_FIXTURE)
    document = check_json("--cik", "9999990", "--replay", str(replay), "--db", str(tmp_path / "db.sqlite"))
    assert document["verdict"] == "red"
    assert set(document["deal_killers"]) == {"us_bankruptcy"}
    assert {f["code"] for f in document["factors"]} == {
        "us_bankruptcy", "us_going_concern_doubt", "us_negative_equity", "us_net_loss_two_years",
        "us_revenue_falling_steeply", "us_defendant_suits",
        "reviews_unchecked"}  # trustpilot_us: no recording of its page in this replay
    assert coverage(document)["trustpilot_us"]["status"] == "failed"
    bankruptcy = [f for f in document["factors"] if f["code"] == "us_bankruptcy"]
    urls = sorted(f["evidence"][0]["url"] for f in bankruptcy)
    assert urls == [f"https://data.sec.gov/submissions/CIK{DEMO_CIK}.json",
                    "https://www.courtlistener.com/api/rest/v4/search/?type=r&q=party%3A%22DEMO+SUPPLY%2C+INC.%22"]
    suits = next(f for f in document["factors"] if f["code"] == "us_defendant_suits")
    assert suits["points"] == 7  # two suits in the last 12 months, one 12-24 months ago
    assert (coverage(document)["edgar"]["status"], coverage(document)["courtlistener"]["status"]) == ("ok", "ok")


def test_unknown_cik_is_an_error_that_changes_nothing(tmp_path):
    """A hand-made 404 for the submissions of a CIK EDGAR does not know."""
    replay = tmp_path / "replay"
    replay.mkdir()
    not_found = {"status": 404, "headers": [{"name": "Content-Type", "value": "text/html"}],
                 "content": {"text": "<html><body>Not Found</body></html>"}}
    entries = [{"request": {"method": "GET", "url": "https://data.sec.gov/submissions/CIK0000000001.json",
                            "headers": []}, "response": not_found}]
    (replay / "handmade-unknown-0000000001.har").write_text(json.dumps({"log": {"entries": entries}}))
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--cik", "1", "--replay", str(replay), "--db", str(db))
    assert result.returncode == 1
    assert "no company with CIK 0000000001 in edgar" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from checks").fetchone() == (0,)


def test_live_check_without_contact_e_mail_is_skipped_not_empty(tmp_path):
    document = json.loads(run_cli("check", "--cik", "1318605", "--db", str(tmp_path / "db.sqlite"),
                                  "--json").stdout)
    runs = coverage(document)
    assert (runs["edgar"]["status"], runs["edgar"]["reason"], runs["edgar"]["requests"]) == (
        "skipped", NO_CONTACT, 0)
    assert (runs["courtlistener"]["status"], runs["courtlistener"]["reason"]) == ("skipped", "no API key")
    assert document["verdict"] == "amber"
