"""`clientvet browse`: the evidence database in Datasette, read-only and on 127.0.0.1 only.

Datasette opens the file with SQLite's `mode=ro` (it opens a write connection only for writing
queries or plugins that ask, and clientvet configures none), so browsing cannot change the evidence,
and unlike immutable mode it sees what a running check has just written to the WAL. The metadata (labels, descriptions,
facets) is built here from the schema's own descriptions, so a table added by a migration without
one fails tests/test_browse.py instead of showing unlabelled.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from clientvet.evidence.errors import ClientvetError
from clientvet.evidence.store import NotOurDatabase, inspect_database

HOST = "127.0.0.1"  # never another interface: the evidence holds what clients' registers and reviews say

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "checks": ("One check of one company: when, which identifier, its verdict and score.", {
        "company_key": "Company (country:scheme:identifier)", "status": "running, complete or interrupted",
        "replay": "Recording replayed instead of the network", "verdict": "Light: green, yellow or red",
        "score": "Points of the verdict", "terms": "Deal terms judged (JSON)"}),
    "source_runs": ("How each source of a check went: status, reason, requests and facts.", {
        "status": "running, ok, empty, failed or skipped", "unread_fields": "Fields the parser never read (JSON)"}),
    "blobs": ("Raw response bodies, stored once by SHA-256.", {"body": "Compressed body"}),
    "responses": ("Every answer a source fetched, with its URL, time and body hash.", {
        "sha256": "SHA-256 of the body", "replayed": "1 when it came from a recording"}),
    "facts": ("What the sources say about a company, one row per fact across checks.", {
        "kind": "Evidence kind", "source": "Source that said it", "data": "The fact (JSON)"}),
    "observations": ("A fact as one check saw it, with the response it came from.", {}),
    "signals": ("Conversation signals a salesperson entered; removed ones stay as history.", {}),
    "invoices": ("Account history: invoices of an active client.", {}),
    "account_events": ("Account history: events of an active client.", {}),
    "id_blocks": ("Response ids taken in blocks by concurrent processes.", {}),
    "check_documents": ("The verdict document of each finished check, read by `clientvet report`.", {}),
    "watch": ("Companies re-checked on a schedule.", {}),
    "_sqlite_migrations": ("Schema migrations applied to this file.", {}),
}
FACETS = {"checks": ["verdict", "status"], "facts": ["source", "kind"], "source_runs": ["source", "status"]}


def metadata() -> dict:
    """Datasette metadata: a title and description, and each table's description, column labels and facets."""
    return {
        "title": "clientvet evidence",
        "description": "The evidence database of clientvet, read-only: checks, facts and the answers behind them.",
        "databases": {"clientvet": {"tables": {
            name: {"description": text, "columns": columns, **({"facets": FACETS[name]} if name in FACETS else {})}
            for name, (text, columns) in TABLES.items()}}},
    }


def serve(db_path: Path, port: int, open_browser: bool) -> int:
    """Run Datasette on `db_path` until it is stopped; returns its exit status."""
    if not db_path.is_file():
        raise ClientvetError(f"no evidence database at {db_path}; run `clientvet check` first")
    inspect_database(db_path)
    if db_path.stat().st_size == 0:
        raise NotOurDatabase(f"{db_path} is empty, not an evidence database; give another --db")
    with tempfile.TemporaryDirectory(prefix="clientvet-browse-") as where:
        served = Path(where) / "clientvet.db"
        served.symlink_to(db_path.resolve())  # Datasette names the database after the file
        meta = Path(where) / "metadata.json"
        meta.write_text(json.dumps(metadata()), encoding="utf-8")
        print(f"serving {db_path} read-only at http://{HOST}:{port}/clientvet", flush=True)
        args = [sys.executable, "-m", "datasette", "serve", str(served), "--host", HOST, "--port", str(port),
                "--metadata", str(meta), *(["--open"] if open_browser else [])]
        process = subprocess.Popen(args)
        # Stopped by a service manager (SIGTERM) as by Ctrl-C: Datasette goes too, never left serving alone.
        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            return process.wait()
