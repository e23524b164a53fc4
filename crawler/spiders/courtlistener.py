"""CourtListener (RECAP archive): US federal dockets where the company is a party.

The v4 search finds dockets by party name, so a hit may name another company
with a similar name: each hit is attributed with clientvet.evidence.matching, and the
company's side is read from the caption ("A v. B", "In re A"), the only place
the search result shows roles. Bankruptcy courts have ids ending in "b" (nysb).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator
from urllib.parse import urlencode

import scrapy

from clientvet.crawler.base import SourceFailure, SourceSpider
from clientvet.crawler.items import Reads, Subject
from clientvet.evidence.companies import company_names
from clientvet.evidence.matching import match_names

SITE = "https://www.courtlistener.com"
SEARCH_URL = SITE + "/api/rest/v4/search/"
MAX_PAGES = 5  # 20 dockets a page, newest first: 100 dockets is plenty for a risk picture

VERSUS = re.compile(r"\s+(?:v|vs)\.?\s+", re.IGNORECASE)
IN_RE = re.compile(r"^\s*in\s+re:?\s+", re.IGNORECASE)
ET_AL = re.compile(r",?\s+et\s+al\.?\s*$", re.IGNORECASE)


def search_url(name: str) -> str:
    phrase = name.replace('"', " ")  # a quote inside the name would end the phrase early
    query = {"type": "r", "q": f'party:"{phrase}"'}
    return f"{SEARCH_URL}?{urlencode(query)}"


def next_page(url: str | None) -> str | None:
    """The answer's `next` link, refused unless it stays on the search endpoint: the token goes with it."""
    if url and not url.startswith(SEARCH_URL + "?"):
        raise SourceFailure(f"unparseable answer: next page {url!r} is not on {SEARCH_URL}")
    return url


def is_bankruptcy_court(court_id: str | None) -> bool:
    return bool(court_id) and court_id.endswith("b")


def _names(side: str, names: Iterable[str]) -> bool:
    side = ET_AL.sub("", side).strip()
    return bool(side) and any(match_names(name, side).same for name in names)


def caption_role(case_name: str, names: list[str], bankruptcy_court: bool) -> str:
    """debtor | plaintiff | defendant as the caption shows the company, else 'party' (a side not shown)."""
    if bankruptcy_court and IN_RE.match(case_name) and _names(IN_RE.sub("", case_name), names):
        return "debtor"
    sides = VERSUS.split(case_name, maxsplit=1)
    if len(sides) == 2:
        if _names(sides[0], names):
            return "plaintiff"
        if _names(sides[1], names):
            return "defendant"
    elif bankruptcy_court and _names(IN_RE.sub("", case_name), names):
        return "debtor"  # bankruptcy dockets are often captioned with the debtor's name alone
    return "party"


def matching_party(parties: list[str], names: list[str]) -> tuple[str, str] | None:
    """(party as listed, why it is the company) for the first party that is the company, else None."""
    for party in parties:
        for name in names:
            verdict = match_names(name, party)
            if verdict.same:
                return party, verdict.reason
    return None


def parse_result(result: dict[str, Any], names: list[str]) -> dict[str, Any] | None:
    """One search hit as a federal_case fact's data, or None when no party is the company."""
    if "docket_id" not in result or "caseName" not in result:
        raise SourceFailure("layout changed (a CourtListener result without docket_id or caseName)")
    found = matching_party([p for p in result.get("party") or [] if isinstance(p, str)], names)
    if found is None:
        return None
    court_id = result.get("court_id") or ""
    bankruptcy = is_bankruptcy_court(court_id)
    docket_url = result.get("docket_absolute_url")
    return {
        "docket_id": result["docket_id"], "docket_number": result.get("docketNumber"),
        "case_name": result["caseName"], "court_id": court_id, "court": result.get("court"),
        "court_citation": result.get("court_citation_string"), "bankruptcy_court": bankruptcy,
        "chapter": result.get("chapter"), "filed_on": result.get("dateFiled"),
        "terminated_on": result.get("dateTerminated"), "open": not result.get("dateTerminated"),
        "role": caption_role(result["caseName"], names, bankruptcy),
        "cause": result.get("cause") or None, "nature_of_suit": result.get("suitNature") or None,
        "matched_party": found[0], "match_reason": found[1],
        "url": SITE + docket_url if docket_url else None,
    }


class CourtListenerSpider(SourceSpider):
    # A search hit (parse_result requires its docket_id and caseName); attorneys, firms, documents not read.
    reads = {"federal_case": Reads(ignored="assignedTo assigned_to_id attorney attorney_id caseNameFull court_exact "
                                           "dateArgued firm firm_id jurisdictionType juryDemand meta more_docs "
                                           "pacer_case_id party_id recap_documents referredTo referred_to_id "
                                           "trustee_str")}
    counts = {"federal_case_search": (1, 1)}  # how much of the one search was read
    # CourtListener allows 5,000 API requests an hour per token; one at a time (the entry's concurrency) is far below it.

    def requests_for(self, subject: Subject) -> Iterator[scrapy.Request]:
        named = company_names(self.store.observations(subject.check_id))
        names = [*named.names, *named.former_names] if named else []
        if not names:
            self.ledger.skip(subject, "no company name to search by (no EDGAR registry record)")
            return
        yield self.search(subject, search_url(names[0]), {"names": names, "query": names[0], "page": 1})

    def search(self, subject: Subject, url: str, meta: dict[str, Any]) -> scrapy.Request:
        headers = {"Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Token {self.key}"
        return self.request(subject, url, self.parse_search, headers=headers, meta=meta)

    def parse_search(self, response):
        answer = self.json(response)
        if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
            raise SourceFailure(f"unparseable answer: no results in {response.url}")
        meta = response.meta
        for result in self.records(response, "federal_case", answer["results"],
                                   about=lambda result: parse_result(result, meta["names"]) is not None):
            case = parse_result(result, meta["names"])
            yield self.fact(response, "federal_case", str(case["docket_id"]), **case)
        next_url = next_page(answer.get("next"))
        if next_url and meta["page"] < MAX_PAGES:
            yield self.search(meta["subject"], next_url, {**{k: meta[k] for k in ("names", "query")},
                                                           "page": meta["page"] + 1})
            return
        yield self.fact(response, "federal_case_search", meta["query"], query=meta["query"],
                        total=answer.get("count"), pages_read=meta["page"], complete=not next_url)
