"""The Gazette: the real feed sample parsed, hand-made notices about the made-up company attributed, rules.

gazette/notice-feed-cat11.har is The Gazette's own documentation sample (one "Warrants Under the Royal
Sign Manual" notice, not an insolvency one); tests/fixtures/gazette/handmade-99000042.har holds notices
about the made-up MADE-UP WIDGETS LIMITED and two about other companies.
"""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request, TextResponse

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.items import Fact
from clientvet.crawler.spiders.gazette import (
    GazetteSpider, company_number_in, notice_category, parse_feed, search_url)
from tests.conftest import har_response
from tests.uk_support import FIXTURES, MADE_UP, MADE_UP_NAME, factor, facts, parsed, subject, verdict

HANDMADE = FIXTURES / "gazette" / f"handmade-{MADE_UP}.har"


@pytest.fixture
def sample(recordings):
    return recordings / "gazette" / "notice-feed-cat11.har"


def spider() -> GazetteSpider:
    return GazetteSpider(subjects=[subject()])


def made_up_notices() -> list[Fact]:
    return facts(parsed(spider().parse, HANDMADE, "data.json", name=MADE_UP_NAME, page=1))


def test_documentation_sample_is_read_in_full(sample):
    """notice-feed-cat11.har (JSON): one notice of 9082, with its code, type, date and page."""
    notices, total, has_next = parse_feed(json.loads(har_response(sample, "data.json").text))
    assert (total, has_next) == (9082, True)
    [notice] = notices
    assert notice["id"] == "L-60768-1986497" and notice["code"] == "1119"
    assert notice["type"] == "Warrants Under the Royal Sign Manual" and notice["published"] == "2014-01-30"
    assert notice["url"] == "https://www.thegazette.co.uk/notice/L-60768-1986497"
    assert notice["excerpt"].startswith("The Queen has been pleased by Royal Warrants bearing date 27 January 2014")
    assert notice["company_number"] is None
    assert notice_category(notice["code"], notice["type"]) == "other"


def test_someone_elses_notice_is_dropped_and_the_next_page_is_asked_for(sample):
    """The sample names no company of ours; its feed has a next page, so the spider reads on."""
    items = parsed(spider().parse, sample, "data.json", name=MADE_UP_NAME, page=1)
    assert facts(items) == []
    [request] = items
    assert request.url == search_url(MADE_UP_NAME, 2) and request.meta["page"] == 2


def test_made_up_company_notices_are_attributed_by_number_or_name():
    """Its own four notices are kept; the (NORTH) company's and a namesake with another number are not."""
    found = {f.key: f for f in made_up_notices()}
    assert set(found) == {"9990006", "9990005", "9990002", "9990001"}
    assert {k: (f.data["category"], f.data["attributed_by"]) for k, f in found.items()} == {
        "9990006": ("administrator_appointed", "company number"),
        "9990005": ("winding_up_petition", "company number"),
        "9990002": ("strike_off", "name"),
        "9990001": ("winding_up_petition", "company number"),  # under the former name, same number
    }
    assert found["9990005"].data["url"] == "https://www.thegazette.co.uk/notice/9990005"
    assert "<" not in found["9990005"].data["excerpt"]  # publisher markup is not kept


@pytest.mark.parametrize("text, number", [
    ("Company Number: 07310390. In the High Court", "07310390"),
    ("(Company Number 7310390)", "07310390"),
    ("Registered No. SC123456.", "SC123456"),
    ("Telephone number: 0207 946 0000", None),
])
def test_company_number_in_the_notice_text(text, number):
    assert company_number_in(text) == number


@pytest.mark.parametrize("code, notice_type, category", [
    ("2450", "anything", "winding_up_petition"),
    ("", "Winding-Up Orders", "winding_up_order"),
    ("", "Resolutions for Winding-up", "winding_up_resolution"),
    ("", "Appointment of Liquidators", "liquidator_appointed"),
    ("", "Deceased Estates", "other"),
])
def test_notice_categories(code, notice_type, category):
    assert notice_category(code, notice_type) == category


def test_a_changed_feed_fails_loudly():
    with pytest.raises(SourceFailure, match="no f:total"):
        parse_feed({"entry": []})
    with pytest.raises(SourceFailure, match="without id or published"):
        parse_feed({"f:total": "1", "entry": {"title": "X"}})


def test_an_html_page_instead_of_the_feed_is_a_block():
    url = search_url(MADE_UP_NAME)
    page = TextResponse(url, body=b"<html><body>Access denied</body></html>", encoding="utf-8",
                        headers={"Content-Type": "text/html"},
                        request=Request(url, meta={"subject": subject(), "name": MADE_UP_NAME, "page": 1}))
    with pytest.raises(SourceFailure, match="^blocked: an HTML page"):
        list(spider().parse(page))


# --- rules -----------------------------------------------------------------------------


def test_recent_winding_up_petition_is_a_deal_killer_and_the_2020_one_is_not_counted():
    result = verdict(made_up_notices())
    petition = factor(result, "uk_winding_up_petition")
    assert petition.rule.deal_killer and petition.rule.group == "bankruptcy"
    assert [o.key for o in petition.evidence] == ["9990005"]
    assert "of 2026-09-15" in petition.detail and "matched by company number" in petition.detail


def test_administrators_appointed_is_a_deal_killer():
    found = factor(verdict(made_up_notices()), "uk_winding_up")
    assert found.rule.deal_killer and [o.key for o in found.evidence] == ["9990006"]


def test_old_petition_alone_raises_nothing():
    old = [f for f in made_up_notices() if f.key == "9990001"]
    assert verdict(old).factors == []


def test_strike_off_notice_is_high_not_a_deal_killer():
    found = factor(verdict(made_up_notices()), "uk_strike_off_notice")
    assert found.rule.severity == "high" and not found.rule.deal_killer
    assert [o.key for o in found.evidence] == ["9990002"] and "matched by name" in found.detail
