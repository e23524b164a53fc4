"""Прозрачный бизнес — pb.nalog.ru: the tax service's status marks and its company card's risk flags.

pb answers in two steps: the search returns a job id, then `method=get-response`
returns the rows (or a not-ready answer, polled a bounded number of times).
The search rows of companies carry `pr_liq`, `invalid` and the status wording (which
says when a reorganisation is under way); sole traders' rows carry none of them.
Tax debt over 1,000 roubles (`vyp.pr_zd`), no tax reports for over a year (`vyp.pr_otch`),
fines for tax offences (`offense`), other companies at the same address (`masaddress`)
and heads or founders of many companies (`vyp.masruk` / `vyp.masuchr` with `cnt`) live
in the company card behind the row's `token`: `company-proc.json` with
`method=get-request` gives a new token and a job id, and `method=get-response` with both
gives the card. The shared recordings hold no card (it answered 500 from non-Russian
IPs, and their row tokens are anonymised), so a replay of them reports the card request
as unrecorded: the source failed, it did not find a clean card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

import scrapy

from clientvet.crawler.base import BLOCK_STATUSES, SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject
from clientvet.evidence.parsing import iso_date, money

BASE = "https://pb.nalog.ru"
SEARCH_URL = f"{BASE}/search-proc.json"
CARD_URL = f"{BASE}/company-proc.json"
HEADERS = {"X-Requested-With": "XMLHttpRequest", "Referer": f"{BASE}/search.html",
           "Accept": "application/json, text/javascript, */*; q=0.01"}
MAX_POLLS = 10
# pb puts its refusals in ERRORS (with HTTP 400 or 429): error key → how the source failed.
ERROR_KEYS = {"pbSearchCaptcha": "captcha", "pbCaptcha": "captcha", "pbRateLimit": "rate limited"}
FLAG_VALUES = {"0": False, "1": True, 0: False, 1: True}  # 0.0 and 1.0 hash like 0 and 1
# Status wording (row `sulst_name_ex`, card `vyp.НаимСтатусЮЛ`) that means a reorganisation is under way.
REORGANISATION = re.compile(r"реорганизац", re.IGNORECASE)


@dataclass(frozen=True)
class Mode:
    mode: str
    query_field: str
    bucket: str  # the key of the answer that holds the rows
    marks: tuple[str, ...]  # flag fields every row of this mode must carry


MODES = {
    "company": Mode("search-ul", "queryUl", "ul", marks=("pr_liq", "invalid")),
    "sole_trader": Mode("search-ip", "queryIp", "ip", marks=()),
}
# Row flag field → fact field.
MARKS = {"pr_liq": "liquidation", "invalid": "unreliable_data"}
# Card flag field (in `vyp`) → fact field.
CARD_MARKS = {"pr_zd": "tax_debt", "pr_otch": "reports_missing", "invalid": "unreliable_data"}
SAME_ADDRESS_SAMPLE = 5  # other companies at the address kept by name; all are counted


def flag(row: dict, field: str) -> bool:
    value = row[field]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value in FLAG_VALUES:
        return FLAG_VALUES[value]
    raise SourceFailure(f"unparseable answer: pb.nalog.ru {field}={value!r} is not a 0/1 mark")


def number(value: Any, field: str) -> float | None:
    """pb sends numbers as strings or floats ("1520.5", 14.0); anything else is a changed format."""
    if value in (None, ""):
        return None
    try:
        return money(value)
    except ValueError:
        raise SourceFailure(f"unparseable answer: pb.nalog.ru {field}={value!r} is not a number") from None


def reorganising(status: str | None) -> bool | None:
    return bool(REORGANISATION.search(status)) if status else None


def listed(card: dict, field: str) -> list[dict]:
    """A list of records in the card, without pb's `{"empty": true}` placeholders."""
    value = card.get(field) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SourceFailure(f"unparseable answer: pb.nalog.ru card {field} is not a list of records")
    return [item for item in value if not item.get("empty")]


def people(vyp: dict, field: str) -> list[dict]:
    """Heads (`masruk`) or founders (`masuchr`), each with how many companies pb counts for them."""
    return [{"name": p.get("name"), "position": p.get("position"),
             "companies": int(number(p.get("cnt"), f"{field}.cnt") or 0)} for p in listed(vyp, field)]


def parse_card(card: object, inn: str) -> dict[str, Any]:
    """The risk flags of one company card; a card of another company or of an unknown shape fails."""
    vyp = card.get("vyp") if isinstance(card, dict) else None
    if not isinstance(vyp, dict):
        raise SourceFailure("unparseable answer: pb.nalog.ru card has no vyp")
    if vyp.get("ИНН") and vyp["ИНН"] != inn:
        raise SourceFailure(f"unparseable answer: pb.nalog.ru card is of INN {vyp['ИНН']}, not {inn}")
    marks = {name: flag(vyp, field) for field, name in CARD_MARKS.items() if field in vyp}
    if not marks.keys() & {"tax_debt", "reports_missing"} and "masaddress" not in card:
        raise SourceFailure("unparseable answer: pb.nalog.ru card carries none of pr_zd, pr_otch, masaddress")
    neighbours = listed(card, "masaddress")
    status = vyp.get("НаимСтатусЮЛ")
    person = " ".join(filter(None, (vyp.get("Фамилия"), vyp.get("Имя"), vyp.get("Отчество"))))
    ogrns, names = (vyp.get("ОГРН"), vyp.get("ОГРНИП")), (vyp.get("НаимЮЛСокр"), vyp.get("НаимЮЛПолн"), person)
    return {
        "inn": vyp.get("ИНН") or inn, "ogrn": next(filter(None, ogrns), None),
        "name": next(filter(None, names), None),
        **{name: marks.get(name) for name in CARD_MARKS.values()}, "marks_reported": sorted(marks),
        "arrears_rub": number(vyp.get("totalarrearsum"), "totalarrearsum"),
        "same_address_companies": len(neighbours) if "masaddress" in card else None,
        "same_address_sample": [{"inn": n.get("massinn"), "name": next(filter(None, (n.get("massnamec"),
                                                                                 n.get("massnamep"))), None)}
                                for n in neighbours[:SAME_ADDRESS_SAMPLE]],
        "heads": people(vyp, "masruk"), "founders": people(vyp, "masuchr"),
        "tax_offence_fines": [{"year": int(number(o.get("yearcode"), "offense.yearcode") or 0),
                               "fine_rub": number(o.get("offensesum"), "offense.offensesum")}
                              for o in listed(card, "offense")],
        "liquidated": bool(card.get("liquidated")),
        "status_detail": status, "status_since": iso_date(vyp.get("ДатаСтатусЮЛ")),
        "reorganisation": reorganising(status),
    }


def not_ready(answer: object) -> bool:
    """pb's clients have seen `null`, `{}` and `{"status": "wait"}` while the job runs."""
    return answer in (None, {}) or (isinstance(answer, dict) and answer.get("status") == "wait")


def refusal(answer: object) -> SourceFailure | None:
    """The failure a captcha, rate limit or other ERRORS answer means, if it is one."""
    if not isinstance(answer, dict):
        return None
    if answer.get("captchaRequired"):
        return SourceFailure("captcha: pb.nalog.ru asks for a captcha (captchaRequired)")
    errors = answer.get("ERRORS")
    if not errors:
        return None
    for key in errors:
        if key in ERROR_KEYS:
            return SourceFailure(f"{ERROR_KEYS[key]}: pb.nalog.ru answered ERRORS.{key}")
    return SourceFailure(f"unparseable answer: pb.nalog.ru answered ERRORS {sorted(errors)}")


class PbNalogSpider(SourceSpider):
    # A search row (the marks of its mode are checked by the mode) and the company card (the card's shape
    # follows the hand-made one: a real card's other fields will show as unread).
    reads = {
        "tax_risk_flags": Reads("inn ogrn token",
                                ignored="egrulurl gosregurl okopf12 okved2dolya okved2dolyaname okved2maintype "
                                        "periodcode pr_sipst predo puchdocurl rsmppdf yearcode"),
        "tax_card": Reads(ignored="activeAppeals arrear form1 is_p is_p_arrear is_p_offense is_p_ruk is_p_uchr sschr "
                                  "taxpay type vestnik vyp.Адрес vyp.ДатаОГРН vyp.КПП vyp.КодОКВЭД vyp.НаимОКВЭД "
                                  "vyp.СумКап vyp.arrear_periodcode vyp.arrear_yearcode vyp.hastaxmode "
                                  "vyp.masrukinvalid vyp.masuchrinvalid vyp.pr_otch_zd_date vyp.rsmpcategory "
                                  "vyp.sulst_ex vyp.sulst_name_ex vyp.usn"),
    }
    counts = {"tax_risk_flags": (1, 1), "tax_card": (1, 1)}

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        mode = MODES["sole_trader" if subject.is_sole_trader else "company"]
        yield self.post(subject, SEARCH_URL, {"mode": mode.mode, mode.query_field: subject.value}, self.parse_job,
                        meta={"mode": mode})

    def post(self, subject: Subject, url: str, form: dict, callback, meta: dict,
             referer: str = HEADERS["Referer"]) -> scrapy.Request:
        # Refusals come with HTTP 400/429 and say why in the body: read it instead of dropping it.
        return self.request(subject, url, callback, request_class=scrapy.FormRequest, formdata=form,
                            headers={**HEADERS, "Referer": referer}, dont_filter=True,
                            meta={**meta, "handle_httpstatus_list": [400, 429]})

    def answer(self, response) -> object:
        answer = self.json(response)
        failure = refusal(answer)
        if failure:
            raise failure
        if response.status >= 400:
            label = BLOCK_STATUSES.get(response.status, "HTTP error")
            raise SourceFailure(f"{label}: HTTP {response.status} from {response.url}")
        return answer

    def parse_job(self, response):
        answer = self.answer(response)
        job = answer.get("id") if isinstance(answer, dict) else None
        if not job:
            raise SourceFailure("unparseable answer: pb.nalog.ru search gave no job id")
        yield self.poll(response, job, attempt=1)

    def poll(self, response, job: str, attempt: int) -> scrapy.Request:
        return self.post(response.meta["subject"], SEARCH_URL, {"id": job, "method": "get-response"},
                         self.parse_rows, meta={"mode": response.meta["mode"], "job": job, "attempt": attempt})

    def parse_rows(self, response):
        answer = self.answer(response)
        if not_ready(answer):
            if response.meta["attempt"] >= MAX_POLLS:
                raise SourceFailure(f"timeout: pb.nalog.ru not ready after {MAX_POLLS} polls")
            yield self.poll(response, response.meta["job"], response.meta["attempt"] + 1)
            return
        mode: Mode = response.meta["mode"]
        rows = (answer.get(mode.bucket) or {}).get("data") if isinstance(answer, dict) else None
        if not isinstance(rows, list):
            raise SourceFailure(f"unparseable answer: pb.nalog.ru answer has no {mode.bucket}.data rows")
        subject = response.meta["subject"]
        for row in self.records(response, "tax_risk_flags", rows,
                                about=lambda row: subject.value in (row["inn"], row["ogrn"])):
            yield self.row_fact(response, mode, row)
            if not row["token"]:
                raise SourceFailure("layout changed (a pb.nalog.ru row without a token for the company card)")
            yield self.post(subject, CARD_URL, {"token": row["token"], "method": "get-request"},
                            self.parse_card_job, meta={"inn": row["inn"]},
                            referer=f"{BASE}/company.html?token={row['token']}")

    def row_fact(self, response, mode: Mode, row: dict):
        missing = [field for field in mode.marks if field not in row]
        if missing:
            raise SourceFailure(f"layout changed (pb.nalog.ru row lacks {', '.join(missing)})")
        marks = {MARKS[field]: flag(row, field) for field in mode.marks}
        return self.fact(
            response, "tax_risk_flags", row.get("ogrn") or row["inn"],
            inn=row.get("inn"), ogrn=row.get("ogrn"), name=row.get("namep") or row.get("namec"),
            short_name=row.get("namec"), status=row.get("sulst_name_ex"), status_code=row.get("sulst_ex"),
            liquidation=marks.get("liquidation"), unreliable_data=marks.get("unreliable_data"),
            reorganisation=reorganising(row.get("sulst_name_ex")),
            marks_reported=sorted(marks), registered_on=iso_date(row.first("dtreg", "dtogrn")),
            okved=row.first("okved2main", "okved2"), okved_name=row.first("okved2mainname", "okved2name"),
            region=row.get("regionname"), entity="company" if mode.bucket == "ul" else "sole_trader",
        )

    def parse_card_job(self, response):
        """get-request answers a new token and a job id; the card is then polled with both."""
        answer = self.answer(response)
        job = answer if isinstance(answer, dict) and answer.get("id") and answer.get("token") else None
        if not job:
            raise SourceFailure("unparseable answer: pb.nalog.ru card request gave no token and id")
        yield self.card_poll(response, job["token"], job["id"], attempt=1)

    def card_poll(self, response, token: str, job: str, attempt: int) -> scrapy.Request:
        return self.post(response.meta["subject"], CARD_URL, {"token": token, "id": job, "method": "get-response"},
                         self.parse_card, meta={"inn": response.meta["inn"], "card": (token, job), "attempt": attempt},
                         referer=response.request.headers.get("Referer", b"").decode() or HEADERS["Referer"])

    def parse_card(self, response):
        answer = self.answer(response)
        if not_ready(answer):
            if response.meta["attempt"] >= MAX_POLLS:
                raise SourceFailure(f"timeout: pb.nalog.ru card not ready after {MAX_POLLS} polls")
            yield self.card_poll(response, *response.meta["card"], attempt=response.meta["attempt"] + 1)
            return
        card = parse_card(self.record(response, "tax_card", answer) if isinstance(answer, dict) else answer,
                          response.meta["inn"])
        yield self.fact(response, "tax_card", card["ogrn"] or card["inn"], **card)
