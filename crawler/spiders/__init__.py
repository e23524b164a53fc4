"""The registered sources: adding one is one spider file and one line here."""

from functools import cache

from scrapy.utils.misc import load_object

SOURCES = (
    "clientvet.crawler.spiders.egrul.EgrulSpider",
    "clientvet.crawler.spiders.bankrot_fedresurs.BankrotFedresursSpider",
    "clientvet.crawler.spiders.fedresurs.FedresursSpider",
    "clientvet.crawler.spiders.companies_house.CompaniesHouseSpider",
    "clientvet.crawler.spiders.bo_nalog.BoNalogSpider",
    "clientvet.crawler.spiders.pb_nalog.PbNalogSpider",
    "clientvet.crawler.spiders.service_nalog_disqualified.ServiceNalogDisqualifiedSpider",
    "clientvet.crawler.spiders.cbr_warning.CbrWarningSpider",
    "clientvet.crawler.spiders.kad_arbitr.KadArbitrSpider",
    "clientvet.crawler.spiders.fssp.FsspSpider",
    "clientvet.crawler.spiders.gazette.GazetteSpider",
    "clientvet.crawler.spiders.edgar.EdgarSpider",
    "clientvet.crawler.spiders.courtlistener.CourtListenerSpider",
    "clientvet.crawler.spiders.dreamjob.DreamjobSpider",
    "clientvet.crawler.spiders.twogis.TwogisSpider",
    "clientvet.crawler.spiders.otzovik.OtzovikSpider",
    "clientvet.crawler.spiders.yandex_maps.YandexMapsSpider",
    "clientvet.crawler.spiders.trustpilot.TrustpilotSpider",
    "clientvet.crawler.spiders.trustpilot.TrustpilotUsSpider",
)


# The Russian sources whose records name the company (clientvet.evidence.companies.company_names): the
# sources that search by its name run after them.
RU_NAMING = ("egrul", "fedresurs", "bankrot_fedresurs")


@cache
def all_sources() -> tuple[type, ...]:
    return tuple(load_object(path) for path in SOURCES)


def sources_for(jurisdiction: str) -> list[type]:
    return [source for source in all_sources() if source.jurisdiction == jurisdiction]
