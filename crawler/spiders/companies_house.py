"""Companies House API: the UK registry card, officers and their other appointments, persons with
significant control, charges, insolvency cases and the filings that matter (name, office, strike-off).

The API allows 600 requests per 5 minutes (the entry's two at once, a second apart, stay at that pace)
and reports the remaining budget in every answer's headers; `RateLimitBudget` holds requests back when the budget runs low instead of running into 429.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Iterator
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.settings import BaseSettings
from w3lib.http import basic_auth_header

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject

BASE = "https://api.company-information.service.gov.uk"
logger = logging.getLogger(__name__)

# Officers whose other appointments are looked up: the people who run the company, not secretaries.
DIRECTOR_ROLES = frozenset({
    "director", "corporate-director", "nominee-director", "corporate-nominee-director",
    "llp-member", "llp-designated-member", "corporate-llp-member", "corporate-llp-designated-member",
})
MAX_DIRECTORS_FOLLOWED = 10  # a board larger than this is a listed group, not a phoenix; spare the budget

# Filing-history descriptions (Companies House api-enumerations) → the event a rule reads.
# Both spellings of "compulsory" occur in the enumeration.
FILING_EVENTS = {
    "certificate-change-of-name-company": "change_of_name",
    "gazette-notice-compulsory": "strike_off_notice",
    "gazette-notice-compulsary": "strike_off_notice",
    "gazette-notice-voluntary": "voluntary_strike_off_notice",
    "gazette-filings-brought-up-to-date": "strike_off_discontinued",
    "dissolution-voluntary-strike-off-suspended": "strike_off_suspended",
}
FILING_EVENT_PREFIXES = {"change-registered-office-address": "registered_office_change"}


def address_line(address: dict | None) -> str | None:
    parts = ("premises", "address_line_1", "address_line_2", "locality", "region", "postal_code", "country")
    return ", ".join(" ".join(str(address[p]).split()) for p in parts if address and address.get(p)) or None


def filing_event(filing: dict) -> str | None:
    description = filing.get("description") or ""
    if description in FILING_EVENTS:
        return FILING_EVENTS[description]
    return next((event for prefix, event in FILING_EVENT_PREFIXES.items() if description.startswith(prefix)), None)


# --- name search (for `check --name`) ------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One company a name search found, for the user to pick from."""

    company_number: str
    name: str | None  # the search index sometimes has no title for a hit
    status: str | None
    address: str | None
    date_of_creation: str | None


def search_url(name: str, items_per_page: int = 100) -> str:
    return f"{BASE}/search/companies?" + urlencode({"q": name, "items_per_page": items_per_page})


def search_candidates(answer: dict) -> list[Candidate]:
    """The company hits of a /search/companies answer (officers and disqualifications are skipped)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        raise SourceFailure("unparseable answer: Companies House search has no items")
    candidates = []
    for item in answer["items"]:
        if item.get("kind", "searchresults#company") != "searchresults#company" or not item.get("company_number"):
            continue
        title = item.get("title")
        candidates.append(Candidate(
            company_number=item["company_number"],
            name=" ".join(title.split()) if title else None,  # the index pads "YOU  LIMITED"
            status=item.get("company_status"),
            address=" ".join(item["address_snippet"].split()) if item.get("address_snippet")
            else address_line(item.get("address")),
            date_of_creation=item.get("date_of_creation"),
        ))
    return candidates


# --- rate limit -----------------------------------------------------------------------


class RateLimitBudget:
    """Hold requests back until the window resets when few of the 600 per 5 minutes are left."""

    LOW = 20  # requests kept in hand: two run at once, and other tools may share the key
    WINDOW = 300.0

    def __init__(self, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep):
        self.clock, self.sleep = clock, sleep
        self.remaining: int | None = None
        self.resets_at: float | None = None

    async def process_request(self, request: scrapy.Request) -> None:
        wait = self.wait_seconds()
        if wait > 0:
            logger.warning("Companies House rate limit: %s requests left, waiting %.0f s", self.remaining, wait)
            await self.sleep(wait)
            self.remaining = None
        return None

    def process_response(self, request: scrapy.Request, response: Response) -> Response:
        remaining = _header_number(response, "X-Ratelimit-Remain")
        if response.status == 429 and remaining is None:
            remaining = 0
        if remaining is not None:
            self.remaining = remaining
            reset = _header_number(response, "X-Ratelimit-Reset")
            # An epoch second as documented; a small number would be seconds from now.
            self.resets_at = None if reset is None else reset if reset > 10**9 else self.clock() + reset
        return response

    def wait_seconds(self) -> float:
        if self.remaining is None or self.remaining > self.LOW:
            return 0.0
        if self.resets_at is None:
            return self.WINDOW
        return min(max(self.resets_at - self.clock(), 0.0) + 1.0, self.WINDOW)


def _header_number(response: Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value.decode("latin-1").strip()) if value is not None else None
    except ValueError:
        return None


# --- the source -------------------------------------------------------------------------


class CompaniesHouseSpider(SourceSpider):
    # Per record: the fields every one carries, and what is left unread on purpose (personal details of
    # officers, links, paging, due dates the rules do not judge).
    reads = {
        "registry_record": Reads(
            "company_number company_name company_status type date_of_creation",
            ignored="accounts.accounting_reference_date accounts.last_accounts accounts.next_accounts "
                    "accounts.next_due accounts.next_made_up_to can_file confirmation_statement.last_made_up_to "
                    "confirmation_statement.next_due confirmation_statement.next_made_up_to etag "
                    "has_super_secure_pscs jurisdiction last_full_members_list_date links "
                    "previous_company_names.ceased_on previous_company_names.effective_from "
                    "registered_office_is_in_dispute status undeliverable_registered_office_address"),
        "officer": Reads("name officer_role", ignored="address country_of_residence date_of_birth occupation"),
        "officer_appointments": Reads("total_results items",
                                      ignored="items date_of_birth etag items_per_page kind links start_index"),
        "appointment": Reads("appointed_to.company_number officer_role",
                             ignored="address country_of_residence links name name_elements nationality occupation"),
        "psc": Reads("kind", ignored="address country_of_residence date_of_birth etag identification name_elements "
                                     "nationality"),
        "psc_register": Reads("items", ignored="items items_per_page links.self start_index"),
        "charge": Reads("status", ignored="classification.type delivered_on etag links particulars secured_details "
                                          "transactions"),
        "insolvency_case": Reads("type"),
        "filing": Reads("transaction_id date description type",
                        ignored="action_date associated_filings barcode category description_values.change_date "
                                "links.document_metadata pages paper_filed resolutions subcategory"),
    }
    counts = {"registry_record": (1, 1), "psc_register": (0, 1)}  # one profile, one PSC register

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", RateLimitBudget, 900)

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        number = subject.value
        for path, callback in (
            (f"/company/{number}", self.parse_profile),
            (f"/company/{number}/officers", self.parse_officers),
            (f"/company/{number}/persons-with-significant-control", self.parse_psc),
            (f"/company/{number}/charges", self.parse_charges),
            (f"/company/{number}/insolvency", self.parse_insolvency),
            (f"/company/{number}/filing-history", self.parse_filing_history),
        ):
            yield self.api(subject, path, callback)

    def api(self, subject: Subject, path: str, callback, **kwargs) -> scrapy.Request:
        headers = {"Accept": "application/json"}
        if self.key:  # HTTP Basic: the key is the user name, the password is empty
            headers["Authorization"] = basic_auth_header(self.key, "")
        # 404 is an answer here: no such company, or no charges / insolvency case / PSC.
        return self.request(subject, BASE + path, callback, headers=headers,
                            meta={"handle_httpstatus_list": [404]}, **kwargs)

    def parse_profile(self, response):
        if response.status == 404:
            return
        profile = self.record(response, "registry_record", self.json(response))
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
        followed: set[str] = set()
        for officer in self.records(response, "officer", self.items(response)):
            appointments = ((officer.get("links") or {}).get("officer") or {}).get("appointments")
            key = appointments or f"{officer.get('name')}:{officer.get('appointed_on')}"
            active = not officer.get("resigned_on")
            yield self.fact(
                response, "officer", f"{key}:{officer.get('officer_role')}",
                name=officer.get("name"), role=officer.get("officer_role"),
                appointed_on=officer.get("appointed_on"), resigned_on=officer.get("resigned_on"),
                active=active, nationality=officer.get("nationality"),
                appointments_url=BASE + appointments if appointments else None,
            )
            if (active and appointments and officer.get("officer_role") in DIRECTOR_ROLES
                    and appointments.startswith("/officers/") and appointments not in followed
                    and len(followed) < MAX_DIRECTORS_FOLLOWED):
                followed.add(appointments)
                # dont_filter: the same director may run several of the companies checked in one run
                yield self.api(response.meta["subject"], appointments, self.parse_appointments, dont_filter=True)

    def parse_appointments(self, response):
        """A director's appointments at all companies, each with the company's status (the first page)."""
        if response.status == 404:
            return
        answer = self.json(response)
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list) or "total_results" not in answer:
            raise SourceFailure(f"unparseable answer: no appointments list in {response.url}")
        answer = self.record(response, "officer_appointments", answer)
        companies = [{
            "company_number": (item.get("appointed_to") or {}).get("company_number"),
            "company_name": (item.get("appointed_to") or {}).get("company_name"),
            "company_status": (item.get("appointed_to") or {}).get("company_status"),
            "role": item.get("officer_role"), "appointed_on": item.get("appointed_on"),
            "resigned_on": item.get("resigned_on"),
        } for item in self.records(response, "appointment", items)]
        officer_id = response.url.rstrip("/").split("/")[-2]
        yield self.fact(
            response, "officer_appointments", officer_id,
            name=answer.get("name"), total=answer["total_results"], read=len(companies),
            current=sum(1 for c in companies if not c["resigned_on"]),
            is_corporate_officer=answer.get("is_corporate_officer"), companies=companies,
        )

    def parse_psc(self, response):
        """Every person with significant control, and a summary the rules read (404: none registered)."""
        if response.status == 404:
            return
        raw = self.json(response)
        items = self.records(response, "psc", items_of(raw, response.url))
        answer = self.record(response, "psc_register", raw)
        for person in items:
            key = ((person.get("links") or {}).get("self") or "").rsplit("/", 1)[-1] \
                or f"{person.get('name')}:{person.get('notified_on')}"
            yield self.fact(
                response, "psc", key, name=person.get("name"), type=person.get("kind"),
                notified_on=person.get("notified_on"), ceased_on=person.get("ceased_on"),
                active=not person.get("ceased_on") and not person.get("ceased"),
                natures_of_control=person.get("natures_of_control") or [],
            )
        active = answer.get("active_count")
        if active is None:
            active = sum(1 for p in items if not p.get("ceased_on") and not p.get("ceased"))
        yield self.fact(
            response, "psc_register", response.meta["subject"].value,
            active_count=active, ceased_count=answer.get("ceased_count"), total=answer.get("total_results"),
            statements_url=((answer.get("links") or {}).get("persons_with_significant_control_statements")),
        )

    def parse_charges(self, response):
        if response.status == 404:
            return
        for charge in self.records(response, "charge", self.items(response)):
            yield self.fact(
                response, "charge", str(charge.first("charge_code", "charge_number")),
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
        for number, case in enumerate(self.records(response, "insolvency_case", answer["cases"]), start=1):
            yield self.fact(
                response, "insolvency_case", str(case.get("number") or number),
                type=case.get("type"),
                dates={d.get("type"): d.get("date") for d in case.get("dates") or []},
                practitioners=[p.get("name") for p in case.get("practitioners") or []],
                company_status=answer.get("status"),
            )

    def parse_filing_history(self, response):
        """The latest page of filings, kept where they mean something: name, office, strike-off."""
        if response.status == 404:
            return
        for filing in self.records(response, "filing", self.items(response), about=filing_event):
            event = filing_event(filing)
            values = filing.get("description_values") or {}
            link = ((filing.get("links") or {}).get("self") or "").rsplit("/", 1)[-1]
            yield self.fact(
                response, "filing", filing.get("transaction_id") or link or f"{filing.get('type')}:{filing.get('date')}",
                event=event, date=filing.get("date"), type=filing.get("type"),
                description=filing.get("description"),
                old_address=" ".join(values.get("old_address", "").split()) or None,
                new_address=" ".join(values.get("new_address", "").split()) or None,
                text=values.get("description"),
            )

    def items(self, response) -> list[dict]:
        return items_of(self.json(response), response.url)


def items_of(answer, url: str) -> list[dict]:
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        raise SourceFailure(f"unparseable answer: no items in {url}")
    return answer["items"]
