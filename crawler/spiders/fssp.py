"""Банк исполнительных производств — fssp.gov.ru: the bailiffs' enforcement proceedings against the company.

The site's search answers JSONP at is.fssp.gov.ru/ajax_search: ``<callback>({"data": "<html>"})``.
Every search (every result page) first answers a captcha form with the image inline
(``<img id="capchaVisual" src="data:image/jpeg;base64,…">``); the same request with
``code=<answer>`` gives the results table, "ничего не найдено", or — after a wrong
answer — the captcha form again. Who answers: see crawler/captcha.py (a
configured `captcha.solver`, or the person with `clientvet check --interactive`); with
nobody to answer the source fails with `captcha: …`, never "nothing found".

The search is by company name, so the source runs after egrul and searches the
distinctive part of the name it stored (without it, the name fedresurs.ru or
bankrot.fedresurs.ru gave; what is inside the quotes), in all regions
(a company's debts follow its property and branches). The table shows no INN; some rows
glue the debtor's OGRN to its name («ООО ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ 1027804862755, »).
A row is kept when that OGRN is the company's, or, without one, when its debtor's name is the
company's name (clientvet.evidence.matching); the debtor's address is kept with it so a reader
can tell a namesake elsewhere. Sole traders are searched by person and birth date, which the
registry does not give, so they are skipped.

Each result row has 8 cells: debtor (name, address); proceedings number and date (and the
consolidated proceedings); enforcement document (kind, date, number, issuer); end date and
reason (an article of 229-ФЗ: «ст. 46 ч. 1 п. 3»); payment service (links, or a script
widget: not read); subject and the debt outstanding («…: 12345.67 руб.», «Исполнительский
сбор: …»; an ended proceeding often shows no sum: unknown, not zero); bailiff department;
bailiff. The real answers (2018, ../shared/recordings/fssp) are CRLF-laden HTML inside
``/**/ typeof cb === 'function' && cb({...});`` and say «Найдено записей: N» above the table.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlencode

import scrapy
from parsel import Selector
from scrapy.http import Response

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.captcha import INTERACTIVE_SETTING, answer_captcha
from clientvet.crawler.items import Subject
from clientvet.evidence.companies import company_names
from clientvet.evidence.identifiers import InvalidIdentifier, parse_ogrn
from clientvet.evidence.matching import match_names
from clientvet.evidence.parsing import iso_date, money

SEARCH_URL = "https://is.fssp.gov.ru/ajax_search"
HEADERS = {"Referer": "https://fssp.gov.ru/", "Accept": "*/*"}
# jQuery names the JSONP callback; the site echoes whatever it is given. A fixed name keeps
# requests replayable (only `_` is a cache-buster).
CALLBACK = "jQuery34006284756281245536_1726700000000"
ALL_REGIONS = "-1"
MAX_PAGES = 5  # each page costs a captcha
NO_NAME = "no company name from the registry or another register"
SOLE_TRADER = "sole traders are searched by person and birth date, which the registry does not give"

# ``cb({...})``, or guarded as the 2018 recordings show it: ``/**/ typeof cb === 'function' && cb({...});``
JSONP = re.compile(r"^\s*(?:/\*\*/\s*)?(?:typeof\s+[\w$.]+\s*===?\s*['\"]function['\"]\s*&&\s*)?"
                   r"[\w$.]+\s*\((?P<json>.*)\)\s*;?\s*$", re.DOTALL)
DATA_URI = re.compile(r"^data:(?P<type>image/[\w.+-]+);base64,(?P<data>.+)$", re.DOTALL)
PROCEEDING = re.compile(r"^(?P<number>\S+)\s+от\s+(?P<date>\d{2}\.\d{2}\.\d{4})")
DATE = re.compile(r"\d{2}\.\d{2}\.\d{4}")
LAW_REFERENCE = re.compile(r"ст\.\s*(?P<article>\d+)(?:\s*ч\.\s*(?P<part>\d+))?(?:\s*п\.\s*(?P<point>\d+))?")
AMOUNT = re.compile(r"^(?P<label>.*?):\s*(?P<amount>\d[\d\s]*(?:[.,]\d+)?)\s*руб\.?$")
PAGE_LINK = re.compile(r"[?&]page=(\d+)")
GLUED_OGRN = re.compile(r"\s(\d{13})$")  # the debtor line may end with the OGRN (then commas)
FOUND_TOTAL = re.compile(r"найдено записей:\s*(\d+)")  # in the page's lower-cased text
NOTHING_FOUND = "ничего не найдено"
RATE_LIMITED = "превысили лимит"
TOTAL_LINE = "Общая сумма задолженности"  # the subject sits on the line above its amount

# What an end reason means, by (article, part, point) of 229-ФЗ, then by article alone.
END_MEANINGS = {
    ("47", "1", "1"): "paid",  # requirement fulfilled
    ("46", "1", "3"): "no_assets",  # debtor or its property cannot be found
    ("46", "1", "4"): "no_assets",  # no property that can be seized
    ("47", "1", "7"): "bankruptcy",  # debtor declared bankrupt
    ("47", "1", "8"): "liquidation",  # debtor being liquidated
}
ARTICLE_MEANINGS = {"43": "terminated", "46": "returned_to_creditor", "47": "ended_other"}
# Extra charges listed under the subject, by the site's label.
CHARGES = {"Исполнительский сбор": "fee_rub", "Задолженность по расходам": "costs_rub", "Штраф СПИ": "fine_rub"}


@dataclass(frozen=True)
class Captcha:
    image: bytes
    content_type: str


@dataclass
class ResultPage:
    proceedings: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 1


def search_query(name: str) -> str:
    """The distinctive part of a company name: inside its outer quotes, else the whole name."""
    quoted = re.search(r"[\"«](.+)[\"»]", name)
    return " ".join((quoted.group(1) if quoted else name).split())


def registry_ogrn(observations: Iterable[Observation]) -> str | None:
    """The company's OGRN from the registry record egrul stored: it decides a row that shows one."""
    return next((o.data["ogrn"] for o in observations
                 if o.kind == "registry_record" and o.source == "egrul" and o.data.get("ogrn")), None)


def lines(cell: Selector) -> list[str]:
    """A cell's text, one entry per line between <br>s, with whitespace collapsed."""
    return [text for text in (" ".join(t.split()) for t in cell.xpath(".//text()").getall()) if text]


def debtor(cell: list[str]) -> dict[str, Any]:
    """«ООО ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ 1027804862755, » / «,214031,67 , ,СМОЛЕНСК Г, ,…,8,,» →
    the name, the OGRN glued to it (a valid one), and the address without the empty fields."""
    name, ogrn = cell[0].rstrip(" ,"), None
    if glued := GLUED_OGRN.search(name):
        try:
            ogrn = parse_ogrn(glued.group(1)).value
            name = name[: glued.start()].rstrip(" ,")
        except InvalidIdentifier:
            pass  # digits of the name, not a register number
    address = ", ".join(part.strip() for part in " ".join(cell[1:]).split(",") if part.strip())
    return {"debtor": name or cell[0], **({"debtor_ogrn": ogrn} if ogrn else {}), "debtor_address": address or None}


def end_reason(cell: list[str]) -> dict[str, Any]:
    """«27.10.2025 / ст. 46 / ч. 1 / п. 3» → end date, the law reference and what it means."""
    text = " ".join(cell)
    if not text:
        return {"ended_on": None, "end_reason": None, "end_meaning": None}
    date, law = DATE.search(text), LAW_REFERENCE.search(text)
    if not date:
        raise SourceFailure(f"layout changed (fssp.gov.ru end of proceedings without a date: {text[:80]!r})")
    reference = (law["article"], law["part"], law["point"]) if law else None
    meaning = (END_MEANINGS.get(reference) or ARTICLE_MEANINGS.get(reference[0], "other")) if reference else "other"
    return {"ended_on": iso_date(date.group()), "end_reason": law.group() if law else text,
            "end_meaning": meaning}


def subject_and_amounts(cell: list[str]) -> dict[str, Any]:
    """«Subject: 123.45 руб.», or «Subject» then «Общая сумма задолженности: …»; then charges by label.

    Lines the table has not shown before are kept in `unread`, so a changed format shows.
    """
    if not cell:
        raise SourceFailure("layout changed (a fssp.gov.ru row without a subject)")
    first = AMOUNT.match(cell[0])
    found: dict[str, Any] = {"subject": first["label"].strip() if first else cell[0],
                             "amount_rub": money(first["amount"]) if first else None}
    unread = []
    for line in cell[1:]:
        amount = AMOUNT.match(line)
        label = amount["label"].strip() if amount else None
        if label == TOTAL_LINE:
            found["amount_rub"] = money(amount["amount"])
        elif label in CHARGES:
            found[CHARGES[label]] = money(amount["amount"])
        else:
            unread.append(line)
    amounts = [v for k, v in found.items() if k.endswith("_rub") and v is not None]
    found["total_rub"] = round(sum(amounts), 2) if amounts else None  # no sum shown: unknown, not zero
    return found | ({"unread": unread} if unread else {})


def proceeding(cells: list[Selector], region: str | None) -> dict[str, Any]:
    debtor_cell, number, document, ended, _service, subject, department, bailiff = (lines(c) for c in cells)
    started = PROCEEDING.match(number[0]) if number else None
    if not debtor_cell or not started:
        raise SourceFailure("layout changed (a fssp.gov.ru row without a debtor or a proceedings number)")
    ending = end_reason(ended)
    return {
        "number": started["number"], "started_on": iso_date(started["date"]),
        "consolidated": " ".join(number[1:]) or None,
        **debtor(debtor_cell), "region": region,
        "document": document[0] if document else None,
        "document_issuer": document[-1] if len(document) > 1 else None,
        **ending, "open": ending["ended_on"] is None,
        **subject_and_amounts(subject),
        "department": department[0] if department else None,
        "department_address": " ".join(department[1:]) or None,
        "bailiff": " ".join(bailiff) or None,
    }


def jsonp_data(response: Response) -> str:
    """The HTML inside ``callback({"data": "…"})``, or a SourceFailure naming what came instead."""
    text = response.text
    wrapped = JSONP.match(text)
    if not wrapped:
        if text.lstrip().startswith("<"):
            raise SourceFailure(f"blocked: an HTML page instead of the JSONP answer from {SEARCH_URL}")
        raise SourceFailure("unparseable answer: fssp.gov.ru answer is not JSONP")
    try:
        data = json.loads(wrapped["json"])["data"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise SourceFailure("unparseable answer: fssp.gov.ru JSONP without a data field") from None
    if not isinstance(data, str):
        raise SourceFailure("unparseable answer: fssp.gov.ru data is not HTML text")
    return data


def captcha_image(page: Selector) -> Captcha:
    src = page.css("#capchaVisual::attr(src)").get() or page.css("#captcha-popup img::attr(src)").get() or ""
    inline = DATA_URI.match(src.strip())
    if not inline:
        raise SourceFailure("unparseable answer: fssp.gov.ru captcha form without an inline image")
    try:
        return Captcha(base64.b64decode(inline["data"], validate=True), inline["type"])
    except binascii.Error:
        raise SourceFailure("unparseable answer: fssp.gov.ru captcha image is not base64") from None


def parse_answer(response: Response) -> Captcha | ResultPage:
    """One ajax_search answer: the captcha to solve, or a page of proceedings (maybe none)."""
    html = jsonp_data(response)
    page = Selector(text=html or "<html></html>")
    if page.css("#captcha-popup, #capchaVisual"):
        return captcha_image(page)
    text = " ".join(page.xpath("//text()").getall()).lower()
    rows = page.css("table tr")
    if not rows:
        if NOTHING_FOUND in text:
            return ResultPage()
        if RATE_LIMITED in text:
            raise SourceFailure("rate limited: fssp.gov.ru says the request limit is exceeded")
        raise SourceFailure("unparseable answer: fssp.gov.ru answer is neither results, «ничего не найдено» "
                            "nor a captcha")
    result, region = ResultPage(), None
    for row in rows:
        cells = row.xpath("./td")
        if row.xpath("./th") and not cells:
            continue  # the header
        if len(cells) == 1:
            region = " ".join(lines(cells[0])) or region  # rows of one region follow its heading
        elif len(cells) == 8:
            result.proceedings.append(proceeding(cells, region))
        else:
            raise SourceFailure(f"unparseable answer: layout changed (a row of {len(cells)} cells, expected 8)")
    result.pages = max([1, *(int(n) for n in PAGE_LINK.findall(" ".join(page.css("a::attr(href)").getall())))])
    total = FOUND_TOTAL.search(text)
    if total and result.pages == 1 and int(total.group(1)) != len(result.proceedings):
        raise SourceFailure(f"layout changed (fssp.gov.ru says {total.group(1)} records, the table has "
                            f"{len(result.proceedings)} rows)")
    return result


class FsspSpider(SourceSpider):

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        if subject.is_sole_trader:
            self.ledger.skip(subject, SOLE_TRADER)
            return
        observations = self.store.observations(subject.check_id)
        named = company_names(observations)
        if named is None:
            self.ledger.skip(subject, NO_NAME)
            return
        names = list(named.names)
        yield self.search(subject, search_query(names[0]), names, page=1, ogrn=registry_ogrn(observations))

    def search(self, subject: Subject, query: str, names: list[str], page: int, code: str | None = None,
               ogrn: str | None = None):
        params = [("system", "ip"), ("is[extended]", "1"), ("is[variant]", "2"),
                  ("is[region_id][0]", ALL_REGIONS), ("is[drtr_name]", query), ("is[address]", ""),
                  ("callback", CALLBACK), *([("code", code)] if code else []), ("page", str(page)),
                  ("_", str(int(time.time() * 1000)))]
        return self.request(subject, f"{SEARCH_URL}?{urlencode(params)}", self.parse, headers=HEADERS,
                            dont_filter=True,
                            meta={"query": query, "names": names, "ogrn": ogrn, "page": page, "code": code})

    async def parse(self, response: Response):
        answer = parse_answer(response)
        meta = response.meta
        subject, query, names, page = meta["subject"], meta["query"], meta["names"], meta["page"]
        if isinstance(answer, Captcha):
            if meta["code"]:
                raise SourceFailure("captcha: wrong answer (fssp.gov.ru asked again)")
            code = await asyncio.to_thread(
                answer_captcha, answer.image, answer.content_type, prefix=self.name,
                interactive=self.settings.getbool(INTERACTIVE_SETTING),
                question=f"fssp.gov.ru (enforcement proceedings) asks a captcha for result page {page}.")
            yield self.search(subject, query, names, page, code, ogrn=meta.get("ogrn"))
            return
        for found in answer.proceedings:
            match = next((m for m in (match_names(n, found["debtor"], id_a=meta.get("ogrn"),
                                                  id_b=found.get("debtor_ogrn")) for n in names) if m.same), None)
            if match:
                yield self.fact(response, "enforcement_proceeding", found["number"], **found,
                                searched_for=query, name_match=match.reason)
        if page < answer.pages:
            if page >= MAX_PAGES:
                raise SourceFailure(f"incomplete: read {MAX_PAGES} of {answer.pages} result pages "
                                    f"(each asks a captcha)")
            yield self.search(subject, query, names, page + 1, ogrn=meta.get("ogrn"))
