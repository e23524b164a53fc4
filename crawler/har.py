"""Offline replay from HAR 1.2 files.

Matching follows ../shared/recordings/README.md: method, scheme + host and path
equal; query parameters equal as multisets without the cache-busters; POST
bodies equal after parsing (form fields as a multiset, JSON as values).
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

CACHE_BUSTERS = frozenset({"_", "r", "nocache", "reqId"})


class HarError(ValueError):
    """A recording that cannot be read: refuse the replay before anything runs."""


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source_file: str


def _location(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower(), parts.path or "/"


def _query(url: str) -> tuple[tuple[str, str], ...]:
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    return tuple(sorted((k, v) for k, v in pairs if k not in CACHE_BUSTERS))


def normalise_body(body: str | bytes | None, content_type: str | None) -> Any:
    """A request body as comparable values: form fields sorted, JSON parsed."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not body:
        return ""
    content_type = (content_type or "").lower()
    if "json" in content_type or body.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            return body
    if "x-www-form-urlencoded" in content_type or "=" in body:
        return sorted(parse_qsl(body, keep_blank_values=True))
    return body


def request_key(method: str, url: str) -> tuple[str, str, str, str]:
    scheme, host, path = _location(url)
    return method.upper(), scheme, host, path


class HarArchive:
    """All entries of all HAR files under a directory, indexed for matching."""

    def __init__(self, root: Path):
        self.root = root
        self._entries: dict[tuple, list[tuple[tuple, Any, RecordedResponse]]] = defaultdict(list)
        files = sorted(root.rglob("*.har")) if root.is_dir() else []
        if not files:
            raise HarError(f"no .har recordings under {root}")
        for path in files:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
            for entry in entries:
                request, response = entry["request"], entry["response"]
                post = request.get("postData") or {}
                key = request_key(request["method"], request["url"])
                self._entries[key].append((
                    _query(request["url"]),
                    normalise_body(post.get("text"), post.get("mimeType")),
                    RecordedResponse(
                        status=int(response["status"]),
                        headers=tuple((h["name"], h["value"]) for h in response.get("headers", [])),
                        body=_content_bytes(response.get("content")),
                        source_file=str(path),
                    ),
                ))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError,
                RecursionError) as exc:
            raise HarError(f"corrupt recording {path}: {_what_is_wrong(exc)}") from exc

    def __len__(self) -> int:
        return sum(len(v) for v in self._entries.values())

    def find(self, method: str, url: str, body: bytes | str | None,
             content_type: str | None) -> RecordedResponse | None:
        query = _query(url)
        wanted_body = normalise_body(body, content_type)
        for recorded_query, recorded_body, response in self._entries.get(request_key(method, url), []):
            if recorded_query == query and recorded_body == wanted_body:
                return response
        return None


def _what_is_wrong(exc: Exception) -> str:
    """What a person reads of why a recording could not be loaded, without Python's exception names."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, json.JSONDecodeError):  # a file cut short ends inside a string or an array
        return f"not JSON, or cut short ({exc.msg.lower()}: line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} field where HAR has one"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply to be a HAR file"
    if isinstance(exc, AttributeError):  # a field of the wrong type: a number where the method's text is
        return "a field of the wrong type (a number or a list where HAR has text)"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)  # TypeError and ValueError: the message says which field


def _content_bytes(content: Any) -> bytes:
    if not isinstance(content, dict):
        raise TypeError(f"a response's content is {type(content).__name__}, not an object")
    text = content.get("text") or ""
    if not isinstance(text, str):
        raise TypeError(f"a response's content text is {type(text).__name__}, not a string")
    if content.get("encoding") == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


@lru_cache(maxsize=8)
def load_archive(root: str) -> HarArchive:
    """One parsed archive per directory per process, shared by every spider."""
    return HarArchive(Path(root))
