"""Yandex Maps: customers' reviews of the company's organisation card, read in a browser (SmartCaptcha).

The browser opens the map search (`yandex.ru/maps/?text=<name> <city>`); the page carries
its state as JSON (organisations with `title` and `ratingData`) and its config (the
`csrfToken`). An organisation is the company when its title matches the registered name.
Its reviews come from the site's own XHR, `maps/api/business/fetchReviews`, called with
fetch() from inside that page, page after page, each answer archived as evidence. No
real recording exists yet: the shapes follow what the web client receives (unverified);
the live site also signs that XHR (`s=`), which the page's own scripts would have to add.
"""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Iterator
from urllib.parse import urlencode

import scrapy
from playwright.async_api import Error as PlaywrightError, Page
from scrapy.http import Response, TextResponse

from clientvet.crawler.base import BLOCK_STATUSES, SourceFailure, html_page
from clientvet.crawler.items import Reads, Subject
from clientvet.crawler.middlewares import refuse_oversized
from clientvet.crawler.spiders.review_site import BrowserReviewSpider, Company, iso_date, number

BASE = "https://yandex.ru"
REVIEWS_URL = f"{BASE}/maps/api/business/fetchReviews"
ORG_REVIEWS = f"{BASE}/maps/org/{{business}}/reviews/"
PAGE_SIZE = 50
MAX_ORGANISATIONS = 3
CAPTCHA_MARKS = ("form#checkbox-captcha-form", "form[action*=checkcaptcha]", ".CheckboxCaptcha", ".AdvancedCaptcha",
                 "[data-testid=smart-captcha]")
FETCH_JSON = """async (url) => {
    const answer = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
    return {status: answer.status, type: answer.headers.get("content-type"), text: await answer.text()};
}"""


def page_state(response: Response) -> tuple[list[dict], str | None]:
    """(organisations, csrf token) from the JSON the search page carries.

    The search results are `items` lists, each result with its `type` (business, toponym, …): a page
    without such a list, or with a result of no type, is not a search answer this source reads.
    """
    page = html_page(response)
    if "showcaptcha" in response.url or any(page.css(q) for q in CAPTCHA_MARKS):
        raise SourceFailure(f"captcha: Yandex Maps shows SmartCaptcha at {response.url}")
    documents = []
    for script in page.css("script[type='application/json']::text").getall():
        try:
            documents.append(json.loads(script))
        except json.JSONDecodeError:
            continue
    if not documents:
        raise SourceFailure(f"layout changed: no JSON state in the Yandex Maps page {response.url}")
    organisations, tokens, results = {}, [], None
    for node in _walk(documents):
        if isinstance(node.get("csrfToken"), str):
            tokens.append(node["csrfToken"])
        if isinstance(node.get("items"), list):
            results = (results or []) + node["items"]
        business = node.get("businessId") or node.get("id")
        if isinstance(node.get("title"), str) and isinstance(node.get("ratingData"), dict) and business \
                and node.get("type", "business") == "business":
            organisations.setdefault(str(business), node)
    if not organisations and (results is None or not all(isinstance(r, dict) and r.get("type") for r in results)):
        raise SourceFailure(f"layout changed: no search results the source reads in the Yandex Maps page "
                            f"{response.url}")
    return list(organisations.values()), next(iter(tokens), None)


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def reviews_url(business: str, token: str, page: int) -> str:
    return f"{REVIEWS_URL}?" + urlencode({"ajax": "1", "businessId": business, "csrfToken": token, "page": str(page),
                                         "pageSize": str(PAGE_SIZE), "ranking": "by_time", "locale": "ru_RU"})


def parse_reviews_answer(answer: TextResponse) -> tuple[list[dict], dict]:
    """(reviews, params) of one fetchReviews answer; a captcha or a changed shape is a failure."""
    if answer.status in BLOCK_STATUSES:
        raise SourceFailure(f"{BLOCK_STATUSES[answer.status]}: HTTP {answer.status} from {REVIEWS_URL}")
    if answer.status != 200:
        raise SourceFailure(f"HTTP error: HTTP {answer.status} from {REVIEWS_URL}")
    try:
        document = json.loads(answer.text)
    except json.JSONDecodeError:
        what = "an HTML page" if answer.text.lstrip().startswith("<") else "not JSON"
        raise SourceFailure(f"{'blocked' if what == 'an HTML page' else 'unparseable answer'}: {what} from "
                            f"{REVIEWS_URL}") from None
    if isinstance(document, dict) and document.get("type") == "captcha":
        raise SourceFailure(f"captcha: Yandex Maps asks for SmartCaptcha at {REVIEWS_URL}")
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("reviews"), list):
        raise SourceFailure(f"layout changed: fetchReviews answer without data.reviews from {REVIEWS_URL}")
    return data["reviews"], data.get("params") or {}


class YandexMapsSpider(BrowserReviewSpider):
    site = "yandex.ru/maps"
    reads = {"review": Reads(ignored="author businessId photos reactions")}
    counts = {"review_page": (1, MAX_ORGANISATIONS)}

    def search(self, subject: Subject, company: Company) -> Iterator[scrapy.Request]:
        url = f"{BASE}/maps/?{urlencode({'text': ' '.join(filter(None, (company.brand, company.city)))})}"
        yield from filter(None, [self.page(subject, url, self.parse_search, include_page=True, company=company)])

    async def parse_search(self, response: Response) -> AsyncIterator[Any]:
        page: Page = response.meta["playwright_page"]
        try:
            organisations, token = page_state(response)
            company: Company = response.meta["company"]
            hits = [(org, match) for org in organisations if (match := company.match(org["title"]))]
            if hits and not token:
                raise SourceFailure(f"layout changed: no csrfToken in the Yandex Maps page {response.url}")
            for org, match in hits[:MAX_ORGANISATIONS]:
                async for fact in self.read_organisation(page, response, org, match, token):
                    yield fact
        finally:
            await page.close()

    async def read_organisation(self, page: Page, search: Response, org: dict, match, token: str):
        business, ratings = str(org.get("businessId") or org["id"]), org["ratingData"]
        if not ratings.keys() & {"ratingValue", "ratingCount", "reviewCount"}:
            raise SourceFailure(f"layout changed: Yandex Maps rates {business} without ratingValue, ratingCount "
                                "or reviewCount")
        announced = number(ratings.get("reviewCount"))
        page_number, pages, read = 1, 1, 0
        while page_number <= min(pages, self.page_cap()):
            answer = await self.fetch(page, search, reviews_url(business, token, page_number))
            reviews, params = parse_reviews_answer(answer)
            if announced and not reviews and page_number == 1:
                raise SourceFailure(f"layout changed: Yandex Maps announces {int(announced)} reviews of "
                                    f"{business}, none read")
            for review in self.records(answer, "review", reviews):
                published = iso_date(review.first("updatedTime", "createdTime"))
                if not review.get("reviewId") or review.get("rating") is None or not published:
                    raise SourceFailure(f"layout changed: a Yandex Maps review of {business} without id, rating "
                                        "or date")
                yield self.review(answer, review["reviewId"], rating=float(review["rating"]),
                                  text=review.get("text") or "", published=published,
                                  url=ORG_REVIEWS.format(business=business))
            read += len(reviews)
            pages = int(params.get("totalPages") or 1)
            page_number += 1
            if not reviews:
                break
        yield self.summary(answer, ORG_REVIEWS.format(business=business), shown_name=org["title"], match=match,
                           rating=number(ratings.get("ratingValue")), count=announced or params.get("count"),
                           pages=pages, pages_read=page_number - 1, reviews_read=read)

    async def fetch(self, page: Page, search: Response, url: str) -> TextResponse:
        """One XHR made by the page itself, archived, as a Scrapy response."""
        subject = search.meta["subject"]
        self.ledger.request_sent(subject)
        try:
            result = await page.evaluate(FETCH_JSON, url)
        except PlaywrightError as exc:
            unrecorded = search.meta.get("unrecorded")
            raise SourceFailure(unrecorded[-1] if unrecorded else
                                f"network error: {' '.join(exc.message.splitlines()[0].split())}") from None
        content, content_type = result["text"].encode("utf-8"), result["type"] or "application/json"
        refuse_oversized(self.settings, url, len(content))
        response_id = self.store.archive_response(
            check_id=subject.check_id, source=self.name, method="GET", url=url, request_body=None,
            status=result["status"], content_type=content_type, body=content, replayed=self.replay)
        request = scrapy.Request(url, meta={"subject": subject, "response_id": response_id})
        return TextResponse(url, status=result["status"], headers={"Content-Type": content_type}, body=content,
                            encoding="utf-8", request=request)
