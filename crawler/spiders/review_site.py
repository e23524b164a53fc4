"""What the review-site sources share: the company to look for, matching, dates, facts, the browser.

Each site finds the company's page by the name the registry source stored (egrul, or
Companies House or EDGAR for Trustpilot; without it, the name fedresurs.ru or
bankrot.fedresurs.ru gave; so the sources run after them), accepts a hit only when clientvet.evidence.matching says it is the same company, reads the
reviews page after page up to a cap, and yields one `review` fact per review (with the
complaint topics of clientvet.checks.complaints) and one `review_page` fact per company page
(its rating, announced count, pages read). A page with reviews announced or review
markup present but none read is `layout changed`, never "no reviews".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Iterable, Iterator

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import Response

from clientvet import config
from clientvet.crawler.base import SourceFailure, SourceSpider, html_page
from clientvet.crawler.browser import BrowserSource, browser_problem
from clientvet.crawler.items import Fact, Subject
from clientvet.crawler.text import html_to_text
from clientvet.evidence.companies import company_names
from clientvet.evidence.store import Observation
from clientvet.evidence.matching import NameMatch, legal_form, match_names
from clientvet.checks.complaints import classify

MAX_PAGES = 10  # a cap per company page; the summary fact says how many were read of how many
NO_NAME = "no company name from the registry or another register"
MONTHS = {"январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
          "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12}
_QUOTED = re.compile(r"[«\"“„](.+)[»\"”]")
_LEADING_LEGAL_FORM = re.compile(r"^(?:ООО|ОАО|ЗАО|ПАО|НАО|АО|ИП|ФГУП|ГУП|МУП)\s+", re.IGNORECASE)
_TRAILING_LEGAL_FORM = re.compile(r"[\s,]+(?:LIMITED|LTD\.?|PLC|LLP|INC\.?|CORP\.?|CORPORATION|LLC)$", re.IGNORECASE)
_CITY = re.compile(r"\b(?:г\.|город)\s*([А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+|\s[А-ЯЁ][а-яё]+)*)")
FEDERAL_CITIES = ("Москва", "Санкт-Петербург", "Севастополь")


@dataclass(frozen=True)
class Company:
    """The prospect as the registry names it, and the brand a review site would show."""

    names: tuple[str, ...]
    brand: str
    city: str | None

    def match(self, shown: str) -> NameMatch | None:
        """How a name shown on a site matches the company, or None when it is another company.

        Sites add a category and a place ("Интернет-магазин «Ромашка» (Россия, Москва)"):
        the place is dropped, and the quoted part is tried on its own. A shown name with a legal
        form is compared whole with the registry's names: «АО Ромашка» is not ООО «Ромашка», so
        neither its quoted part nor the brand (which has no form) may stand in for it.
        """
        shown = re.sub(r"\s*\([^)]*\)\s*$", "", shown).strip()
        if any(char.isalnum() for char in shown) and legal_form(shown):
            candidates, names = [shown], self.names
        else:
            candidates = [shown] + [m.group(1).strip(' "«»') for m in [_QUOTED.search(shown)] if m]
            names = (*self.names, self.brand)
        for candidate in filter(None, candidates):
            for name in names:
                verdict = match_names(name, candidate)
                if verdict.same:
                    return verdict
        return None


def company_from_registry(observations: Iterable[Observation]) -> Company | None:
    """The company to look for, as the registry names it (or, without it, the other registers)."""
    named = company_names(observations)
    if named is None:
        return None
    names = named.names
    quoted = _QUOTED.search(names[0])
    brand = quoted.group(1) if quoted else _TRAILING_LEGAL_FORM.sub("", _LEADING_LEGAL_FORM.sub("", names[0]))
    brand = " ".join(brand.replace('"', " ").split())
    return Company(names, brand, city_of({"address": named.address, "region": named.region}))


def city_of(record: dict[str, Any]) -> str | None:
    """The city of the registered address ('г. Казань'), or the federal city that is the region."""
    found = _CITY.search(record.get("address") or "")
    if found:
        return found.group(1)
    region = record.get("region") or ""
    return next((city for city in FEDERAL_CITIES if city.lower() in region.lower()), None)


def iso_date(text: str | None) -> str | None:
    """'2026-10-14T…', '14.10.2026' or '14 октября 2026' → '2026-10-14'; None when it is none of them."""
    text = " ".join((text or "").split()).lower()
    if found := re.search(r"\d{4}-\d{2}-\d{2}", text):
        return found.group(0)
    if found := re.search(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        day, month, year = map(int, found.groups())
        return date(year, month, day).isoformat()
    if found := re.search(r"(\d{1,2}) ([а-я]+)\.? (\d{4})", text):
        month = next((n for stem, n in MONTHS.items() if found.group(2).startswith(stem)), None)
        if month:
            return date(int(found.group(3)), month, int(found.group(1))).isoformat()
    return None


def number(text: Any) -> float | None:
    """'4,2' → 4.2, '1 234 отзыва' → 1234.0; None without digits."""
    if isinstance(text, (int, float)):
        return float(text)
    found = re.search(r"\d[\d\s\u00a0]*(?:[.,]\d+)?", text or "")
    return float(re.sub(r"[\s\u00a0]", "", found.group(0)).replace(",", ".")) if found else None


def first(node: Selector, queries: Iterable[str]) -> str | None:
    """The first non-blank value any of the queries finds (several selectors: sites change class names)."""
    for query in queries:
        value = " ".join(" ".join(select(node, query).getall()).split())
        if value:
            return value
    return None


def readable_text(node: Selector, queries: Iterable[str]) -> str:
    """The text a reader sees in the first elements any of the queries finds, paragraph breaks kept."""
    for query in queries:
        value = "\n\n".join(filter(None, map(html_to_text, select(node, query).getall())))
        if value:
            return value
    return ""


def select(node: Selector, query: str) -> SelectorList:
    return node.xpath(query[6:]) if query.startswith("xpath:") else node.css(query)


@dataclass(frozen=True)
class HtmlLayout:
    """Where one site's HTML keeps reviews; every field lists selectors tried in turn."""

    reviews: tuple[str, ...]  # one node per review
    rating: tuple[str, ...]
    text: tuple[str, ...]  # the elements holding a review's text, read as a person sees it
    published: tuple[str, ...]
    link: tuple[str, ...]
    count: tuple[str, ...]  # the company's announced review count
    average: tuple[str, ...]  # the company's average stars
    captcha: tuple[str, ...]  # any of these found means a captcha page
    title: tuple[str, ...] = ()
    # What only the site's search answer shows, with results or without (its result list, its «nothing
    # found»): a search page without them and without a hit is another page, not "no such company"
    # (with none declared, a search without a hit always fails).
    results: tuple[str, ...] = ()


def search_hits(response: Response, layout: HtmlLayout, site: str, links: Iterable[str], page: re.Pattern,
                keep_query: bool = True, announced: str | None = None) -> list[tuple[str, str]]:
    """(name, url) of the company pages a site's search answer links to.

    `links` are selectors tried in turn, `page` what a company page's URL looks like; a captcha
    page fails, and so does a page whose `announced` result items carry no readable link, and one
    without a link that does not show the search's results or «nothing found».
    """
    selector = html_page(response)
    if any(selector.css(query) for query in layout.captcha):
        raise SourceFailure(f"captcha: {site} shows a captcha at {response.url}")
    nodes = next((found for found in (selector.css(query) for query in links) if found), [])
    found: dict[str, str] = {}
    for link in nodes:
        url = response.urljoin(link.attrib.get("href", ""))
        url = url if keep_query else url.split("?")[0]
        name = " ".join(" ".join(link.css("::text").getall()).split())
        if page.fullmatch(url) and name:
            found.setdefault(url, name)
    if not found and announced and selector.css(announced):
        raise SourceFailure(f"layout changed: {site} search results without readable links at {response.url}")
    if not found and not any(select(selector, query) for query in layout.results):
        raise SourceFailure(f"layout changed: {site} answered a page that is not its search at {response.url}")
    return [(name, url) for url, name in found.items()]


def parse_html_reviews(response: Response, layout: HtmlLayout, site: str) -> tuple[list[dict], float | None,
                                                                                   float | None]:
    """(reviews, announced count, average rating) of one HTML page of reviews."""
    selector = html_page(response)
    if any(selector.css(query) for query in layout.captcha):
        raise SourceFailure(f"captcha: {site} shows a captcha at {response.url}")
    nodes = next((found for found in (selector.css(q) for q in layout.reviews) if found), [])
    reviews = []
    for node in nodes:
        link = first(node, layout.link)
        review = {"rating": number(first(node, layout.rating)), "text": readable_text(node, layout.text),
                  "title": first(node, layout.title), "published": iso_date(first(node, layout.published)),
                  "url": response.urljoin(link) if link else None}
        missing = [field for field in ("rating", "published", "url") if review[field] is None]
        if missing:
            raise SourceFailure(f"layout changed: a review on {response.url} without {', '.join(missing)}")
        reviews.append(review)
    count, average = number(first(selector, layout.count)), number(first(selector, layout.average))
    if not reviews and (count or any(selector.css(q) for q in ("[itemprop=review]", "[class*=review-item]"))):
        announced = int(count) if count else "some"
        raise SourceFailure(f"layout changed: {site} announces {announced} reviews at {response.url}, "
                            "none could be read")
    if not reviews and count is None:  # a company without reviews shows a count of 0
        raise SourceFailure(f"layout changed: {site} shows neither reviews nor their count at {response.url}")
    return reviews, count, average


class ReviewSiteSpider(SourceSpider):
    """A review site: find the company's page by name, read its reviews."""

    site: ClassVar[str]
    reviewer: ClassVar[str] = "customer"
    max_pages: ClassVar[int] = MAX_PAGES

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        company = company_from_registry(self.store.observations(subject.check_id))
        if company is None:
            self.ledger.skip(subject, NO_NAME)
            return
        yield from self.search(subject, company)

    def search(self, subject: Subject, company: Company) -> Iterator[scrapy.Request]:
        raise NotImplementedError

    def page_cap(self) -> int:
        return int(config.setting(f"{self.name}.max_pages", self.max_pages))

    def review(self, response: Response, review_id: str, *, rating: float | None, text: str,
               published: str | None, url: str, title: str | None = None) -> Fact:
        topics = classify(" . ".join(filter(None, (title, text))))
        return self.fact(response, "review", f"{self.site}:{review_id}", site=self.site, rating=rating,
                         title=title, text=text, published=published, url=url, reviewer=self.reviewer,
                         topics=sorted(topics))

    def summary(self, response: Response, url: str, *, shown_name: str, match: NameMatch, rating: float | None,
                count: float | None, pages: int, pages_read: int, reviews_read: int) -> Fact:
        return self.fact(response, "review_page", url, site=self.site, url=url, name=shown_name,
                         match=match.reason, rating=rating, count=int(count or 0), pages=pages,
                         pages_read=pages_read, reviews_read=reviews_read, page_cap=self.page_cap(),
                         complete=pages_read >= pages, reviewer=self.reviewer)


class BrowserReviewSpider(BrowserSource, ReviewSiteSpider):
    """A review site that answers only a real browser: every page is opened in Chromium (crawler/browser.py)."""

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        if problem := browser_problem():
            self.ledger.skip(subject, problem)
            return
        yield from super().requests_for(subject)
