"""ЕГРЮЛ/ЕГРИП — egrul.nalog.ru: the Russian registry card (search, then poll)."""

from __future__ import annotations

import re
import time
from typing import Iterator

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject
from clientvet.evidence.parsing import iso_date

BASE = "https://egrul.nalog.ru"
HEADERS = {"X-Requested-With": "XMLHttpRequest", "Referer": f"{BASE}/index.html",
           "Accept": "application/json, text/javascript, */*; q=0.01"}
MAX_POLLS = 10
HEAD_PATTERN = re.compile(r"(?P<role>[^:]+):\s*(?P<name>[^,:]+)(?:,|$)")


def heads(text: str | None) -> list[tuple[str, str]]:
    """'ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ: Греф Герман Оскарович' → [(role, name)]."""
    return [(m["role"].strip(" ,"), m["name"].strip()) for m in HEAD_PATTERN.finditer(text or "")]


class EgrulSpider(SourceSpider):
    # A row: INN, kind (ul/ip), name, OGRN, registration date; the token of its PDF extract and the paging are not read.
    reads = {"registry_record": Reads("i k n o r", ignored="t cnt pg tot")}
    counts = {"registry_record": (1, None)}  # a sole trader registered more than once has a row per registration

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        form = {"vyp3CaptchaToken": "", "page": "", "query": subject.value, "region": "",
                "PreventChromeAutocomplete": ""}
        yield self.request(subject, f"{BASE}/", self.parse_token, request_class=scrapy.FormRequest,
                           formdata=form, headers=HEADERS, meta={"dont_redirect": True})

    def parse_token(self, response):
        answer = self.json(response)
        if answer.get("captchaRequired") or "ERRORS" in answer:
            raise SourceFailure(f"captcha: egrul.nalog.ru asks for a captcha ({answer.get('ERRORS') or 'captchaRequired'})")
        token = answer.get("t")
        if not token:
            raise SourceFailure("unparseable answer: egrul.nalog.ru gave no search token")
        yield self.poll(response.meta["subject"], token, attempt=1)

    def poll(self, subject: Subject, token: str, attempt: int) -> scrapy.Request:
        ms = int(time.time() * 1000)
        return self.request(subject, f"{BASE}/search-result/{token}?r={ms}&_={ms}", self.parse_result,
                            headers=HEADERS, dont_filter=True, meta={"token": token, "attempt": attempt})

    def parse_result(self, response):
        answer = self.json(response)
        subject = response.meta["subject"]
        if "ERRORS" in answer:
            raise SourceFailure(f"captcha: egrul.nalog.ru asks for a captcha ({answer['ERRORS']})")
        if answer.get("status") == "wait":
            if response.meta["attempt"] >= MAX_POLLS:
                raise SourceFailure(f"timeout: egrul.nalog.ru still 'wait' after {MAX_POLLS} polls")
            yield self.poll(subject, response.meta["token"], response.meta["attempt"] + 1)
            return
        if "rows" not in answer:
            raise SourceFailure("unparseable answer: egrul.nalog.ru result has no rows")
        for row in self.records(response, "registry_record", answer["rows"],
                                about=lambda row: subject.value in (row["i"], row["o"])):
            yield from self.row_facts(response, row)

    def row_facts(self, response, row: dict):
        ogrn = row.get("o") or row.get("i")
        status = "ceased" if row.get("e") else "invalid" if row.get("v") else "active"
        yield self.fact(
            response, "registry_record", ogrn,
            name=row.get("n"), short_name=row.get("c"), inn=row.get("i"), ogrn=row.get("o"),
            kpp=row.get("p"), status=status, registered_on=iso_date(row.get("r")),
            ceased_on=iso_date(row.get("e")), invalid_since=iso_date(row.get("v")),
            address=row.get("a"), region=row.get("rn"),
            entity="company" if row.get("k") == "ul" else "sole_trader",
        )
        for role, person in heads(row.get("g")):
            yield self.fact(response, "officer", f"{ogrn}:{role}:{person}", name=person, role=role,
                            company_ogrn=ogrn, active=status == "active")
