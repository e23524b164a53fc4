"""Bank of Russia warning list — cbr.ru: companies with signs of illegal activity on financial markets.

The list is one large file (about 27 thousand records, 11 MB in 2026) and is
matched by exact INN, so it is fetched and indexed once per crawl and every
subject is looked up in it. Only about one record in nine carries an INN, so
"not listed" means "not listed under this INN". A record whose comment says the
company's details are used by someone else marks the company as impersonated,
not as the offender.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Iterator

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject

LIST_URL = "https://www.cbr.ru/inside/warning-list/black-list-json"
HEADERS = {"Accept": "application/json"}
# Phrase of the Bank's comment → what the record says about the INN's owner.
COMMENT_MEANINGS = {"использует данные легального участника": "impersonated"}
SIGN_SEPARATOR = re.compile(r",\s*(?=Признак)")
COMPANIES_ONLY = "the warning list gives INNs of companies only, none of sole traders"


def list_records(answer: object) -> list:
    """The records of the list, or a SourceFailure when the file is not the list we know."""
    records = answer.get("RC") if isinstance(answer, dict) else None
    if not isinstance(records, list) or not records:
        raise SourceFailure("unparseable answer: the warning list has no RC records")
    return records


def inn_of(record: dict) -> str:
    return (record["INN"] or "").strip()


def meaning(comment: str | None) -> str:
    lowered = (comment or "").lower()
    return next((m for phrase, m in COMMENT_MEANINGS.items() if phrase in lowered), "listed")


class CbrWarningSpider(SourceSpider):
    # Keys every record has (values may be null); a missing key would silently read as "no INN".
    reads = {"warning_list_entry": Reads("Id DT Name INN Sign Closed Comment")}
    answer_cap_mb = 64  # the whole list: 11 MB in 2026
    answers_each_subject = False  # the one list answers them all

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inns: dict[Subject, str] = {}
        self.owner: Subject | None = None  # the subject the one list request is charged to

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        # One request serves every subject: plan it once, when the first subject starts.
        if subject != self.subjects[0]:
            return
        for each in self.subjects:
            inn = self.inn_for(each)
            if inn:
                self.inns[each] = inn
            else:
                self.ledger.skip(each, "no INN: the registry did not give one")
        if self.inns:
            self.owner = next(iter(self.inns))
            yield self.request(self.owner, LIST_URL, self.parse, headers=HEADERS)

    def inn_for(self, subject: Subject) -> str | None:
        if subject.scheme == "inn":
            return subject.value
        records = [o for o in self.store.observations(subject.check_id) if o.kind == "registry_record"]
        return next((r.data["inn"] for r in records if r.data.get("inn")), None)

    def parse(self, response):
        records = self.checked("warning_list_entry", list_records(self.json(response)))
        if not any(inn_of(record) for record in records):
            raise SourceFailure("layout changed (no record of the warning list carries an INN)")
        listed: dict[str, list[dict]] = defaultdict(list)
        for record in records:
            if inn_of(record):
                listed[inn_of(record)].append(record)
        traders_listed = any(len(inn) == 12 for inn in listed)
        for subject, inn in self.inns.items():
            if len(inn) == 12 and not traders_listed:
                self.ledger.skip(subject, COMPANIES_ONLY)
                continue
            tally = self.ledger.tally(subject)
            for record in (tally.record("warning_list_entry", raw) for raw in listed.get(inn, ())):
                fact = self.fact(
                    response, "warning_list_entry", record["Id"],
                    name=record["Name"], inn=inn_of(record), listed_on=record["DT"],
                    signs=[s.strip() for s in SIGN_SEPARATOR.split(record["Sign"] or "") if s.strip()],
                    meaning=meaning(record["Comment"]), comment=record["Comment"] or None,
                    closed=bool(record["Closed"]), org_type=record.get("OrgType"), site=record.get("Site"),
                    address=record.get("ADDR"), updated=record.get("DateUpdate"),
                )
                yield replace(fact, subject=subject)

    def closed(self, reason: str) -> None:
        """Every subject waited on the one list request, so its failures are theirs too."""
        if self.owner is not None:
            for subject in self.inns:
                for failure in self.ledger.states[self.owner].failures:
                    self.ledger.fail(subject, failure)
        super().closed(reason)
