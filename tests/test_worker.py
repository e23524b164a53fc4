"""Scale-out on Redis: `recheck --queue` and `clientvet worker`, against a real redis-server started here.

The server runs on 127.0.0.1 on a free port, keeps nothing on disk (--save ''), and is stopped after.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from scrapy import Request

from clientvet.crawler.queue import FAILED, PENDING, QUEUED, WORKERS, HostSlots, connect, slot_of, working
from tests.conftest import ROOT, offline_env, run_cli
from tests.monitor_support import DEMO_INN, copy_demo, demo_company

REDIS_SERVER = Path("/usr/bin/redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    if not REDIS_SERVER.exists():
        pytest.skip(f"{REDIS_SERVER} not installed (./setup.sh --dev installs redis-server)")
    port = free_port()
    server = subprocess.Popen([str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            connect(url)
            break
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(10)


# --- each host's pace, held in Redis for every process ------------------------------------------------


def test_one_pace_per_host_across_clients(redis_url):
    """Two workers' clients asking for one host: starts at least the delay apart, one request in flight."""
    granted: list[int] = []
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def worker() -> None:
        slots = HostSlots(connect(redis_url))  # a connection of its own, as another machine would have
        for _ in range(4):
            while True:
                lease, value = slots.acquire("egrul.nalog.ru", delay=0.15, limit=1, lease=10)
                if lease:
                    break
                time.sleep(value)
            with lock:
                granted.append(value)
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            time.sleep(0.05)  # the request
            with lock:
                in_flight[0] -= 1
            slots.release("egrul.nalog.ru", lease)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted.sort()
    assert len(granted) == 8 and most[0] == 1
    assert min(b - a for a, b in zip(granted, granted[1:])) >= 150  # ms, by Redis's one clock


def test_a_lease_never_released_expires(redis_url):
    """A worker killed during a request holds its host's place only until the lease runs out."""
    slots = HostSlots(connect(redis_url))
    lost, _ = slots.acquire("bo.nalog.ru", delay=0, limit=1, lease=0.4)
    assert lost
    started = time.monotonic()
    while not slots.acquire("bo.nalog.ru", delay=0, limit=1, lease=0.4)[0]:
        time.sleep(0.02)
    assert 0.3 <= time.monotonic() - started < 2


def test_companies_house_is_paced_per_api_key():
    def request(key: str | None) -> Request:
        return Request("https://api.company-information.service.gov.uk/company/08957400",
                       headers={"Authorization": key} if key else {})

    assert slot_of(request("Basic a2V5LW9uZTo=")) != slot_of(request("Basic a2V5LXR3bzo="))
    assert slot_of(request("Basic a2V5LW9uZTo=")) == slot_of(request("Basic a2V5LW9uZTo="))
    assert slot_of(request(None)) == "api.company-information.service.gov.uk"
    assert "a2V5" not in slot_of(request("Basic a2V5LW9uZTo="))  # the key itself never reaches Redis


# --- the queue of companies -----------------------------------------------------------------------------


def test_queueing_twice_queues_each_company_once(tmp_path, redis_url):
    db = tmp_path / "db.sqlite"
    for inn in (DEMO_INN, "7707083893"):
        assert run_cli("watch", "add", inn, "--db", str(db)).returncode == 0
    first = run_cli("recheck", "--all", "--queue", redis_url, "--db", str(db))
    assert first.returncode == 0 and first.stdout.strip() == "queued 2 companies"
    again = run_cli("recheck", "--all", "--queue", redis_url, "--db", str(db))
    assert again.stdout.strip() == "queued 0 companies (2 queued already)"
    client = connect(redis_url)
    jobs = [json.loads(raw) for raw in client.lrange(PENDING, 0, -1)]
    assert sorted(job["company"] for job in jobs) == [f"ru:inn:{DEMO_INN}", "ru:inn:7707083893"]
    assert client.smembers(QUEUED) == {f"ru:inn:{DEMO_INN}", "ru:inn:7707083893"}

    bad = run_cli("recheck", "--queue", "http://127.0.0.1:1/", "--db", str(db))
    assert bad.returncode == 2 and "is not a Redis URL" in bad.stderr
    gone = run_cli("recheck", "--all", "--queue", f"redis://127.0.0.1:{free_port()}/0", "--db", str(db))
    assert gone.returncode == 1 and "cannot reach the queue at redis://127.0.0.1:" in gone.stderr
    mixed = run_cli("recheck", "--queue", redis_url, "--replay", str(tmp_path), "--db", str(db))
    assert mixed.returncode == 2 and "give --replay to `clientvet worker`" in mixed.stderr


def start_worker(redis_url: str, db: Path, replay: Path, log: Path) -> subprocess.Popen:
    """A worker in its own process group (killed with its batch), slowed down so it can be killed mid-run."""
    return subprocess.Popen(
        [sys.executable, "-m", "clientvet", "worker", "--queue", redis_url, "--db", str(db), "--replay", str(replay),
         "--batch", "2", "--heartbeat", "3", "--idle-exit", "8", "--json", "--as-of", "2026-11-23",
         "--set", "CLIENTVET_REPLAY_LATENCY=0.3"],
        cwd=ROOT, env=offline_env(), stdin=subprocess.DEVNULL, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_two_workers_check_every_company_once_though_one_is_killed(tmp_path, redis_url):
    replay = copy_demo(tmp_path / "replay")
    companies = [DEMO_INN] + [demo_company(replay, number) for number in (1, 2, 3)]
    db = tmp_path / "db.sqlite"
    for inn in companies:
        assert run_cli("watch", "add", inn, "--db", str(db)).returncode == 0
    assert run_cli("recheck", "--due", "--queue", redis_url, "--db", str(db)).stdout.strip() == "queued 4 companies"
    client = connect(redis_url)

    doomed = start_worker(redis_url, db, replay, tmp_path / "doomed.log")
    try:
        wait_for(lambda: client.llen(PENDING) == 2, 60, "the first worker to take two companies")
        survivor = start_worker(redis_url, db, replay, tmp_path / "survivor.log")

        def running() -> bool:
            if not db.exists():
                return False
            with sqlite3.connect(db) as conn:
                return conn.execute("select count(*) from checks where status = 'running'").fetchone()[0] > 0
        wait_for(running, 60, "a check to be running")
        wait_for(lambda: client.llen(PENDING) == 0, 60, "the second worker to take the other two")
        doomed_name = next(w for w in client.smembers(WORKERS) if client.llen(working(w)) and
                           str(doomed.pid) in w.split(":"))
        held = client.llen(working(doomed_name))
        assert held == 2
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker and the batch it runs, mid-run
        doomed.wait(10)
        assert survivor.wait(240) == 0, (tmp_path / "survivor.log").read_text()
    finally:
        for process in (doomed, locals().get("survivor")):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

    log = (tmp_path / "survivor.log").read_text(encoding="utf-8")
    assert "2 companies of a worker that stopped went back to the queue" in log
    with sqlite3.connect(db) as conn:
        complete = conn.execute("select identifier, count(*) from checks where status = 'complete'"
                                " group by identifier").fetchall()
        queued = [json.loads(terms)["queued"] for (terms,) in conn.execute(
            "select terms from checks where status = 'complete'")]
        unfinished = conn.execute("select count(*) from checks where status != 'complete'").fetchone()[0]
    assert sorted(complete) == sorted((inn, 1) for inn in companies)  # every company, once
    assert len(set(queued)) == 4  # each for its own place in the queue
    assert unfinished >= 1  # the killed batch's checks stay, never passing for complete ones
    results = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert sorted(r["identifiers"]["inn"] for r in results) == sorted(companies)
    assert all(r["state"] == "baseline" for r in results)
    assert (client.llen(PENDING), client.scard(QUEUED), client.llen(FAILED)) == (0, 0, 0)
    assert client.smembers(WORKERS) == set()
