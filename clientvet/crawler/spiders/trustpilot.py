"""Trustpilot: customers' reviews of a UK company, from the JSON its pages carry in __NEXT_DATA__.

The site search (`/search?query=<name>`) lists business units; one is the company when its
display name matches the name Companies House stored (so the source runs after it). Its
reviews are at `/review/<identifyingName>`, older ones at `?page=N`, each page's
`props.pageProps.reviews`. Cloudflare guards the site (reported in 2026): a challenge page
is a failure, never "no reviews". No real recording exists yet: the shapes follow
SOURCES.md (unverified beyond it).
"""

from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import quote, urlencode

import scrapy
from parsel import Selector

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.review_site import Company, ReviewSiteSpider, iso_date

BASE = "https://www.trustpilot.com"
MAX_BUSINESSES = 3
CHALLENGE_MARKS = ("Just a moment...", "cf-chl", "challenge-platform")


def next_data(response: scrapy.http.Response) -> dict:
    """props.pageProps of the page; a Cloudflare challenge or a page without it is a failure."""
    text = response.text
    if any(mark in text for mark in CHALLENGE_MARKS):
        raise SourceFailure(f"captcha: Cloudflare challenge at {response.url}")
    script = Selector(text=text).css("script#__NEXT_DATA__::text").get()
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


def pagination(props: dict) -> dict[str, Any]:
    return ((props.get("filters") or {}).get("pagination")) or {}


class TrustpilotSpider(ReviewSiteSpider):
    name = "trustpilot"
    jurisdiction = "GB"
    after = ("companies_house",)
    registry = "companies_house"
    site = "trustpilot.com"

    def search(self, subject: Subject, company: Company) -> Iterator[scrapy.Request]:
        url = f"{BASE}/search?{urlencode({'query': company.brand})}"
        yield self.request(subject, url, self.parse_search, meta={"company": company})

    def parse_search(self, response):
        company: Company = response.meta["company"]
        hits = [(unit, match) for unit in business_units(next_data(response))
                if (match := company.match(unit["displayName"]))]
        for unit, match in hits[:MAX_BUSINESSES]:
            url = f"{BASE}/review/{quote(unit['identifyingName'], safe='.-')}"
            yield self.request(response.meta["subject"], url, self.parse_reviews,
                               meta={"shown_name": unit["displayName"], "match": match, "business_url": url,
                                     "page": 1, "read": 0})

    def parse_reviews(self, response):
        meta, props = response.meta, next_data(response)
        reviews, unit = props.get("reviews"), props.get("businessUnit") or {}
        count = unit.get("numberOfReviews")
        if not isinstance(reviews, list) or (count and not reviews and meta["page"] == 1):
            raise SourceFailure(f"layout changed: Trustpilot announces {count} reviews at {response.url}, none read")
        for review in reviews:
            published = iso_date((review.get("dates") or {}).get("publishedDate"))
            if not review.get("id") or review.get("rating") is None or not published:
                raise SourceFailure(f"layout changed: a Trustpilot review without id, rating or date at {response.url}")
            yield self.review(response, review["id"], rating=float(review["rating"]), text=review.get("text") or "",
                              title=review.get("title"), published=published, url=f"{BASE}/reviews/{review['id']}")
        read = meta["read"] + len(reviews)
        pages = int(pagination(props).get("totalPages") or 1)
        if meta["page"] < min(pages, self.page_cap()) and reviews:
            page = meta["page"] + 1
            yield self.request(meta["subject"], f"{meta['business_url']}?page={page}", self.parse_reviews,
                               meta={**{k: meta[k] for k in ("shown_name", "match", "business_url")},
                                     "page": page, "read": read, "unit": meta.get("unit", unit)})
            return
        unit = meta.get("unit", unit)
        yield self.summary(response, meta["business_url"], shown_name=meta["shown_name"], match=meta["match"],
                           rating=unit.get("trustScore"), count=unit.get("numberOfReviews"), pages=pages,
                           pages_read=meta["page"], reviews_read=read)
