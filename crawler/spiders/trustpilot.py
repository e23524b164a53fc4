"""Trustpilot: customers' reviews of a UK or US company, from the JSON its pages carry in __NEXT_DATA__.

The site search (`/search?query=<name>`) lists business units; one is the company when its
display name matches the name the registry stored (Companies House, or EDGAR for the US
source; so the source runs after it). Its reviews are at `/review/<identifyingName>`,
older ones at `?page=N`, each page's `props.pageProps.reviews`.

Cloudflare guards the site (reported in 2026). Pages are fetched over plain HTTP; one that
answers a challenge page or a 403 is fetched once more in the browser (crawler/browser.py),
with the same meta. Pages after a browser answer stay in the browser, where Cloudflare's
cookie lives. Refused in the browser too, or no browser here: the source failed, saying so,
never "no reviews". The browser page is read as soon as it has loaded: whether Cloudflare
lets a headless Chromium through, and after how long, is unverified. No real recording
exists yet: the shapes follow SOURCES.md (unverified beyond it).
"""

from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import quote, urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, html_page
from clientvet.crawler.browser import BrowserSource, browser_problem
from clientvet.crawler.items import Reads, Subject
from clientvet.crawler.spiders.review_site import Company, ReviewSiteSpider, iso_date

BASE = "https://www.trustpilot.com"
MAX_BUSINESSES = 3
CHALLENGE_MARKS = ("Just a moment...", "cf-chl", "challenge-platform")


def refusal(response: scrapy.http.Response) -> str | None:
    """Why the site refused to show the page (a Cloudflare challenge, a 403), or None."""
    if any(mark in response.text for mark in CHALLENGE_MARKS):
        return f"captcha: Cloudflare challenge at {response.url}"
    if response.status == 403:
        return f"blocked: HTTP 403 from {response.url}"
    return None


def next_data(response: scrapy.http.Response) -> dict:
    """props.pageProps of the page; a page without it is a failure."""
    script = html_page(response).css("script#__NEXT_DATA__::text").get()
    try:
        props = json.loads(script or "")["props"]["pageProps"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise SourceFailure(f"layout changed: no __NEXT_DATA__ pageProps at {response.url}") from None
    if not isinstance(props, dict):
        raise SourceFailure(f"layout changed: __NEXT_DATA__ pageProps is not an object at {response.url}")
    return props


def business_units(props: dict) -> list[dict]:
    """Business units of a search answer, wherever in pageProps they are."""
    found, stack = {}, [props]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("identifyingName"), str) and isinstance(node.get("displayName"), str):
                found.setdefault(node["identifyingName"], node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return list(found.values())


def checked_first(callback, meta: dict[str, Any]) -> dict[str, Any]:
    """Meta that has `answered` check the page (a 403 included) before `callback` reads it."""
    return {**meta, "then": callback.__name__, "handle_httpstatus_list": [403]}


def pagination(props: dict) -> dict[str, Any]:
    return ((props.get("filters") or {}).get("pagination")) or {}


class TrustpilotSpider(BrowserSource, ReviewSiteSpider):
    site = "trustpilot.com"
    reads = {"review": Reads(ignored="consumer dates.experiencedDate dates.updatedDate filtered language likes "
                                     "location pending source")}
    counts = {"review_page": (1, MAX_BUSINESSES)}
    browser_context = {"locale": "en-GB", "timezone_id": "Europe/London"}

    def search(self, subject: Subject, company: Company) -> Iterator[scrapy.Request]:
        url = f"{BASE}/search?{urlencode({'query': company.brand})}"
        yield self.get(subject, url, self.parse_search, company=company)

    def get(self, subject: Subject, url: str, callback, **meta) -> scrapy.Request:
        """A page over plain HTTP; `answered` retries it in the browser if it is refused."""
        meta = checked_first(callback, meta)
        return self.request(subject, url, self.answered, meta={**meta, "plain_meta": meta})

    def follow(self, response, url: str, callback, **meta) -> Iterator[scrapy.Request]:
        """The next page the way the current one came: over plain HTTP, or in the browser."""
        if not response.meta.get("playwright"):
            yield self.get(response.meta["subject"], url, callback, **meta)
        elif request := self.page(response.meta["subject"], url, self.answered, **checked_first(callback, meta)):
            yield request

    def answered(self, response):
        """Hand the page to its parser; a refused plain-HTTP page goes once more, to the browser."""
        meta = response.meta
        if reason := refusal(response):
            if meta.get("playwright"):
                raise SourceFailure(f"{reason} (also in the browser)")
            if problem := browser_problem():
                raise SourceFailure(f"{reason} (no browser to retry: {problem})")
            if request := self.page(meta["subject"], response.url, self.answered, **meta["plain_meta"]):
                yield request
            return
        yield from getattr(self, meta["then"])(response)

    def parse_search(self, response):
        company: Company = response.meta["company"]
        props = next_data(response)
        units = business_units(props)
        if not units and props.get("totalHits") != 0:  # «no such company» is a search that says 0 hits
            raise SourceFailure(f"layout changed: Trustpilot announces {props.get('totalHits', 'no count of')} "
                                f"hits at {response.url}, no business unit read")
        hits = [(unit, match) for unit in units if (match := company.match(unit["displayName"]))]
        for unit, match in hits[:MAX_BUSINESSES]:
            url = f"{BASE}/review/{quote(unit['identifyingName'], safe='.-')}"
            yield from self.follow(response, url, self.parse_reviews, shown_name=unit["displayName"], match=match,
                                   business_url=url, page=1, read=0)

    def parse_reviews(self, response):
        meta, props = response.meta, next_data(response)
        reviews, unit = props.get("reviews"), props.get("businessUnit") or {}
        count = unit.get("numberOfReviews")
        if not isinstance(reviews, list) or (count and not reviews and meta["page"] == 1):
            raise SourceFailure(f"layout changed: Trustpilot announces {count} reviews at {response.url}, none read")
        for review in self.records(response, "review", reviews):
            published = iso_date((review.get("dates") or {}).get("publishedDate"))
            if not review.get("id") or review.get("rating") is None or not published:
                raise SourceFailure(f"layout changed: a Trustpilot review without id, rating or date at {response.url}")
            yield self.review(response, review["id"], rating=float(review["rating"]), text=review.get("text") or "",
                              title=review.get("title"), published=published, url=f"{BASE}/reviews/{review['id']}")
        read = meta["read"] + len(reviews)
        pages = int(pagination(props).get("totalPages") or 1)
        if meta["page"] < min(pages, self.page_cap()) and reviews:
            page = meta["page"] + 1
            yield from self.follow(response, f"{meta['business_url']}?page={page}", self.parse_reviews,
                                   **{k: meta[k] for k in ("shown_name", "match", "business_url")},
                                   page=page, read=read, unit=meta.get("unit", unit))
            return
        unit = meta.get("unit", unit)
        yield self.summary(response, meta["business_url"], shown_name=meta["shown_name"], match=meta["match"],
                           rating=unit.get("trustScore"), count=unit.get("numberOfReviews"), pages=pages,
                           pages_read=meta["page"], reviews_read=read)


class TrustpilotUsSpider(TrustpilotSpider):
    """The same site for a US company, found by the name EDGAR stored."""

    browser_context = {"locale": "en-US", "timezone_id": "America/New_York"}
