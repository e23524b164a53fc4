"""One check of one company, start to finish: the library call every command that checks a company makes.

Resolve the company (an identity as given, or a search by name or website and a choice),
start the check, crawl its sources, drop it again when no registry knows the company,
judge the evidence and finish the check. Nothing here prints or exits: progress goes to a
`Progress`, questions to an `ask` callback, and every way a check can end without a verdict
is an error carrying its exit status.

`run_checks` is the same check for many companies given by their identities: every check
is started, all of them are crawled in one crawl run (the sources side by side across the
companies, each source's politeness per host shared by all of them), and each company is
judged as soon as its last source has finished. A company whose check cannot be finished
is an `Outcome` with its error; the others go on.

The crawler is reached through the `Engine` protocol, which crawler/engine.py implements and
the caller passes in, so checks/ never imports crawler/.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.kinds import UnknownKind, parse_kinds
from clientvet.checks.tuning import Tuning
from clientvet.checks.verdict import Verdict, evaluate
from clientvet.evidence import errors
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.store import Store, StoreError

HOME_CURRENCY = {"RU": "RUB", "GB": "GBP", "US": "USD"}  # of a deal amount given without a currency


# --- what the caller gives ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """A company given by name or website: searched for, then chosen."""

    name: str | None = None
    domain: str | None = None
    country: str | None = None  # ru | gb | us: the registry to search a name in
    city: str | None = None  # tells same-named companies apart
    pick: int | None = None  # candidate N of the list, chosen without asking

    def query(self) -> dict[str, str]:
        """What is searched for, as it is said: name or domain, then country and city."""
        return {key: value for key, value in (("name", self.name), ("domain", self.domain),
                                              ("country", self.country), ("city", self.city)) if value}


# Shown the numbered candidates, answers the number of the company to check; None when the person stopped.
Ask = Callable[[list[dict[str, Any]]], int | None]
SourceDone = Callable[[int, str, str, str | None], None]  # check id, source, status, reason


class Progress:
    """What a check says while it runs; this one says nothing. A caller overrides what it shows."""

    def searching(self, query: dict[str, str]) -> None:
        """A search by name or website starts."""

    def searched(self, run: SearchRun) -> None:
        """One search source answered."""

    def search_incomplete(self, run: SearchRun) -> None:
        """A registry search could not look: the candidates may lack the right company."""

    def chosen(self, choice: Choice, sources: int) -> None:
        """The company to check was chosen from the candidates; its sources are about to run."""

    def checking(self, identity: Identity, sources: int) -> AbstractContextManager[Any]:
        """Held while the sources of a company given by its identity run."""
        return nullcontext()

    def source_done(self, source: str, status: str, reason: str | None) -> None:
        """A source finished: ok, empty, failed or skipped, and why."""


# --- what the crawler gives (crawler/engine.py) ---------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """What the sources of one jurisdiction declare, as far as a check needs it."""

    names: tuple[str, ...]
    essential: frozenset[str]  # a verdict is never green while one of these is unchecked
    registry: tuple[str, ...]  # they give the registry record: all empty means no such company
    reviews: frozenset[str]  # review sites: weak evidence each, so coverage counts them together
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # source → evidence kinds it covers
    key_settings: Mapping[str, str] = field(default_factory=dict)  # source → where its API key is set


@dataclass(frozen=True)
class CrawlSettings:
    """Where the crawl stores what it finds, where it replays from, and the Scrapy settings to change."""

    db_path: Path
    replay: Path | None  # answer every request from the HAR recordings here; None: live
    overrides: Mapping[str, Any] = field(default_factory=dict)  # Scrapy settings by name


@dataclass(frozen=True)
class Target:
    """A company a check crawls."""

    check_id: int
    identity: Identity


@dataclass(frozen=True)
class Choice:
    """The company chosen from a search, how, and the record of it that is stored with the check."""

    identity: Identity
    name: str | None
    how: str  # only-strong | site-identifier | user | --pick
    found_by: dict[str, Any]


class SearchRun(Protocol):
    """One search source's answer: never 'nothing found' when it could not look."""

    source: str
    status: str  # ok | empty | failed | skipped
    reason: str | None
    candidates: Sequence[Any]
    registry: bool  # a registry search, not a hint (a name, an identifier)

    def as_dict(self) -> dict[str, Any]: ...


class Search(Protocol):
    """What a name or website search found, ranked best first, for the choice between search and crawl."""

    query: dict[str, Any]
    runs: Sequence[SearchRun]
    incomplete: Sequence[SearchRun]  # the runs that failed or were skipped
    response_ids: Sequence[int]  # the archived answers, evidence of the check that follows
    candidates: list[dict[str, Any]]  # the ones shown, numbered from 1

    def nothing_found(self) -> NoChoice:
        """Why there are no candidates."""

    def choose(self, pick: int | None, ask: Ask | None) -> Choice:
        """The single strong match of a complete search, candidate `pick`, or the one `ask` answers.

        Raises NoChoice when none of these chooses.
        """


class Engine(Protocol):
    """The crawler, as a check uses it."""

    def sources_for(self, jurisdiction: str) -> Sources: ...

    def open_store(self, db_path: Path) -> Store:
        """The store the crawl writes through (one connection per database per process)."""

    def check_recordings(self, replay: Path) -> None:
        """Raise ValueError naming the first recording under `replay` that cannot be read."""

    def crawl(self, targets: Sequence[Target], settings: CrawlSettings, on_source_done: SourceDone) -> None:
        """Run every source of the targets' jurisdictions."""

    def search_then_crawl(self, lookup: Lookup, decide: Callable[[Search], Sequence[Target]],
                          settings: CrawlSettings, on_source_done: SourceDone) -> None:
        """Search, let `decide` turn the answer into targets, crawl them, in one crawl run.

        What `decide` raises is raised here; NoChoice when the run was stopped before it answered.
        """


# --- what the caller gets -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """A finished check: what a report, a comparison with the previous check or a batch summary reads."""

    check_id: int
    identity: Identity
    verdict: Verdict
    evidence: CheckEvidence  # as stored once the check finished


class CheckError(errors.ClientvetError):
    """A check that ended without a verdict."""


class BadInput(CheckError):
    """An argument of run_check was refused before anything was written."""

    exit_code = errors.BAD_INPUT

    def __init__(self, message: str, argument: str):
        super().__init__(message)
        self.argument = argument


class NotFound(CheckError):
    """No registry knows the company and no source saw it: the check was discarded."""

    exit_code = errors.NOT_FOUND


class NoChoice(CheckError):
    """No company was chosen from a search (nothing found, several, stopped): nothing was stored."""

    def __init__(self, message: str, exit_code: int, candidates: Sequence[dict[str, Any]] = (),
                 search: Search | None = None):
        super().__init__(message, exit_code)
        self.candidates = list(candidates)
        self.query = search.query if search else None
        self.searched = [run.as_dict() for run in search.runs] if search else []


class StoreFailed(CheckError):
    """The evidence database could not be opened or written: no verdict; what earlier transactions wrote stays.

    A check it ended stays `running` until the next check marks it `interrupted`, as a killed one.
    """

    def __init__(self, db_path: Path, cause: StoreError | sqlite3.Error):
        if isinstance(cause, StoreError):
            super().__init__(str(cause), cause.exit_code)
        else:
            super().__init__(f"cannot use the evidence database {db_path}: {cause}")
        self.db_path = db_path


# --- the check ------------------------------------------------------------------------------------


def run_check(company: Identity | Lookup, engine: Engine, *, db_path: Path, replay: Path | None = None,
              as_of: date | None = None, settings: Mapping[str, Any] | None = None,
              terms: Mapping[str, Any] | None = None, tuning: Tuning | None = None,
              progress: Progress | None = None, ask: Ask | None = None) -> CheckResult:
    """Check `company` (an identity, or a Lookup to search for) and judge it as of `as_of`.

    `terms` is the deal (purpose, amount, currency, contact) and the evidence kinds the user accepts
    to leave unchecked (accept_unchecked: kind codes of checks/kinds.py, a list or "debts,reviews"),
    stored with the check; an amount without a currency is in the company's home currency. `ask` is
    called to choose among candidates when nothing else chooses; without it, that is a NoChoice.

    Raises BadInput before anything is written, NotFound or NoChoice with nothing stored,
    StoreFailed when the database cannot be written.
    """
    progress = progress or Progress()
    crawl = _crawl_settings(engine, db_path, replay, settings)
    terms = _accepting(dict(terms or {}))
    try:
        store = engine.open_store(db_path)
        if isinstance(company, Lookup):
            identity, check_id = _find_then_check(company, engine, store, crawl, terms, progress, ask)
        else:
            identity, check_id = company, _check(company, engine, store, crawl, terms, progress)
        return _judge(identity, check_id, engine.sources_for(identity.jurisdiction), store, as_of, tuning)
    except (StoreError, sqlite3.DatabaseError) as exc:
        raise StoreFailed(db_path, exc) from None


def _crawl_settings(engine: Engine, db_path: Path, replay: Path | None,
                    settings: Mapping[str, Any] | None) -> CrawlSettings:
    """What the crawl needs, with the recordings to replay checked first (BadInput, nothing written)."""
    if replay is not None:
        replay = replay.resolve()
        try:
            engine.check_recordings(replay)
        except ValueError as exc:
            raise BadInput(str(exc), "replay") from None
    return CrawlSettings(db_path, replay, dict(settings or {}))


def _start(identity: Identity, store: Store, crawl: CrawlSettings, terms: Mapping[str, Any]) -> int:
    return store.start_check(identity, replay=_replay(crawl), terms=_in_home_currency(dict(terms), identity))


def _check(identity: Identity, engine: Engine, store: Store, crawl: CrawlSettings, terms: dict[str, Any],
           progress: Progress) -> int:
    check_id = _start(identity, store, crawl, terms)
    with progress.checking(identity, len(engine.sources_for(identity.jurisdiction).names)):
        engine.crawl([Target(check_id, identity)], crawl,
                     lambda _, source, status, reason: progress.source_done(source, status, reason))
    store.flush()  # raises when any write of the crawl could not be made: no verdict on part of the evidence
    return check_id


def _find_then_check(lookup: Lookup, engine: Engine, store: Store, crawl: CrawlSettings, terms: dict[str, Any],
                     progress: Progress, ask: Ask | None) -> tuple[Identity, int]:
    """Search, choose, start the check and crawl it, all in one crawl run."""
    searched: list[Search] = []
    chosen: list[tuple[Identity, int]] = []

    def decide(search: Search) -> list[Target]:
        searched.append(search)
        for run in search.runs:
            progress.searched(run)
        if not search.candidates:
            raise search.nothing_found()
        for run in search.incomplete:
            if run.registry:
                progress.search_incomplete(run)
        choice = search.choose(lookup.pick, _stopping(ask) if ask else None)
        identity = choice.identity
        sources = engine.sources_for(identity.jurisdiction)
        if not sources.names:
            raise NoChoice(f"{identity.jurisdiction} companies cannot be checked yet", errors.FAILED)
        check_id = store.start_check(identity, replay=_replay(crawl), terms={
            **_in_home_currency(terms, identity), "found_by": choice.found_by})
        store.attach_responses(check_id, search.response_ids)
        chosen.append((identity, check_id))
        progress.chosen(choice, len(sources.names))
        return [Target(check_id, identity)]

    progress.searching(lookup.query())
    try:
        engine.search_then_crawl(lookup, decide, crawl,
                                 lambda _, source, status, reason: progress.source_done(source, status, reason))
    except NoChoice as error:
        search = searched[0] if searched else None
        if search and not chosen:
            store.discard_responses(search.response_ids)
        raise NoChoice(str(error), error.exit_code, error.candidates, search) from None
    store.flush()  # raises when any write of the crawl could not be made
    return chosen[0]


def _stopping(ask: Ask) -> Callable[[list[dict[str, Any]]], int]:
    """`ask`, with the person stopping it (None) ending the choice."""
    def asking(candidates: list[dict[str, Any]]) -> int:
        number = ask(candidates)
        if number is None:
            raise NoChoice("stopped before a company was chosen", errors.FAILED)
        return number
    return asking


def _judge(identity: Identity, check_id: int, sources: Sources, store: Store, as_of: date | None,
           tuning: Tuning | None) -> CheckResult:
    """Evaluate and finish the check, or discard it when no registry knows the company and nothing was seen."""
    runs = {run.source: run for run in store.source_runs(check_id)}
    if all(runs[name].status == "empty" for name in sources.registry) and not store.observations(check_id):
        store.discard_check(check_id)
        raise NotFound(f"no company with {identity.scheme.upper()} {identity.value} in {', '.join(sources.registry)}")
    verdict = evaluate(_evidence(store, check_id, sources, as_of, tuning))
    store.finish_check(check_id, verdict.colour, verdict.score)
    return CheckResult(check_id, identity, verdict, _evidence(store, check_id, sources, as_of, tuning))


def _evidence(store: Store, check_id: int, sources: Sources, as_of: date | None,
              tuning: Tuning | None) -> CheckEvidence:
    return CheckEvidence.load(store, check_id, sources.essential, as_of, tuning, sources.reviews,
                              source_kinds=sources.kinds, key_settings=sources.key_settings)


def _replay(crawl: CrawlSettings) -> str | None:
    return str(crawl.replay) if crawl.replay else None


def _accepting(terms: dict[str, Any]) -> dict[str, Any]:
    """The terms with the kinds accepted unchecked known, in the verdict's order; BadInput names an unknown one."""
    if "accept_unchecked" not in terms:
        return terms
    named = terms["accept_unchecked"]
    try:
        kinds = parse_kinds(named.split(",") if isinstance(named, str) else named)
    except UnknownKind as exc:
        raise BadInput(str(exc), "accept-unchecked") from None
    rest = {key: value for key, value in terms.items() if key != "accept_unchecked"}
    return {**rest, "accept_unchecked": kinds} if kinds else rest


def _in_home_currency(terms: dict[str, Any], identity: Identity) -> dict[str, Any]:
    """The terms with an amount given without a currency in the company's home currency."""
    if "amount" in terms and not terms.get("currency"):
        return {**terms, "currency": HOME_CURRENCY.get(identity.jurisdiction, "")}
    return terms


# --- many companies, one crawl --------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    """A company of a batch, given by its identity, and the deal it is judged for."""

    identity: Identity
    terms: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """How the check of one company of a batch ended: a result, or the error it ended with."""

    index: int  # the company's place in the batch, from 0
    company: Company
    result: CheckResult | None = None
    error: CheckError | None = None


class BatchProgress:
    """What a batch says while it runs; this one says nothing. A caller overrides what it shows."""

    def checking(self, companies: Sequence[Company], source_runs: int) -> AbstractContextManager[Any]:
        """Held while the crawl runs; `source_runs` is how many (company, source) runs it makes."""
        return nullcontext()

    def source_done(self, company: Company, source: str, status: str, reason: str | None) -> None:
        """A source finished for a company: ok, empty, failed or skipped, and why."""

    def done(self, outcome: Outcome) -> None:
        """A company was judged, or its check ended without a verdict."""


def run_checks(companies: Sequence[Company], engine: Engine, *, db_path: Path, replay: Path | None = None,
               as_of: date | None = None, settings: Mapping[str, Any] | None = None,
               tuning: Tuning | None = None, progress: BatchProgress | None = None) -> list[Outcome]:
    """Check every company in one crawl run and judge each as of `as_of`; the outcomes in the companies' order.

    Each company's check is run_check's (started, crawled, judged or discarded the same way); a
    company whose check ends without a verdict (NotFound, StoreFailed, an error while judging it)
    is an outcome with that error, and the batch goes on.

    Raises BadInput before anything is written (recordings that cannot be read, a company given
    twice), StoreFailed when the database cannot be opened.
    """
    progress = progress or BatchProgress()
    crawl = _crawl_settings(engine, db_path, replay, settings)
    seen: dict[str, int] = {}
    for number, company in enumerate(companies, 1):
        if company.identity.key in seen:
            raise BadInput(f"company {number} ({company.identity.key}) is company {seen[company.identity.key]} "
                           "again", "companies")
        seen[company.identity.key] = number
    try:
        store = engine.open_store(db_path)
    except sqlite3.OperationalError as exc:
        raise StoreFailed(db_path, exc) from None
    batch = _Batch(companies, engine, store, as_of, tuning, progress)
    for index, company in enumerate(companies):
        try:
            batch.started(index, _start(company.identity, store, crawl, company.terms))
        except sqlite3.OperationalError as exc:
            batch.finished(Outcome(index, company, error=StoreFailed(db_path, exc)))
    with progress.checking(companies, batch.source_runs()):
        if batch.targets:
            try:
                engine.crawl(batch.targets, crawl, batch.source_done)
            except sqlite3.OperationalError as exc:
                batch.failed_all(StoreFailed(db_path, exc))
    batch.judge_the_rest()
    return batch.outcomes()


class _Batch:
    """The checks of one batch: which sources each still waits for, and the outcomes so far."""

    def __init__(self, companies: Sequence[Company], engine: Engine, store: Store, as_of: date | None,
                 tuning: Tuning | None, progress: BatchProgress):
        self.companies, self.engine, self.store = companies, engine, store
        self.as_of, self.tuning, self.progress = as_of, tuning, progress
        self.targets: list[Target] = []
        self.index_of: dict[int, int] = {}  # check id → company index
        self.waiting: dict[int, set[str]] = {}  # check id → sources not finished yet
        self.done: dict[int, Outcome] = {}  # company index → outcome

    def started(self, index: int, check_id: int) -> None:
        identity = self.companies[index].identity
        self.targets.append(Target(check_id, identity))
        self.index_of[check_id] = index
        self.waiting[check_id] = set(self.engine.sources_for(identity.jurisdiction).names)

    def source_runs(self) -> int:
        return sum(map(len, self.waiting.values()))

    def source_done(self, check_id: int, source: str, status: str, reason: str | None) -> None:
        """A source finished for a company: the company is judged once its last source has."""
        index = self.index_of[check_id]
        self.progress.source_done(self.companies[index], source, status, reason)
        waiting = self.waiting.get(check_id)
        if waiting is not None:
            waiting.discard(source)
            if not waiting:
                self.judge(check_id)

    def judge(self, check_id: int) -> None:
        del self.waiting[check_id]
        index = self.index_of[check_id]
        company = self.companies[index]
        identity = company.identity
        try:
            self.store.flush()  # no verdict on part of the evidence: every write so far must have been made
            result = _judge(identity, check_id, self.engine.sources_for(identity.jurisdiction), self.store,
                            self.as_of, self.tuning)
            outcome = Outcome(index, company, result=result)
        except CheckError as error:
            outcome = Outcome(index, company, error=error)
        except (StoreError, sqlite3.OperationalError) as exc:
            outcome = Outcome(index, company, error=StoreFailed(self.store.path, exc))
        except Exception as exc:  # a fault judging one company must not cost the others their verdicts
            outcome = Outcome(index, company, error=CheckError(
                f"could not judge the evidence: {type(exc).__name__}: {exc}"))
        self.finished(outcome)

    def judge_the_rest(self) -> None:
        """Companies whose sources did not all report (a source that could not start) are judged now."""
        for check_id in list(self.waiting):
            self.judge(check_id)

    def failed_all(self, error: CheckError) -> None:
        for check_id in list(self.waiting):
            del self.waiting[check_id]
            index = self.index_of[check_id]
            self.finished(Outcome(index, self.companies[index], error=error))

    def finished(self, outcome: Outcome) -> None:
        self.done[outcome.index] = outcome
        self.progress.done(outcome)

    def outcomes(self) -> list[Outcome]:
        return [self.done[index] for index in sorted(self.done)]
