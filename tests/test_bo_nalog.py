"""ГИР БО (bo.nalog.ru): parsing the real recording of АО "ДИКСИ ЮГ" and the finance rules.

The recording bo_nalog/5036045205.har holds the search, the list of five periods
(2021–2025) and the details of the 2025 period (bfo 28978475) only.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from scrapy.http import Request, TextResponse

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import RULES
from clientvet.checks.verdict import evaluate
from clientvet.crawler.base import SourceFailure
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.bo_nalog import BoNalogSpider
from clientvet.evidence.store import CheckRecord, Observation
from tests.conftest import check_json, har_response

INN = "5036045205"
DETAILS_URL = "https://bo.nalog.ru/nbo/bfo/28978475/details"
SUBJECT = Subject(check_id=1, company_key=f"ru:inn:{INN}", jurisdiction="RU", scheme="inn", value=INN)


@pytest.fixture
def har(recordings):
    return recordings / "bo_nalog" / f"{INN}.har"


@pytest.fixture
def details_meta(har):
    """What parse_periods hands to parse_details, taken from the recorded period list."""
    periods = json.loads(har_response(har, "/nbo/organizations/4087926/bfo/").text)
    return {"subject": SUBJECT, "org_id": 4087926, "periods": periods, "bfo_id": 28978475, "form_year": 2025}


def statements_by_year(har, meta) -> dict[int, dict]:
    facts = list(BoNalogSpider().parse_details(har_response(har, "/nbo/bfo/28978475/details", meta)))
    assert all(f.kind == "financial_statement" and f.source == "bo_nalog" for f in facts)
    return {f.data["year"]: f.data for f in facts}


# --- parsers on the real recording -------------------------------------------------------


def test_search_strips_the_strong_tag_and_finds_organisation_4087926(har):
    """bo_nalog/5036045205.har search: the INN comes as <strong>5036045205</strong>."""
    response = har_response(har, "/advanced-search/organizations/search", {"subject": SUBJECT})
    [request] = BoNalogSpider().parse_search(response)
    assert request.url == "https://bo.nalog.ru/nbo/organizations/4087926/bfo/"
    assert request.meta["org_id"] == 4087926


def test_search_hit_for_another_inn_is_not_the_subject(har):
    """bo_nalog/5036045205.har search read for a different subject: its only row is not that company."""
    other = Subject(check_id=1, company_key="ru:inn:7707083893", jurisdiction="RU", scheme="inn", value="7707083893")
    response = har_response(har, "/advanced-search/organizations/search", {"subject": other})
    assert list(BoNalogSpider().parse_search(response)) == []


def test_period_list_asks_only_for_the_latest_details(har):
    """bo_nalog/5036045205.har period list: five periods, the 2025 one is bfo 28978475."""
    response = har_response(har, "/nbo/organizations/4087926/bfo/", {"subject": SUBJECT, "org_id": 4087926})
    [request] = BoNalogSpider().parse_periods(response)
    assert request.url == "https://bo.nalog.ru/nbo/bfo/28978475/details"
    assert request.meta["form_year"] == 2025
    assert sorted(p["period"] for p in request.meta["periods"]) == ["2021", "2022", "2023", "2024", "2025"]


def test_details_give_two_years_of_results_and_three_year_ends(har, details_meta):
    """bo_nalog/5036045205.har details of 2025: current and previous columns, balance also beforePrevious."""
    years = statements_by_year(har, details_meta)
    assert sorted(years) == [2021, 2022, 2023, 2024, 2025]
    latest = years[2025]
    assert (latest["revenue_thousand_rub"], latest["net_profit_thousand_rub"],
            latest["total_assets_thousand_rub"], latest["net_assets_thousand_rub"]) == (
        396_350_822, 4_137_844, 242_547_340, 79_368_565)
    assert latest["gain_sum_thousand_rub"] == 396_350_822 and latest["bfo_id"] == 28978475
    before = years[2024]
    assert (before["revenue_thousand_rub"], before["net_profit_thousand_rub"],
            before["total_assets_thousand_rub"], before["net_assets_thousand_rub"]) == (
        343_973_748, 8_561_306, 219_012_814, 74_812_727)
    assert before["bfo_id"] == 24650083
    assert before["lines"]["net_profit_thousand_rub"] == "2400: details of bfo 28978475, column previous"
    # 2023: the balance sheet's third column, but no financial result for that year in the 2025 form.
    assert years[2023]["net_assets_thousand_rub"] == 66_328_772
    assert years[2023]["lines"]["net_assets_thousand_rub"] == "1300: details of bfo 28978475, column beforePrevious"
    assert "net_profit_thousand_rub" not in years[2023] and years[2023]["gain_sum_thousand_rub"] == 306_296_683


def test_older_years_come_from_the_period_list(har, details_meta):
    """bo_nalog/5036045205.har period list: 2021 and 2022 have only gainSum and actives (line 1600)."""
    years = statements_by_year(har, details_meta)
    assert years[2021]["gain_sum_thousand_rub"] == 315_656_830
    assert years[2022]["total_assets_thousand_rub"] == 173_635_750
    assert years[2022]["lines"]["total_assets_thousand_rub"] == "1600: period list, bfo 19018333 field actives"
    assert "revenue_thousand_rub" not in years[2022] and "net_assets_thousand_rub" not in years[2021]


def test_details_with_renamed_lines_fail_loudly_handmade(har, details_meta):
    """Hand-made change of the real 2025 details: the balance keys renamed, as a format change would."""
    changed = har_response(har, "/nbo/bfo/28978475/details").text.replace('"current1', '"cur1')
    response = TextResponse(DETAILS_URL, body=changed.encode(), encoding="utf-8",
                            request=Request(DETAILS_URL, meta=details_meta))
    with pytest.raises(SourceFailure, match="unparseable answer: .*balance of bfo 28978475 has none of lines"):
        list(BoNalogSpider().parse_details(response))


def test_an_html_page_instead_of_details_is_a_block_handmade(details_meta):
    """Hand-made HTML answer (what an anti-bot page would look like): failed, never 'no statements'."""
    response = TextResponse(DETAILS_URL, body=b"<html>denied</html>", headers={"Content-Type": "text/html"},
                            encoding="utf-8", request=Request(DETAILS_URL, meta=details_meta))
    with pytest.raises(SourceFailure, match="^blocked: "):
        list(BoNalogSpider().parse_details(response))


def test_sole_traders_are_skipped_not_empty():
    """ГИР БО holds statements of organisations only; a sole trader is 'skipped' with the reason."""
    trader = Subject(check_id=1, company_key="ru:inn:504110181262", jurisdiction="RU", scheme="inn",
                     value="504110181262")
    spider = BoNalogSpider(subjects=[trader])
    assert list(spider.requests_for(trader)) == []
    assert spider.ledger.outcome(trader) == ("skipped", "sole traders file no financial statements to ГИР БО")


# --- the whole check, replayed ----------------------------------------------------------------


def test_dixy_yug_replay_has_healthy_finances_and_honest_coverage(recordings, tmp_path):
    """bo_nalog/5036045205.har end to end; egrul and bankrot_fedresurs have no recording for this INN."""
    document = check_json("--inn", INN, "--replay", str(recordings), "--db", str(tmp_path / "db.sqlite"))
    runs = {run["source"]: run for run in document["coverage"]}
    assert runs["bo_nalog"]["status"] == "ok"
    assert (runs["bo_nalog"]["requests"], runs["bo_nalog"]["facts"]) == (3, 5)
    assert runs["egrul"]["status"] == "failed"
    assert runs["egrul"]["reason"] == "unrecorded request: POST https://egrul.nalog.ru/"
    assert runs["bankrot_fedresurs"]["status"] == "failed"
    assert runs["bankrot_fedresurs"]["reason"].startswith("unrecorded request: GET https://bankrot.fedresurs.ru/")
    # Revenue grew 343 973 748 → 396 350 822, profit and net assets positive, net assets 20% of revenue.
    finance = {f["code"] for f in document["factors"] if f["group"] == "finances"}
    assert finance == set()
    assert document["verdict"] != "green"


# --- the finance rules on hand-built evidence -------------------------------------------------


def statement(year: int, **data) -> Observation:
    return Observation(f"fs{year}", "financial_statement", f"1:{year}", "bo_nalog",
                       {"year": year, "lines": {}, **data}, "2026-11-23", "2026-11-23", None)


def evidence_of(*observations: Observation) -> CheckEvidence:
    check = CheckRecord(1, "ru:inn:0000000000", "RU", "inn", "0000000000", "2026-11-23T00:00:00+00:00",
                        None, "complete", None)
    return CheckEvidence(check, list(observations), frozenset(), date(2026, 11, 23))


def fired(code: str, *observations: Observation) -> list[str]:
    return [hit.detail for hit in RULES[code].evaluate(evidence_of(*observations))]


def test_negative_net_assets_two_years_running_is_a_deal_killer():
    years = (statement(2024, net_assets_thousand_rub=-500), statement(2025, net_assets_thousand_rub=-1_200))
    assert fired("negative_net_assets_two_years", *years) == ["2025: -1 200 thousand RUB; 2024: -500 thousand RUB"]
    assert fired("negative_net_assets", *years) == []
    verdict = evaluate(evidence_of(*years))
    assert verdict.colour == "red" and [f.rule.code for f in verdict.deal_killers] == ["negative_net_assets_two_years"]


@pytest.mark.parametrize("history", [
    {2024: 300, 2025: -100},  # only the latest year-end
    {2023: -50, 2025: -100},  # not consecutive: 2024 unknown
])
def test_negative_net_assets_one_year_is_high_not_a_deal_killer(history):
    years = [statement(y, net_assets_thousand_rub=v) for y, v in history.items()]
    assert fired("negative_net_assets", *years) == ["2025: -100 thousand RUB"]
    assert fired("negative_net_assets_two_years", *years) == []


def test_net_assets_that_recovered_raise_nothing():
    years = (statement(2024, net_assets_thousand_rub=-100), statement(2025, net_assets_thousand_rub=10))
    assert fired("negative_net_assets", *years) == fired("negative_net_assets_two_years", *years) == []


def test_net_loss_one_year_and_two_years_running():
    one = (statement(2024, net_profit_thousand_rub=50), statement(2025, net_profit_thousand_rub=-20))
    two = (statement(2024, net_profit_thousand_rub=-5), statement(2025, net_profit_thousand_rub=-20))
    assert fired("net_loss", *one) == ["2025: -20 thousand RUB"] and fired("net_loss_two_years", *one) == []
    assert fired("net_loss_two_years", *two) == ["2025: -20 thousand RUB; 2024: -5 thousand RUB"]
    assert fired("net_loss", *two) == []
    profitable = (statement(2024, net_profit_thousand_rub=-5), statement(2025, net_profit_thousand_rub=1))
    assert fired("net_loss", *profitable) == fired("net_loss_two_years", *profitable) == []


@pytest.mark.parametrize("before, after, medium, high", [
    (1_000, 600, True, False),  # −40%
    (1_000, 400, False, True),  # −60%
    (1_000, 800, False, False),  # −20%
    (1_000, 1_500, False, False),
])
def test_revenue_falling(before, after, medium, high):
    years = (statement(2024, revenue_thousand_rub=before), statement(2025, revenue_thousand_rub=after))
    assert bool(fired("revenue_falling", *years)) is medium
    assert bool(fired("revenue_falling_steeply", *years)) is high


def test_revenue_fall_uses_the_list_gain_sum_where_the_form_line_is_missing():
    years = (statement(2023, gain_sum_thousand_rub=2_000), statement(2024, gain_sum_thousand_rub=1_300))
    assert fired("revenue_falling", *years) == ["2023: 2 000 thousand RUB → 2024: 1 300 thousand RUB (−35%)"]


def test_growth_with_thin_net_assets_and_no_headcount_is_the_transit_pattern():
    years = (statement(2024, revenue_thousand_rub=200_000),
             statement(2025, revenue_thousand_rub=350_000, net_assets_thousand_rub=1_000))
    [detail] = fired("growth_without_staff", *years)
    assert "350 000 thousand RUB" in detail and "headcount not reported" in detail
    assert "pattern, not proof" in RULES["growth_without_staff"].summary


@pytest.mark.parametrize("latest, headcount, fires", [
    ({"revenue_thousand_rub": 350_000, "net_assets_thousand_rub": 90_000}, None, False),  # solid net assets
    ({"revenue_thousand_rub": 350_000, "net_assets_thousand_rub": 90_000}, 1, True),  # one person on staff
    ({"revenue_thousand_rub": 350_000, "net_assets_thousand_rub": 1_000}, 40, False),  # staff reported
    ({"revenue_thousand_rub": 150_000, "net_assets_thousand_rub": 10}, None, False),  # revenue not growing
    ({"revenue_thousand_rub": 90_000, "net_assets_thousand_rub": 10}, 0, False),  # revenue not large
])
def test_growth_without_staff_needs_large_growth_and_no_staff(latest, headcount, fires):
    before = statement(2024, revenue_thousand_rub=80_000 if latest["revenue_thousand_rub"] < 100_000 else 200_000)
    observations = [before, statement(2025, **latest)]
    if headcount is not None:  # as another source would report it
        observations.append(Observation("card", "registry_record", "card", "other", {"headcount": headcount},
                                        "2026-11-23", "2026-11-23", None))
    assert bool(fired("growth_without_staff", *observations)) is fires
