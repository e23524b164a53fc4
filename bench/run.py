"""Benchmarks: speed and memory as ratios against a bound or a baseline measured in the same run.

    .venv/bin/python bench/run.py

Each line prints the ratio and its bound; the exit status is 1 when any ratio is over.
Nothing here talks to the network: the check replays the bundled demo recordings.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from clientvet.crawler.har import HarArchive
from clientvet.crawler.runner import waves
from clientvet.crawler.spiders import sources_for
from clientvet.evidence.identifiers import parse_inn
from clientvet.evidence.store import Store

ROOT = Path(__file__).resolve().parents[1]

DEMO = ROOT / "demo"
DEMO_INN = "0000123450"
LATENCY = 0.25  # seconds each replayed request waits, standing in for the network


def _timed_check(db: Path, latency: float) -> float:
    env = {**os.environ, "CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml"),
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clientvet", "check", "--inn", DEMO_INN, "--replay", str(DEMO),
                    "--db", str(db), "--json", "--set", f"CLIENTVET_REPLAY_LATENCY={latency}"],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - started


def replay_concurrency(tmp: Path) -> tuple[float, float, str]:
    """Sources run side by side: added wall time ≈ the longest request chain, not the sum of all requests."""
    baseline = _timed_check(tmp / "zero.sqlite", 0.0)
    slowed = _timed_check(tmp / "slow.sqlite", LATENCY)
    db = sqlite3.connect(tmp / "slow.sqlite")
    requests = dict(db.execute("select source, requests from source_runs where check_id = 1"))
    db.close()
    # Within a wave sources run at once; waves run one after another.
    chain = sum(max(requests.get(s.name, 0) for s in wave) for wave in waves(sources_for("RU")))
    serial = sum(requests.values())
    ratio = (slowed - baseline) / (LATENCY * chain)
    return ratio, 1.6, (f"{slowed - baseline:.2f} s added for {serial} requests at {LATENCY} s; "
                        f"longest chain {chain} requests = {LATENCY * chain:.2f} s, serial {LATENCY * serial:.2f} s")


def store_upsert(tmp: Path, count: int = 2000) -> tuple[float, float, str]:
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
    return ours / baseline, 8.0, f"{count} facts: {ours:.2f} s vs bare inserts {baseline:.2f} s"


def har_memory(tmp: Path) -> tuple[float, float, str]:
    """Peak memory of loading a replay directory relative to the size of its files."""
    recordings = ROOT.parent / "shared" / "recordings"
    directory = recordings if recordings.is_dir() else DEMO
    size = sum(p.stat().st_size for p in directory.rglob("*.har"))
    tracemalloc.start()
    HarArchive(directory)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / size, 6.0, f"{directory.name}: {size / 1e6:.1f} MB of HAR, peak {peak / 1e6:.1f} MB"


def main() -> int:
    over = 0
    with tempfile.TemporaryDirectory() as tmp:
        for bench in (replay_concurrency, store_upsert, har_memory):
            ratio, bound, detail = bench(Path(tmp))
            verdict = "ok" if ratio <= bound else "OVER"
            over += verdict == "OVER"
            print(f"{bench.__name__:20} ratio {ratio:6.2f} (bound {bound:5.2f}) {verdict:4}  {detail}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
