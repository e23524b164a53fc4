"""The evidence bundle: a WACZ file a lawyer can file, open in ReplayWeb.page and verify later.

Inside (WACZ 1.1.1): `archive/data.warc.gz` (a request and a response record for every answer
behind the check, at the time it was fetched), `indexes/index.cdxj`, `pages/pages.jsonl`, the
HTML and PDF reports under `report/`, `datapackage.json` (the SHA-256 and size of every file) and
`datapackage-digest.json` (the SHA-256 of datapackage.json and, when a key is configured, an
Ed25519 signature over that digest with the public key). `verify` recomputes all of it, and
warcio's own record digests, so one changed byte anywhere names the file it is in.

The database keeps each answer's status, content type and body, not every header it came
with: the response records carry those, the original headers are not recorded.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from surt import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from clientvet.evidence import errors
from clientvet.evidence.store import Store
from clientvet.reports import formats
from clientvet.reports.stored import StoredCheck, tool_version

WARC = "archive/data.warc.gz"
INDEX = "indexes/index.cdxj"
PAGES = "pages/pages.jsonl"
PACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"


class BundleDamaged(errors.ClientvetError):
    """A bundle that is not intact: the message names the first file that differs."""


class KeyProblem(errors.ClientvetError):
    exit_code = errors.BAD_INPUT


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _warc_date(fetched_at: str) -> str:
    moment = datetime.fromisoformat(fetched_at).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _records(store: Store, check_id: int) -> tuple[bytes, list[str], list[dict[str, Any]]]:
    """The WARC file of the check's answers, its CDXJ lines and its pages."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    index, pages = [], []
    rows = store.db.execute("select id, method, url, request_body, status, content_type, fetched_at "
                            "from responses where check_id = ? order by id", [check_id]).fetchall()
    for response_id, method, url, request_body, status, content_type, fetched_at in rows:
        date = _warc_date(fetched_at)
        body = store.response_body(response_id)
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        headers = StatusAndHeaders(f"{status} {phrase}".strip(),
                                   [("Content-Type", content_type or "application/octet-stream"),
                                    ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                             warc_headers_dict={"WARC-Date": date})
        sent = (request_body or "").encode("utf-8")
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(sent),
            http_headers=StatusAndHeaders(f"{method} {url} HTTP/1.1", [("Content-Length", str(len(sent)))],
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")})
        offset = buffer.tell()
        writer.write_record(response)
        length = buffer.tell() - offset
        writer.write_record(request)
        stamp = date.replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
        index.append(f"{surt(url)} {stamp} " + json.dumps(
            {"url": url, "mime": content_type or "", "status": str(status), "offset": str(offset),
             "length": str(length), "digest": response.rec_headers.get_header("WARC-Payload-Digest"),
             "filename": "data.warc.gz"}))
        if method == "GET":
            pages.append({"url": url, "ts": date, "title": url})
    return buffer.getvalue(), sorted(index), pages


def _signing_key(path: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).expanduser().read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyProblem(f"bundle.signing_key {path}: not a readable Ed25519 private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"bundle.signing_key {path}: not an Ed25519 key; make one with `clientvet keygen`")
    return key


def build(store: Store, checked: StoredCheck, lang: str, signing_key: str | None = None) -> bytes:
    """The WACZ file of one stored check, as bytes."""
    key = _signing_key(signing_key) if signing_key else None
    warc, index, pages = _records(store, checked.check_id)
    page_lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Answers behind the check"}, *pages]
    files = {
        WARC: warc,
        INDEX: ("\n".join(index) + "\n").encode("utf-8"),
        PAGES: "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in page_lines).encode("utf-8"),
        "report/report.html": formats.render(checked, "html", lang),
        "report/report.pdf": formats.render(checked, "pdf", lang),
    }
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    software = f"clientvet {tool_version()}"
    package = json.dumps({
        "profile": "data-package", "wacz_version": "1.1.1", "title": f"clientvet check {checked.check_id}",
        "created": created, "software": software, "mainPageUrl": pages[0]["url"] if pages else None,
        "resources": [{"name": Path(path).name, "path": path, "hash": _sha256(data), "bytes": len(data)}
                      for path, data in files.items()],
    }, indent=2).encode("utf-8")
    digest: dict[str, Any] = {"path": PACKAGE, "hash": _sha256(package)}
    if key is not None:
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        digest["signedData"] = {"hash": digest["hash"], "created": created, "software": software,
                                "signature": base64.b64encode(key.sign(digest["hash"].encode())).decode(),
                                "publicKey": base64.b64encode(public).decode()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in files.items():  # stored, not deflated: WARC is gzipped already, replay seeks in it
            archive.writestr(path, data, zipfile.ZIP_STORED)
        archive.writestr(PACKAGE, package, zipfile.ZIP_STORED)
        archive.writestr(DIGEST, json.dumps(digest, indent=2), zipfile.ZIP_STORED)
    return out.getvalue()


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise BundleDamaged(f"{name} is missing from the bundle") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # a changed byte breaks the member's CRC
        raise BundleDamaged(f"{name} differs: {exc}") from None


def _json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise BundleDamaged(f"{name} differs: it is not the JSON it was") from None


def verify(path: Path, public_key: Path | None = None) -> str:
    """What an intact bundle holds, in one line; BundleDamaged names the first file that differs."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleDamaged(f"{path} is not a readable WACZ bundle ({exc})") from None
    with archive:
        package = _read(archive, PACKAGE)
        digest = _json(_read(archive, DIGEST), DIGEST)
        if not isinstance(digest, dict) or digest.get("hash") != _sha256(package):
            raise BundleDamaged(f"{PACKAGE} differs from the digest recorded in {DIGEST}")
        resources = _json(package, PACKAGE).get("resources", [])
        listed = {PACKAGE, DIGEST} | {resource["path"] for resource in resources}
        for resource in resources:
            if _sha256(_read(archive, resource["path"])) != resource["hash"]:
                raise BundleDamaged(f"{resource['path']} differs from its SHA-256 in {PACKAGE}")
        if extra := sorted(set(archive.namelist()) - listed):
            raise BundleDamaged(f"{extra[0]} is in the bundle but not in {PACKAGE}")
        records = _check_records(_read(archive, WARC))
    signer = _check_signature(digest, public_key)
    return f"intact: {len(resources)} files, {records} WARC records, {signer}"


def _check_records(warc: bytes) -> int:
    """warcio's block and payload digests of every record."""
    count = 0
    try:
        for record in ArchiveIterator(io.BytesIO(warc), check_digests="raise"):
            record.content_stream().read()
            count += 1
    except Exception as exc:  # warcio raises ArchiveLoadFailed, ValueError, zlib errors…
        raise BundleDamaged(f"{WARC} differs: record {count + 1} does not read back ({exc})") from None
    return count


def _check_signature(digest: dict[str, Any], public_key: Path | None) -> str:
    signed = digest.get("signedData")
    if signed is None:
        if public_key is not None:
            raise BundleDamaged(f"{DIGEST} holds no signature, and --key asks for one")
        return "not signed"
    try:
        raw = base64.b64decode(signed["publicKey"], validate=True)
        Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(signed["signature"], validate=True),
                                                       digest["hash"].encode())
    except (InvalidSignature, KeyError, TypeError, ValueError):
        raise BundleDamaged(f"{DIGEST}: the signature does not match the datapackage digest") from None
    if signed.get("hash") != digest["hash"]:
        raise BundleDamaged(f"{DIGEST}: the signed digest is not the datapackage's digest")
    fingerprint = hashlib.sha256(raw).hexdigest()[:16]
    if public_key is not None:
        expected = _public_key(public_key)
        if expected != raw:
            raise BundleDamaged(f"{DIGEST}: signed by key {fingerprint}, not by {public_key}")
    return f"signed by key {fingerprint}"


def _public_key(path: Path) -> bytes:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise KeyProblem(f"--key {path}: not a readable public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyProblem(f"--key {path}: not an Ed25519 public key")
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def keygen(private_path: Path) -> Path:
    """Write an Ed25519 key pair: the private key (mode 0600) and `<name>.pub`; returns the public key's path."""
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise KeyProblem(f"{path} exists; keys are never overwritten")
    if not private_path.parent.is_dir():
        raise KeyProblem(f"no directory {private_path.parent}")
    key = Ed25519PrivateKey.generate()
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return public_path
