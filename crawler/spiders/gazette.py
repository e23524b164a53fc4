"""The Gazette (London, Edinburgh, Belfast): winding-up, liquidation, administration and strike-off notices.

The notice search is full-text, so the source runs after companies_house and searches the name it
stored. A notice is the company's only when the company number in its text is the subject's or,
where the text gives no number, its title names the same company (clientvet.evidence.matching); everything
else the search returns is someone else's and is dropped. The search covers all notices, not the
`insolvency` service, because strike-off notices are company-law notices, not insolvency ones.
"""

from __future__ import annotations

import logging
import re
from typing import Iterator
from urllib.parse import urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject
from clientvet.crawler.text import html_to_text
from clientvet.evidence.companies import company_names
from clientvet.evidence.matching import match_names

BASE = "https://www.thegazette.co.uk"
SEARCH_URL = f"{BASE}/all-notices/notice/data.json"
PAGE_SIZE = 100
MAX_PAGES = 3  # newest first: 300 notices naming one company reach far enough back
NO_NAME = "no company name from companies_house"
logger = logging.getLogger(__name__)

# Notice codes seen in The Gazette's own taxonomy sample (TheGazette/DevDocs notice-taxonomy).
NOTICE_CODES = {"2450": "winding_up_petition"}
# Words of the notice type (the feed's category term), as the Gazette names its notice types.
NOTICE_TYPE_WORDS = (
    ("petitions to wind up", "winding_up_petition"),
    ("winding up order", "winding_up_order"),
    ("resolutions for winding up", "winding_up_resolution"),
    ("resolution for winding up", "winding_up_resolution"),
    ("appointment of liquidator", "liquidator_appointed"),
    ("appointment of administrator", "administrator_appointed"),
    ("strike off", "strike_off"),
    ("striking off", "strike_off"),
)
# A notice of the feed (its `entry`): what every one carries; its author, status and the feed's other
# renderings of it (link types) are not read.
NOTICE = Reads("id published", ignored="author f:status updated link.@title link.@type")
# "Company Number: 07310390", "Registered No. SC123456" in the notice text.
COMPANY_NUMBER = re.compile(r"\b(?:company|registered|registration)\s+(?:no|number)\b\.?\s*:?\s*"
                            r"([A-Z]{2}\d{6}|\d{6,8})\b", re.IGNORECASE)


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def notice_category(code: str | None, notice_type: str) -> str:
    """What a notice means for a counterparty; 'other' for anything the rules do not read."""
    if code in NOTICE_CODES:
        return NOTICE_CODES[code]
    text = words(notice_type)
    return next((category for phrase, category in NOTICE_TYPE_WORDS if phrase in text), "other")


def company_number_in(text: str) -> str | None:
    found = COMPANY_NUMBER.search(text)
    if not found:
        return None
    number = found.group(1).upper()
    return number.zfill(8) if number.isdigit() else number


def search_url(name: str, page: int = 1) -> str:
    query = {"text": name, "results-page-size": PAGE_SIZE, "sort-by": "latest-date"}
    if page > 1:
        query["results-page"] = page
    return f"{SEARCH_URL}?{urlencode(query)}"


def _one_or_many(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def parse_feed(answer: dict) -> tuple[list[dict], int, bool]:
    """The notices of one JSON feed page, how many the search found in all, and whether a next page exists."""
    if not isinstance(answer, dict) or "f:total" not in answer:
        raise SourceFailure("unparseable answer: Gazette feed has no f:total")
    notices = []
    for entry in _one_or_many(answer.get("entry")):
        if not isinstance(entry, dict) or not all(entry.get(field) for field in NOTICE.required):
            raise SourceFailure("layout changed (a Gazette notice without id or published date)")
        notice_id = entry["id"].rstrip("/").rsplit("/", 1)[-1]
        categories = [c.get("@term") for c in _one_or_many(entry.get("category")) if isinstance(c, dict)]
        notice_type = next((c for c in categories if c), None) or entry.get("title") or ""
        page = next((link["@href"] for link in _one_or_many(entry.get("link"))
                     if isinstance(link, dict) and "@rel" not in link and link.get("@href")),
                    f"{BASE}/notice/{notice_id}")
        text = html_to_text(str(entry.get("content") or ""))  # the publisher's HTML: its words, never its markup
        notices.append({
            "id": notice_id, "code": str(entry.get("f:notice-code") or "") or None, "type": notice_type,
            "title": " ".join(str(entry.get("title") or "").split()), "published": entry["published"][:10],
            "url": page, "excerpt": text[:1000], "company_number": company_number_in(text),
        })
    has_next = any(isinstance(link, dict) and link.get("@rel") == "next" for link in _one_or_many(answer.get("link")))
    try:
        return notices, int(answer["f:total"]), has_next
    except (TypeError, ValueError):
        raise SourceFailure(f"unparseable answer: Gazette f:total {answer['f:total']!r}") from None


def attribution(notice: dict, company_number: str, name: str) -> str | None:
    """Why the notice is about the subject ('company number', 'name'), or None when it is not."""
    if notice["company_number"]:
        return "company number" if notice["company_number"] == company_number else None
    if notice["title"] and match_names(name, notice["title"]).same:
        return "name"
    return None


class GazetteSpider(SourceSpider):
    reads = {"notice": NOTICE}

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        named = company_names(self.store.observations(subject.check_id))
        if named is None:
            self.ledger.skip(subject, NO_NAME)
            return
        yield self.search(subject, named.names[0])

    def search(self, subject: Subject, name: str, page: int = 1) -> scrapy.Request:
        return self.request(subject, search_url(name, page), self.parse, headers={"Accept": "application/json"},
                            meta={"name": name, "page": page})

    def parse(self, response):
        subject, name, page = response.meta["subject"], response.meta["name"], response.meta["page"]
        answer = self.json(response)
        if isinstance(answer, dict) and answer.get("entry"):
            answer = {**answer, "entry": self.records(response, "notice", _one_or_many(answer["entry"]))}
        notices, total, has_next = parse_feed(answer)
        for notice in notices:
            attributed_by = attribution(notice, subject.value, name)
            if attributed_by is None:
                continue
            yield self.fact(
                response, "notice", notice["id"], type=notice["type"],
                category=notice_category(notice["code"], notice["type"]), published=notice["published"],
                notice_code=notice["code"], title=notice["title"], url=notice["url"],
                company_number=notice["company_number"], attributed_by=attributed_by, excerpt=notice["excerpt"],
            )
        if has_next:
            if page < MAX_PAGES:
                yield self.search(subject, name, page + 1)
            else:
                logger.warning("Gazette: %s notices match %r; read the newest %s pages", total, name, page)
