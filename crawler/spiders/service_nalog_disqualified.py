"""Реестр дисквалифицированных лиц — service.nalog.ru: is the company's head barred from managing it?

The register is searchable by a person's name only, so the source runs after
egrul and searches every current head it stored (a sole trader: the trader's
own name). Rows are kept only when the full name is the searched one; whether
that person is really the company's head (same organisation, or only the same
name) is decided by the rules, which see the registry record too.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject
from clientvet.evidence.parsing import iso_date
from clientvet.evidence.store import Observation

BASE = "https://service.nalog.ru"
SEARCH_URL = f"{BASE}/disqualified-proc.json"
HEADERS = {"X-Requested-With": "XMLHttpRequest", "Referer": f"{BASE}/disqualified.do",
           "Accept": "application/json, text/javascript, */*; q=0.01"}
PAGE_SIZE = 25
MAX_PAGES = 4  # 100 records of one exact full name would be a format change, not a namesake crowd
# The open-data register has the organisation's INN; the JSON records seen so far do not.
# Field names that would carry it (unverified): a person's own INN must never count here.
ORG_INN_FIELDS = ("ИННОрг", "ИННЮЛ")
SOLE_TRADER_PREFIXES = ("ИНДИВИДУАЛЬНЫЙ ПРЕДПРИНИМАТЕЛЬ ", "ИП ")
NO_NAME = "no director name from the registry"


def person_key(name: str) -> str:
    """Names compare in upper case, with Ё as Е and single spaces (the register writes both ways)."""
    return " ".join(name.upper().replace("Ё", "Е").split())


def people_to_search(observations: Iterable[Observation], sole_trader: bool) -> list[tuple[str, str]]:
    """(name, role) of everyone to look up: current heads, or the sole trader himself."""
    observations = list(observations)
    if sole_trader:
        records = [o for o in observations if o.kind == "registry_record" and o.source == "egrul"]
        live = [r for r in records if r.data.get("status") != "ceased"] or records
        people = []
        for record in live:
            name = record.data.get("name") or ""
            prefix = next((p for p in SOLE_TRADER_PREFIXES if name.upper().startswith(p)), "")
            people.append((name[len(prefix):].strip(), "sole trader"))
    else:
        people = [(o.data["name"], o.data["role"]) for o in observations
                  if o.kind == "officer" and o.source == "egrul" and o.data.get("active", True)]
    unique: dict[str, tuple[str, str]] = {}
    for name, role in people:
        if name.strip():
            unique.setdefault(person_key(name), (name, role))
    return list(unique.values())


def organisation_inn(row: dict) -> str | None:
    return next((str(row[field]) for field in ORG_INN_FIELDS if row.get(field)), None)


class ServiceNalogDisqualifiedSpider(SourceSpider):
    # Fields every record fills; the organisation's INN is read when a record has one. Paging and the
    # place of birth are not kept.
    reads = {"disqualification": Reads("ФИО НаимОрг ДатаНачДискв ДатаКонДискв",
                                       ignored="ROW_NUM row_cnt ДатаФорм КолЗап МестоРожд")}

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        people = people_to_search(self.store.observations(subject.check_id), subject.is_sole_trader)
        if not people:
            self.ledger.skip(subject, NO_NAME)
            return
        for name, role in people:
            yield self.search(subject, name, role)

    def search(self, subject: Subject, name: str, role: str, page: int = 1) -> scrapy.Request:
        form = {"query": " ".join(name.upper().split()), "page": str(page), "pageSize": str(PAGE_SIZE),
                "m": "", "fam": "", "nam": "", "otch": "", "bd": "", "bp": ""}
        return self.request(subject, SEARCH_URL, self.parse, request_class=scrapy.FormRequest, formdata=form,
                            headers=HEADERS, dont_filter=True, meta={"person": name, "role": role, "page": page})

    def parse(self, response):
        answer = self.json(response)
        if not isinstance(answer, dict):
            raise SourceFailure("unparseable answer: service.nalog.ru answer is not an object")
        if answer.get("captchaRequired") or any("captcha" in k.lower() for k in answer.get("ERRORS") or {}):
            raise SourceFailure("captcha: service.nalog.ru asks for a captcha")
        if answer.get("ERRORS"):
            raise SourceFailure(f"unparseable answer: service.nalog.ru answered ERRORS {sorted(answer['ERRORS'])}")
        rows = answer.get("data")
        if not isinstance(rows, list):
            raise SourceFailure("unparseable answer: service.nalog.ru answer has no data list")
        person, role, page = response.meta["person"], response.meta["role"], response.meta["page"]
        for row in self.checked("disqualification", rows):
            missing = [field for field in self.reads["disqualification"].required if not row[field]]
            if missing:
                raise SourceFailure(f"layout changed (disqualification record leaves {', '.join(missing)} empty)")
        # The search also matches parts of names.
        for row in self.records(response, "disqualification", rows,
                                about=lambda row: person_key(row["ФИО"]) == person_key(person)):
            yield self.fact(
                response, "disqualification", row.get("НомЗап") or f"{row['ФИО']}:{row['ДатаНачДискв']}",
                person=row["ФИО"], searched_for=person, searched_role=role,
                birth_date=iso_date(row.get("ДатаРожд")), organisation=row["НаимОрг"],
                organisation_inn=organisation_inn(row), position=row.get("Должность"),
                offence=row.get("КвалификацияТекст"), authority=row.get("НаимОргПрот"),
                judge=" ".join(filter(None, (row.get("ДолжностьСуд"), row.get("ФИОСуд")))) or None,
                term=row.get("ДисквСрок"), starts=iso_date(row["ДатаНачДискв"]),
                ends=iso_date(row["ДатаКонДискв"]), register_number=row.get("НомЗап"),
            )
        pages = answer.get("pageCount") or 1
        if page < pages:
            if page >= MAX_PAGES:
                raise SourceFailure(f"unparseable answer: {answer.get('rowCount')} records for {person}, "
                                    f"more than {MAX_PAGES} pages")
            yield self.search(response.meta["subject"], person, role, page + 1)
