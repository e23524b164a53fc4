"""Re-checks spread over machines through Redis: a queue of companies, and each host's politeness held globally.

`recheck --queue redis://…` puts the due companies on one Redis list; `worker --queue …`
processes on any number of machines take them a few at a time, run them as a batch (run_checks,
writing to the shared database) and acknowledge each company once its check is stored and
compared. The queue is reliable: a worker moves what it takes to its own list (LMOVE) and
keeps a heartbeat key alive; when a worker dies, any other worker moves the companies it held
back to the queue. A company is queued once until it is done (a set of the queued ones), and
one whose check was already stored by a worker that died before acknowledging it is not
checked again.

Why not scrapy-redis's scheduler: it shares a source's requests among the processes, but a
source's outcome for a company (ok, empty, failed and why; the facts it counted) is kept by the
spider that sent the company's requests, so those requests must stay in one process; and its
queues pop destructively, so a killed worker would lose what it had taken. Its place is taken
by the politeness middleware below: every host (every API key, for Companies House) has one
global slot in Redis, so the delay between two requests to a host and the number of requests
in flight to it are those of the settings across all workers together, not per process.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import redis
from scrapy.exceptions import NotConfigured

from clientvet.evidence import errors

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

PREFIX = "clientvet"
PENDING = f"{PREFIX}:recheck:pending"  # companies waiting; taken from the right, pushed on the left
QUEUED = f"{PREFIX}:recheck:queued"  # company keys waiting or being checked: each is queued once
FAILED = f"{PREFIX}:recheck:failed"  # companies given up on after MAX_ATTEMPTS workers died with them
WORKERS = f"{PREFIX}:workers"
MAX_ATTEMPTS = 3
SCHEMES = ("redis://", "rediss://", "unix://")


def working(worker: str) -> str:
    return f"{PREFIX}:recheck:working:{worker}"


def alive(worker: str) -> str:
    return f"{PREFIX}:worker:{worker}"


class QueueError(errors.ClientvetError):
    """The queue cannot be reached or used."""


def check_url(url: str) -> str:
    """A Redis URL, or ValueError."""
    if not url.startswith(SCHEMES):
        raise ValueError(f"{url!r} is not a Redis URL such as redis://HOST:6379/0")
    return url


def connect(url: str) -> redis.Redis:
    client = redis.Redis.from_url(check_url(url), decode_responses=True, socket_connect_timeout=10,
                                  socket_timeout=30, health_check_interval=15)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise QueueError(f"cannot reach the queue at {_shown(url)}: {exc}") from None
    return client


def _shown(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", ":****@") if parts.password else url


# --- the queue of companies -----------------------------------------------------------------------

# Move everything a dead worker held back to the queue's taking end, one attempt more each; give up on a
# company after MAX_ATTEMPTS. KEYS: working list, pending, failed, queued set.
_GIVE_BACK = """
local moved = 0
while true do
  local raw = redis.call('RPOP', KEYS[1])
  if not raw then break end
  local job = cjson.decode(raw)
  job['attempts'] = (job['attempts'] or 0) + 1
  if job['attempts'] >= tonumber(ARGV[1]) then
    redis.call('LPUSH', KEYS[3], cjson.encode(job))
    redis.call('SREM', KEYS[4], job['company'])
  else
    redis.call('RPUSH', KEYS[2], cjson.encode(job))
    moved = moved + 1
  end
end
return moved
"""


@dataclass(frozen=True)
class Job:
    raw: str  # as it sits in Redis: how it is acknowledged
    company: str
    jurisdiction: str
    scheme: str
    identifier: str
    terms: dict[str, Any]
    queued_at: str
    attempts: int

    @classmethod
    def parse(cls, raw: str) -> Job:
        data = json.loads(raw)
        return cls(raw, data["company"], data["jurisdiction"], data["scheme"], data["identifier"],
                   data.get("terms") or {}, data["queued_at"], data.get("attempts", 0))


class Queue:
    def __init__(self, url: str):
        self.url = url
        self.redis = connect(url)
        self._give_back = self.redis.register_script(_GIVE_BACK)

    def put(self, jobs: list[dict[str, Any]]) -> int:
        """Queue the companies not queued already; returns how many were."""
        added = 0
        try:
            for job in jobs:
                if self.redis.sadd(QUEUED, job["company"]):
                    self.redis.lpush(PENDING, json.dumps({**job, "attempts": 0}, ensure_ascii=False))
                    added += 1
        except redis.RedisError as exc:
            raise QueueError(f"cannot queue at {_shown(self.url)}: {exc}") from None
        return added

    def claim(self, worker: str, limit: int, timeout: float) -> list[Job]:
        """Up to `limit` companies, waiting up to `timeout` seconds for the first; moved to the worker's list."""
        first = self.redis.blmove(PENDING, working(worker), timeout, "RIGHT", "LEFT")
        if first is None:
            return []
        taken = [first]
        while len(taken) < limit and (raw := self.redis.lmove(PENDING, working(worker), "RIGHT", "LEFT")):
            taken.append(raw)
        return [Job.parse(raw) for raw in taken]

    def done(self, worker: str, job: Job) -> None:
        pipe = self.redis.pipeline()
        pipe.lrem(working(worker), 1, job.raw)
        pipe.srem(QUEUED, job.company)
        pipe.execute()

    def give_back(self, worker: str) -> int:
        """What `worker` still holds goes back to the queue; returns how many companies."""
        return int(self._give_back(keys=[working(worker), PENDING, FAILED, QUEUED], args=[MAX_ATTEMPTS]))

    def register(self, worker: str, ttl: float) -> None:
        self.redis.sadd(WORKERS, worker)
        self.beat(worker, ttl)

    def beat(self, worker: str, ttl: float) -> None:
        self.redis.set(alive(worker), "1", px=int(ttl * 1000))

    def leave(self, worker: str) -> None:
        self.give_back(worker)
        self.redis.delete(alive(worker))
        self.redis.srem(WORKERS, worker)

    def reap(self) -> int:
        """Companies of workers whose heartbeat stopped go back to the queue; returns how many."""
        moved = 0
        for worker in self.redis.smembers(WORKERS):
            if not self.redis.exists(alive(worker)):
                moved += self.give_back(worker)
                self.redis.srem(WORKERS, worker)
        return moved

    def counts(self) -> dict[str, int]:
        return {"pending": self.redis.llen(PENDING), "queued": self.redis.scard(QUEUED),
                "failed": self.redis.llen(FAILED), "workers": self.redis.scard(WORKERS)}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Heartbeat:
    """Keeps the worker's key alive from a thread, so a long crawl is not taken for a dead worker."""

    def __init__(self, queue: Queue, worker: str, ttl: float):
        self.queue, self.worker, self.ttl = queue, worker, ttl
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="clientvet-heartbeat")

    def __enter__(self) -> Heartbeat:
        self.queue.register(self.worker, self.ttl)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stopped.wait(self.ttl / 3):
            try:
                self.queue.beat(self.worker, self.ttl)
            except redis.RedisError:
                pass  # the next beat tries again; a worker that cannot reach Redis for a whole ttl is given up on


# --- each host's politeness, across all workers ------------------------------------------------------

# KEYS: the host's next allowed start (ms), its leases (sorted set: lease → expiry ms).
# ARGV: delay ms, most requests in flight, lease ms, lease id. Returns {1, granted at} or {0, wait ms}.
# The clock is Redis's, so machines whose clocks differ still keep one pace.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  return {0, 50}
end
local next_start = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < next_start then
  return {0, next_start - now}
end
local delay = tonumber(ARGV[1])
redis.call('SET', KEYS[1], now + delay, 'PX', delay + 60000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) + 60000)
return {1, now}
"""


def slot_of(request: Request) -> str:
    """The politeness slot of a request: its host, and the API key it sends where a site limits per key."""
    host = urlsplit(request.url).netloc.lower()
    key = request.headers.get("Authorization")
    return f"{host}:{hashlib.sha256(key).hexdigest()[:16]}" if key else host


class HostSlots:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._acquire = client.register_script(_ACQUIRE)

    def acquire(self, slot: str, delay: float, limit: int, lease: float) -> tuple[str | None, float]:
        """(lease id, when granted in Redis's ms) when the request may start now, else (None, seconds to wait)."""
        lease_id = secrets.token_hex(8)
        granted, value = self._acquire(keys=[f"{PREFIX}:host:{slot}:next", f"{PREFIX}:host:{slot}:leases"],
                                       args=[int(delay * 1000), max(1, limit), int(lease * 1000), lease_id])
        return (lease_id, value) if granted else (None, value / 1000)

    def release(self, slot: str, lease_id: str) -> None:
        self.redis.zrem(f"{PREFIX}:host:{slot}:leases", lease_id)


class GlobalPoliteness:
    """Downloader middleware: a request starts only when its host's global slot lets it (CLIENTVET_QUEUE set).

    The delay and the limit are the crawler's DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN (a
    source's own, where it sets them); a lease that is never released (a killed worker) expires after
    the download timeout.
    """

    def __init__(self, slots: HostSlots, delay: float, limit: int, lease: float):
        self.slots, self.delay, self.limit, self.lease = slots, delay, limit, lease

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GlobalPoliteness:
        url = crawler.settings.get("CLIENTVET_QUEUE")
        if not url:
            raise NotConfigured  # no queue: politeness is the downloader's own (a message would be logged as a warning)
        settings = crawler.settings
        return cls(HostSlots(connect(url)), settings.getfloat("DOWNLOAD_DELAY"),
                   settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), settings.getfloat("DOWNLOAD_TIMEOUT") + 30)

    async def process_request(self, request: Request) -> None:
        slot = slot_of(request)
        while True:
            lease, wait = self.slots.acquire(slot, self.delay, self.limit, self.lease)
            if lease:
                request.meta["host_lease"] = (slot, lease)
                return None
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Any) -> Any:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        if lease := request.meta.pop("host_lease", None):
            try:
                self.slots.release(*lease)
            except redis.RedisError:
                pass  # the lease expires by itself
