"""otzovik.com: customers' reviews of the company, read in a browser (the site shows bots an image captcha).

The site search (`/?search_text=<name>`) lists pages named like «ООО "Ромашка" (Россия,
Москва)»; a page is the company when the name, without the place, matches the registered
one. Reviews are listed at `/reviews/<slug>/`, older ones at `/reviews/<slug>/<n>/`; the list
shows each review's title, teaser, stars and date, which is what is kept (the full text
is one more page per review). No real recording exists yet: the markup follows the public
site (unverified), with schema.org microdata as the fallback for every field.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlencode

import scrapy
from parsel import Selector

from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.review_site import (BrowserReviewSpider, Company, HtmlLayout, parse_html_reviews,
                                                  search_hits)

BASE = "https://otzovik.com"
MAX_COMPANY_PAGES = 3
LAYOUT = HtmlLayout(
    reviews=("div.review-list-2 div.item", "div.item[itemprop=review]", "[itemprop=review]"),
    rating=("div.rating-score span::text", "[itemprop=reviewRating] [itemprop=ratingValue]::attr(content)",
            "[itemprop=reviewRating] [itemprop=ratingValue]::text"),
    text=(".review-teaser", "[itemprop=description]", "[itemprop=reviewBody]"),
    title=("a.review-title ::text", "[itemprop=name]::text"),
    published=("[itemprop=datePublished]::attr(content)", ".review-postdate ::text"),
    link=("a.review-title::attr(href)", "a.review-read-link::attr(href)", "[itemprop=url]::attr(href)"),
    count=(".reviews-counter ::text", "[itemprop=aggregateRating] [itemprop=reviewCount]::text",
           "[itemprop=aggregateRating] [itemprop=reviewCount]::attr(content)"),
    average=(".product-rating [itemprop=ratingValue]::text", ".product-rating [itemprop=ratingValue]::attr(content)",
             "[itemprop=aggregateRating] [itemprop=ratingValue]::attr(content)"),
    captcha=("form[action*=capcha]", "form[action*=captcha]", "img[src*=capcha]", "input[name=captcha_url]",
             "input[name*=captcha]"),
    results=("div.product-list", ".search-empty", "xpath://*[contains(text(), 'ничего не найдено')]"),
)
PRODUCT_LINKS = ("div.product-list a.product-name", "a.product-name", "h3 a[href*='/reviews/']")
COMPANY_PAGE = re.compile(rf"{BASE}/reviews/[\w.-]+/")


def company_pages(response: scrapy.http.Response) -> list[tuple[str, str]]:
    """(name, url) of the pages a search answer lists."""
    return search_hits(response, LAYOUT, "otzovik.com", PRODUCT_LINKS, COMPANY_PAGE,
                       announced="div.product-list div.item, .search-results .item")


def page_count(response: scrapy.http.Response, company_url: str) -> int:
    pattern = re.compile(rf"^{re.escape(company_url)}(\d+)/$")
    numbers = [int(m.group(1)) for href in Selector(text=response.text).css("a::attr(href)").getall()
               if (m := pattern.match(response.urljoin(href)))]
    return max([1, *numbers])


class OtzovikSpider(BrowserReviewSpider):
    site = "otzovik.com"
    counts = {"review_page": (1, MAX_COMPANY_PAGES)}

    def search(self, subject: Subject, company: Company) -> Iterator[scrapy.Request]:
        url = f"{BASE}/?{urlencode({'search_text': company.brand})}"
        yield from filter(None, [self.page(subject, url, self.parse_search, company=company)])

    def parse_search(self, response):
        company: Company = response.meta["company"]
        hits = [(name, url, match) for name, url in company_pages(response) if (match := company.match(name))]
        for name, url, match in hits[:MAX_COMPANY_PAGES]:
            request = self.page(response.meta["subject"], url, self.parse_reviews, shown_name=name, match=match,
                                company_url=url, number=1, read=0)
            if request:
                yield request

    def parse_reviews(self, response):
        meta = response.meta
        reviews, count, average = parse_html_reviews(response, LAYOUT, self.site)
        for review in reviews:
            review_id = re.sub(r"\W+", "_", review["url"].removeprefix(BASE).strip("/"))
            yield self.review(response, review_id, **review)
        read = meta["read"] + len(reviews)
        pages = page_count(response, meta["company_url"]) if meta["number"] == 1 else meta["pages"]
        count, average = meta.get("count", count), meta.get("average", average)
        if meta["number"] < min(pages, self.page_cap()) and reviews:
            number = meta["number"] + 1
            request = self.page(meta["subject"], f"{meta['company_url']}{number}/", self.parse_reviews,
                                **{k: meta[k] for k in ("shown_name", "match", "company_url")},
                                number=number, pages=pages, read=read, count=count, average=average)
            if request:
                yield request
                return
        yield self.summary(response, meta["company_url"], shown_name=meta["shown_name"], match=meta["match"],
                           rating=average, count=count, pages=pages, pages_read=meta["number"], reviews_read=read)
