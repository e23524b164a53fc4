"""`clientvet browse`: Datasette on the evidence database, read-only, on 127.0.0.1, labelled."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from clientvet.evidence.store import Store
from clientvet.reports.browse import FACETS, TABLES
from tests.conftest import ROOT, demo_database, offline_env, run_cli

UK_DEMO = ("--company-number", "99000100")  # made-up company of the bundled demo: no browser source


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8")


@pytest.fixture(scope="module")
def checked_db(tmp_path_factory) -> Path:
    return demo_database(tmp_path_factory.mktemp("browse"), *UK_DEMO)


@pytest.fixture(scope="module")
def served(checked_db):
    """`clientvet browse` running on a free port until the module's tests are done."""
    before = hashlib.sha256(checked_db.read_bytes()).hexdigest(), checked_db.stat().st_mtime_ns
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "clientvet", "browse", "--db", str(checked_db), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=offline_env(), cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if _get(f"{base}/-/versions.json")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
        assert process.poll() is None, process.stderr.read()
    yield base, port, process
    process.terminate()
    process.wait(timeout=20)
    with socket.socket() as probe:  # Datasette stopped with it
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "Datasette still serves after browse was stopped"
    assert (hashlib.sha256(checked_db.read_bytes()).hexdigest(), checked_db.stat().st_mtime_ns) == before


def test_a_table_page_shows_the_checks_with_their_facets_and_labels(served, checked_db):
    base, _, _ = served
    status, body = _get(f"{base}/clientvet/checks.json?_shape=objects")
    assert status == 200
    rows = json.loads(body)["rows"]
    assert [row["company_key"] for row in rows] == ["gb:company_number:99000100"]
    status, page = _get(f"{base}/clientvet/checks")
    assert status == 200
    assert TABLES["checks"][0] in page and "Company (country:scheme:identifier)" in page
    assert all(f'facet-clientvet-checks-{column}' in page for column in FACETS["checks"])
    status, facts = _get(f"{base}/clientvet/facts.json?_facet=source")
    assert status == 200 and json.loads(facts)["facet_results"]


def test_writes_are_refused(served):
    base, _, _ = served
    sql = urllib.parse.quote("insert into checks (company_key) values ('x')")
    status, _ = _get(f"{base}/clientvet.json?sql={sql}")
    assert status == 400
    request = urllib.request.Request(f"{base}/clientvet/checks/-/insert", method="POST",
                                     data=json.dumps({"row": {"company_key": "x"}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=10)


def test_it_listens_on_loopback_only(served):
    _, port, _ = served
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    for address in addresses:
        with socket.socket() as probe:
            probe.settimeout(2)
            assert probe.connect_ex((address, port)) != 0, f"browse answers on {address}"


def test_every_table_of_the_schema_is_described(tmp_path):
    store = Store(tmp_path / "new.sqlite")
    tables = set(store.db.table_names())
    store.close()
    assert tables - set(TABLES) == set(), "describe the new table in reports/browse.py TABLES"
    assert set(TABLES) - tables == set(), "TABLES names a table the schema does not have"
    for table, columns in FACETS.items():
        assert table in tables and columns


@pytest.mark.parametrize("content", [b"", b"not a database at all, just text\n"])
def test_a_file_that_is_not_an_evidence_database_is_one_line(tmp_path, content):
    path = tmp_path / "other.sqlite"
    path.write_bytes(content)
    result = run_cli("browse", "--db", str(path), "--port", str(_free_port()))
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert path.read_bytes() == content


def test_a_missing_database_is_one_line(tmp_path):
    result = run_cli("browse", "--db", str(tmp_path / "none.sqlite"), "--port", str(_free_port()))
    assert result.returncode == 1 and "run `clientvet check` first" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()
