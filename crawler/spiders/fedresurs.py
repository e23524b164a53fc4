"""Федресурс — fedresurs.ru: notices about the company (bankruptcy intentions, liquidation, reorganisation)."""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject

BASE = "https://fedresurs.ru"
HEADERS = {"Referer": f"{BASE}/", "Accept": "application/json, text/plain, */*"}
PAGE_SIZE = 15

# Notice type (as fedresurs words it) → category used by the rules; first matching phrase wins.
NOTICE_CATEGORIES = (
    ("намерение кредитора обратиться в суд с заявлением о банкротстве", "creditor_intends_bankruptcy"),
    ("намерение должника обратиться в суд с заявлением о банкротстве", "debtor_intends_bankruptcy"),
    ("ликвидация", "liquidation"),
    ("реорганизация", "reorganisation"),
    ("банкрот", "bankruptcy"),
    ("снижение размера", "net_assets_below_capital"),
    ("бухгалтерской", "financial_statements"),
)


def notice_category(notice_type: str) -> str:
    lowered = notice_type.lower()
    return next((category for phrase, category in NOTICE_CATEGORIES if phrase in lowered), "other")


def listed(answer: dict, what: str) -> None:
    """An answer that announces records (`found`) must list some: none listed is a changed layout."""
    if answer.get("found") and not answer["pageData"]:
        raise SourceFailure(f"layout changed ({answer['found']} {what} found, none listed)")


class FedresursSpider(SourceSpider):
    name = "fedresurs"
    jurisdiction = "RU"
    evidence = ("status_record", "notice")
    covers = ("bankruptcy",)
    reads = {"status_record": Reads("guid inn name ogrn status", ignored="egrulAddress okvedName"),
             "notice": Reads("guid type datePublish number",
                             ignored="isLocked publicationType publisher.type participants.guid participants.type")}
    counts = {"status_record": (1, 1), "notice": (0, PAGE_SIZE)}  # one company per INN; the newest page

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        query = urlencode({"searchString": subject.value, "limit": PAGE_SIZE, "offset": 0})
        yield self.request(subject, f"{BASE}/backend/companies?{query}", self.parse_companies,
                           headers=HEADERS)

    def parse_companies(self, response):
        answer = self.json(response)
        if "pageData" not in answer:
            raise SourceFailure("unparseable answer: fedresurs.ru company search has no pageData")
        listed(answer, "companies")
        subject = response.meta["subject"]
        for company in self.records(response, "status_record", answer["pageData"],
                                    about=lambda company: subject.value in (company["inn"], company["ogrn"])):
            guid = company["guid"]
            yield self.fact(response, "status_record", guid, name=company.get("name"),
                            status=company.get("status"), active=company.get("isActive"),
                            inn=company.get("inn"), ogrn=company.get("ogrn"),
                            url=f"{BASE}/companies/{guid}")
            # The newest page only: the rules need recent notices, and the total is kept.
            query = urlencode({"limit": PAGE_SIZE, "offset": 0})
            yield self.request(subject, f"{BASE}/backend/companies/{guid}/publications?{query}",
                               self.parse_publications, headers=HEADERS, meta={"company_guid": guid})

    def parse_publications(self, response):
        answer = self.json(response)
        if "pageData" not in answer:
            raise SourceFailure("unparseable answer: fedresurs.ru publications have no pageData")
        listed(answer, "notices")
        company_guid = response.meta["company_guid"]
        for notice in self.records(response, "notice", answer["pageData"]):
            publisher = notice.get("publisher") or {}
            yield self.fact(
                response, "notice", notice["guid"],
                type=notice.get("type"), category=notice_category(notice.get("type") or ""),
                published=(notice.get("datePublish") or "")[:10] or None,
                number=notice.get("number"), annulled=bool(notice.get("isAnnulled")),
                publisher=publisher.get("name"),
                published_by_subject=publisher.get("guid") == company_guid,
                participants=[p.get("name") for p in notice.get("participants") or []],
                total_found=answer.get("found"),
            )
