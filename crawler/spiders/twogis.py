"""2GIS: customers' reviews of the company's branches, from the public reviews API the web client uses.

The catalog search (`catalog.api.2gis.com/3.0/items?q=<name> <city>`) finds branches; a
branch is the company when its legal name (or, without one, its shown name) matches the
registered name. Its reviews come from `public-api.reviews.2gis.com/2.0/branches/<id>/reviews`,
newest first, following `meta.next_link`. Both want the web client's key
(`TWOGIS_API_KEY` or `[twogis] api_key`) in the query, never in a header; recordings carry no
key, so replay asks without it. Stored URLs, reasons and log lines show `key=REDACTED`
(crawler.middlewares.redact_secrets).
No real recording exists yet: the answers follow the shapes the web client receives.
"""

from __future__ import annotations

import math
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.items import Reads, Subject
from clientvet.crawler.spiders.review_site import Company, ReviewSiteSpider, iso_date

CATALOG_URL = "https://catalog.api.2gis.com/3.0/items"
REVIEWS_URL = "https://public-api.reviews.2gis.com/2.0/branches/{branch}/reviews"
FIRM_REVIEWS = "https://2gis.ru/firm/{branch}/tab/reviews"
PAGE_SIZE = 50  # the most the API gives
MAX_BRANCHES = 5
NOT_FOUND = "itemNotFound"
BLOCKED_ERRORS = {"keyIsBlocked", "keyIsNotValid", "accessDenied", "authorizationFailed"}


def with_key(url: str, key: str | None) -> str:
    """The URL with the key set (live) or left out (replay: recordings carry no key)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "key"]
    return urlunsplit(parts._replace(query=urlencode(query + ([("key", key)] if key else []))))


def check_meta(answer: Any, url: str) -> dict:
    """The answer's meta; an error code is a failure, except «nothing found»."""
    if not isinstance(answer, dict) or not isinstance(answer.get("meta"), dict):
        raise SourceFailure(f"layout changed: 2GIS answer without meta from {url}")
    meta = answer["meta"]
    error = (meta.get("error") or {}).get("type")
    if meta.get("code") in (401, 403) or error in BLOCKED_ERRORS:
        raise SourceFailure(f"blocked: 2GIS answered {meta.get('code')} {error or ''}".rstrip())
    if meta.get("code") not in (200, 404) or (meta.get("code") == 404 and error != NOT_FOUND):
        raise SourceFailure(f"unparseable answer: 2GIS answered {meta.get('code')} {error or ''}".rstrip())
    return meta


def shown_name(item: dict) -> str | None:
    """The branch's legal name when 2GIS gives one (it decides), else the name it shows."""
    names = item.get("name_ex") or {}
    return next(filter(None, (names.get("legal_name"), names.get("primary"), item.get("name"))), None)


class TwogisSpider(ReviewSiteSpider):
    site = "2gis.ru"
    reads = {"branch": Reads(ignored="address_name name_ex.extension org reviews type"),
             "review": Reads(ignored="comments_count date_edited hiding_reason is_hidden is_verified likes_count "
                                     "object official_answer provider region_id url user")}
    counts = {"review_page": (1, MAX_BRANCHES)}

    def json_answer(self, response) -> Any:
        if b"captcha" in response.body[:5000].lower() and response.body.lstrip()[:1] == b"<":
            raise SourceFailure(f"captcha: 2GIS shows a captcha instead of data at {response.url}")
        return self.json(response)

    def search(self, subject: Subject, company: Company) -> Iterator[scrapy.Request]:
        query = {"q": " ".join(filter(None, (company.brand, company.city))), "type": "branch",
                 "fields": "items.name_ex,items.reviews,items.org", "page_size": "10", "locale": "ru_RU"}
        url = with_key(f"{CATALOG_URL}?{urlencode(query)}", self.key)
        yield self.request(subject, url, self.parse_search, meta={"company": company})

    def parse_search(self, response):
        answer = self.json_answer(response)
        if check_meta(answer, response.url).get("code") == 404:
            return  # no branch by that name
        items = (answer.get("result") or {}).get("items")
        if not isinstance(items, list):
            raise SourceFailure(f"layout changed: 2GIS search answer without result.items from {response.url}")
        company: Company = response.meta["company"]
        hits = [(item, name, match) for item in self.records(response, "branch", items) if (name := shown_name(item))
                and (match := company.match(name)) and item.get("id")]
        for item, name, match in hits[:MAX_BRANCHES]:
            branch = str(item["id"]).split("_")[0]
            query = {"limit": str(PAGE_SIZE), "is_advertiser": "false", "rated": "true", "sort_by": "date_created",
                     "fields": "meta.branch_rating,meta.branch_reviews_count,meta.total_count", "locale": "ru_RU"}
            url = with_key(f"{REVIEWS_URL.format(branch=branch)}?{urlencode(query)}", self.key)
            yield self.request(response.meta["subject"], url, self.parse_reviews,
                               meta={"branch": branch, "shown_name": name, "match": match, "page": 1, "read": 0})

    def parse_reviews(self, response):
        meta, branch = response.meta, response.meta["branch"]
        answer_meta = check_meta(answer := self.json_answer(response), response.url)
        reviews, total = answer.get("reviews"), answer_meta.get("total_count")
        if not isinstance(reviews, list) or (total and not reviews and meta["page"] == 1):
            raise SourceFailure(f"layout changed: 2GIS announces {total} reviews of branch {branch}, none read")
        page_url = FIRM_REVIEWS.format(branch=branch)
        for review in self.records(response, "review", reviews):
            published = iso_date(review.get("date_created"))
            if not review.get("id") or review.get("rating") is None or not published:
                raise SourceFailure(f"layout changed: a 2GIS review of branch {branch} without id, rating or date")
            yield self.review(response, review["id"], rating=float(review["rating"]), text=review.get("text") or "",
                              published=published, url=page_url)
        read, next_link = meta["read"] + len(reviews), answer_meta.get("next_link")
        if next_link and reviews and meta["page"] < self.page_cap():
            yield self.request(meta["subject"], with_key(next_link, self.key), self.parse_reviews,
                               meta={**{k: meta[k] for k in ("branch", "shown_name", "match")},
                                     "page": meta["page"] + 1, "read": read})
            return
        pages = max(meta["page"] + bool(next_link), math.ceil((total or 0) / PAGE_SIZE))
        yield self.summary(response, page_url, shown_name=meta["shown_name"], match=meta["match"],
                           rating=answer_meta.get("branch_rating"),
                           count=answer_meta.get("branch_reviews_count", total), pages=pages,
                           pages_read=meta["page"], reviews_read=read)
