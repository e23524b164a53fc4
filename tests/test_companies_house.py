"""Companies House: filings, PSC, directors' appointments, name search and the rate-limit budget.

Real replies from ../shared/recordings/companies_house; the made-up company 99000042 (MADE-UP WIDGETS
LIMITED) from tests/fixtures/companies_house/handmade-99000042.har where no real reply shows a case.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.har import HarArchive
from clientvet.crawler.items import Fact
from clientvet.crawler.spiders.companies_house import (
    CompaniesHouseSpider, RateLimitBudget, search_candidates, search_url)
from tests.conftest import ROOT, check_json, har_response
from tests.uk_support import FIXTURES, MADE_UP, factor, facts, parsed, subject, verdict

HANDMADE = FIXTURES / "companies_house" / f"handmade-{MADE_UP}.har"


@pytest.fixture
def ch(recordings):
    return recordings / "companies_house"


def spider() -> CompaniesHouseSpider:
    return CompaniesHouseSpider(subjects=[subject()])


def handmade_facts() -> list[Fact]:
    """Every fact the spider takes from the hand-made company's replies."""
    s = spider()
    found = []
    for part, callback in (("99000042", s.parse_profile), ("/officers/", s.parse_appointments),
                           ("/company/99000042/officers", s.parse_officers),
                           ("persons-with-significant-control", s.parse_psc), ("/charges", s.parse_charges),
                           ("/filing-history", s.parse_filing_history)):
        found += facts(parsed(callback, HANDMADE, part))
    return found


# --- filing history ---------------------------------------------------------------


def test_pfb_hire_filings_keep_only_office_changes(ch):
    """07310390.har: 47 filings; of those a rule reads, only three office changes (2010, 2014, 2016)."""
    found = facts(parsed(spider().parse_filing_history, ch / "07310390.har", "filing-history", "07310390"))
    assert [(f.data["event"], f.data["date"]) for f in found] == [
        ("registered_office_change", "2016-06-15"), ("registered_office_change", "2014-02-17"),
        ("registered_office_change", "2010-08-24")]
    assert found[0].data["old_address"] == "215 Chester Street Aston Birmingham B6 4AE"
    assert found[0].key == "MzE1MDcyMzgzMWFkaXF6a2N4"  # the filing's own id, from links.self


def test_change_of_name_is_read_but_is_not_recent_by_2026(ch):
    """14190543.har: name changed from 'helping hands trust LTD' on 2023-01-20: too old for the rule."""
    [filing] = facts(parsed(spider().parse_filing_history, ch / "14190543.har", "filing-history", "14190543"))
    assert filing.data["event"] == "change_of_name" and filing.data["date"] == "2023-01-20"
    assert "helping hands trust LTD" in filing.data["text"]
    assert factor(verdict([filing], "14190543"), "uk_recent_name_or_office_change") is None


def test_recent_name_and_office_change_is_low():
    result = verdict(handmade_facts())
    found = factor(result, "uk_recent_name_or_office_change")
    assert found.rule.severity == "low" and found.points == 5
    assert found.detail == ("registered office on 2026-08-11 (from 1 Old Road Madeupton ZZ99 9ZY); "
                            "name on 2026-07-20")
    assert {o.key for o in found.evidence} == {"MadeUpFiling0006", "MadeUpFiling0005"}


# --- strike-off ------------------------------------------------------------------------


def test_strike_off_filing_is_high():
    found = factor(verdict(handmade_facts()), "uk_strike_off_notice")
    assert found.rule.severity == "high" and not found.rule.deal_killer
    assert found.detail == "filing GAZ1 of 2026-06-02"


def test_strike_off_brought_up_to_date_afterwards_is_not_counted():
    """A later 'gazette-filings-brought-up-to-date' filing means the registrar stopped the action."""
    stopped = Fact(subject(), "companies_house", "filing", "later",
                   {"event": "strike_off_discontinued", "date": "2026-07-01", "type": "DISS40"})
    assert factor(verdict(handmade_facts() + [stopped]), "uk_strike_off_notice") is None


def test_proposal_to_strike_off_in_the_profile_counts_even_without_a_filing():
    profile = next(f for f in handmade_facts() if f.kind == "registry_record")
    proposed = Fact(profile.subject, profile.source, profile.kind, profile.key,
                    {**profile.data, "status_detail": "active-proposal-to-strike-off"})
    found = factor(verdict([proposed]), "uk_strike_off_notice")
    assert found.detail == "Companies House status detail 'active-proposal-to-strike-off'"


# --- persons with significant control ----------------------------------------------------


def test_yorkshire_air_ambulance_has_one_active_corporate_psc(ch):
    """04053514.har: five PSCs, four ceased in 2016; the parent company is the active one."""
    found = facts(parsed(spider().parse_psc, ch / "04053514.har", "persons-with-significant-control", "04053514"))
    people = [f for f in found if f.kind == "psc"]
    assert len(people) == 5
    assert [p.data["name"] for p in people if p.data["active"]] == ["Yorkshire Air Ambulance Ltd"]
    [register] = [f for f in found if f.kind == "psc_register"]
    assert register.data["active_count"] == 1 and register.data["ceased_count"] == 4
    assert factor(verdict(found, "04053514"), "uk_no_psc") is None


def test_no_active_psc_and_statements_only_is_low():
    found = factor(verdict(handmade_facts()), "uk_no_psc")
    assert found.rule.severity == "low"
    assert found.detail == "0 active, 1 ceased (the register holds statements instead)"


# --- directors and their other appointments -------------------------------------------------


def test_only_current_directors_appointments_are_followed(ch):
    """04475590.har: 7 officers; two current directors are looked up (secretaries and resigned ones are not)."""
    items = parsed(spider().parse_officers, ch / "04475590.har", "/officers", "04475590")
    requests = [i for i in items if isinstance(i, Request)]
    assert [r.url for r in requests] == [
        "https://api.company-information.service.gov.uk/officers/5SU_9GfEsP_Z_H7rb1fNFmEZvKs/appointments",
        "https://api.company-information.service.gov.uk/officers/M0nRpSZPlPTwBusql3sNK6Efzr8/appointments"]
    assert all(r.dont_filter and r.meta["handle_httpstatus_list"] == [404] for r in requests)
    assert len(facts(items)) == 7


def test_horley_has_three_appointments_two_failed_which_is_not_many(ch):
    """officer-BUzLMub….har: 3 appointments, 2 companies dissolved (one is PFB HIRE): below the threshold."""
    [found] = facts(parsed(spider().parse_appointments, ch / "officer-BUzLMub_QilQ_HNnIUxLkZrs5KM.har",
                           "/appointments", "07310390"))
    assert found.key == "BUzLMub_QilQ_HNnIUxLkZrs5KM"
    assert (found.data["name"], found.data["total"], found.data["read"], found.data["current"]) == \
        ("Allan David HORLEY", 3, 3, 1)
    assert [c["company_status"] for c in found.data["companies"]] == ["dissolved", "active", "dissolved"]
    assert {c["company_number"] for c in found.data["companies"]} == {"07133481", "07649312", "07310390"}
    assert factor(verdict([found], "07310390"), "uk_director_many_appointments") is None


def test_director_with_27_appointments_and_6_failed_companies_is_medium():
    found = factor(verdict(handmade_facts()), "uk_director_many_appointments")
    assert found.rule.severity == "medium" and found.points == 10
    assert found.detail == "Ima Madeup EXAMPLE: 27 appointment(s), 6 dissolved or insolvent"


def test_many_appointments_alone_count_and_unread_pages_are_said():
    """27 appointments at live companies still count; a total beyond the page read is named as such."""
    [director] = [f for f in handmade_facts() if f.kind == "officer_appointments"]
    live = [{**c, "company_status": "active"} for c in director.data["companies"]]
    bigger = Fact(director.subject, director.source, director.kind, director.key,
                  {**director.data, "companies": live, "total": 60})
    found = factor(verdict([bigger]), "uk_director_many_appointments")
    assert found.detail == "Ima Madeup EXAMPLE: 60 appointment(s), 0 dissolved or insolvent among the 27 read"


def test_outstanding_charge_of_the_made_up_company():
    found = factor(verdict(handmade_facts()), "outstanding_charges")
    assert found.rule.group == "debts" and found.detail == "1 outstanding charge(s)"


# --- name search ---------------------------------------------------------------------


def test_search_request_is_the_recorded_one(ch):
    recorded = HarArchive(ch).find("GET", search_url("you"), b"", None)
    assert recorded is not None and recorded.source_file.endswith("search-you.har")


def test_search_candidates_from_the_you_search(ch):
    """search-you.har: 15 hits; titles padded ('YOU  LIMITED'); one hit has no title at all."""
    candidates = search_candidates(json.loads(har_response(ch / "search-you.har", "search/companies").text))
    assert len(candidates) == 15
    first = candidates[0]
    assert (first.company_number, first.name, first.status, first.date_of_creation) == \
        ("04475590", "YOU LIMITED", "active", "2002-07-02")
    assert first.address == "74 Lairgate, Beverley, East Yorkshire, United Kingdom, HU17 8EU"
    untitled = next(c for c in candidates if c.company_number == "11722385")
    assert untitled.name is None  # the index has no title for it: shown as unnamed, not as "YOU TEC"
    assert next(c for c in candidates if c.company_number == "08051585").status == "dissolved"


def test_search_answer_without_items_fails_loudly():
    with pytest.raises(SourceFailure, match="search has no items"):
        search_candidates({"errors": [{"error": "invalid-authorization-header"}]})


# --- rate limit --------------------------------------------------------------------------


def answer(status: int = 200, **headers: str) -> TextResponse:
    url = "https://api.company-information.service.gov.uk/company/99000042"
    return TextResponse(url, status=status, headers=headers, body=b"{}", request=Request(url))


class Clock:
    def __init__(self, now: float):
        self.now, self.slept = now, []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_budget_waits_for_the_window_reset_only_when_few_requests_are_left():
    clock = Clock(1_795_000_000)
    budget = RateLimitBudget(clock, clock.sleep)
    request = Request("https://api.company-information.service.gov.uk/company/99000042/officers")
    budget.process_response(request, answer(**{"X-Ratelimit-Remain": "597", "X-Ratelimit-Reset": "1795000120"}))
    asyncio.run(budget.process_request(request))
    assert clock.slept == []
    budget.process_response(request, answer(**{"X-Ratelimit-Remain": "20", "X-Ratelimit-Reset": "1795000120"}))
    asyncio.run(budget.process_request(request))
    assert clock.slept == [121.0]
    asyncio.run(budget.process_request(request))  # the window has reset: no second wait
    assert clock.slept == [121.0]


def test_a_429_without_headers_waits_a_whole_window():
    clock = Clock(1_795_000_000)
    budget = RateLimitBudget(clock, clock.sleep)
    budget.process_response(Request("https://x.invalid/"), answer(429))
    assert budget.wait_seconds() == RateLimitBudget.WINDOW


def test_the_budget_runs_beside_replay_and_archive():
    middlewares = get_crawler(CompaniesHouseSpider, {
        "DOWNLOADER_MIDDLEWARES": {"clientvet.crawler.middlewares.ArchiveMiddleware": 950,
                                   "clientvet.crawler.middlewares.ReplayMiddleware": 990}}
                              ).settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares[RateLimitBudget] == 900 and len(middlewares) == 3


# --- whole checks replayed from the hand-made recordings --------------------------------


def test_made_up_company_full_check(tmp_path):
    """Companies House and the Gazette replayed for 99000042: every UK rule fires with its evidence."""
    document = check_json("--company-number", MADE_UP, "--replay", str(ROOT / "tests" / "fixtures"),
                          "--db", str(tmp_path / "db.sqlite"))
    runs = {run["source"]: run for run in document["coverage"]}
    assert runs["companies_house"]["status"] == "ok" and runs["companies_house"]["requests"] == 7
    assert runs["gazette"]["status"] == "ok"
    assert document["verdict"] == "red"
    assert set(document["deal_killers"]) == {"uk_winding_up_petition", "uk_winding_up"}
    codes = {f["code"] for f in document["factors"]}
    assert codes >= {"uk_strike_off_notice", "uk_recent_name_or_office_change", "uk_director_many_appointments",
                     "uk_no_psc", "outstanding_charges", "accounts_overdue"}
    petition = next(f for f in document["factors"] if f["code"] == "uk_winding_up_petition")
    assert petition["evidence"][0]["url"].startswith("https://www.thegazette.co.uk/all-notices/notice/data.json?")
    assert len(petition["evidence"][0]["sha256"]) == 64


def test_rate_limited_company_is_failed_not_empty(tmp_path):
    """handmade-99000043-rate-limited.har: every request answered 429."""
    document = check_json("--company-number", "99000043", "--replay", str(ROOT / "tests" / "fixtures"),
                          "--db", str(tmp_path / "db.sqlite"))
    runs = {run["source"]: run for run in document["coverage"]}
    assert runs["companies_house"]["status"] == "failed"
    assert runs["companies_house"]["reason"].startswith("rate limited: HTTP 429 from ")
    assert runs["gazette"] == {**runs["gazette"], "status": "skipped",
                               "reason": "no company name from companies_house"}
    assert document["verdict"] != "green"
