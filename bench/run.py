"""Benchmarks: speed and memory as ratios against a bound or a baseline measured in the same run.

    .venv/bin/python bench/run.py

Each line prints the ratio and its bound; the exit status is 1 when any ratio is over.
Nothing here talks to the network: the check replays the bundled demo recordings.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from clientvet.crawler.declarations import critical_path
from clientvet.crawler.har import HarArchive
from clientvet.crawler.spiders import declared_for
from clientvet.evidence.identifiers import parse_inn
from clientvet.evidence.store import Store
from memory import tree_memory

ROOT = Path(__file__).resolve().parents[1]

DEMO = ROOT / "demo"
DEMO_INN = "0000123450"
REPEATS = int(os.environ.get("BENCH_REPEATS", 5))  # each figure's runs; fewer only to try the bench out
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


def _timed_check(db: Path, latency: float, polite: bool = False) -> float:
    """Wall time of the demo check replayed at this latency; `polite` keeps the live pauses between requests."""
    env = {**os.environ, **OFFLINE}
    settings = [f"CLIENTVET_REPLAY_LATENCY={latency}"] + (["CLIENTVET_REPLAY_POLITE=1"] if polite else [])
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clientvet", "check", "--inn", DEMO_INN, "--replay", str(DEMO),
                    "--db", str(db), "--json", *(arg for setting in settings for arg in ("--set", setting))],
                   capture_output=True, env=env, cwd=ROOT)  # exit 1 is a verdict (the demo fails one source)
    return time.perf_counter() - started


def _requests_per_source(db: Path) -> dict[str, int]:
    connection = sqlite3.connect(db)
    try:
        return dict(connection.execute("select source, requests from source_runs where check_id = 1"))
    finally:
        connection.close()


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


def _statuses(db: Path) -> dict[str, str]:
    connection = sqlite3.connect(db)
    try:
        return dict(connection.execute("select source, status from source_runs where check_id = 1"))
    finally:
        connection.close()


def check_memory(name: str, identifier: tuple[str, str], bound_mb: int,
                 pages_from: tuple[str, ...] = ()) -> Callable[[Path], Figure]:
    def bench(tmp: Path) -> Figure:
        """Peak PSS of a demo check's whole process tree (the CLI, Playwright's driver, Chromium) vs a bound;
        `pages_from`: the browser sources that must have read their pages, so a browser that never ran
        cannot pass for a light one."""
        peaks = []
        for run in range(REPEATS):
            db = tmp / f"memory-{identifier[1]}-{run}.sqlite"
            peaks.append(tree_memory([sys.executable, "-m", "clientvet", "check", *identifier, "--replay", str(DEMO),
                                      "--db", str(db), "--json"], env={**os.environ, **OFFLINE}, cwd=ROOT))
            statuses = _statuses(db)  # the check's exit status is its verdict's
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
    *map(check_latency, LATENCIES), check_vs_sequential, store_upsert, har_memory,
    startup("sources"), startup("--help"),
    check_memory("memory: check with pages", ("--inn", DEMO_INN), 400, ("kad_arbitr", "otzovik", "yandex_maps")),
    check_memory("memory: check, no page", ("--company-number", "99000100"), 200)]


def main() -> int:
    over = 0
    with tempfile.TemporaryDirectory() as tmp:
        for bench in FIGURES:
            figure = bench(Path(tmp))
            over += figure.over
            print(figure.line(), flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
