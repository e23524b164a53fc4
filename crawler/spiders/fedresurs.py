"""Федресурс — fedresurs.ru: notices about the company (bankruptcy intentions, liquidation, reorganisation)."""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject
from clientvet.crawler.spiders.bankrot_fedresurs import running_procedure, stage_in

BASE = "https://fedresurs.ru"
HEADERS = {"Referer": f"{BASE}/", "Accept": "application/json, text/plain, */*"}
PAGE_SIZE = 15

# The notices a bankruptcy procedure publishes about its debtor (ЕФРСБ messages, which the company's page
# lists with the rest): court acts, creditors' meetings and committees, creditors' claims and the register
# of them, the inventory, valuation and sale of the debtor's property, the results of the procedure.
PROCEDURE = "|".join((
    r"судебн\w* акт", r"кредитор", r"должник", r"торг(ов|ах)\b", r"договора купли-продажи",
    r"арбитражн\w* управляющ", r"результат\w* .*процедур", r"ход\w* процедур", r"финансовом состоянии",
    r"наблюдени", r"финансов\w* оздоровлени", r"внешн\w* управлени", r"конкурсн\w* производств",
    r"преднамеренн\w* или фиктивн",
))
# Notice type (as fedresurs words it) → category used by the rules; the first matching pattern wins.
NOTICE_CATEGORIES = (
    (r"намерение кредитора обратиться в суд с заявлением о банкротстве", "creditor_intends_bankruptcy"),
    (r"намерение должника обратиться в суд с заявлением о банкротстве", "debtor_intends_bankruptcy"),
    (r"ликвидация", "liquidation"),
    (r"реорганизация", "reorganisation"),
    (r"снижение размера", "net_assets_below_capital"),
    (r"бухгалтерской", "financial_statements"),
    (r"принят\w* .*заявлени", "bankruptcy"),  # a petition the court accepted: a case, no procedure yet
    (PROCEDURE, "bankruptcy_procedure"),
    (r"банкрот", "bankruptcy"),
)


def notice_category(notice_type: str) -> str:
    lowered = notice_type.lower()
    return next((category for pattern, category in NOTICE_CATEGORIES if re.search(pattern, lowered)), "other")


def listed(answer: dict, what: str) -> None:
    """An answer that announces records (`found`) must list some: none listed is a changed layout."""
    if answer.get("found") and not answer["pageData"]:
        raise SourceFailure(f"layout changed ({answer['found']} {what} found, none listed)")


class FedresursSpider(SourceSpider):
    reads = {"status_record": Reads("guid inn name ogrn status", ignored="okvedName"),
             "notice": Reads("guid type datePublish number",
                             ignored="isLocked publicationType publisher.type participants.type")}
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
                            status=company.get("status"), procedure=running_procedure(company.get("status")),
                            active=company.get("isActive"), inn=company.get("inn"), ogrn=company.get("ogrn"),
                            address=company.get("egrulAddress"), url=f"{BASE}/companies/{guid}")
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
            participants = notice.get("participants") or []
            category = notice_category(notice.get("type") or "")
            stage = stage_in(notice["type"]) if category == "bankruptcy_procedure" else None
            yield self.fact(
                response, "notice", notice["guid"],
                type=notice.get("type"), category=category,
                published=(notice.get("datePublish") or "")[:10] or None,
                number=notice.get("number"), annulled=bool(notice.get("isAnnulled")),
                publisher=publisher.get("name"),
                published_by_subject=publisher.get("guid") == company_guid,
                participants=[p.get("name") for p in participants],
                # Whether it names anyone but the company and its publisher: a creditor's claim in another's
                # bankruptcy names that debtor too, a procedure's notice about the company names the company.
                names_others=any(p.get("guid") not in (company_guid, publisher.get("guid")) for p in participants),
                stage=stage[0] if stage else None, stage_running=stage[1] if stage else None,
                total_found=answer.get("found"),
            )
