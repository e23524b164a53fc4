"""The replay matching convention of ../shared/recordings/README.md, on HAR files written here."""

import json

import pytest

from clientvet.crawler.har import HarArchive, HarError


def write_har(path, entries):
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")


def entry(method, url, body="{}", post=None, status=200):
    request = {"method": method, "url": url, "headers": []}
    if post:
        request["postData"] = post
    return {"request": request, "response": {"status": status, "headers": [
        {"name": "Content-Type", "value": "application/json"}], "content": {"text": body}}}


@pytest.fixture
def archive(tmp_path):
    (tmp_path / "nested").mkdir()
    write_har(tmp_path / "nested" / "a.har", [
        entry("GET", "https://example.org/api?b=2&a=1&a=3", body='{"hit": "query"}'),
        entry("POST", "https://example.org/form", body='{"hit": "form"}',
              post={"mimeType": "application/x-www-form-urlencoded", "text": "x=1&y=&x=2"}),
        entry("POST", "https://example.org/json", body='{"hit": "json"}',
              post={"mimeType": "application/json", "text": '{"a": [1, 2], "b": null}'}),
        entry("POST", "https://example.org/empty", body='{"hit": "empty"}'),
    ])
    return HarArchive(tmp_path)


def test_query_is_a_multiset_without_cache_busters(archive):
    found = archive.find("GET", "https://EXAMPLE.org/api?a=3&a=1&b=2&_=1700&r=5&nocache=1&reqId=x", None, None)
    assert found and json.loads(found.body) == {"hit": "query"}
    assert archive.find("GET", "https://example.org/api?a=1&b=2", None, None) is None
    assert archive.find("GET", "http://example.org/api?b=2&a=1&a=3", None, None) is None  # scheme counts
    assert archive.find("POST", "https://example.org/api?b=2&a=1&a=3", "", None) is None  # method counts


def test_form_body_is_a_multiset(archive):
    ctype = "application/x-www-form-urlencoded"
    assert archive.find("POST", "https://example.org/form", b"y=&x=2&x=1", ctype)
    assert archive.find("POST", "https://example.org/form", b"x=1&x=2", ctype) is None


def test_json_body_compares_parsed_values(archive):
    assert archive.find("POST", "https://example.org/json", b'{"b":null,"a":[1,2]}', "application/json")
    assert archive.find("POST", "https://example.org/json", b'{"a":[2,1],"b":null}', "application/json") is None


def test_empty_body_matches_only_empty(archive):
    assert archive.find("POST", "https://example.org/empty", b"", None)
    assert archive.find("POST", "https://example.org/empty", b"x=1", None) is None


def test_corrupt_recording_names_the_file(tmp_path):
    (tmp_path / "broken.har").write_text('{"log": {"entries": [', encoding="utf-8")
    with pytest.raises(HarError, match="broken.har"):
        HarArchive(tmp_path)


def test_directory_without_recordings_is_refused(tmp_path):
    with pytest.raises(HarError, match="no .har recordings"):
        HarArchive(tmp_path)


def test_every_shared_recording_loads(recordings):
    assert len(HarArchive(recordings)) >= 60
