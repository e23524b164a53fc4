"""The US rules on facts shaped as the edgar and courtlistener parsers emit them."""

from __future__ import annotations

from datetime import date

import pytest

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.verdict import evaluate
from clientvet.evidence.store import CheckRecord, Observation

TODAY = date(2026, 11, 23)
CIK = "0009999990"


def verdict(*observations: Observation):
    check = CheckRecord(1, f"us:cik:{CIK}", "US", "cik", CIK, "2026-11-23T00:00:00+00:00", None, "done", None)
    return evaluate(CheckEvidence(check, list(observations), frozenset(), TODAY))


def hits(*observations: Observation) -> dict[str, list]:
    found: dict[str, list] = {}
    for factor in verdict(*observations).factors:
        found.setdefault(factor.rule.code, []).append(factor)
    return found


def observation(kind: str, key: str, source: str, **data) -> Observation:
    return Observation(f"{kind}:{key}", kind, key, source, data, "2026-11-23T00:00:00+00:00",
                       "2026-11-23T00:00:00+00:00", None)


def case(docket: int, role: str, filed: str, *, terminated: str | None = None, court: str = "nysd",
         nature: str = "190 Contract: Other") -> Observation:
    return observation("federal_case", str(docket), "courtlistener", docket_id=docket, docket_number=f"1:{docket}",
                       case_name=f"case {docket}", court_id=court, court_citation=court.upper(),
                       bankruptcy_court=court.endswith("b"), chapter="11" if court.endswith("b") else None,
                       filed_on=filed, terminated_on=terminated, open=terminated is None, role=role,
                       nature_of_suit=nature)


def report(filed: str) -> Observation:
    return observation("bankruptcy_report", f"acc-{filed}", "edgar", form="8-K", filed_on=filed,
                       items=["1.03", "9.01"], accession=f"acc-{filed}")


def year(end_year: int, **figures) -> Observation:
    end = f"{end_year}-12-31"
    data = {"year": end_year, "period_end": end, "currency": "USD", "revenue": None, "net_income": None,
            "stockholders_equity": None, "going_concern_doubt": None, "lines": {}}
    data.update(figures)
    if figures.get("going_concern_doubt"):
        data["lines"] = {"going_concern_doubt": "us-gaap:SubstantialDoubtAboutGoingConcernWithinOneYear in 10-K x"}
    return observation("annual_financials", end, "edgar", **data)


# --- bankruptcy --------------------------------------------------------------------------------


def test_open_bankruptcy_case_as_debtor_is_a_deal_killer():
    result = verdict(case(1, "debtor", "2019-03-01", court="deb"))
    assert [f.rule.code for f in result.deal_killers] == ["us_bankruptcy"]
    assert result.colour == "red"


def test_closed_bankruptcy_case_as_debtor_is_a_past_bankruptcy():
    found = hits(case(1, "debtor", "2019-03-01", terminated="2020-06-30", court="deb"))
    assert "us_bankruptcy" not in found
    assert "closed 2020-06-30" in found["us_past_bankruptcy"][0].detail


def test_creditor_in_someone_elses_bankruptcy_is_nothing():
    found = hits(case(1, "party", "2026-03-01", court="nysb"))
    assert not {"us_bankruptcy", "us_past_bankruptcy"} & set(found)


@pytest.mark.parametrize("filed, code", [("2026-01-10", "us_bankruptcy"), ("2025-11-24", "us_bankruptcy"),
                                         ("2025-11-22", "us_past_bankruptcy"), ("2020-05-01", "us_past_bankruptcy")])
def test_8k_item_1_03_is_a_deal_killer_for_12_months_then_a_past_bankruptcy(filed, code):
    found = hits(report(filed))
    assert set(found) & {"us_bankruptcy", "us_past_bankruptcy"} == {code}
    assert found[code][0].detail == f"8-K of {filed} reports item 1.03 (bankruptcy or receivership)"


# --- courts -------------------------------------------------------------------------------------


def test_one_suit_in_two_years_is_ordinary_business():
    assert "us_defendant_suits" not in hits(case(1, "defendant", "2026-05-01"))


def test_suits_as_defendant_score_by_age_and_ignore_other_roles_and_courts():
    found = hits(case(1, "defendant", "2026-05-01"), case(2, "defendant", "2026-01-15"),
                 case(3, "defendant", "2025-02-01"),  # 12-24 months: 1 point
                 case(4, "defendant", "2024-06-01"),  # older than 24 months
                 case(5, "plaintiff", "2026-02-01"), case(6, "party", "2026-02-01"),
                 case(7, "defendant", "2026-07-01", court="nysb"),  # an adversary proceeding
                 case(8, "defendant", None))  # RECAP shows no filing date: cannot be dated, not counted
    [factor] = found["us_defendant_suits"]
    assert factor.points == 3 + 3 + 1
    assert [e.key for e in factor.evidence] == ["1", "2", "3"]
    assert factor.detail.startswith("3 suit(s) as defendant in 24 months, 2 in the last 12")


def test_suit_points_are_capped_and_a_partial_search_says_at_least():
    suits = [case(n, "defendant", f"2026-0{1 + n % 9}-01") for n in range(12)]
    search = observation("federal_case_search", "x", "courtlistener", query="x", total=230, pages_read=5,
                         complete=False)
    [factor] = hits(*suits, search)["us_defendant_suits"]
    assert factor.points == 30
    assert "at least: read 5 pages of 230 dockets" in factor.detail


# --- finances -----------------------------------------------------------------------------------


def test_negative_equity_at_the_last_year_end():
    found = hits(year(2024, stockholders_equity=2_100_000), year(2025, stockholders_equity=-6_300_000))
    assert found["us_negative_equity"][0].detail == "FY ending 2025-12-31: -6.3 million USD"


def test_equity_negative_only_in_an_earlier_year_is_nothing():
    assert "us_negative_equity" not in hits(year(2024, stockholders_equity=-1), year(2025, stockholders_equity=5))


@pytest.mark.parametrize("losses, code", [
    ({2025: -12_800_000, 2024: 1_000_000}, "us_net_loss"),
    ({2025: -12_800_000, 2024: -3_400_000}, "us_net_loss_two_years"),
    ({2025: -12_800_000, 2023: -3_400_000}, "us_net_loss"),  # 2024 not reported: not two running years
])
def test_net_loss_one_or_two_years(losses, code):
    found = hits(*(year(y, net_income=v) for y, v in losses.items()))
    assert set(found) & {"us_net_loss", "us_net_loss_two_years"} == {code}


def test_profit_is_no_loss():
    assert not {"us_net_loss", "us_net_loss_two_years"} & set(hits(year(2025, net_income=5), year(2024, net_income=-5)))


@pytest.mark.parametrize("before, latest, code", [
    (41_200_000, 15_300_000, "us_revenue_falling_steeply"),
    (100, 60, "us_revenue_falling"),
    (100, 80, None),
    (0, 10, None),
])
def test_revenue_falling(before, latest, code):
    found = hits(year(2024, revenue=before), year(2025, revenue=latest))
    assert set(found) & {"us_revenue_falling", "us_revenue_falling_steeply"} == ({code} if code else set())


def test_revenue_fall_needs_consecutive_years():
    assert not {"us_revenue_falling", "us_revenue_falling_steeply"} & set(
        hits(year(2023, revenue=100), year(2025, revenue=10)))


def test_going_concern_doubt_of_the_latest_year_only():
    found = hits(year(2024, going_concern_doubt=True), year(2025, going_concern_doubt=True))
    assert found["us_going_concern_doubt"][0].evidence[0].key == "2025-12-31"
    assert "us_going_concern_doubt" not in hits(year(2024, going_concern_doubt=True),
                                                year(2025, going_concern_doubt=False))
