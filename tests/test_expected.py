"""Expected outputs: every recording read by its source and compared with a reviewed JSON file.

As juriscraper does with its .compare.json files: one parametrised test finds every HAR file of
../shared/recordings and tests/fixtures, reads it the way its source does, and compares what came
out — the facts sorted by source, kind and key with their data, each source's status and reason,
nothing that changes from run to run — with the JSON committed beside the test data:

    tests/fixtures/<source>/<name>.har        → tests/fixtures/<source>/<name>.expected.json
    ../shared/recordings/<source>/<name>.har  → tests/expected/<source>/<name>.json (recordings stay in ../shared)

A missing expected file is written and the test fails, so that a person reads it before committing
it; `pytest --regen-expected` (or CLIENTVET_REGEN_EXPECTED=1) rewrites them.

How a recording is read — CASES says so where it is not the default:

* replayed (the default): through the real Scrapy stack (ReplayMiddleware, the pipelines, the
  per-source ledger) into a temporary SQLite, by the spider named like the recording's folder, for
  the subject whose identifier the file name holds (egrul/7707083893.har: INN 7707083893). A source
  that reads another source's facts (`after`) gets them the same way first, from that source's
  recording of the same subject in the same set or in demo/. Scrapy's reactor runs once per
  process, so the replays run side by side in one subprocess (`python -m tests.test_expected`) per
  config file: a captcha solver answers the hand-made fssp captchas, as a user would configure one.
* searched: a finder's search, as `clientvet check --name / --domain` runs it (crawler/finders.find).
* parsed: the source's parser on each recorded answer, for recordings of requests the spider
  never makes (a court search by dates, a feed by category, a search on the old fssp host).
* not read: no spider yet, or nothing reads that kind of answer; the reason is listed.

Every recorded answer of a read recording must be read or be in UNREAD_ANSWERS with the reason,
so that an answer the flow never reaches shows up instead of passing for tested.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass, field, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable

import pytest
from scrapy import Request
from scrapy.crawler import CrawlerRunner
from twisted.internet import defer

from clientvet.crawler.base import SourceFailure
from clientvet.crawler.finders import find
from clientvet.crawler.finders import website
from clientvet.crawler.har import CACHE_BUSTERS, HarArchive, load_archive
from clientvet.crawler.items import Fact, Subject
from clientvet.crawler.runner import Searcher, build_settings
from clientvet.crawler.spiders import all_sources, edgar, fssp, gazette, kad_arbitr
from clientvet.crawler.spiders.companies_house import CompaniesHouseSpider
from clientvet.crawler.spiders.service_nalog_disqualified import ServiceNalogDisqualifiedSpider
from clientvet.crawler.store import open_store
from clientvet.evidence.identifiers import Identity, parse_cik, parse_company_number, parse_inn
from tests.conftest import DEMO, RECORDINGS, ROOT, har_response, offline_env

FIXTURES = ROOT / "tests" / "fixtures"
EXPECTED = ROOT / "tests" / "expected"
SETS = {"shared": RECORDINGS, "fixtures": FIXTURES}
IDENTIFIER = re.compile(r"\d{7,}")  # the subject's INN, company number or CIK in a file name
IDENTITIES = {"RU": parse_inn, "GB": parse_company_number, "US": parse_cik}
SPIDERS = {source.name: source for source in all_sources()}
REGEN_ENV = "CLIENTVET_REGEN_EXPECTED"
# The hand-made captchas of tests/fixtures/fssp are answered by a solver configured as a user would.
SOLVER = '[captcha]\nsolver = "tests.fssp_captcha_solvers:{}"\n'
DEFAULT_CONFIG = SOLVER.format("reads_the_image")
REPLAY_TIMEOUT = 300  # seconds for the one subprocess that replays everything
BROWSER_CASES_AT_ONCE = 2  # each starts its own Chromium: more at once is slower on two cores
CACHE_BUSTER_VALUE = re.compile(rf"([?&](?:{'|'.join(map(re.escape, sorted(CACHE_BUSTERS)))})=)[^&\s]*")


# --- how each recording is read ---------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """Through the Scrapy stack: `source` (default: the folder) for `subjects` (default: the file name's)."""

    source: str | None = None
    subjects: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # other recordings (ids) the same run reads
    config: str = DEFAULT_CONFIG


@dataclass(frozen=True)
class Search:
    """A finder's search for `lookup` (name / domain / country), then `then` replayed if given."""

    lookup: dict[str, str]
    needs: tuple[str, ...] = ()
    then: Replay | None = None
    config: str = DEFAULT_CONFIG


@dataclass(frozen=True)
class Parse:
    """`parser` on each recorded answer: the response, its JSON (`body="json"`), or a spider's callback."""

    parser: Callable[..., Any]
    why: str  # why the spider's own flow cannot reach this recording
    body: str = "response"
    spider: type | None = None  # the parser is this spider's callback, called on a fresh spider
    subject: str | None = None  # the callback's subject, when the file name holds none
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotRead:
    why: str


KAD_NOT_BY_INN = ("a 2016 party search or a court search by dates, without the landing page; the spider searches "
                  "an INN from inside the landing page")
FSSP_OLD_HOST = ("a search on the old host in one region (or by proceedings number); the spider searches a "
                 "company's name in all regions")
CASES: dict[str, Replay | Search | Parse | NotRead] = {
    # ../shared/recordings
    "shared/cbr_warning/black-list-sample.har": Replay(subjects=("4800031693", "9102262964", "1901135037",
                                                                 "5904406758")),  # the sample's INNs
    "shared/companies_house/officer-BUzLMub_QilQ_HNnIUxLkZrs5KM.har": Parse(
        CompaniesHouseSpider.parse_appointments, spider=CompaniesHouseSpider, subject="07310390",
        why="a director's appointments: the spider asks them from a company's officers list, recorded for none of "
            "his companies (07310390 PFB HIRE LIMITED is one)"),
    "shared/companies_house/search-you.har": Search({"name": "you", "country": "gb"}),
    "shared/edgar/1648960.har": NotRead("a filing's directory listing (index.json): nothing reads it; EDGAR's "
                                        "spider reads submissions and company facts"),
    "shared/edgar/company-tickers.har": Search({"name": "Tesla", "country": "us"}),
    "shared/edgar/companyfacts-1640147.har": Parse(
        edgar.annual_financials, body="json",
        why="company facts without the submissions the spider asks first"),
    "shared/edgar/rate-exceeded.har": Replay(subjects=("1318605",)),  # served for Tesla's submissions
    "shared/fssp/captcha-region77.har": Parse(fssp.parse_answer, why=FSSP_OLD_HOST),
    "shared/fssp/gazprom-region67.har": Parse(fssp.parse_answer, why=FSSP_OLD_HOST),
    "shared/fssp/ip-76735-17-67036.har": Parse(fssp.parse_answer, why=FSSP_OLD_HOST),
    "shared/gazette/notice-feed-cat11.har": Parse(
        gazette.parse_feed, body="json", why="a feed by notice category; the spider searches a company's name"),
    "shared/kad_arbitr/blocked-2016.har": Parse(kad_arbitr.parse_answer, why=KAD_NOT_BY_INN),
    "shared/kad_arbitr/ekaterinburg-20260921-20260924.har": Parse(kad_arbitr.parse_answer, why=KAD_NOT_BY_INN),
    "shared/kad_arbitr/searchinstances-empty-2016.har": Parse(kad_arbitr.parse_answer, why=KAD_NOT_BY_INN),
    "shared/kad_arbitr/searchinstances-rosneft-2016.har": Parse(kad_arbitr.parse_answer, why=KAD_NOT_BY_INN),
    "shared/nostroy_sro/7705552444.har": NotRead("no nostroy_sro spider yet"),
    "shared/rmsp_nalog/504110181262.har": NotRead("no rmsp_nalog spider yet"),
    "shared/rmsp_nalog/7707083893.har": NotRead("no rmsp_nalog spider yet"),
    "shared/rosstat/5029169023.har": NotRead("no rosstat spider yet"),
    "shared/service_nalog_disqualified/5836898322.har": Parse(
        ServiceNalogDisqualifiedSpider.parse, spider=ServiceNalogDisqualifiedSpider,
        meta={"person": "Иванов Александр Борисович", "role": "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР", "page": 1},
        why="no egrul recording of 5836898322 to take the director from: the one the manifest names is searched"),
    "shared/zakupki_contracts/7728168971.har": NotRead("no zakupki_contracts spider yet"),
    # tests/fixtures
    "fixtures/fssp/handmade-0000123450-wrong-captcha.har": Replay(config=SOLVER.format("answers_wrong")),
    "fixtures/kad_arbitr/handmade-0000123450-cards.har": Replay(needs=("fixtures/kad_arbitr/handmade-0000123450.har",)),
    "fixtures/resolve/handmade-egrul-search-captcha.har": Search({"name": "Капча"}),
    "fixtures/resolve/handmade-egrul-search-demo-postavka.har": Search({"name": "Демо-Поставка"}),
    "fixtures/resolve/handmade-egrul-search-romashka.har": Search(
        {"name": "Ромашка"}, then=Replay(source="egrul", subjects=("0000123475", "0000123482"))),
    "fixtures/resolve/handmade-website-demo-blocked-trustpilot.har": Search({"domain": "demo-blocked.example"}),
    "fixtures/resolve/handmade-website-demo-postavka.har": Search({"domain": "demo-postavka.example"}),
    "fixtures/website/handmade-awkward-sites.har": Parse(
        lambda response: [f"{i.scheme} {i.value}" for i in website.identifiers_in(website.page_text(response))],
        why="eight unrelated sites in odd encodings; a --domain search reads one site"),
    "fixtures/resolve/handmade-website-demo-trade-trustpilot.har": Search(
        {"domain": "demo-trade.example"}, needs=("fixtures/resolve/handmade-egrul-search-demo-postavka.har",)),
    "fixtures/trustpilot/handmade-cik-0009999990.har": Replay(source="trustpilot_us"),
    "fixtures/trustpilot/handmade-companies-house-09999990.har": Replay(source="companies_house"),
}
# Recorded answers of read recordings that nothing reads, by recording id and request.
UNREAD_ANSWERS = {
    ("shared/gazette/notice-feed-cat11.har",
     "GET https://www.thegazette.co.uk/all-notices/notice/data.feed?categorycode=11&results-page-size=1"):
        "the same feed as Atom; the spider reads the JSON feed",
}


# --- recordings and their expected files ----------------------------------------------------------


@dataclass(frozen=True, order=True)
class Recording:
    set: str  # "shared" (../shared/recordings) or "fixtures" (tests/fixtures)
    path: str  # <folder>/<name>.har inside the set

    @property
    def id(self) -> str:
        return f"{self.set}/{self.path}"

    @property
    def file(self) -> Path:
        return SETS[self.set] / self.path

    @property
    def folder(self) -> str:
        return self.path.split("/")[0]

    @property
    def identifier(self) -> str | None:
        found = IDENTIFIER.search(Path(self.path).stem)
        return found.group() if found else None

    @property
    def expected(self) -> Path:
        stem = self.path.removesuffix(".har")
        return EXPECTED / f"{stem}.json" if self.set == "shared" else FIXTURES / f"{stem}.expected.json"

    @property
    def case(self) -> Replay | Search | Parse | NotRead:
        return CASES.get(self.id, Replay())

    @property
    def source(self) -> str | None:
        """The spider a replay runs (None for searches and parsers)."""
        case = self.case
        return (case.source or self.folder) if isinstance(case, Replay) else None


def by_id(recording_id: str) -> Recording:
    return Recording(*recording_id.split("/", 1))


@cache
def all_recordings() -> list[Recording]:
    """The recordings on disk, and those the committed expected files and CASES name (for a missing ../shared)."""
    found = {by_id(name) for name in CASES}
    for name, root in SETS.items():
        found |= {Recording(name, har.relative_to(root).as_posix()) for har in root.glob("*/*.har")}
    found |= {Recording("shared", f"{p.relative_to(EXPECTED).as_posix().removesuffix('.json')}.har")
              for p in EXPECTED.glob("*/*.json")}
    found |= {Recording("fixtures", f"{p.relative_to(FIXTURES).as_posix().removesuffix('.expected.json')}.har")
              for p in FIXTURES.glob("*/*.expected.json")}
    return sorted(found)


def prerequisites(recording: Recording, source: str, subjects: tuple[str, ...]) -> list[tuple[str, Path, str]]:
    """(source, file, label) of what `source` reads first: its `after` sources' recordings of the same subjects."""
    found = []
    for before in getattr(SPIDERS[source], "after", ()):
        for value in subjects:
            same_set = [r for r in all_recordings() if r.set == recording.set and r.file.exists()
                        and r.source == before and Path(r.path).stem.endswith(value)]
            demo = DEMO / f"{before}-{value}.har"
            found += [(before, r.file, r.id) for r in same_set]
            if not same_set and demo.exists():
                found.append((before, demo, f"demo/{demo.name}"))
    return found


def subject_identity(source: str, value: str) -> Identity:
    return IDENTITIES[SPIDERS[source].jurisdiction](value)


def scrub(text: str | None) -> str | None:
    """Cache-busting query values (timestamps) out of URLs in a reason."""
    return CACHE_BUSTER_VALUE.sub(r"\1…", text) if text else text


def request_line(entry: dict) -> str:
    return f"{entry['request']['method']} {entry['request']['url']}"


def recorded_entries(recording: Recording) -> list[dict]:
    return json.loads(recording.file.read_text(encoding="utf-8"))["log"]["entries"]


# --- parsed: the source's parser on each answer -------------------------------------------------


def plain(value: Any) -> Any:
    """A parser's result as JSON: facts by source, kind, key and data; follow-up requests by what they ask."""
    if isinstance(value, Fact):
        return {"source": value.source, "kind": value.kind, "key": value.key, "data": plain(value.data)}
    if isinstance(value, Request):
        return {"asks": scrub(f"{value.method} {value.url}")}
    if is_dataclass(value):
        return {name: plain(item) for name, item in vars(value).items()}
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest(), "bytes": len(value)}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def parse_case(recording: Recording, case: Parse) -> dict:
    """Each recorded answer (but those UNREAD_ANSWERS lists) through the parser, in the pytest process."""
    answers = []
    for entry in recorded_entries(recording):
        line = request_line(entry)
        if (recording.id, line) in UNREAD_ANSWERS:
            continue
        meta = dict(case.meta)
        if case.spider:
            identity = subject_identity(case.spider.name, case.subject or recording.identifier)
            meta["subject"] = Subject(1, identity.key, identity.jurisdiction, identity.scheme, identity.value)
        response = har_response(recording.file, entry["request"]["url"], meta)
        argument = json.loads(response.text) if case.body == "json" else response
        try:
            if case.spider:
                outputs = list(case.parser(case.spider(), argument))
                facts = sorted((o for o in outputs if isinstance(o, Fact)), key=lambda f: (f.source, f.kind, f.key))
                result = plain([*facts, *(o for o in outputs if not isinstance(o, Fact))])
            else:
                result = plain(case.parser(argument))
            answers.append({"request": line, "result": result})
        except SourceFailure as exc:
            answers.append({"request": line, "failure": scrub(str(exc))})
    return {"recording": recording.id, "read_by": f"{case.parser.__module__}.{case.parser.__qualname__}",
            "why": case.why, "answers": answers}


# --- replayed and searched: one subprocess runs every such case ----------------------------------


def replay_plan(recording: Recording) -> dict:
    """What the subprocess needs to replay one recording (JSON): the files to replay from and the steps."""
    case = recording.case
    files = [str(recording.file), *(str(by_id(needed).file) for needed in case.needs)]
    steps: list[dict] = []
    replay = case
    if isinstance(case, Search):
        steps.append({"find": case.lookup})
        replay = case.then
    if replay is not None:
        source = replay.source or recording.folder
        if source not in SPIDERS:
            raise LookupError(f"no spider named {source!r} reads {recording.id}: give it a case in CASES "
                              "(Parse, Search, or NotRead with the reason)")
        subjects = replay.subjects or (recording.identifier,)
        if None in subjects:
            raise LookupError(f"no subject identifier in the name of {recording.id}: give it a case in CASES")
        for before, har, label in prerequisites(recording, source, subjects):
            files.append(str(har))
            steps.append({"crawl": before, "subjects": subjects, "prerequisite": label})
        steps.append({"crawl": source, "subjects": subjects})
    return {"id": recording.id, "files": files, "steps": steps}


def replay_all(recordings: list[Recording], work: Path) -> dict[str, dict]:
    """Replay the recordings, one subprocess per config file, side by side; results by recording id."""
    groups: dict[str, list[dict]] = {}
    results: dict[str, dict] = {}
    for recording in recordings:
        try:
            groups.setdefault(recording.case.config, []).append(replay_plan(recording))
        except LookupError as exc:
            results[recording.id] = {"error": str(exc)}
    processes = []
    for number, (config, plans) in enumerate(groups.items()):
        config_file, plan_file, out_file = (work / f"{number}-{name}" for name in ("config.toml", "plan.json",
                                                                                  "out.json"))
        config_file.write_text(config, encoding="utf-8")
        plan_file.write_text(json.dumps(plans, ensure_ascii=False), encoding="utf-8")
        env = offline_env({"CLIENTVET_CONFIG": str(config_file), "XDG_CACHE_HOME": str(work / "cache")})
        processes.append((subprocess.Popen(
            [sys.executable, "-m", "tests.test_expected", str(plan_file), str(out_file), str(work / str(number))],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), out_file))
    for process, out_file in processes:
        output, _ = process.communicate(timeout=REPLAY_TIMEOUT)
        if process.returncode != 0 or not out_file.exists():
            raise RuntimeError(f"the replay subprocess exited {process.returncode}:\n{output[-5000:]}")
        results.update(json.loads(out_file.read_text(encoding="utf-8")))
    return results


@pytest.fixture(scope="session")
def replayed(request, tmp_path_factory) -> Callable[[Recording], dict]:
    """The replay result of a recording; the first call replays every selected recording at once."""
    selected = [item.callspec.params["recording"] for item in request.session.items
                if getattr(item, "function", None) is test_recording_gives_the_expected_output]

    @cache
    def everything() -> dict[str, dict]:
        wanted = [r for r in selected if r.file.exists() and isinstance(r.case, (Replay, Search))]
        return replay_all(wanted, tmp_path_factory.mktemp("expected"))

    return lambda recording: everything()[recording.id]


# --- the test ---------------------------------------------------------------------------------------


def regenerating(config: pytest.Config) -> bool:
    return config.getoption("--regen-expected") or os.environ.get(REGEN_ENV) == "1"


@pytest.mark.parametrize("recording", all_recordings(), ids=lambda r: r.id)
def test_recording_gives_the_expected_output(recording: Recording, replayed, request):
    if recording.set == "shared":
        request.getfixturevalue("recordings")  # skips, saying why, without ../shared
    assert recording.file.exists(), f"{recording.id} is gone: delete {recording.expected} and its line in CASES"
    case = recording.case
    if isinstance(case, NotRead):
        assert not recording.expected.exists(), f"{recording.id} is not read ({case.why}): delete {recording.expected}"
        pytest.skip(f"not read: {case.why}")
    actual = parse_case(recording, case) if isinstance(case, Parse) else replayed(recording)
    assert "error" not in actual, actual.get("error")

    listed = {line for (recording_id, line) in UNREAD_ANSWERS if recording_id == recording.id}
    held = {request_line(entry) for entry in recorded_entries(recording)}
    assert listed <= held, f"UNREAD_ANSWERS lists requests {recording.id} does not hold: {sorted(listed - held)}"
    if not isinstance(case, Parse):  # a parser reads every answer but the listed ones
        unread = set(actual.pop("unread"))
        assert unread <= listed, (f"nothing read these answers of {recording.id}: {sorted(unread - listed)}; "
                                  "read them (CASES) or list them in UNREAD_ANSWERS with the reason")
        assert listed <= unread, f"UNREAD_ANSWERS lists answers of {recording.id} that are read: {listed - unread}"

    text = json.dumps(actual, ensure_ascii=False, indent=2) + "\n"
    path, shown = recording.expected, recording.expected.relative_to(ROOT)
    if regenerating(request.config) or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not regenerating(request.config):
            pytest.fail(f"wrote the missing {shown}: read it as an analyst would, then commit it")
        return
    expected = path.read_text(encoding="utf-8")
    if json.loads(expected) != json.loads(text):
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), str(shown), "now"))
        pytest.fail(f"{recording.id} no longer gives {shown} (after a reviewed change: pytest --regen-expected):\n"
                    f"{diff}")


def test_the_tables_name_only_what_exists():
    """A stale line in CASES or UNREAD_ANSWERS would keep a reason for nothing."""
    present = {name for name, root in SETS.items() if root.is_dir()}
    for recording_id, case in CASES.items():
        for named in (recording_id, *getattr(case, "needs", ())):
            assert by_id(named).set in SETS, named
            assert by_id(named).set not in present or by_id(named).file.exists(), f"CASES names {named}: no such file"
        replay = case.then if isinstance(case, Search) else case
        if isinstance(replay, Replay) and replay.source:
            assert replay.source in SPIDERS, f"{recording_id}: no spider named {replay.source!r}"
    for recording_id, _ in UNREAD_ANSWERS:
        assert recording_id in CASES or by_id(recording_id).set not in present or by_id(recording_id).file.exists(), \
            f"UNREAD_ANSWERS names {recording_id}: no such file"


# --- the subprocess: python -m tests.test_expected PLAN OUT WORK ---------------------------------------


def run_plans(plans: list[dict], out_file: Path, work: Path) -> None:
    """Replay every plan in one reactor run (each in its own replay directory, one database) and write the results."""
    from scrapy.utils.reactor import install_reactor

    db = str(work / "evidence.sqlite")
    install_reactor(build_settings(db, None)["TWISTED_REACTOR"])
    from twisted.internet import reactor

    results: dict[str, dict] = {}
    browsers = defer.DeferredSemaphore(BROWSER_CASES_AT_ONCE)

    async def one(number: int, plan: dict) -> None:
        browser = any(SPIDERS[step["crawl"]].needs_browser for step in plan["steps"] if "crawl" in step)
        if browser:
            await browsers.acquire()
        try:
            results[plan["id"]] = await replay_one(plan, work / f"case-{number}", db)
        except Exception:
            results[plan["id"]] = {"error": traceback.format_exc()}
        finally:
            if browser:
                browsers.release()

    async def everything() -> None:
        await defer.DeferredList([defer.Deferred.fromCoroutine(one(n, plan)) for n, plan in enumerate(plans)])

    def stop(outcome):
        out_file.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
        reactor.stop()
        return outcome

    reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(everything()).addBoth(stop))
    reactor.run()


async def replay_one(plan: dict, directory: Path, db: str) -> dict:
    """One recording (and what it needs) replayed through the Scrapy stack, as its expected output."""
    directory.mkdir(parents=True)
    links = [directory / f"{number}-{Path(file).name}" for number, file in enumerate(plan["files"])]
    for link, file in zip(links, plan["files"]):
        link.symlink_to(file)
    runner = CrawlerRunner(build_settings(db, str(directory)))
    store = open_store(db)
    checks: dict[str, Subject] = {}
    response_ids: list[int] = []
    output: dict[str, Any] = {"recording": plan["id"], "read_by": "search" if "find" in plan["steps"][0] else "replay"}
    for step in plan["steps"]:
        if "find" in step:
            found = await find(Searcher(runner), **step["find"])
            response_ids += found.response_ids
            output["query"] = found.query
            output["searches"] = [{"source": run.source, "status": run.status, "reason": scrub(run.reason),
                                   "company_name": run.company_name, "candidates": plain(run.candidates)}
                                  for run in found.runs]
            continue
        source = step["crawl"]
        subjects = []
        for value in step["subjects"]:
            identity = subject_identity(source, value)
            if identity.key not in checks:
                check_id = store.start_check(identity, replay=str(directory))
                checks[identity.key] = Subject(check_id, identity.key, identity.jurisdiction, identity.scheme,
                                               identity.value)
            subjects.append(checks[identity.key])
        await runner.crawl(runner.create_crawler(SPIDERS[source]), subjects=subjects)
        for subject in subjects:
            [run] = [r for r in store.source_runs(subject.check_id) if r.source == source]
            summary = {"source": source, "subject": subject.company_key, "status": run.status,
                       "reason": scrub(run.reason), "requests": run.requests, "facts_stored": run.facts}
            if "prerequisite" in step:
                output.setdefault("prerequisites", []).append({"recording": step["prerequisite"], **summary})
                continue
            facts = sorted((o for o in store.observations(subject.check_id) if o.source == source),
                           key=lambda o: (o.kind, o.key))
            output.setdefault("runs", []).append(
                {**summary, "facts": [{"kind": o.kind, "key": o.key, "data": o.data} for o in facts]})
    output["unread"] = unread_answers(load_archive(str(directory)), links[0], store,
                                      [s.check_id for s in checks.values()], response_ids)
    return output


def unread_answers(archive: HarArchive, own: Path, store, check_ids: list[int], response_ids: list[int]) -> list[str]:
    """The requests of the recording `own` whose answer no response archived by the run came from."""
    rows = store.db.query(
        f"select method, url, request_body from responses where check_id in ({','.join('?' * len(check_ids))})"
        f" or id in ({','.join('?' * len(response_ids))})", [*check_ids, *response_ids])
    # By identity: two recorded answers may hold the same body.
    answered = {id(archive.find(row["method"], row["url"], row["request_body"], None)) for row in rows}
    unread = []
    for entry in json.loads(own.read_text(encoding="utf-8"))["log"]["entries"]:
        post = entry["request"].get("postData") or {}
        recorded = archive.find(entry["request"]["method"], entry["request"]["url"], post.get("text"),
                                post.get("mimeType"))
        if id(recorded) not in answered:
            unread.append(request_line(entry))
    return unread


if __name__ == "__main__":
    run_plans(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), Path(sys.argv[2]), Path(sys.argv[3]))
