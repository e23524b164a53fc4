"""ЕГРЮЛ/ЕГРИП search by name — egrul.nalog.ru: the same search and poll as the card, with a name."""

from __future__ import annotations

import time
from typing import Iterator

import scrapy

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.finders import FinderSpider
from clientvet.crawler.spiders.egrul import BASE, HEADERS, MAX_POLLS
from clientvet.evidence.identifiers import parse_inn, parse_ogrn
from clientvet.crawler.resolve import Candidate


def parse_rows(answer: dict) -> list[Candidate]:
    """Candidates from a search-result answer ({"rows": [...]}, see SOURCES.md)."""
    if "ERRORS" in answer:
        raise SourceFailure(f"captcha: egrul.nalog.ru asks for a captcha ({answer['ERRORS']})")
    if "rows" not in answer:
        raise SourceFailure("unparseable answer: egrul.nalog.ru result has no rows")
    candidates = []
    for row in answer["rows"]:
        if not (row.get("i") or row.get("o")) or not (row.get("n") or row.get("c")):
            raise SourceFailure(f"unparseable answer: egrul.nalog.ru row without INN/OGRN or name: {row.get('t')}")
        identity = parse_inn(row["i"]) if row.get("i") else parse_ogrn(row["o"])
        status = "ceased" if row.get("e") else "invalid" if row.get("v") else "active"
        candidates.append(Candidate(identity, row.get("n") or row.get("c"), "egrul", status,
                                    row.get("a") or row.get("rn"), tuple(n for n in (row.get("c"),) if n)))
    return candidates


class EgrulFinder(FinderSpider):
    name = "egrul_search"

    def __init__(self, query: str, **kwargs):
        super().__init__(**kwargs)
        self.query = query

    def first_requests(self) -> Iterator[scrapy.Request]:
        form = {"vyp3CaptchaToken": "", "page": "", "query": self.query, "region": "",
                "PreventChromeAutocomplete": ""}
        yield self.request(f"{BASE}/", self.parse_token, request_class=scrapy.FormRequest, formdata=form,
                           headers=HEADERS, meta={"dont_redirect": True})

    def parse_token(self, response):
        answer = self.json(response)
        if answer.get("captchaRequired") or "ERRORS" in answer:
            raise SourceFailure(f"captcha: egrul.nalog.ru asks for a captcha ({answer.get('ERRORS') or 'captchaRequired'})")
        if not answer.get("t"):
            raise SourceFailure("unparseable answer: egrul.nalog.ru gave no search token")
        yield self.poll(answer["t"], attempt=1)

    def poll(self, token: str, attempt: int) -> scrapy.Request:
        ms = int(time.time() * 1000)
        return self.request(f"{BASE}/search-result/{token}?r={ms}&_={ms}", self.parse_result, headers=HEADERS,
                            dont_filter=True, meta={"token": token, "attempt": attempt})

    def parse_result(self, response):
        answer = self.json(response)
        if answer.get("status") == "wait":
            if response.meta["attempt"] >= MAX_POLLS:
                raise SourceFailure(f"timeout: egrul.nalog.ru still 'wait' after {MAX_POLLS} polls")
            yield self.poll(response.meta["token"], response.meta["attempt"] + 1)
            return
        self.candidates += parse_rows(answer)
