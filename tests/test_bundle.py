"""`clientvet bundle`, `verify`, `keygen`: a WACZ file of a check's evidence that shows any changed byte."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import demo_database, run_cli

UK_DEMO = ("--company-number", "99000100")  # made-up company of the bundled demo
WIDE = {"COLUMNS": "500"}  # one line stays one line, however long the temporary path


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Path:
    return demo_database(tmp_path_factory.mktemp("bundle"), *UK_DEMO)


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Path:
    private = tmp_path_factory.mktemp("keys") / "bundle.key"
    result = run_cli("keygen", "--out", str(private))
    assert result.returncode == 0, result.stderr
    return private


@pytest.fixture(scope="module")
def signed(checked, keys, tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("signed")
    config = where / "config.toml"
    config.write_text(f'[bundle]\nsigning_key = "{keys}"\n', encoding="utf-8")
    out = where / "signed.wacz"
    result = run_cli("bundle", "99000100", "--db", str(checked), "--out", str(out), env={"CLIENTVET_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def plain(checked, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plain") / "evidence.wacz"
    result = run_cli("bundle", "99000100", "--db", str(checked), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_every_stored_answer_is_a_request_and_a_response_record(plain, checked):
    db = sqlite3.connect(checked)
    stored = db.execute("select url, status from responses where check_id = 1 order by id").fetchall()
    db.close()
    with zipfile.ZipFile(plain) as archive:
        records = list(_records(archive.read("archive/data.warc.gz")))
        names = set(archive.namelist())
        package = json.loads(archive.read("datapackage.json"))
        for resource in package["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(archive.read(resource["path"])).hexdigest()
        assert json.loads(archive.read("datapackage-digest.json"))["hash"] == \
            "sha256:" + hashlib.sha256(archive.read("datapackage.json")).hexdigest()
        assert b"DEMO PRINTWORKS" in archive.read("report/report.html")
        assert archive.read("report/report.pdf").startswith(b"%PDF")
    assert stored
    assert [(url, status) for kind, url, status in records if kind == "response"] == stored
    assert [url for kind, url, _ in records if kind == "request"] == [url for url, _ in stored]
    assert {"archive/data.warc.gz", "indexes/index.cdxj", "pages/pages.jsonl", "report/report.html",
            "report/report.pdf", "datapackage.json", "datapackage-digest.json"} == names


def _records(warc: bytes):
    for record in ArchiveIterator(io.BytesIO(warc)):
        status = int(record.http_headers.get_statuscode()) if record.rec_type == "response" else None
        yield record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), status


def test_an_untouched_bundle_is_intact(plain, signed, keys):
    result = run_cli("verify", str(plain))
    assert result.returncode == 0 and result.stdout.startswith("intact") and "not signed" in result.stdout
    result = run_cli("verify", str(signed), "--key", f"{keys}.pub")
    assert result.returncode == 0 and "intact" in result.stdout and "signed by key" in result.stdout


def _flipped(bundle: Path, member: str, into: Path, at: float = 0.5) -> Path:
    """A copy of the bundle with one byte of `member` changed where it lies in the zip."""
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo(member)
    header = 30 + len(info.filename.encode()) + len(info.extra)
    position = info.header_offset + header + int(info.compress_size * at)
    data[position] ^= 0x01
    into.write_bytes(bytes(data))
    return into


@pytest.mark.parametrize("member", ["archive/data.warc.gz", "report/report.html", "report/report.pdf",
                                    "datapackage.json", "pages/pages.jsonl"])
def test_one_changed_byte_names_its_file(plain, tmp_path, member):
    result = run_cli("verify", str(_flipped(plain, member, tmp_path / "changed.wacz")), env=WIDE)
    assert result.returncode == 1
    assert member in result.stderr and "intact" not in result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_changed_record_with_its_zip_checksum_and_hash_redone_still_fails(plain, tmp_path):
    """Rewritten with fresh CRC and SHA-256 in datapackage.json: the digest file still names the package."""
    with zipfile.ZipFile(plain) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["report/report.html"] = files["report/report.html"].replace(b"DEMO PRINTWORKS", b"DEMO PRINTW0RKS")
    package = json.loads(files["datapackage.json"])
    for resource in package["resources"]:
        resource["hash"] = "sha256:" + hashlib.sha256(files[resource["path"]]).hexdigest()
    files["datapackage.json"] = json.dumps(package).encode()
    forged = tmp_path / "forged.wacz"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    result = run_cli("verify", str(forged))
    assert result.returncode == 1 and "datapackage.json" in result.stderr


def test_a_signature_by_another_key_or_none_fails_with_key(signed, plain, tmp_path):
    other = tmp_path / "other.key"
    assert run_cli("keygen", "--out", str(other)).returncode == 0
    result = run_cli("verify", str(signed), "--key", f"{other}.pub")
    assert result.returncode == 1 and "signed by key" in result.stderr
    result = run_cli("verify", str(plain), "--key", f"{other}.pub")
    assert result.returncode == 1 and "no signature" in result.stderr


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(keys):
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    before = keys.read_bytes()
    result = run_cli("keygen", "--out", str(keys))
    assert result.returncode == 2 and "exists" in result.stderr
    assert keys.read_bytes() == before


def test_a_bundle_is_not_overwritten_without_force(checked, plain):
    before = plain.read_bytes()
    result = run_cli("bundle", "99000100", "--db", str(checked), "--out", str(plain))
    assert result.returncode == 2 and "--force" in result.stderr
    assert plain.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"plain text\n"])
def test_a_file_that_is_not_a_bundle_is_one_line(tmp_path, content):
    path = tmp_path / "broken.wacz"
    path.write_bytes(content)
    result = run_cli("verify", str(path), env=WIDE)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
