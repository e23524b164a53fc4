"""The registered sources: adding one is one spider file and one entry here.

Each entry declares what its source is (crawler/declarations.py); reading them imports no spider,
so `clientvet sources` starts light. The spider classes get these facts from their entries.
"""

from __future__ import annotations

from functools import cache

from clientvet.crawler.declarations import ApiKey, Declared

# The Russian sources whose records name the company (clientvet.evidence.companies.company_names): the
# sources that search by its name run after them.
RU_NAMING = ("egrul", "fedresurs", "bankrot_fedresurs")
REVIEWS = {"evidence": ("review", "review_page"), "covers": ("reviews",)}
RU_REVIEWS = {**REVIEWS, "jurisdiction": "RU", "after": RU_NAMING}  # searched by the registered name
SPIDERS = "clientvet.crawler.spiders"

# chain: the requests of the demo's answer that wait on each other (a further page or poll adds one).
SOURCES = (
    Declared("egrul", f"{SPIDERS}.egrul.EgrulSpider", "RU", ("registry_record", "officer"), ("registry",),
             essential=True, chain=2),  # token → result
    Declared("bankrot_fedresurs", f"{SPIDERS}.bankrot_fedresurs.BankrotFedresursSpider", "RU", ("bankruptcy_case",),
             ("bankruptcy",), essential=True),
    Declared("fedresurs", f"{SPIDERS}.fedresurs.FedresursSpider", "RU", ("status_record", "notice"), ("bankruptcy",),
             chain=2),  # company → its publications
    Declared("companies_house", f"{SPIDERS}.companies_house.CompaniesHouseSpider", "GB",
             ("registry_record", "officer", "officer_appointments", "psc", "psc_register", "charge", "insolvency_case",
              "filing"), ("registry", "bankruptcy", "finances"), essential=True,
             api_key=ApiKey(env="COMPANIES_HOUSE_API_KEY", config="companies_house.api_key"),
             chain=2, concurrency=2),  # officers → each officer's appointments; the other lists at once
    Declared("bo_nalog", f"{SPIDERS}.bo_nalog.BoNalogSpider", "RU", ("financial_statement",), ("finances",),
             chain=3),  # search → periods → the latest statement
    Declared("pb_nalog", f"{SPIDERS}.pb_nalog.PbNalogSpider", "RU", ("tax_risk_flags", "tax_card"), ("tax",),
             chain=4),  # search job → rows → card job → card
    Declared("service_nalog_disqualified", f"{SPIDERS}.service_nalog_disqualified.ServiceNalogDisqualifiedSpider",
             "RU", ("disqualification",), ("registers",), after=("egrul",)),  # one search per officer, at once
    Declared("cbr_warning", f"{SPIDERS}.cbr_warning.CbrWarningSpider", "RU", ("warning_list_entry",), ("registers",),
             after=("egrul",)),  # only for the INN of a company checked by its OGRN
    Declared("kad_arbitr", f"{SPIDERS}.kad_arbitr.KadArbitrSpider", "RU", ("court_case", "court_card", "court_search"),
             ("courts",), needs_browser=True, after=RU_NAMING,  # the company's name, for parties shown without an INN
             chain=4, pause=3.0),  # landing → search → the two suits' cards in turn; it blocks fast pollers (451)
    Declared("fssp", f"{SPIDERS}.fssp.FsspSpider", "RU", ("enforcement_proceeding",), ("debts",), after=RU_NAMING,
             chain=2),  # search → the same search with the captcha's answer
    Declared("gazette", f"{SPIDERS}.gazette.GazetteSpider", "GB", ("notice",), ("bankruptcy",),
             after=("companies_house",)),
    Declared("edgar", f"{SPIDERS}.edgar.EdgarSpider", "US", ("registry_record", "bankruptcy_report", "annual_financials"),
             ("registry", "bankruptcy", "finances"), essential=True,
             chain=2, pause=0.25, concurrency=1),  # submissions → company facts; SEC allows 10 a second (edgar.py)
    Declared("courtlistener", f"{SPIDERS}.courtlistener.CourtListenerSpider", "US",
             ("federal_case", "federal_case_search"), ("courts", "bankruptcy"),
             api_key=ApiKey(env="COURTLISTENER_TOKEN", config="courtlistener.token"),
             after=("edgar",), concurrency=1),  # searched by the company's name and former names
    Declared("dreamjob", f"{SPIDERS}.dreamjob.DreamjobSpider", **RU_REVIEWS, chain=2),  # search → employer
    Declared("twogis", f"{SPIDERS}.twogis.TwogisSpider", **RU_REVIEWS, api_key=ApiKey("TWOGIS_API_KEY", "twogis.api_key"),
             chain=2),  # search → the branch's reviews
    Declared("otzovik", f"{SPIDERS}.otzovik.OtzovikSpider", **RU_REVIEWS, needs_browser=True, chain=2),
    Declared("yandex_maps", f"{SPIDERS}.yandex_maps.YandexMapsSpider", **RU_REVIEWS, needs_browser=True, chain=2),
    # The browser only retries what plain HTTP is refused: search → the business's page.
    Declared("trustpilot", f"{SPIDERS}.trustpilot.TrustpilotSpider", "GB", **REVIEWS, after=("companies_house",),
             chain=2),
    Declared("trustpilot_us", f"{SPIDERS}.trustpilot.TrustpilotUsSpider", "US", **REVIEWS, after=("edgar",), chain=2),
)
DECLARED = {source.spider: source for source in SOURCES}


def declared_for(jurisdiction: str) -> list[Declared]:
    return [source for source in SOURCES if source.jurisdiction == jurisdiction]


@cache
def all_sources() -> tuple[type, ...]:
    from scrapy.utils.misc import load_object

    return tuple(load_object(source.spider) for source in SOURCES)


def sources_for(jurisdiction: str) -> list[type]:
    return [source for source in all_sources() if source.jurisdiction == jurisdiction]
