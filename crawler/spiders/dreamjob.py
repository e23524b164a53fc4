"""dreamjob.ru: what employees say about the company as an employer (salary delays sink a company first).

Plain HTTP: the employer search (`/search?query=<name>`) lists employer cards linking to
`/employers/<id>`; the employer page holds the reviews, `?page=N` the older ones. No
real recording exists yet: the request shapes and markup follow the public site as
seen in a browser (unverified); the selectors try class names, then schema.org
microdata, so a renamed class alone does not lose the reviews.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlencode

import scrapy
from parsel import Selector

from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.review_site import Company, HtmlLayout, ReviewSiteSpider, parse_html_reviews, search_hits

BASE = "https://dreamjob.ru"
SEARCH_URL = f"{BASE}/search"
MAX_EMPLOYERS = 3  # namesakes the name check let through are read, but a crowd means a bad search
LAYOUT = HtmlLayout(
    reviews=("div.review-item", "article.review", "[itemprop=review]"),
    rating=(".review-item__rating::attr(data-rating)", "[itemprop=ratingValue]::attr(content)",
            "[itemprop=ratingValue]::text"),
    text=(".review-item__text", "[itemprop=reviewBody]"),
    title=(".review-item__title::text", "[itemprop=name]::text"),
    published=("[itemprop=datePublished]::attr(content)", "time::attr(datetime)", ".review-item__date::text"),
    link=("a.review-item__link::attr(href)", "[itemprop=url]::attr(href)"),
    count=(".employer-header__reviews-count::text", "[itemprop=aggregateRating] [itemprop=reviewCount]::attr(content)",
           "[itemprop=reviewCount]::text"),
    average=(".employer-header__rating::text",
             "[itemprop=aggregateRating] [itemprop=ratingValue]::attr(content)"),
    captcha=("form[action*=captcha]", "div.smart-captcha", "img[src*=captcha]", "#captcha"),
    results=(".search-results", "xpath://*[contains(text(), 'ничего не найдено')]"),
)
EMPLOYER_LINKS = ("a.employer-card__name", "a[href^='/employers/']")
PAGE_LINK = re.compile(r"[?&]page=(\d+)")
EMPLOYER_PAGE = re.compile(rf"{BASE}/employers/\d+")


def employers(response: scrapy.http.Response) -> list[tuple[str, str]]:
    """(name, url) of the employer cards of a search answer."""
    return search_hits(response, LAYOUT, "dreamjob.ru", EMPLOYER_LINKS, EMPLOYER_PAGE, keep_query=False,
                       announced=".employer-card")


def page_count(response: scrapy.http.Response) -> int:
    numbers = [int(n) for href in Selector(text=response.text).css("a::attr(href)").getall()
               for n in PAGE_LINK.findall(href)]
    return max([1, *numbers])


class DreamjobSpider(ReviewSiteSpider):
    site = "dreamjob.ru"
    reviewer = "employee"
    counts = {"review_page": (1, MAX_EMPLOYERS)}

    def search(self, subject: Subject, company: Company) -> Iterator[scrapy.Request]:
        url = f"{SEARCH_URL}?{urlencode({'query': company.brand})}"
        yield self.request(subject, url, self.parse_search, meta={"company": company})

    def parse_search(self, response):
        company: Company = response.meta["company"]
        hits = [(name, url, match) for name, url in employers(response) if (match := company.match(name))]
        for name, url, match in hits[:MAX_EMPLOYERS]:
            yield self.request(response.meta["subject"], url, self.parse_employer,
                               meta={"shown_name": name, "match": match, "page": 1, "employer": url, "read": 0})

    def parse_employer(self, response):
        meta = response.meta
        reviews, count, average = parse_html_reviews(response, LAYOUT, self.site)
        for review in reviews:
            yield self.review(response, review["url"].rsplit("/", 1)[-1], **review)
        read = meta["read"] + len(reviews)
        pages = page_count(response) if meta["page"] == 1 else meta["pages"]
        if meta["page"] < min(pages, self.page_cap()) and reviews:
            yield self.request(meta["subject"], f"{meta['employer']}?page={meta['page'] + 1}", self.parse_employer,
                               meta={**{k: meta[k] for k in ("shown_name", "match", "employer")},
                                     "page": meta["page"] + 1, "pages": pages, "read": read,
                                     "count": meta.get("count", count), "average": meta.get("average", average)})
            return
        yield self.summary(response, meta["employer"], shown_name=meta["shown_name"], match=meta["match"],
                           rating=meta.get("average", average), count=meta.get("count", count), pages=pages,
                           pages_read=meta["page"], reviews_read=read)
