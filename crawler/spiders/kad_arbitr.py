"""Картотека арбитражных дел — kad.arbitr.ru: arbitration court cases where the company is a party.

The search (POST /Kad/SearchInstances) answers only a real browser: DDoS-Guard and a
WebAssembly fingerprint set cookies it checks, and without them the answer is 451. So
one Playwright request opens the landing page, and its callback calls the search with
fetch() from inside that page, page after page, archiving every answer as evidence.

Replay answers the landing page, its resources and each fetch from HAR inside the browser
(see crawler/browser.py).

The search is by the company's INN; only when no INN is known (the registry gave the name
but none) is it by name, and then a case counts only where a party's name matches.
After the list, the case cards (GET /Card/<guid>, fetched the same way) of the newest
suits against the company are read for the claim amount and the dispute, at most
`max_cards` of them (10) with the same pause as between pages; the court_search fact says
how many were wanted and how many read.

Live runs need a browser the site accepts: one report says it refuses headless Chromium.
Set `headless = false` under `[browser]` in the config file and run under a virtual
screen: `xvfb-run -a clientvet check --inn …`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any, AsyncIterator, Iterable, Iterator
from urllib.parse import urljoin

import scrapy
from parsel import Selector
from playwright.async_api import Error as PlaywrightError, Page
from scrapy.http import HtmlResponse, Response

from clientvet import config
from clientvet.crawler.base import BLOCK_STATUSES, SourceFailure, html_page
from clientvet.crawler.browser import BrowserSource, browser_problem
from clientvet.crawler.items import Subject
from clientvet.crawler.middlewares import pause_scale, refuse_oversized
from clientvet.evidence.companies import company_names
from clientvet.evidence.matching import match_names
from clientvet.evidence.parsing import iso_date, money

BASE = "https://kad.arbitr.ru"
LANDING = f"{BASE}/"
SEARCH_URL = f"{BASE}/Kad/SearchInstances"
PAGE_SIZE = 25  # the most the site gives per page
SEARCH_HEADERS = {"Content-Type": "application/json", "x-date-format": "iso", "X-Requested-With": "XMLHttpRequest"}
FETCH = """async ({url, method, headers, body}) => {
    const answer = await fetch(url, {method, headers, body, credentials: "same-origin"});
    return {status: answer.status, type: answer.headers.get("content-type"), text: await answer.text()};
}"""
CARD_HEADERS = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

FINGERPRINT_COOKIES = frozenset({"wasm", "pr_fp"})  # set by the landing page's anti-bot scripts
FINGERPRINT_WAIT = 20.0  # seconds
MAX_PAGES = 40  # the list comes newest first: 1,000 cases cover years of any company but the largest
MAX_CARDS = 10  # case cards read per company: the newest suits against it

# Case kind from the class of the icon in td.num. "default" is how the site draws a case
# without a kind icon (one real row: an insurer's claim against a housing company).
KINDS = {"civil": "civil", "administrative": "administrative", "bankruptcy": "bankruptcy",
         "default": "unspecified"}
SIDES = {"plaintiffs": "plaintiff", "respondents": "respondent"}  # key in the fact → td class
# The subject's role from the column it appears in. The list shows no third parties,
# so a case the INN search found without the subject among plaintiffs or respondents is
# one where it takes part otherwise (third party, other participant).
ROLES = {"respondents": "defendant", "plaintiffs": "plaintiff"}  # checked in this order
OTHER_ROLE = "third_party"
INN_LABEL = "ИНН:"
SUIT_KINDS = frozenset({"civil", "unspecified"})  # claims between parties: the cards worth reading
# Card: the claim sits in a chronology item's additional info, e.g. «Сумма исковых требований 2 450 000,00 руб.».
CLAIM = re.compile(r"Сумма исковых требований:?\s*(\d[\d\s]*(?:[.,]\d{1,2})?)")
# Wording of the dispute or of the claim that means the plaintiff collects money owed.
DEBT_COLLECTION = ("взыскан", "неисполнении или ненадлежащем исполнении обязательств")


def search_body(side: str, page: int) -> str:
    """The search for one participant (an INN, or a name when no INN is known), any role."""
    return json.dumps({"Page": page, "Count": PAGE_SIZE, "Courts": [], "DateFrom": None, "DateTo": None,
                       "Sides": [{"Name": side, "Type": -1, "ExactMatch": False}], "Judges": [],
                       "CaseNumbers": [], "WithVKSInstances": False}, separators=(",", ":"))


# --- parsing: pure functions over one answer -------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def parse_party(block: Selector, extra: bool) -> dict[str, Any]:
    """One party: the rollover holds <strong>name</strong><br/>address<div>ИНН: …</div>.

    A person's birth date and place, which the rollover also shows, are not kept.
    """
    rollover = block.css("span.js-rolloverHtml")
    name = _clean(rollover.css("strong::text").get()) or _clean(" ".join(block.xpath(".//text()").getall()))
    address = next(filter(None, map(_clean, rollover.xpath("./text()").getall())), None)
    details = [_clean(" ".join(div.xpath(".//text()").getall())) for div in rollover.css("div")]
    inn = next((d[len(INN_LABEL):].strip() for d in details if d.startswith(INN_LABEL)), None)
    return {"name": name, "inn": inn or None, "address": address, "extra": extra}


def parse_side(row: Selector, td_class: str) -> list[dict[str, Any]]:
    """Parties in one column; those past the first few are in div.more (shown on click)."""
    blocks = row.xpath(f"./td[contains(@class, '{td_class}')]/div[contains(@class, 'b-container')]"
                       "/div[not(contains(@class, 'b-button-container'))]")
    return [parse_party(block, "more" in (block.attrib.get("class") or "").split()) for block in blocks]


def parse_row(row: Selector) -> dict[str, Any]:
    number = _clean(row.css("a.num_case::text").get())
    icon = row.xpath("./td[contains(@class, 'num')]/div[contains(@class, 'b-container')]/div[@title]")
    kind_class = icon.attrib.get("class", "")
    if not number or not icon:
        raise SourceFailure("unparseable answer: layout changed (a row without case number or date)")
    # Every row has both sides' columns, empty or not: without one, its parties would silently be none.
    columns = {name for td in row.xpath("./td") for name in td.attrib.get("class", "").split()}
    if missing := [td_class for td_class in SIDES.values() if td_class not in columns]:
        raise SourceFailure(f"unparseable answer: layout changed (a row without the {' and '.join(missing)} column)")
    court = row.css("td.court div.b-container > div:not(.judge)::attr(title)").get()
    return {
        "case_number": number,
        "url": urljoin(LANDING, row.css("a.num_case").attrib.get("href", "")) or None,
        "case_kind": KINDS.get(kind_class, f"unrecognised: {kind_class}"),
        "filed_on": iso_date(icon.attrib.get("title")),  # '22.09.2026 0:00:00'
        "court": _clean(court),
        "judge": _clean(row.css("td.court div.judge::attr(title)").get()) or None,
        **{side: parse_side(row, td_class) for side, td_class in SIDES.items()},
    }


def paging(selector: Selector) -> tuple[int, int, int] | None:
    """(page, pages, total cases) from the hidden inputs, or None when the answer has none."""
    values = [selector.css(f"input#{name}::attr(value)").get()
              for name in ("documentsPage", "documentsPagesCount", "documentsTotalCount")]
    if not all(v and v.isdigit() for v in values):
        return None
    return tuple(int(v) for v in values)


def parse_answer(response: Response) -> tuple[list[dict[str, Any]], tuple[int, int, int]]:
    """Cases and paging of one search answer; an answer that is not one is a failure."""
    check_status(response)
    selector = Selector(text=response.text)
    pages = paging(selector)
    if pages is None:
        if re.search(r"<(html|body)\b", response.text, re.I):
            raise SourceFailure(f"blocked: an HTML page instead of search results from {response.url}")
        raise SourceFailure("unparseable answer: layout changed (no documentsTotalCount paging inputs)")
    cases = [parse_row(row) for row in selector.xpath("//tr[td]")]
    if pages[2] and not cases:
        raise SourceFailure(f"unparseable answer: layout changed ({pages[2]} cases announced, no rows read)")
    return cases, pages


def parse_card(response: Response, case_number: str) -> dict[str, Any]:
    """Claim amount, dispute and state of one case card; a page that is not this case's card is a failure."""
    check_status(response)
    selector = html_page(response)
    shown = _clean(selector.css("input#caseName::attr(value)").get()
                   or selector.css(".js-case-header-case_num::text").get())
    if not shown:
        if "pravocaptcha" in response.text.lower():
            raise SourceFailure(f"captcha: the case card {response.url} asks for a captcha")
        raise SourceFailure(f"blocked: an HTML page instead of the case card {response.url}")
    if shown != case_number:
        raise SourceFailure(f"unparseable answer: the card of {response.url} shows case {shown}, not {case_number}")
    dispute = _clean(" ".join(selector.css(".b-iblock__header_card > span:first-child ::text").getall())) or None
    items = selector.css("#chrono_list_content .js-chrono-item")
    claims = [(item, m) for item in items
              for m in [CLAIM.search(_clean(" ".join(item.css(".additional-info ::text").getall())))] if m]
    # The chronology runs newest first: the oldest amount is the one the claim was filed with.
    filed_with = claims[-1] if claims else None
    claim_text = _clean(" ".join(filed_with[0].css(".b-case-result-text ::text").getall())) if filed_with else ""
    wording = f"{dispute or ''} {claim_text}".lower()
    return {
        "case_number": case_number, "url": response.url,
        "status": _clean(selector.css(".b-case-header-desc ::text").get()) or None,
        "dispute": dispute, "claim": claim_text or None,
        "claim_rub": money(filed_with[1].group(1)) if filed_with else None,
        "debt_collection": any(marker in wording for marker in DEBT_COLLECTION),
    }


def check_status(response: Response) -> None:
    if response.status in BLOCK_STATUSES:
        raise SourceFailure(f"{BLOCK_STATUSES[response.status]}: HTTP {response.status} from {response.url}")
    if response.status != 200:
        raise SourceFailure(f"HTTP error: HTTP {response.status} from {response.url}")


def subject_role(case: dict[str, Any], inn: str | None, names: Iterable[str]) -> tuple[str, str] | None:
    """(role, how it was decided): by INN where both sides have one, else by name.

    A party that shows an INN is never taken for the company by name when the company's INN is
    known. After an INN search the company is in the case even where the list does not show it
    (a third party); after a name search a case without a matching party is not its case: None.
    """
    names = list(names)
    for side, role in ROLES.items():
        for party in case[side]:
            if inn and party["inn"]:
                if party["inn"] == inn:
                    return role, "INN"
            elif party["name"] and any(match_names(n, party["name"]).same for n in names):
                return role, "name"
    return (OTHER_ROLE, "not among the plaintiffs or respondents the list shows") if inn else None


# --- the spider -----------------------------------------------------------------------------


class KadArbitrSpider(BrowserSource):
    counts = {"court_search": (1, 1)}  # how much of the one search (by INN, or by name) was read

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.one_search_at_a_time = asyncio.Lock()

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        if problem := browser_problem():
            self.ledger.skip(subject, problem)
            return
        named = company_names(self.store.observations(subject.check_id))
        names = list(named.names) if named else []
        inn = subject.value if subject.scheme == "inn" else (named.inn if named else None)
        if not inn and not names:
            self.ledger.skip(subject, "no INN or name to search by (the registry gave neither)")
            return
        landing = self.page(subject, LANDING, self.search, include_page=True,
                            inn=inn, side=inn or names[0], names=names)
        if landing is not None:
            yield landing

    async def search(self, response: Response) -> AsyncIterator[Any]:
        """Search page after page from inside the landing page, read the cards of suits against it, close it."""
        page: Page = response.meta["playwright_page"]
        inn, side = response.meta["inn"], response.meta["side"]
        try:
            async with self.one_search_at_a_time:
                fingerprinted = await self.fingerprint_cookies(page)
                number, last, suits = 1, 1, []
                while number <= last:
                    await self.pause()  # also between one company's search and the next one's
                    answer = await self.fetch(page, response, "POST", SEARCH_URL, search_body(side, number),
                                              SEARCH_HEADERS, fingerprinted)
                    cases, (shown, pages, total) = parse_answer(answer)
                    if shown != number and total:
                        raise SourceFailure(f"unparseable answer: asked for page {number}, got page {shown}")
                    for case in cases:
                        found = subject_role(case, inn, response.meta["names"])
                        if found is None:
                            continue  # a name search hit another company
                        role, basis = found
                        yield self.fact(answer, "court_case", case["case_number"], **case, role=role,
                                        role_basis=basis)
                        if role == "defendant" and case["case_kind"] in SUIT_KINDS and case["url"]:
                            suits.append(case)
                    last = min(pages, int(config.setting("kad_arbitr.max_pages", MAX_PAGES)))
                    number += 1
                cards = suits[:int(config.setting("kad_arbitr.max_cards", MAX_CARDS))]
                for case in cards:
                    await self.pause()
                    card = await self.fetch(page, response, "GET", case["url"], None, CARD_HEADERS, fingerprinted)
                    yield self.fact(card, "court_card", case["case_number"], **parse_card(card, case["case_number"]))
                if total:
                    yield self.fact(answer, "court_search", f"{'inn' if inn else 'name'}:{side}", side=side, inn=inn,
                                    searched_by="INN" if inn else "name", total=total, pages=pages,
                                    pages_read=number - 1, complete=number - 1 >= pages,
                                    cards_wanted=len(suits), cards_read=len(cards))
        finally:
            await page.close()

    async def pause(self) -> None:
        """The site blocks fast pollers with 451: wait the declared pause before every request after the landing page.

        Replay skips the pause unless it is asked to be polite (CLIENTVET_REPLAY_POLITE, for benchmarks).
        """
        if scale := pause_scale(self.settings):
            await asyncio.sleep(self.declared.pause * scale)

    async def fingerprint_cookies(self, page: Page) -> bool:
        """Wait for the anti-bot cookies the landing page's scripts set; False if they never come."""
        deadline = time.monotonic() + FINGERPRINT_WAIT
        while True:
            names = {cookie["name"] for cookie in await page.context.cookies(BASE)}
            if FINGERPRINT_COOKIES <= names or time.monotonic() > deadline:
                return FINGERPRINT_COOKIES <= names
            await asyncio.sleep(0.5)

    async def fetch(self, page: Page, landing: Response, method: str, url: str, body: str | None,
                    headers: dict[str, str], fingerprinted: bool) -> HtmlResponse:
        """One search page or case card fetched by the page itself, archived, as a Scrapy response."""
        subject = landing.meta["subject"]
        self.ledger.request_sent(subject)
        try:
            result = await page.evaluate(FETCH, {"url": url, "method": method, "headers": headers, "body": body})
        except PlaywrightError as exc:
            unrecorded = landing.meta.get("unrecorded")
            raise SourceFailure(unrecorded[-1] if unrecorded else
                                f"network error: {_clean(exc.message.splitlines()[0])}") from None
        content = result["text"].encode("utf-8")  # as the page's fetch() decoded it
        refuse_oversized(self.settings, url, len(content))
        content_type = result["type"] or "text/html; charset=utf-8"
        response_id = self.store.archive_response(
            check_id=subject.check_id, source=self.name, method=method, url=url, request_body=body,
            status=result["status"], content_type=content_type, body=content, replayed=self.replay)
        request = scrapy.Request(url, method=method, body=body, headers=headers,
                                 meta={"subject": subject, "response_id": response_id})
        answer = HtmlResponse(url, status=result["status"], headers={"Content-Type": content_type},
                              body=content, encoding="utf-8", request=request)
        if answer.status in BLOCK_STATUSES and not fingerprinted:
            raise SourceFailure(f"{BLOCK_STATUSES[answer.status]}: HTTP {answer.status} from {url} "
                                f"(the landing page set no {'/'.join(sorted(FINGERPRINT_COOKIES))} cookies: "
                                "try `headless = false` under [kad_arbitr] in the config, run under xvfb-run)")
        return answer
