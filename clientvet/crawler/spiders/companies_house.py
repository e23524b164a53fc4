"""Companies House API: the UK registry card, officers, charges and insolvency cases."""

from __future__ import annotations

from typing import Iterator

import scrapy
from w3lib.http import basic_auth_header

from clientvet.crawler.base import ApiKey, SourceFailure, SourceSpider
from clientvet.crawler.items import Subject

BASE = "https://api.company-information.service.gov.uk"


def address_line(address: dict | None) -> str | None:
    parts = ("premises", "address_line_1", "address_line_2", "locality", "region", "postal_code", "country")
    return ", ".join(str(address[p]) for p in parts if address and address.get(p)) or None


class CompaniesHouseSpider(SourceSpider):
    name = "companies_house"
    jurisdiction = "GB"
    evidence = ("registry_record", "officer", "charge", "insolvency_case")
    essential = True
    api_key = ApiKey(env="COMPANIES_HOUSE_API_KEY", config="companies_house.api_key")
    # Companies House allows 600 requests per 5 minutes: stay far below it.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        number = subject.value
        for path, callback in (
            (f"/company/{number}", self.parse_profile),
            (f"/company/{number}/officers", self.parse_officers),
            (f"/company/{number}/charges", self.parse_charges),
            (f"/company/{number}/insolvency", self.parse_insolvency),
        ):
            yield self.api(subject, path, callback)

    def api(self, subject: Subject, path: str, callback) -> scrapy.Request:
        headers = {"Accept": "application/json"}
        if self.key:  # HTTP Basic: the key is the user name, the password is empty
            headers["Authorization"] = basic_auth_header(self.key, "")
        # 404 is an answer here: no such company, or no charges / insolvency case.
        return self.request(subject, BASE + path, callback, headers=headers,
                            meta={"handle_httpstatus_list": [404]})

    def parse_profile(self, response):
        if response.status == 404:
            return
        profile = self.json(response)
        if "company_number" not in profile:
            raise SourceFailure("unparseable answer: Companies House profile has no company_number")
        yield self.fact(
            response, "registry_record", profile["company_number"],
            name=profile.get("company_name"), company_number=profile["company_number"],
            status=profile.get("company_status"), status_detail=profile.get("company_status_detail"),
            type=profile.get("type"), registered_on=profile.get("date_of_creation"),
            ceased_on=profile.get("date_of_cessation"),
            has_insolvency_history=profile.get("has_insolvency_history"),
            has_been_liquidated=profile.get("has_been_liquidated"),
            has_charges=profile.get("has_charges"),
            accounts_overdue=(profile.get("accounts") or {}).get("overdue"),
            confirmation_statement_overdue=(profile.get("confirmation_statement") or {}).get("overdue"),
            sic_codes=profile.get("sic_codes") or [],
            address=address_line(profile.get("registered_office_address")),
            previous_names=[p.get("name") for p in profile.get("previous_company_names") or []],
            entity="company",
        )

    def parse_officers(self, response):
        if response.status == 404:
            return
        for officer in self.items(response):
            appointments = ((officer.get("links") or {}).get("officer") or {}).get("appointments")
            key = appointments or f"{officer.get('name')}:{officer.get('appointed_on')}"
            yield self.fact(
                response, "officer", f"{key}:{officer.get('officer_role')}",
                name=officer.get("name"), role=officer.get("officer_role"),
                appointed_on=officer.get("appointed_on"), resigned_on=officer.get("resigned_on"),
                active=not officer.get("resigned_on"), nationality=officer.get("nationality"),
                appointments_url=BASE + appointments if appointments else None,
            )

    def parse_charges(self, response):
        if response.status == 404:
            return
        for charge in self.items(response):
            yield self.fact(
                response, "charge", charge.get("charge_code") or str(charge.get("charge_number")),
                status=charge.get("status"), created_on=charge.get("created_on"),
                satisfied_on=charge.get("satisfied_on"),
                persons_entitled=[p.get("name") for p in charge.get("persons_entitled") or []],
                description=(charge.get("classification") or {}).get("description"),
            )

    def parse_insolvency(self, response):
        if response.status == 404:
            return
        answer = self.json(response)
        if "cases" not in answer:
            raise SourceFailure("unparseable answer: Companies House insolvency reply has no cases")
        for number, case in enumerate(answer["cases"], start=1):
            yield self.fact(
                response, "insolvency_case", str(case.get("number") or number),
                type=case.get("type"),
                dates={d.get("type"): d.get("date") for d in case.get("dates") or []},
                practitioners=[p.get("name") for p in case.get("practitioners") or []],
                company_status=answer.get("status"),
            )

    def items(self, response) -> list[dict]:
        answer = self.json(response)
        if "items" not in answer:
            raise SourceFailure(f"unparseable answer: no items in {response.url}")
        return answer["items"]
