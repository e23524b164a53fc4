"""ЕФРСБ — bankrot.fedresurs.ru: bankruptcy cases where the subject is the debtor."""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject

BASE = "https://bankrot.fedresurs.ru"
HEADERS = {"Referer": f"{BASE}/", "Accept": "application/json, text/plain, */*"}

# Stage of the last case → (stage in English, is the case still running), by its code first.
STAGES_BY_CODE = {
    "Watching": ("observation", True),
    "FinancialRecovery": ("financial recovery", True),
    "ExternalManagement": ("external management", True),
    "Tender": ("receivership", True),
    "ProceedingsStopped": ("terminated", False),
    "ProceedingsFinished": ("completed", False),
}
# The words of a stage in Russian text, as stems: a case's status says «Конкурсное производство», a
# register's status «…открыто конкурсное производство», a notice «…открытии конкурсного производства».
# The end of a case first, so «завершении конкурсного производства» is its end.
CASE_ENDS = ((r"заверш", "completed"), (r"прекращ", "terminated"), (r"миров\w* соглашени", "settlement"))
PROCEDURES = (
    (r"наблюдени", "observation"),
    (r"финансов\w* оздоровлени", "financial recovery"),
    (r"внешн\w* управлени", "external management"),
    (r"конкурсн\w* производств", "receivership"),
    (r"реструктуризаци\w* долгов", "debt restructuring"),
    (r"реализаци\w* имуществ", "sale of assets"),
)
# A register's status of a company that no longer exists (the ceased rule reads it), whatever it names.
CEASED = r"ликвидирован|исключен|прекращение деятельности|прекратило деятельность"


def stage_in(text: str | None) -> tuple[str, bool] | None:
    """(stage, running) that a Russian text names: a case's end, else a procedure; None when it names neither."""
    lowered = (text or "").lower()
    for pattern, stage in CASE_ENDS:
        if re.search(pattern, lowered):
            return stage, False
    return next(((stage, True) for pattern, stage in PROCEDURES if re.search(pattern, lowered)), None)


def running_procedure(status: str | None) -> str | None:
    """The bankruptcy procedure a register's status says the company is in, e.g. «…открыто конкурсное производство»."""
    if re.search(CEASED, (status or "").lower()):
        return None
    found = stage_in(status)
    return found[0] if found and found[1] else None


def classify_stage(code: str | None, description: str | None) -> tuple[str, bool, bool]:
    """(stage, active, recognised); an unknown stage is kept and counted as running."""
    if code in STAGES_BY_CODE:
        return (*STAGES_BY_CODE[code], True)
    if found := stage_in(description):
        return (*found, True)
    return description or code or "unknown", True, False


class BankrotFedresursSpider(SourceSpider):
    # A debtor and the last of its cases; the arbitration manager's name is anonymised in the recordings.
    reads = {"bankruptcy_case": Reads("guid inn name status", ignored="statusUpdateDate"),
             "bankruptcy_case.lastLegalCase": Reads("number status.code status.description",
                                                    ignored="arbitrManagerFio")}
    counts = {"bankruptcy_case": (1, 1)}  # one debtor record per INN

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        endpoint = "prsnbankrupts" if subject.is_sole_trader else "cmpbankrupts"
        query = urlencode({"searchString": subject.value, "isActiveLegalCase": "null",
                           "limit": 15, "offset": 0})
        yield self.request(subject, f"{BASE}/backend/{endpoint}?{query}", self.parse, headers=HEADERS)

    def parse(self, response):
        answer = self.json(response)
        if "pageData" not in answer:
            raise SourceFailure("unparseable answer: bankrot.fedresurs.ru reply has no pageData")
        if answer.get("total") and not answer["pageData"]:
            raise SourceFailure(f"layout changed ({answer['total']} debtors found, none listed)")
        subject = response.meta["subject"]
        # The search also matches other text; only the subject's own record is its bankruptcy.
        debtors = self.records(response, "bankruptcy_case", answer["pageData"], about=lambda debtor:
                               subject.value in (debtor.get("inn"), debtor.get("ogrn"), debtor.get("ogrnip")))
        for debtor in debtors:
            case = self.record(response, "bankruptcy_case.lastLegalCase", debtor["lastLegalCase"]) \
                if debtor.get("lastLegalCase") else {}
            status = case.get("status") or {}
            stage, active, recognised = classify_stage(status.get("code"), status.get("description"))
            yield self.fact(
                response, "bankruptcy_case", case.get("number") or debtor.get("guid"),
                case_number=case.get("number"), stage=stage, active=active,
                stage_recognised=recognised, stage_description=status.get("description"),
                stage_since=(status.get("date") or "")[:10] or None,
                debtor_name=debtor.get("name"), debtor_status=debtor.get("status"),
                debtor_procedure=running_procedure(debtor.get("status")),
                debtor_active=debtor.get("isActive"), debtor_category=debtor.get("category"),
                inn=debtor.get("inn"), ogrn=debtor.get("ogrn") or debtor.get("ogrnip"),
                address=debtor.get("address"), region=debtor.get("region"),
                debtor_guid=debtor.get("guid"),
                url=f"{BASE}/bankrupts/{debtor['guid']}" if debtor.get("guid") else None,
            )
