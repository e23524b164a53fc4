"""Fault matrix: every answer of every recording, broken the ways sites break, fails its source with a reason.

Each case is one source run replayed in this process (tests/replay_support.py) from real recordings
(../shared/recordings) or hand-made ones (tests/fixtures, demo). The run is made once as recorded; then every
answer the source read is replaced, one at a time, by: each refusal status (401, 403, 429, 451, 500, 503), a
captcha page, a page of another kind, its first half, nothing, itself padded past the source's size cap, itself
with the keys at one depth of its JSON renamed (each depth in turn), and for HTML its markup's names changed.
Every one must leave the source `failed` with a new reason a person can read (no Python exception name in it),
never `empty`, never `ok` — except a rename the source does not read at all, which must change nothing it stored.
A handful of whole checks, in process and end to end, show that a garbled essential source is never GREEN.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass, replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings

from clientvet import config
from clientvet.checks import run_check
from clientvet.crawler import settings as crawler_settings
from clientvet.crawler.base import SourceFailure, SourceSpider, source_finished
from clientvet.crawler.har import HarArchive, RecordedResponse
from clientvet.crawler.runner import build_settings
from clientvet.crawler.spiders import all_sources
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.bankrot_fedresurs import BankrotFedresursSpider
from clientvet.crawler.spiders.bo_nalog import BoNalogSpider
from clientvet.crawler.spiders.cbr_warning import CbrWarningSpider
from clientvet.crawler.spiders.companies_house import CompaniesHouseSpider
from clientvet.crawler.spiders.courtlistener import CourtListenerSpider
from clientvet.crawler.spiders.dreamjob import DreamjobSpider
from clientvet.crawler.spiders.edgar import COMPANY_FACTS_URL, EdgarSpider
from clientvet.crawler.spiders.egrul import EgrulSpider
from clientvet.crawler.spiders.fedresurs import FedresursSpider
from clientvet.crawler.spiders.fssp import HEADERS as FSSP_HEADERS, FsspSpider
from clientvet.crawler.spiders.gazette import GazetteSpider
from clientvet.crawler.spiders.kad_arbitr import SEARCH_URL as KAD_SEARCH, KadArbitrSpider, parse_answer as kad_answer
from clientvet.crawler.spiders.otzovik import OtzovikSpider
from clientvet.crawler.spiders.pb_nalog import PbNalogSpider
from clientvet.crawler.spiders.service_nalog_disqualified import ServiceNalogDisqualifiedSpider
from clientvet.crawler.spiders.trustpilot import TrustpilotSpider, TrustpilotUsSpider
from clientvet.crawler.spiders.twogis import TwogisSpider
from clientvet.crawler.spiders.yandex_maps import YandexMapsSpider
from clientvet.crawler.store import open_store
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.store import Store
from tests.conftest import DEMO, RECORDINGS, ROOT, run_cli
from tests.replay_support import InProcessEngine, mutated, replay, start_check

FIXTURES = ROOT / "tests" / "fixtures"
STATUSES = (401, 403, 429, 451, 500, 503)
HTML = (("Content-Type", "text/html; charset=utf-8"),)
CAPTCHA_PAGE = ("<!DOCTYPE html><html><head><title>Проверка</title></head><body>"
                "<form id=\"checkbox-captcha-form\" action=\"/checkcaptcha\" method=\"post\">"
                "<img src=\"/captcha/image.jpg\" alt=\"captcha\"><input name=\"captcha_answer\">"
                "</form></body></html>").encode()
ANOTHER_PAGE = ("<!DOCTYPE html><html lang=\"ru\"><head><title>Технические работы</title></head><body>"
                "<h1>Сайт временно недоступен</h1><p>Ведутся технические работы, зайдите позже.</p>"
                "</body></html>").encode()
PYTHON_ERROR = re.compile(r"\b(?:[A-Z]\w*(?:Error|Exception)|Traceback)\b")
JSONP = re.compile(r"^(?P<head>[^(]*\()(?P<json>.*)(?P<tail>\)\s*;?\s*)$", re.DOTALL)
JSON_SCRIPT = re.compile(r"(<script[^>]*type=[\"']application/json[\"'][^>]*>)(.*?)(</script>)", re.DOTALL)
MARKUP_NAME = re.compile(r"\b(class|id|itemprop)=\"([^\"]*)\"")


def ru(inn: str) -> Callable[[int], Subject]:
    return lambda check_id: Subject(check_id, f"ru:inn:{inn}", "RU", "inn", inn)


def gb(number: str) -> Callable[[int], Subject]:
    return lambda check_id: Subject(check_id, f"gb:company_number:{number}", "GB", "company_number", number)


def us(cik: str) -> Callable[[int], Subject]:
    return lambda check_id: Subject(check_id, f"us:cik:{cik}", "US", "cik", cik)


@dataclass(frozen=True)
class Case:
    """One source run: its subject, the recordings it replays, the sources it waits for, how it starts."""

    spider: type
    subject_of: Callable[[int], Subject]
    hars: tuple[Path, ...]
    before: tuple[type, ...] = ()
    start: Callable[[Any, Subject], Any] | None = None  # a later step's request, for a recording only it asks
    config: str = ""  # the config file's text

    @property
    def id(self) -> str:
        return f"{self.spider.name}:{'+'.join(har.name for har in self.hars[-1:])}"


def shared(path: str) -> Path:
    return RECORDINGS / path


def at(url: str, callback: str, **meta) -> Callable[[Any, Subject], list]:
    """The first request: the recorded URL, answered to the source's own callback with the meta it gives."""
    def start(spider, subject: Subject) -> list:
        return [spider.request(subject, url, getattr(spider, callback), dont_filter=True, meta=meta,
                               headers={"Accept": "application/json"})]
    return start


def recorded_url(har: Path, part: str) -> str:
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    return next(e["request"]["url"] for e in entries if part in e["request"]["url"])


FSSP_SOLVER = '[captcha]\nsolver = "tests.fssp_captcha_solvers:reads_the_image"\n'
DEMO_INN, MADE_UP, MADE_UP_CIK, DEMO_GB = "0000123450", "99000042", "0009999990", "09999990"
UK = FIXTURES / "companies_house/handmade-99000042.har"
US = FIXTURES / "edgar/handmade-0009999990.har"
TRUSTPILOT_CH = FIXTURES / "trustpilot/handmade-companies-house-09999990.har"


def demo(name: str) -> Path:
    return DEMO / f"{name}-0000123450.har"


def demo_file(stem: str) -> Path:
    return DEMO / f"{stem}.har"


def real_cases() -> list[Case]:
    cases = [Case(EgrulSpider, ru(har.stem), (har,)) for har in sorted((RECORDINGS / "egrul").glob("*.har"))]
    cases += [Case(BankrotFedresursSpider, ru(har.stem), (har,))
              for har in sorted((RECORDINGS / "bankrot_fedresurs").glob("*.har"))]
    cases += [Case(FedresursSpider, ru(har.stem), (har,)) for har in sorted((RECORDINGS / "fedresurs").glob("*.har"))]
    cases += [Case(PbNalogSpider, ru(har.stem), (har,)) for har in sorted((RECORDINGS / "pb_nalog").glob("*.har"))]
    cases += [Case(CompaniesHouseSpider, gb(number), (shared(f"companies_house/{number}.har"),))
              for number in ("04053514", "04475590", "07310390", "08957400", "14190543")]
    officer = shared("companies_house/officer-BUzLMub_QilQ_HNnIUxLkZrs5KM.har")
    disqualified = shared("service_nalog_disqualified/5836898322.har")
    facts = shared("edgar/companyfacts-1640147.har")
    fssp = [shared(f"fssp/{name}.har") for name in ("captcha-region77", "gazprom-region67", "ip-76735-17-67036")]
    gazette = shared("gazette/notice-feed-cat11.har")
    cases += [
        Case(BoNalogSpider, ru("5036045205"), (shared("bo_nalog/5036045205.har"),)),
        Case(CbrWarningSpider, ru("4800031693"), (shared("cbr_warning/black-list-sample.har"),)),
        Case(ServiceNalogDisqualifiedSpider, ru("7707083893"),
             (shared("egrul/7707083893.har"), shared("service_nalog_disqualified/7707083893.har")), (EgrulSpider,)),
        Case(ServiceNalogDisqualifiedSpider, ru("5836898322"), (disqualified,),
             start=lambda spider, subject: [spider.search(subject, "ИВАНОВ АЛЕКСАНДР БОРИСОВИЧ", "ДИРЕКТОР")]),
        Case(CompaniesHouseSpider, gb("07310390"), (officer,), start=lambda spider, subject: [
            spider.api(subject, "/officers/BUzLMub_QilQ_HNnIUxLkZrs5KM/appointments", spider.parse_appointments)]),
        Case(EdgarSpider, us("0001318605"), (shared("edgar/1318605.har"),)),
        Case(EdgarSpider, us("0001318605"), (shared("edgar/rate-exceeded.har"),)),
        Case(EdgarSpider, us("0001640147"), (facts,), start=lambda spider, subject: [
            spider.api(subject, COMPANY_FACTS_URL.format(cik="0001640147"), spider.parse_company_facts)]),
        Case(GazetteSpider, gb(MADE_UP), (gazette,), start=at(recorded_url(gazette, "data.json"), "parse",
                                                              name="MADE-UP WIDGETS LIMITED", page=1)),
    ]
    # The 2018 searches, at their recorded URLs, for the debtor each one lists (the captcha one lists none).
    for har, debtor in zip(fssp, ("ГАЗПРОМ", "ГАЗПРОМ ТРАНСГАЗ САНКТ-ПЕТЕРБУРГ", "ГАЗПРОМ МЕЖРЕГИОНГАЗ СМОЛЕНСК")):
        url = recorded_url(har, "ajax_search")
        cases.append(Case(FsspSpider, ru("7736050003"), (har,), config=FSSP_SOLVER, start=lambda spider, subject,
                          url=url, debtor=debtor: [spider.request(
                              subject, url, spider.parse, headers=FSSP_HEADERS, dont_filter=True,
                              meta={"query": debtor, "names": [f'ООО "{debtor}"'], "page": 1,
                                    "code": "00000" if "code=" in url else None})]))
    return cases


def handmade_cases() -> list[Case]:
    def egrul_first(spider: type, *hars: Path, config: str = "") -> Case:
        return Case(spider, ru(DEMO_INN), (demo("egrul"), *hars), (EgrulSpider,), config=config)

    cases = [Case(spider, ru(DEMO_INN), (demo(name),))
             for spider, name in ((EgrulSpider, "egrul"), (BankrotFedresursSpider, "bankrot_fedresurs"),
                                  (FedresursSpider, "fedresurs"), (BoNalogSpider, "bo_nalog"),
                                  (PbNalogSpider, "pb_nalog"), (CbrWarningSpider, "cbr_warning"))]
    cases += [egrul_first(ServiceNalogDisqualifiedSpider, demo("service_nalog_disqualified")),
              egrul_first(DreamjobSpider, demo("dreamjob")), egrul_first(TwogisSpider, demo("twogis")),
              Case(PbNalogSpider, ru(DEMO_INN), (FIXTURES / "pb_nalog/handmade-0000123450.har",))]
    for source, spider in (("dreamjob", DreamjobSpider), ("twogis", TwogisSpider), ("otzovik", OtzovikSpider),
                           ("yandex_maps", YandexMapsSpider)):
        cases += [egrul_first(spider, har) for har in sorted((FIXTURES / source).glob("*.har"))]
    cases += [egrul_first(FsspSpider, har, config=FSSP_SOLVER.replace("reads_the_image", "answers_wrong")
                          if "wrong" in har.name else FSSP_SOLVER) for har in sorted((FIXTURES / "fssp").glob("*.har"))]
    kad = FIXTURES / "kad_arbitr"
    cases += [egrul_first(KadArbitrSpider, kad / "handmade-0000123450.har", kad / "handmade-0000123450-cards.har",
                          config="[kad_arbitr]\nmax_cards = 3\n"),
              egrul_first(KadArbitrSpider, kad / "handmade-0000123450-blocked.har")]
    cases += [Case(CompaniesHouseSpider, gb(MADE_UP), (UK,)),
              Case(CompaniesHouseSpider, gb("99000043"),
                   (FIXTURES / "companies_house/handmade-99000043-rate-limited.har",)),
              Case(GazetteSpider, gb(MADE_UP), (UK, FIXTURES / "gazette/handmade-99000042.har"),
                   (CompaniesHouseSpider,)),
              Case(EdgarSpider, us(MADE_UP_CIK), (US,)),
              Case(CourtListenerSpider, us(MADE_UP_CIK), (US, FIXTURES / "courtlistener/handmade-0009999990.har"),
                   (EdgarSpider,)),
              Case(TrustpilotUsSpider, us(MADE_UP_CIK), (US, FIXTURES / "trustpilot/handmade-cik-0009999990.har"),
                   (EdgarSpider,))]
    # The demo's complete recordings (demo/): the Russian browser sources and fssp, the UK and US companies.
    cases += [egrul_first(spider, demo(name), config=config)
              for spider, name, config in ((FsspSpider, "fssp", ""), (KadArbitrSpider, "kad_arbitr", ""),
                                           (OtzovikSpider, "otzovik", ""), (YandexMapsSpider, "yandex_maps", ""))]
    uk, us_demo = gb("99000100"), us("0009900001")
    cases += [Case(CompaniesHouseSpider, uk, (demo_file("companies_house-99000100"),)),
              Case(GazetteSpider, uk, (demo_file("companies_house-99000100"), demo_file("gazette-99000100")),
                   (CompaniesHouseSpider,)),
              Case(TrustpilotSpider, uk, (demo_file("companies_house-99000100"), demo_file("trustpilot-99000100")),
                   (CompaniesHouseSpider,)),
              Case(EdgarSpider, us_demo, (demo_file("edgar-0009900001"),)),
              Case(CourtListenerSpider, us_demo, (demo_file("edgar-0009900001"),
                                                  demo_file("courtlistener-0009900001")), (EdgarSpider,)),
              Case(TrustpilotUsSpider, us_demo, (demo_file("edgar-0009900001"),
                                                 demo_file("trustpilot_us-0009900001")), (EdgarSpider,))]
    cases += [Case(FedresursSpider, ru("0000987651"), (FIXTURES / "fedresurs/handmade-0000987651-receivership.har",))]
    cases += [Case(CompaniesHouseSpider, gb(DEMO_GB), (TRUSTPILOT_CH,))]
    cases += [Case(TrustpilotSpider, gb(DEMO_GB), (TRUSTPILOT_CH, har), (CompaniesHouseSpider,))
              for har in sorted((FIXTURES / "trustpilot").glob("handmade-09999990*.har"))]
    return cases


# --- the faults ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    answer: RecordedResponse
    harmless_if_unread: bool = False  # a rename of keys the source never reads may change nothing


# Answers whose body no source reads: kad.arbitr.ru's landing page is only where its searches run from inside the
# browser (a challenge page there shows in their answers, and the fingerprint cookies are waited for).
BODY_NOT_READ = frozenset({"GET https://kad.arbitr.ru/"})


def faults(answer: RecordedResponse, request: str, cap: int) -> Iterator[Fault]:
    """Every way the fault matrix breaks one recorded answer."""
    for status in STATUSES:
        if status != answer.status:
            yield Fault(f"HTTP {status}", replace(answer, status=status))
    if not 200 <= answer.status < 300 or request in BODY_NOT_READ:
        return  # the body of a refusal is not read
    yield Fault("a captcha page", replace(answer, headers=HTML, body=CAPTCHA_PAGE))
    yield Fault("a page of another kind", replace(answer, headers=HTML, body=ANOTHER_PAGE))
    yield Fault("cut in half", replace(answer, body=answer.body[:len(answer.body) // 2]))
    yield Fault("an empty body", replace(answer, body=b""))
    yield Fault("padded past the cap", replace(answer, body=answer.body + b" " * (cap + 1 - len(answer.body))))
    text = answer.body.decode("utf-8", "replace")
    for depth, changed in renamed_keys(text):
        yield Fault(f"keys renamed at depth {depth}", replace(answer, body=changed.encode()), harmless_if_unread=True)
    if "<" in text[:200] and (changed := MARKUP_NAME.sub(renamed_names, text)) != text:
        yield Fault("markup names changed", replace(answer, body=changed.encode()), harmless_if_unread=True)


def renamed_keys(text: str) -> Iterator[tuple[int, str]]:
    """The text with the keys at each depth of its JSON renamed: a JSON answer, JSONP, or JSON in an HTML page."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if isinstance(document, (dict, list)):
        for depth in range(depth_of(document)):
            yield depth, json.dumps(rename_at(document, depth), ensure_ascii=False)
        return
    if (wrapped := JSONP.match(text)) and not text.lstrip().startswith("<"):
        for depth, inner in renamed_keys(wrapped["json"]):
            yield depth, wrapped["head"] + inner + wrapped["tail"]
        return
    scripts = [json.loads(m[2]) for m in JSON_SCRIPT.finditer(text) if is_json(m[2])]
    for depth in range(max(map(depth_of, scripts), default=0)):
        yield depth, JSON_SCRIPT.sub(lambda m: m[1] + (json.dumps(rename_at(json.loads(m[2]), depth),
                                                                  ensure_ascii=False) if is_json(m[2]) else m[2])
                                     + m[3], text)


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def depth_of(node: Any) -> int:
    """How many levels of keys the JSON has."""
    if isinstance(node, dict):
        return 1 + max(map(depth_of, node.values()), default=0)
    if isinstance(node, list):
        return max(map(depth_of, node), default=0)
    return 0


def rename_at(node: Any, depth: int) -> Any:
    if isinstance(node, list):
        return [rename_at(item, depth) for item in node]
    if isinstance(node, dict):
        return {f"{key}_v2": value for key, value in node.items()} if depth == 0 else {
            key: rename_at(value, depth - 1) for key, value in node.items()}
    return node


def renamed_names(attribute: re.Match) -> str:
    return f'{attribute[1]}="{" ".join(f"{name}-v2" for name in attribute[2].split())}"'


# --- running a case -----------------------------------------------------------------------------------


class ReplacedAnswers:
    """The recordings, with one answer replaced; it notes which answers the source under test was given."""

    def __init__(self, archive: HarArchive):
        self.archive = archive
        self.replaced: tuple[RecordedResponse, RecordedResponse] | None = None
        self.given: list[tuple[RecordedResponse, str]] | None = None  # (answer, to what request), when noting

    def find(self, method, url, body, content_type) -> RecordedResponse | None:
        found = self.archive.find(method, url, body, content_type)
        if self.given is not None and found is not None and all(found is not seen for seen, _ in self.given):
            self.given.append((found, f"{method} {url}"))
        if self.replaced and found is self.replaced[0]:
            return self.replaced[1]
        return found


@dataclass(frozen=True)
class Outcome:
    status: str
    reasons: frozenset[str]
    facts: tuple

    @property
    def reason(self) -> str:
        return "; ".join(sorted(self.reasons))


class Runner:
    """Runs a case's source, after the sources it waits for, each time as a new check in one database."""

    def __init__(self, case: Case, directory: Path):
        self.case, self.db = case, directory / "db.sqlite"
        self.replay_dir = directory / "replay"
        self.replay_dir.mkdir()
        for number, har in enumerate(case.hars):
            (self.replay_dir / f"{number}-{har.name}").symlink_to(har)
        self.answers = ReplacedAnswers(HarArchive(self.replay_dir))
        self.store = open_store(str(self.db))
        self.store.db.execute("PRAGMA synchronous = OFF")  # hundreds of short runs; a test database need not last

    def run(self, *, noting: bool = False) -> Outcome:
        subject = start_check(self.db, self.case.subject_of)
        for source in self.case.before:
            replay(source, subject, self.replay_dir, self.db, answers=self.answers)
        self.answers.given = [] if noting else None
        found = replay(self.case.spider, subject, self.replay_dir, self.db, answers=self.answers, start=self.case.start)
        stored = tuple(sorted((o.kind, o.key, json.dumps(o.data, sort_keys=True, ensure_ascii=False))
                              for o in self.store.observations(subject.check_id) if o.source == found.source))
        return Outcome(found.status, frozenset((found.reason or "").split("; ")) - {""}, stored)


def problems_of(case: Case, directory: Path) -> tuple[Outcome, list[str]]:
    runner = Runner(case, directory)
    baseline = runner.run(noting=True)
    given = list(runner.answers.given or ())
    runner.answers.given = None
    cap = answer_cap(case.spider)
    problems = []
    for answer, request in given:
        url = request.split(" ", 1)[1]
        already = {reason for reason in baseline.reasons if url in reason}  # the answer failed it as recorded
        for fault in faults(answer, request, cap):
            runner.answers.replaced = (answer, fault.answer)
            outcome = runner.run()
            new = outcome.reasons - baseline.reasons
            if outcome.status == "failed" and (new or already & outcome.reasons) and not any(
                    PYTHON_ERROR.search(reason) for reason in new):
                continue
            if fault.harmless_if_unread and outcome == baseline:
                continue
            problems.append(f"{fault.name} of {request[:100]}: {outcome.status} ({outcome.reason})")
    runner.answers.replaced = None
    return baseline, problems


def answer_cap(spider: type) -> int:
    """The DOWNLOAD_MAXSIZE the source runs with: its own cap, or the project's."""
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    spider.update_settings(settings)
    return settings.getint("DOWNLOAD_MAXSIZE")


@pytest.fixture
def configured(tmp_path, monkeypatch):
    def configure(text: str) -> None:
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("CLIENTVET_CONFIG", str(path))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        config.load_config.cache_clear()
    yield configure
    config.load_config.cache_clear()


REAL = real_cases() if RECORDINGS.is_dir() else []
HANDMADE = handmade_cases()


@pytest.mark.parametrize("case", REAL, ids=[case.id for case in REAL])
def test_every_fault_in_a_real_answer_fails_its_source(case, tmp_path, configured):
    configured(case.config)
    baseline, problems = problems_of(case, tmp_path)
    assert problems == []


@pytest.mark.parametrize("case", HANDMADE, ids=[case.id for case in HANDMADE])
def test_every_fault_in_a_handmade_answer_fails_its_source(case, tmp_path, configured):
    configured(case.config)
    baseline, problems = problems_of(case, tmp_path)
    assert problems == []


# Recordings in a source's folder that no source run asks for: what the name searches (crawler/finders) read, and
# an EDGAR filing index nothing fetches.
NOT_A_SOURCE_RUN = frozenset({"companies_house/search-you.har", "edgar/company-tickers.har", "edgar/1648960.har"})
FINDER_FIXTURES = frozenset({"resolve", "website"})


def test_every_recording_of_a_source_is_in_the_matrix(recordings):
    sources = {source.name for source in all_sources()}
    matrix = {har.resolve() for case in REAL + HANDMADE for har in case.hars}
    matrix |= {(recordings / "kad_arbitr" / f"{name}.har").resolve() for name in KAD_REAL}
    real = {har for har in recordings.glob("*/*.har") if har.parent.name in sources
            and f"{har.parent.name}/{har.name}" not in NOT_A_SOURCE_RUN}
    handmade = {har for har in FIXTURES.glob("*/*.har") if har.parent.name not in FINDER_FIXTURES}
    assert {har.parent.name for har in FIXTURES.glob("*/*.har")} - FINDER_FIXTURES <= sources
    assert sorted(str(har) for har in {h.resolve() for h in real | handmade | set(DEMO.glob("*.har"))} - matrix) == []


# --- kad.arbitr.ru's real answers: only a browser page asks for them, so they are read by the parser --------

KAD_REAL = ("ekaterinburg-20260921-20260924", "searchinstances-rosneft-2016", "searchinstances-empty-2016",
            "blocked-2016")


@pytest.mark.parametrize("name", KAD_REAL)
def test_every_fault_in_a_real_court_search_answer_fails(recordings, name):
    """The recorded payloads are not the INN search the source sends, so its parser reads each answer as fetched."""
    har = recordings / "kad_arbitr" / f"{name}.har"
    [entry] = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]  # one POST per recording
    answer = entry["response"]
    recorded = RecordedResponse(answer["status"], tuple((h["name"], h["value"]) for h in answer["headers"]),
                                answer["content"]["text"].encode(), str(har))
    try:
        expected = kad_answer(fetched(recorded))
    except SourceFailure as failure:
        expected = failure
    problems = []
    for fault in faults(recorded, f"POST {KAD_SEARCH}", answer_cap(KadArbitrSpider)):
        if fault.name == "padded past the cap":
            continue  # the size is the fetch's to refuse (the in-process kad case shows it)
        try:
            found = kad_answer(fetched(fault.answer))
        except SourceFailure as failure:
            if str(failure) != str(expected) and not PYTHON_ERROR.search(str(failure)):
                continue
            found = failure
        if fault.harmless_if_unread and not isinstance(found, SourceFailure) and found == expected:
            continue
        problems.append(f"{fault.name}: {found if isinstance(found, SourceFailure) else 'read as an answer'}")
    assert problems == []


def fetched(recorded: RecordedResponse) -> HtmlResponse:
    """The answer as the source's fetch() makes it a response."""
    return HtmlResponse(KAD_SEARCH, status=recorded.status, body=recorded.body, encoding="utf-8",
                        headers=dict(recorded.headers), request=Request(KAD_SEARCH, method="POST"))


# --- never GREEN with an essential source garbled: whole checks ---------------------------------------------

SBERBANK = "7707083893"
SBERBANK_RECORDINGS = ("egrul/7707083893.har", "bankrot_fedresurs/7707083893.har", "fedresurs/7707083893.har",
                       "pb_nalog/7707083893.har", "service_nalog_disqualified/7707083893.har",
                       "cbr_warning/black-list-sample.har")
AS_OF = date(2026, 11, 23)


@pytest.fixture
def sberbank(recordings, tmp_path) -> Path:
    """Sberbank's recordings: a GREEN check, its essential sources egrul (a record) and bankrot (no case)."""
    directory = tmp_path / "replay"
    directory.mkdir()
    for har in SBERBANK_RECORDINGS:
        (directory / har.replace("/", "-")).symlink_to(recordings / har)
    return directory


def test_a_garbled_essential_answer_never_leaves_a_check_green(sberbank, tmp_path, configured):
    """Every fault of egrul's and bankrot's answers, each in a whole check run in this process."""
    configured("")
    answers = ReplacedAnswers(HarArchive(sberbank))
    identity = Identity("RU", "inn", SBERBANK)

    def verdict() -> str:
        # Only the registry and bankruptcy sources are recorded: the other kinds are accepted unchecked, so the
        # clean answers are green and any fault in the two is what keeps it from green.
        result = run_check(identity, InProcessEngine(answers), db_path=tmp_path / "db.sqlite", replay=sberbank,
                           as_of=AS_OF, terms={"accept_unchecked": "courts,debts,finances,tax,registers,reviews"})
        return result.verdict.colour

    answers.given = []
    assert verdict() == "green"
    essential = [(answer, request) for answer, request in answers.given
                 if "search-result" in request or "cmpbankrupts" in request]
    answers.given = None
    assert len(essential) == 2
    green = []
    for answer, request in essential:
        for fault in faults(answer, request, answer_cap(EgrulSpider)):
            answers.replaced = (answer, fault.answer)
            if verdict() == "green":
                green.append(f"{fault.name} of {request[:60]}")
    assert green == []


def test_garbled_essential_answers_end_to_end(sberbank, tmp_path):
    """`clientvet check` itself: too large, cut, renamed, an HTML page; never GREEN, no crash."""
    egrul, bankrot = sberbank / "egrul-7707083893.har", sberbank / "bankrot_fedresurs-7707083893.har"
    originals = {har: har.resolve() for har in (egrul, bankrot)}
    cases = [
        (egrul, "search-result", lambda text: text + " " * (50 * 2**20), "answer too large (50.0 MB > 10 MB) from "),
        (egrul, "search-result", lambda text: json.dumps(rename_at(json.loads(text), 1)),
         "layout changed (registry_record record lacks i, k, n, o, r)"),
        (bankrot, "cmpbankrupts", lambda text: text[:len(text) // 2], "unparseable answer: not JSON from "),
        (bankrot, "cmpbankrupts", lambda text: ANOTHER_PAGE.decode(), "blocked: an HTML page instead of data from "),
    ]
    for number, (har, url, change, reason) in enumerate(cases):
        for each, original in originals.items():  # the recordings as they are, but this one answer
            each.unlink()
            each.symlink_to(original)
        changed = mutated(originals[har], tmp_path / f"changed-{number}.har", url, change, as_text=True)
        har.unlink()
        har.symlink_to(changed)
        result = run_cli("check", "--inn", SBERBANK, "--replay", str(sberbank), "--db", str(tmp_path / f"{number}.db"),
                         "--json", "--as-of", AS_OF.isoformat())
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        source = "egrul" if har == egrul else "bankrot_fedresurs"
        run = next(run for run in document["coverage"] if run["source"] == source)
        assert (run["status"], run["reason"].startswith(reason), document["verdict"]) == ("failed", True, "amber"), (
            run["reason"])
        # A handled failure is one log line with its reason: no traceback without -vv.
        assert "Traceback" not in result.stderr


# --- the cap live: Scrapy's downloader stops a body past DOWNLOAD_MAXSIZE ----------------------------------


class LocalSource(SourceSpider):
    """A source of two answers past the cap, from a server on 127.0.0.1: one announces its size, one streams."""

    name = "local_source"
    jurisdiction = "RU"
    evidence = ("registry_record",)
    base = ""

    def requests_for(self, subject: Subject):
        for path in ("/announced", "/streamed"):
            yield self.request(subject, f"{self.base}{path}", self.json)


def crawl_local(db: str, base: str, check_id: int) -> None:
    """Run LocalSource live against `base` (in a process of its own: Scrapy's reactor runs once)."""
    LocalSource.base = base
    process = CrawlerProcess(build_settings(db, None, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                                                        "RETRY_ENABLED": False}))
    process.crawl(LocalSource, subjects=[Subject(check_id, f"ru:inn:{SBERBANK}", "RU", "inn", SBERBANK)])
    process.start()


class Oversized(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    size = 11 * 2**20

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        announced = self.path == "/announced"
        self.send_header(*(("Content-Length", str(self.size)) if announced else ("Transfer-Encoding", "chunked")))
        self.end_headers()
        chunk = b" " * 2**16
        try:
            for _ in range(self.size // len(chunk)):
                self.wfile.write(chunk if announced else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if not announced:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client stopped reading: what the test wants

    def log_message(self, *args) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # the client hanging up on a body it does not want is the point


def test_a_live_answer_past_the_cap_is_stopped_and_fails_the_source(tmp_path):
    server = QuietServer(("127.0.0.1", 0), Oversized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    db = tmp_path / "db.sqlite"
    subject = start_check(db, lambda check_id: Subject(check_id, f"ru:inn:{SBERBANK}", "RU", "inn", SBERBANK))
    environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    try:
        result = subprocess.run([sys.executable, "-c", "import sys; from tests.test_fault_matrix import crawl_local; "
                                 "crawl_local(*sys.argv[1:3], int(sys.argv[3]))", str(db), base, str(subject.check_id)],
                                cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    [run] = Store(db).source_runs(subject.check_id)
    assert (run.status, sorted(run.reason.split("; "))) == ("failed", [
        f"answer too large (11.0 MB > 10 MB) from {base}/announced",
        f"answer too large (over 10 MB) from {base}/streamed"])


# --- settling: each request ends once, whichever way it ends, and each company is reported once ---------------

OTHER_INN = "7736050003"


class SettlingSource(SourceSpider):
    """A source whose requests end every way a request can, from a server on 127.0.0.1: an answer whose callback
    asks a follow-up, an HTTP error (the errback), a callback that raises (Sberbank's while yielding, the other
    company's before). Sberbank's follow-up answers; the other company's fails after all its other requests ended."""

    name = "settling_source"
    jurisdiction = "RU"
    evidence = ("registry_record",)
    base = ""

    def requests_for(self, subject: Subject):
        yield self.request(subject, f"{self.base}/follow/{subject.value}", self.follow)
        yield self.request(subject, f"{self.base}/raise/{subject.value}",
                           self.raises_while_yielding if subject.value == SBERBANK else self.raises)
        yield self.request(subject, f"{self.base}/error/{subject.value}", self.follow)

    def follow(self, response):
        yield self.request(response.meta["subject"], f"{self.base}/last/{response.meta['subject'].value}",
                           self.nothing)

    def raises(self, response):
        raise SourceFailure(f"layout changed (test) at {response.url}")

    def raises_while_yielding(self, response):
        yield from self.raises(response)

    def nothing(self, response):
        return []


def crawl_settling(db: str, base: str, first_check: int) -> None:
    """Run SettlingSource live for two companies (in a process of its own); print, in order, what
    source_finished said and when the spider closed."""
    SettlingSource.base = base
    process = CrawlerProcess(build_settings(db, None, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                                                        "RETRY_ENABLED": False}))
    said = []

    def finished(source, subject, status, reason) -> None:
        said.append([subject.value, status, reason])

    def closed(spider, reason) -> None:
        said.append(["closed", reason, None])

    crawler = process.create_crawler(SettlingSource)
    crawler.signals.connect(finished, signal=source_finished)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler, subjects=[Subject(first_check + n, f"ru:inn:{inn}", "RU", "inn", inn)
                                     for n, inn in enumerate((SBERBANK, OTHER_INN))])
    process.start()
    print(json.dumps(said))


class Settling(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        last = self.path == f"/last/{OTHER_INN}"
        if last:
            time.sleep(0.5)  # the other company's follow-up fails after all its other requests have ended
        self.send_response(500 if last or self.path.startswith("/error/") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


def test_every_request_settles_once_and_each_company_is_reported_once_with_every_failure(tmp_path):
    """A batch starts a company's later sources when its requests are all settled: a request settled twice would
    report the company before its follow-up's failure, and one never settled would hold it to the end."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Settling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    db = tmp_path / "db.sqlite"
    first = start_check(db, lambda check_id: Subject(check_id, f"ru:inn:{SBERBANK}", "RU", "inn", SBERBANK))
    second = start_check(db, lambda check_id: Subject(check_id, f"ru:inn:{OTHER_INN}", "RU", "inn", OTHER_INN))
    assert second.check_id == first.check_id + 1
    environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    try:
        result = subprocess.run([sys.executable, "-c", "import sys; from tests.test_fault_matrix import "
                                 "crawl_settling; crawl_settling(*sys.argv[1:3], int(sys.argv[3]))",
                                 str(db), base, str(first.check_id)],
                                cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    said = json.loads(result.stdout.splitlines()[-1])
    # Each company once, as soon as its last request has ended, before the source closes; Sberbank's end first.
    assert [inn for inn, _, _ in said] == [SBERBANK, OTHER_INN, "closed"]
    said.pop()
    expected = {
        SBERBANK: [f"HTTP error: HTTP 500 from {base}/error/{SBERBANK}",
                   f"layout changed (test) at {base}/raise/{SBERBANK}"],
        OTHER_INN: [f"HTTP error: HTTP 500 from {base}/error/{OTHER_INN}", f"HTTP error: HTTP 500 from {base}/last/{OTHER_INN}",
                    f"layout changed (test) at {base}/raise/{OTHER_INN}"],
    }
    for inn, status, reason in said:
        assert (status, sorted(reason.split("; "))) == ("failed", expected[inn]), inn
    store = Store(db)
    for subject, requests in ((first, 4), (second, 4)):
        [run] = store.source_runs(subject.check_id)
        assert (run.status, run.requests, sorted(run.reason.split("; "))) == (
            "failed", requests, expected[subject.value])


# --- memory: a body past the cap is held once, by the recordings, and never decoded, parsed or archived -----


def test_a_50_mb_garbage_page_is_held_once_and_never_read(tmp_path, configured):
    configured("")
    repeats = 50 * 2**20 // 8
    replay_dir = tmp_path / "replay"
    replay_dir.mkdir()
    (replay_dir / "egrul.har").symlink_to(demo("egrul"))
    mutated(demo("dreamjob"), replay_dir / "dreamjob.har", "/search",
            lambda _: "<html><body>" + "garbage " * repeats + "</body></html>", as_text=True)
    size = len("<html><body></body></html>") + 8 * repeats
    warm = start_check(tmp_path / "db.sqlite", ru(DEMO_INN))  # the code's first run imports and caches what it needs
    for spider in (EgrulSpider, DreamjobSpider):
        replay(spider, warm, DEMO, tmp_path / "db.sqlite")
    tracemalloc.start()
    try:
        archive = HarArchive(replay_dir)
        held, loading = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        subject = start_check(tmp_path / "db.sqlite", ru(DEMO_INN))
        replay(EgrulSpider, subject, replay_dir, tmp_path / "db.sqlite", answers=archive)
        run = replay(DreamjobSpider, subject, replay_dir, tmp_path / "db.sqlite", answers=archive)
        _, running = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (run.status, run.reason) == ("failed", "answer too large (50.0 MB > 10 MB) from "
                                                  "https://dreamjob.ru/search?query=%D0%94%D0%95%D0%9C%D0%9E-"
                                                  "%D0%9F%D0%9E%D0%A1%D0%A2%D0%90%D0%92%D0%9A%D0%90")
    # The recordings hold the body once, as bytes; reading the file peaks at decoding it (its non-ASCII text makes
    # the whole file two bytes a character, then json.loads' copy); the run adds next to nothing to what is held.
    assert held < 1.1 * size and loading < 4.5 * size and running - held < 0.05 * size
    assert Store(tmp_path / "db.sqlite").db.execute("select max(size) from blobs").fetchone()[0] < 2**20
