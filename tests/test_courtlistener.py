"""CourtListener: the hand-made v4 search for the made-up DEMO SUPPLY, INC., attribution, roles, the token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from scrapy.utils.test import get_crawler

from clientvet import config
from clientvet.crawler.base import SourceFailure
from clientvet.crawler.items import Subject
from clientvet.crawler.spiders.courtlistener import CourtListenerSpider, caption_role, next_page, search_url
from tests.conftest import ROOT, har_response

DEMO_CIK = "0009999990"
FIXTURE = ROOT / "tests" / "fixtures" / "courtlistener" / f"handmade-{DEMO_CIK}.har"
SUBJECT = Subject(1, f"us:cik:{DEMO_CIK}", "US", "cik", DEMO_CIK)
NAMES = ["DEMO SUPPLY, INC.", "DEMO SUPPLY HOLDINGS INC"]  # current name, former name (from EDGAR)
PAGE_1 = search_url("DEMO SUPPLY, INC.")


@pytest.fixture
def spider(tmp_path):
    crawler = get_crawler(CourtListenerSpider, {"CLIENTVET_DB": str(tmp_path / "db.sqlite")})
    return CourtListenerSpider.from_crawler(crawler)


def page(number: int):
    meta = {"subject": SUBJECT, "names": NAMES, "query": NAMES[0], "page": number}
    return har_response(FIXTURE, "type=r&q=" if number == 1 else "cursor=", meta)


def facts(output) -> dict[str, dict]:
    return {f.key: f.data for f in output if getattr(f, "kind", "") == "federal_case"}


def test_search_url_is_the_v4_party_phrase_search():
    assert PAGE_1 == ("https://www.courtlistener.com/api/rest/v4/search/"
                      "?type=r&q=party%3A%22DEMO+SUPPLY%2C+INC.%22")
    assert search_url('Say "Cheese" Inc').count("%22") == 2  # a quote in the name cannot end the phrase


def test_first_page_attributes_hits_and_reads_roles_from_the_caption(spider):
    output = list(spider.parse_search(page(1)))
    cases = facts(output)
    # Demo Supply Solutions LLC (71000005) is another company: not attributed.
    assert {k: v["role"] for k, v in cases.items()} == {
        "71000001": "debtor", "71000002": "defendant", "71000003": "defendant", "71000004": "plaintiff"}
    chapter11 = cases["71000001"]
    assert (chapter11["court_id"], chapter11["bankruptcy_court"], chapter11["chapter"], chapter11["open"]) == (
        "nysb", True, "11", True)
    assert chapter11["url"] == "https://www.courtlistener.com/docket/71000001/in-re-demo-supply-inc/"
    suit = cases["71000003"]
    assert (suit["docket_number"], suit["filed_on"], suit["terminated_on"], suit["open"]) == (
        "2:25-cv-04410", "2025-07-14", "2026-01-10", False)
    assert (suit["cause"], suit["nature_of_suit"], suit["court_citation"]) == (
        "28:1332 Diversity-Breach of Contract", "190 Contract: Other", "D.N.J.")
    assert suit["matched_party"] == "Demo Supply, Inc."
    [follow] = [o for o in output if not hasattr(o, "kind")]
    assert follow.url.startswith("https://www.courtlistener.com/api/rest/v4/search/?cursor=")
    assert follow.meta["page"] == 2


def test_last_page_closes_the_search_with_its_count(spider):
    output = list(spider.parse_search(page(2)))
    cases = facts(output)
    adversary = cases["71000006"]  # against the former name, in the bankruptcy court
    assert (adversary["role"], adversary["bankruptcy_court"], adversary["matched_party"]) == (
        "defendant", True, "Demo Supply Holdings Inc")
    assert cases["71000007"]["filed_on"] == "2024-02-01"
    [search] = [f for f in output if getattr(f, "kind", "") == "federal_case_search"]
    assert search.data == {"query": "DEMO SUPPLY, INC.", "total": 8, "pages_read": 2, "complete": True}
    assert not [o for o in output if not hasattr(o, "kind")]


def test_a_result_without_docket_id_fails_loudly(spider):
    response = page(2)
    body = json.loads(response.text)
    del body["results"][0]["docket_id"]
    with pytest.raises(SourceFailure, match="without docket_id"):
        list(spider.parse_search(response.replace(body=json.dumps(body).encode())))


@pytest.mark.parametrize("case_name, bankruptcy_court, role", [
    ("In re: Demo Supply, Inc.", True, "debtor"),
    ("Demo Supply, Inc.", True, "debtor"),  # bankruptcy dockets captioned with the debtor alone
    ("In re Demo Supply Securities Litigation", False, "party"),
    ("In re: Globex Corporation", True, "party"),  # the company is a creditor there
    ("Smith v. Demo Supply, Inc. et al.", False, "defendant"),
    ("Demo Supply Inc vs. Smith", False, "plaintiff"),
    ("Smith v. Jones", False, "party"),
])
def test_caption_role(case_name, bankruptcy_court, role):
    assert caption_role(case_name, NAMES, bankruptcy_court) == role


def test_next_link_to_another_host_is_refused():
    """The token goes with the next request, so scraped links may not lead it elsewhere."""
    assert next_page(None) is None
    assert next_page(PAGE_1 + "&cursor=abc") == PAGE_1 + "&cursor=abc"
    with pytest.raises(SourceFailure, match="not on"):
        next_page("https://evil.example/api/rest/v4/search/?cursor=abc")


# --- the token ------------------------------------------------------------------------------


@pytest.fixture
def token_config(tmp_path, monkeypatch):
    monkeypatch.delenv("COURTLISTENER_TOKEN", raising=False)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("CLIENTVET_CONFIG", str(path))
    config.load_config.cache_clear()
    yield path
    config.load_config.cache_clear()


def test_token_comes_from_the_environment_before_the_config(token_config, monkeypatch):
    token_config.write_text('[courtlistener]\ntoken = "from-config"\n')
    assert CourtListenerSpider.api_key.get() == "from-config"
    monkeypatch.setenv("COURTLISTENER_TOKEN", "from-env")
    assert CourtListenerSpider.api_key.get() == "from-env"


def test_search_request_sends_the_token_in_the_authorization_header(spider):
    spider.key = "cl-token"
    request = spider.search(SUBJECT, PAGE_1, {"names": NAMES, "query": NAMES[0], "page": 1})
    assert request.headers["Authorization"] == b"Token cl-token"
    assert "cl-token" not in request.url + json.dumps({k: v for k, v in request.meta.items() if k != "subject"})


LIVE_RUN = textwrap.dedent("""
    import sys
    from clientvet.crawler.items import Subject
    from clientvet.crawler.runner import build_settings, crawl
    from clientvet.crawler.store import open_store
    from clientvet.evidence.identifiers import parse_cik

    db = sys.argv[1]
    store = open_store(db)
    identity = parse_cik("9999990")
    check_id = store.start_check(identity)
    # As if EDGAR had answered: CourtListener now has a name and sends its request (to a dead proxy).
    store.record_fact(check_id=check_id, company_key=identity.key, source="edgar", kind="registry_record",
                      key=identity.value, data={"name": "DEMO SUPPLY, INC.", "status": "registered"},
                      response_id=None)
    crawl([Subject(check_id, identity.key, "US", "cik", identity.value)],
          build_settings(db, None, {"LOG_LEVEL": "DEBUG", "RETRY_ENABLED": False, "DOWNLOAD_DELAY": 0}))
    for run in store.source_runs(check_id):
        print(run.source, run.status, run.requests, run.reason)
""")


def test_token_never_reaches_logs_settings_or_database(tmp_path):
    """A live search with a token, at DEBUG log level, through a dead local proxy: failed, token unseen."""
    secret = "cl-test-token-do-not-leak-5b2e"
    db = tmp_path / "db.sqlite"
    dead = "http://127.0.0.1:9"
    env = {**os.environ, "COURTLISTENER_TOKEN": secret, "CLIENTVET_CONFIG": str(tmp_path / "none.toml"),
           "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead}
    result = subprocess.run([sys.executable, "-c", LIVE_RUN, str(db)], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    runs = {line.split()[0]: line.split(maxsplit=3)[1:] for line in result.stdout.splitlines()}
    assert runs["courtlistener"][:2] == ["failed", "1"]  # the request was made, with the token
    assert "Overridden settings" in result.stderr  # the settings dump is in the log being searched
    assert secret not in result.stdout + result.stderr
    assert secret.encode() not in db.read_bytes()
