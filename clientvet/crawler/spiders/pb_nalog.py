"""Прозрачный бизнес — pb.nalog.ru: the tax service's status, liquidation and unreliable-data marks.

pb answers in two steps: the search returns a job id, then `method=get-response`
returns the rows (or a not-ready answer, polled a bounded number of times).
The search rows of companies carry `pr_liq` and `invalid`; sole traders' rows
carry neither. Tax debt, non-filing and mass-registration flags live only in the
company card behind the row's `token` (company-proc.json), which nobody here has
recorded (it answered 500 from non-Russian IPs), so this source does not read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import scrapy

from clientvet.crawler.base import BLOCK_STATUSES, SourceFailure, SourceSpider
from clientvet.crawler.items import Subject

BASE = "https://pb.nalog.ru"
SEARCH_URL = f"{BASE}/search-proc.json"
HEADERS = {"X-Requested-With": "XMLHttpRequest", "Referer": f"{BASE}/search.html",
           "Accept": "application/json, text/javascript, */*; q=0.01"}
MAX_POLLS = 10
# pb puts its refusals in ERRORS (with HTTP 400 or 429): error key → how the source failed.
ERROR_KEYS = {"pbSearchCaptcha": "captcha", "pbCaptcha": "captcha", "pbRateLimit": "rate limited"}
FLAG_VALUES = {"0": False, "1": True, 0: False, 1: True}  # 0.0 and 1.0 hash like 0 and 1


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


def iso_date(ddmmyyyy: str | None) -> str | None:
    return datetime.strptime(ddmmyyyy, "%d.%m.%Y").date().isoformat() if ddmmyyyy else None


def flag(row: dict, field: str) -> bool:
    value = row[field]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value in FLAG_VALUES:
        return FLAG_VALUES[value]
    raise SourceFailure(f"unparseable answer: pb.nalog.ru {field}={value!r} is not a 0/1 mark")


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
    name = "pb_nalog"
    jurisdiction = "RU"
    evidence = ("tax_risk_flags",)

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        mode = MODES["sole_trader" if subject.is_sole_trader else "company"]
        yield self.post(subject, {"mode": mode.mode, mode.query_field: subject.value}, self.parse_job,
                        meta={"mode": mode})

    def post(self, subject: Subject, form: dict, callback, meta: dict) -> scrapy.Request:
        # Refusals come with HTTP 400/429 and say why in the body: read it instead of dropping it.
        return self.request(subject, SEARCH_URL, callback, request_class=scrapy.FormRequest, formdata=form,
                            headers=HEADERS, dont_filter=True,
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
        return self.post(response.meta["subject"], {"id": job, "method": "get-response"}, self.parse_rows,
                         meta={"mode": response.meta["mode"], "job": job, "attempt": attempt})

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
        for row in rows:
            if subject.value in (row.get("inn"), row.get("ogrn")):
                yield self.row_fact(response, mode, row)

    def row_fact(self, response, mode: Mode, row: dict):
        missing = [field for field in mode.marks if field not in row]
        if missing:
            raise SourceFailure(f"unparseable answer: pb.nalog.ru row lacks {', '.join(missing)}")
        marks = {MARKS[field]: flag(row, field) for field in mode.marks}
        return self.fact(
            response, "tax_risk_flags", row.get("ogrn") or row["inn"],
            inn=row.get("inn"), ogrn=row.get("ogrn"), name=row.get("namep") or row.get("namec"),
            short_name=row.get("namec"), status=row.get("sulst_name_ex"), status_code=row.get("sulst_ex"),
            liquidation=marks.get("liquidation"), unreliable_data=marks.get("unreliable_data"),
            marks_reported=sorted(marks), registered_on=iso_date(row.get("dtreg") or row.get("dtogrn")),
            okved=row.get("okved2main") or row.get("okved2"),
            okved_name=row.get("okved2mainname") or row.get("okved2name"),
            region=row.get("regionname"), entity="company" if mode.bucket == "ul" else "sole_trader",
        )
