"""Benchmarks: speed and memory as ratios against a bound or a baseline measured in the same run.

    .venv/bin/python bench/run.py [FIGURE ...]   # every figure, or the functions named

Each line prints the ratio and its bound; the exit status is 1 when any ratio is over.
Nothing here talks to the network: the check replays the bundled demo recordings.
"""

from __future__ import annotations

import contextlib
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import psutil
import scrapy

from clientvet.crawler.declarations import critical_path, politeness_bound
from clientvet.crawler.har import HarArchive, load_archive
from clientvet.crawler.items import Subject
from clientvet.crawler.middlewares import replayed_response
from clientvet.crawler.spiders import declared_for, sources_for
from clientvet.evidence.identifiers import parse_inn
from clientvet.evidence.store import Store

ROOT = Path(__file__).resolve().parents[1]

DEMO = ROOT / "demo"
DEMO_INN = "0000123450"
REPEATS = int(os.environ.get("BENCH_REPEATS", 5))  # each figure's runs; fewer only to try the bench out
LONG_REPEATS = min(REPEATS, 3)  # the runs of a 200-company batch (half a minute to two minutes each)
UK_DEMO_NUMBER = "99000100"  # DEMO PRINTWORKS LIMITED: Companies House, The Gazette, Trustpilot
POLITE_SHARE = 0.1  # the politeness figure's pauses and latency, shortened alike (CLIENTVET_REPLAY_POLITE)
LATENCIES = (0.1, 0.3, 1.0)  # seconds each replayed request waits, standing in for the network
HEAVY = ("scrapy", "twisted", "playwright", "weasyprint")  # what a command that crawls or renders PDF needs
OFFLINE = {"CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml"),
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


@dataclass
class Figure:
    """One benchmark's result: the median ratio of its runs, their spread, and the bound it must stay under."""

    name: str
    ratios: list[float]
    bound: float
    detail: str
    at_least: bool = False  # the ratio must reach the bound (a speed-up), not stay under it

    @property
    def over(self) -> bool:
        median = statistics.median(self.ratios)
        return median < self.bound if self.at_least else median > self.bound

    def line(self) -> str:
        median, spread = statistics.median(self.ratios), max(self.ratios) - min(self.ratios)
        sense = ">=" if self.at_least else "<="
        return (f"{self.name:28} median {median:6.2f} spread {spread:5.2f} (goal {sense} {self.bound:5.2f}) "
                f"{'OVER' if self.over else 'ok':4}  {self.detail}")


def _check_command(*args: str, settings: tuple[str, ...] = ()) -> list[str]:
    """`clientvet check ARGS --json`, each setting given with --set."""
    return [sys.executable, "-m", "clientvet", "check", *args, "--json",
            *(arg for setting in settings for arg in ("--set", setting))]


def _rows(db: Path, sql: str, *parameters: object) -> list[tuple]:
    """The rows a query of a benchmark's database gives."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, parameters).fetchall()


def _clientvet_check(*args: str, settings: tuple[str, ...] = ()) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, from the child's resource usage) of `clientvet check ARGS --json`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(_check_command(*args, settings=settings), capture_output=True, env={**os.environ, **OFFLINE},
                   cwd=ROOT)  # exit 1 may be a verdict
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _timed_check(db: Path, latency: float, polite: bool = False) -> float:
    """Wall time of the demo check replayed at this latency; `polite` keeps the live pauses between requests."""
    settings = (f"CLIENTVET_REPLAY_LATENCY={latency}",) + (("CLIENTVET_REPLAY_POLITE=1",) if polite else ())
    # the demo fails one source (fssp's captcha): still a verdict
    wall, _ = _clientvet_check("--inn", DEMO_INN, "--replay", str(DEMO), "--db", str(db), settings=settings)
    return wall


def _requests_per_source(db: Path, check_id: int | None = 1) -> dict[str, int]:
    """The requests each source sent for one check, or (None) for every check of the database together."""
    if check_id is None:
        return dict(_rows(db, "select source, sum(requests) from source_runs group by source"))
    return dict(_rows(db, "select source, requests from source_runs where check_id = ?", check_id))


def check_latency(latency: float) -> Callable[[Path], Figure]:
    def bench(tmp: Path) -> Figure:
        """Wall time the network and the politeness add to a check (paired with a run without either) vs its
        critical path: the sources' declared request chains and pauses (crawler/declarations.py)."""
        added = []
        for run in range(REPEATS):
            baseline = _timed_check(tmp / f"zero-{latency}-{run}.sqlite", 0.0)
            added.append(_timed_check(tmp / f"slow-{latency}-{run}.sqlite", latency, polite=True) - baseline)
        bound = critical_path(declared_for("RU"), latency)
        serial = sum(_requests_per_source(tmp / f"slow-{latency}-0.sqlite").values())
        return Figure(f"check at {latency * 1000:.0f} ms vs chain", [a / bound for a in added], 1.25,
                      f"adds {statistics.median(added):.2f} s; critical path {bound:.2f} s; "
                      f"all {serial} requests one after another = {latency * serial:.2f} s")
    bench.__name__ = f"check_latency_{int(latency * 1000)}ms"
    return bench


def check_vs_sequential(tmp: Path) -> Figure:
    """How much faster than the same requests one after another (computed: requests × latency) a check is at 300 ms."""
    latency, speedups = 0.3, []
    for run in range(REPEATS):
        baseline = _timed_check(tmp / f"seq-zero-{run}.sqlite", 0.0)
        added = _timed_check(tmp / f"seq-slow-{run}.sqlite", latency) - baseline
        serial = sum(_requests_per_source(tmp / f"seq-slow-{run}.sqlite").values())
        speedups.append(latency * serial / added)
    return Figure("check vs sequential at 300ms", speedups, 4.0, "sequential = every request's latency in turn",
                  at_least=True)


def made_up_uk_companies(directory: Path, count: int) -> Path:
    """Recordings of `count` MADE-UP UK companies, and a file listing their numbers (returned).

    Each is the UK demo company (demo/, DEMO PRINTWORKS LIMITED) under another number of the
    99 200 000 block, which no real company has: its Companies House answers with the number changed
    in the URLs and bodies, and its directors' officer ids with it, so every company's requests are its
    own. The Gazette and Trustpilot are searched by the name, which all of them share: one recording each.
    """
    directory.mkdir(parents=True, exist_ok=True)
    template = (DEMO / f"companies_house-{UK_DEMO_NUMBER}.har").read_text(encoding="utf-8")
    numbers = [f"992{n:05d}" for n in range(count)]
    for number in numbers:
        made_up = template.replace(UK_DEMO_NUMBER, number).replace("DemoPrintworksDirector",
                                                                    f"DemoPrintworksDirector{number}x")
        (directory / f"companies_house-{number}.har").write_text(made_up, encoding="utf-8")
    for source in ("gazette", "trustpilot"):
        (directory / f"{source}-{UK_DEMO_NUMBER}.har").write_bytes((DEMO / f"{source}-{UK_DEMO_NUMBER}.har").read_bytes())
    listed = directory.with_suffix(".txt")
    listed.write_text("".join(f"{number}\n" for number in numbers), encoding="utf-8")
    return listed


def _batch(tmp: Path, count: int, name: str, settings: tuple[str, ...] = ()) -> tuple[float, float, Path, Path]:
    """Wall and CPU seconds of `check --from` over `count` made-up UK companies, its database and recordings."""
    replay = tmp / f"{name}-companies"
    listed = replay.with_suffix(".txt") if replay.is_dir() else made_up_uk_companies(replay, count)
    db = tmp / f"{name}.sqlite"
    db.unlink(missing_ok=True)
    wall, cpu = _clientvet_check("--from", str(listed), "--replay", str(replay), "--db", str(db), settings=settings)
    if _finished_checks(db) != count:
        raise RuntimeError(f"{name}: {_finished_checks(db)} of {count} companies got a verdict")
    return wall, cpu, db, replay


def _finished_checks(db: Path) -> int:
    [(count,)] = _rows(db, "select count(*) from checks where status = 'complete'")
    return count


def batch_cpu_vs_single(tmp: Path, count: int = 20) -> Figure:
    """CPU per company of a 20-company batch vs the CPU of checking one of them alone: the start-up (Python,
    Scrapy, the spiders, the store) is paid once per run, so a batch's share of it should be small."""
    ratios, singles, per_company = [], [], []
    for run in range(REPEATS):
        single_replay = tmp / "single-companies"
        if not single_replay.is_dir():
            made_up_uk_companies(single_replay, 1)
        _, single = _clientvet_check("--company-number", "99200000", "--replay", str(single_replay),
                                     "--db", str(tmp / f"single-{run}.sqlite"))
        _, cpu, _, _ = _batch(tmp, count, "batch20")
        singles.append(single)
        per_company.append(cpu / count)
        ratios.append(cpu / count / single)
    return Figure(f"batch of {count}: CPU/company", ratios, 0.25,
                  f"{statistics.median(per_company):.3f} s per company vs {statistics.median(singles):.2f} s "
                  f"for one alone (made-up UK companies)")


def parsing_cpu(db: Path, replay: Path) -> float:
    """CPU seconds the UK sources' callbacks take to parse every recorded answer of the checks in `db`, here.

    Each source's spider is driven as the crawl drives it, without Scrapy's engine: its requests for each
    check (the Gazette's and Trustpilot's read the name the batch stored), the recorded response of each,
    and the requests its callbacks yield; only the callbacks (reading the JSON or HTML, checking the
    records, building the facts) are timed. The pipelines that normalise, validate and store the facts
    are not parsing: they are the per-company cost the batch should keep small.
    """
    store = Store(db)
    archive = load_archive(str(replay))
    checks = _rows(db, "select id, company_key, jurisdiction, scheme, identifier from checks")
    spent = 0.0
    for spider_class in sources_for("GB"):
        for check in checks:
            spider = spider_class(subjects=[Subject(*check)])
            spider.store, spider.replay = store, True
            waiting = list(spider.requests_for(Subject(*check)))
            while waiting:
                request = waiting.pop()
                response = replayed_response(archive, request)
                started = time.process_time()
                output = list(request.callback(response) or ())
                spent += time.process_time() - started
                waiting += [item for item in output if isinstance(item, scrapy.Request)]
    store.close()
    return spent


def batch_cpu_beyond_parsing(tmp: Path, count: int = 200) -> Figure:
    """CPU seconds per company of a 200-company batch beyond parsing its answers (parsing_cpu): what the run
    spends per company on the crawl, the store, the verdict and the report, and its start-up shared out."""
    beyond, parsed = [], []
    for _ in range(LONG_REPEATS):
        _, cpu, db, replay = _batch(tmp, count, "batch200")
        parsing = parsing_cpu(db, replay)
        parsed.append(parsing / count)
        beyond.append((cpu - parsing) / count)
    return Figure(f"batch of {count}: CPU s/company", beyond, 0.15,
                  f"beyond parsing, {statistics.median(parsed) * 1000:.1f} ms/company; seconds, not a ratio; "
                  f"{LONG_REPEATS} runs")


def batch_vs_politeness(tmp: Path, count: int = 200, latency: float = 0.3) -> Figure:
    """Wall time of a 200-company batch at 300 ms a request with the live politeness vs the politeness bound:
    per source, its requests × its pause / its concurrency (crawler/declarations.py); the slowest sets it.

    The pauses and the latency are shortened to POLITE_SHARE alike (CLIENTVET_REPLAY_POLITE), so the run
    takes a tenth of the quarter-hour the live pace would.
    """
    settings = (f"CLIENTVET_REPLAY_LATENCY={latency * POLITE_SHARE}", f"CLIENTVET_REPLAY_POLITE={POLITE_SHARE}")
    ratios, walls, bound = [], [], 0.0
    for _ in range(LONG_REPEATS):
        wall, _, db, _ = _batch(tmp, count, "polite200", settings)
        bound = politeness_bound(_requests_per_source(db, None), declared_for("GB"), POLITE_SHARE)
        walls.append(wall)
        ratios.append(wall / bound)
    requests = _requests_per_source(tmp / "polite200.sqlite", None)
    return Figure(f"batch of {count} vs politeness", ratios, 1.15,
                  f"{statistics.median(walls):.1f} s vs bound {bound:.1f} s "
                  f"({', '.join(f'{source} {n}' for source, n in sorted(requests.items()))} requests; "
                  f"pauses ×{POLITE_SHARE}; {LONG_REPEATS} runs)")


def store_upsert(tmp: Path, count: int = 2000) -> Figure:
    """Recording a fact (upsert + history + observation, one transaction each) vs a bare durable insert."""
    store = Store(tmp / "facts.sqlite")
    check_id = store.start_check(parse_inn("7707083893"))
    started = time.perf_counter()
    for n in range(count):
        store.record_fact(check_id=check_id, company_key="ru:inn:7707083893", source="bench", kind="notice",
                          key=str(n), data={"type": "bench", "n": n}, response_id=None)
    ours = time.perf_counter() - started
    store.close()

    bare = sqlite3.connect(tmp / "bare.sqlite", isolation_level=None)
    bare.execute("pragma journal_mode = wal")
    bare.execute("create table facts (id text primary key, data text)")
    started = time.perf_counter()
    for n in range(count):
        bare.execute("begin")
        bare.execute("insert into facts values (?, ?)", (str(n), '{"type": "bench"}'))
        bare.execute("commit")
    baseline = time.perf_counter() - started
    bare.close()
    return Figure("store_upsert", [ours / baseline], 8.0, f"{count} facts: {ours:.2f} s vs bare inserts {baseline:.2f} s")


def har_memory(tmp: Path) -> Figure:
    """Peak memory of loading a replay directory relative to the size of its files."""
    recordings = ROOT.parent / "shared" / "recordings"
    directory = recordings if recordings.is_dir() else DEMO
    size = sum(p.stat().st_size for p in directory.rglob("*.har"))
    tracemalloc.start()
    HarArchive(directory)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Figure("har_memory", [peak / size], 6.0, f"{directory.name}: {size / 1e6:.1f} MB of HAR, peak {peak / 1e6:.1f} MB")


def imported_modules(*code: str) -> list[str]:
    """The modules a fresh Python imports running `code` (its arguments), from its own import log (-X importtime)."""
    result = subprocess.run([sys.executable, "-X", "importtime", *code], capture_output=True, text=True,
                            env={**os.environ, **OFFLINE}, cwd=ROOT, stdin=subprocess.DEVNULL)
    log = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    if result.returncode:
        said = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
        raise RuntimeError(f"{' '.join(code)} exited {result.returncode}: {' '.join(said[-3:])}")
    return [line.rsplit("|", 1)[1].strip() for line in log[1:]]  # the first line is the header


def startup_modules(*args: str) -> list[str]:
    """The modules `clientvet ARGS` imports."""
    return imported_modules("-m", "clientvet", *args)


def heavy(modules: list[str]) -> list[str]:
    return sorted({name.split(".")[0] for name in modules} & set(HEAVY))


def startup(*args: str) -> Callable[[Path], Figure]:
    def bench(tmp: Path) -> Figure:
        """Modules a light command imports vs those of the CLI's toolkit alone (Click and Rich)."""
        toolkit = len(imported_modules("-c", "import click, rich.console"))
        modules = startup_modules(*args)
        return Figure(f"start-up modules: {' '.join(args)}", [len(modules) / toolkit], 1.6,
                      f"{len(modules)} modules vs {toolkit} for Click and Rich; "
                      f"heavy: {', '.join(heavy(modules)) or 'none'}")
    bench.__name__ = f"startup_{'_'.join(a.strip('-') for a in args)}"
    return bench


@dataclass
class TreeMemory:
    """A command's process tree at its largest, by PSS: a page shared by n processes counts 1/n in each,
    so the sum is what the tree costs the machine (RSS would count Chromium's shared pages per process)."""

    peak_pss: int  # bytes: the largest sum of the tree's PSS seen in one sample
    peak_processes: int  # the most processes seen in one sample


def _pss(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):  # ended since the listing
        return 0


def tree_memory(command: list[str], interval: float = 0.05, **popen: Any) -> TreeMemory:
    """Run command to its end, summing the PSS of it and its descendants every interval seconds."""
    peak_pss = peak_processes = 0
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:  # ended between poll and listing
            break
        peak_pss = max(peak_pss, sum(map(_pss, tree)))
        peak_processes = max(peak_processes, len(tree))
        time.sleep(interval)
    process.wait()
    return TreeMemory(peak_pss, peak_processes)


def check_memory(name: str, identifier: tuple[str, str], bound_mb: int,
                 pages_from: tuple[str, ...] = ()) -> Callable[[Path], Figure]:
    def bench(tmp: Path) -> Figure:
        """Peak PSS of a demo check's whole process tree (the CLI, Playwright's driver, Chromium) vs a bound;
        `pages_from`: the browser sources that must have read their pages, so a browser that never ran
        cannot pass for a light one."""
        peaks = []
        for run in range(REPEATS):
            db = tmp / f"memory-{identifier[1]}-{run}.sqlite"
            peaks.append(tree_memory(_check_command(*identifier, "--replay", str(DEMO), "--db", str(db)),
                                     env={**os.environ, **OFFLINE}, cwd=ROOT))
            # Its exit status is its verdict's: whether it read the pages is in the database.
            statuses = dict(_rows(db, "select source, status from source_runs where check_id = 1"))
            if unread := [source for source in pages_from if statuses.get(source) not in ("ok", "empty")]:
                raise RuntimeError(f"check {' '.join(identifier)}: no pages read by {', '.join(unread)}")
        megabytes = [m.peak_pss / 2**20 for m in peaks]
        return Figure(name, [mb / bound_mb for mb in megabytes], 1.0,
                      f"peak {statistics.median(megabytes):.0f} MB PSS vs {bound_mb} MB; "
                      f"peak processes {max(m.peak_processes for m in peaks)}")
    bench.__name__ = f"check_memory_{identifier[1]}"
    return bench


# Each figure is independent: a function of a scratch directory returning its Figure.
FIGURES: list[Callable[[Path], Figure]] = [
    *map(check_latency, LATENCIES), check_vs_sequential, batch_cpu_vs_single, batch_cpu_beyond_parsing,
    batch_vs_politeness, store_upsert, har_memory, startup("sources"), startup("--help"),
    check_memory("memory: check with pages", ("--inn", DEMO_INN), 400, ("kad_arbitr", "otzovik", "yandex_maps")),
    check_memory("memory: check, no page", ("--company-number", "99000100"), 200)]


def main(names: list[str]) -> int:
    """Run every figure, or those whose function is named."""
    over = 0
    with tempfile.TemporaryDirectory() as tmp:
        for bench in [bench for bench in FIGURES if not names or bench.__name__ in names]:
            figure = bench(Path(tmp))
            over += figure.over
            print(figure.line(), flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
