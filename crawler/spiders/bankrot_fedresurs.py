"""ЕФРСБ — bankrot.fedresurs.ru: bankruptcy cases where the subject is the debtor."""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject

BASE = "https://bankrot.fedresurs.ru"
HEADERS = {"Referer": f"{BASE}/", "Accept": "application/json, text/plain, */*"}

# Stage of the last case → (stage in English, is the case still running). Matched on the
# code first, then on the Russian description; an unknown stage is kept and counted as running.
STAGES_BY_CODE = {
    "Watching": ("observation", True),
    "FinancialRecovery": ("financial recovery", True),
    "ExternalManagement": ("external management", True),
    "Tender": ("receivership", True),
    "ProceedingsStopped": ("terminated", False),
    "ProceedingsFinished": ("completed", False),
}
STAGES_BY_DESCRIPTION = {
    "наблюдение": ("observation", True),
    "финансовое оздоровление": ("financial recovery", True),
    "внешнее управление": ("external management", True),
    "конкурсное производство": ("receivership", True),
    "реструктуризация долгов": ("debt restructuring", True),
    "реализация имущества": ("sale of assets", True),
    "прекращено": ("terminated", False),
    "завершено": ("completed", False),
    "мировое соглашение": ("settlement", False),
}


def classify_stage(code: str | None, description: str | None) -> tuple[str, bool, bool]:
    """(stage, active, recognised)."""
    if code in STAGES_BY_CODE:
        return (*STAGES_BY_CODE[code], True)
    lowered = (description or "").lower()
    for phrase, (stage, active) in STAGES_BY_DESCRIPTION.items():
        if phrase in lowered:
            return stage, active, True
    return description or code or "unknown", True, False


class BankrotFedresursSpider(SourceSpider):
    name = "bankrot_fedresurs"
    jurisdiction = "RU"
    evidence = ("bankruptcy_case",)
    covers = ("bankruptcy",)
    # A debtor and the last of its cases; the arbitration manager's name is anonymised in the recordings.
    reads = {"bankruptcy_case": Reads("guid inn name status", ignored="address region statusUpdateDate"),
             "bankruptcy_case.lastLegalCase": Reads("number status.code status.description",
                                                    ignored="arbitrManagerFio")}
    counts = {"bankruptcy_case": (1, 1)}  # one debtor record per INN
    essential = True

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
                debtor_active=debtor.get("isActive"), debtor_category=debtor.get("category"),
                debtor_guid=debtor.get("guid"),
                url=f"{BASE}/bankrupts/{debtor['guid']}" if debtor.get("guid") else None,
            )
