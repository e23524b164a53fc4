"""The bundled demo the README runs: three made-up companies, every source answering, the light their evidence calls for.

ООО «ДЕМО-ПОСТАВКА» (Russia) is amber: a creditor that won its suit announced it would file for bankruptcy,
another suit is pending, revenue fell; fssp stops at its captcha unless someone answers it. DEMO PRINTWORKS
LIMITED (UK) is green: nothing against it. DEMO FREIGHT LINES, INC. (US) is red: in chapter 11.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from clientvet.crawler.captcha import NOBODY_TO_ASK
from clientvet.crawler.spiders import declared_for, sources_for
from tests.conftest import AS_OF, DEMO, ROOT, check_json, run_cli

RU = ("--inn", "0000123450")
GB = ("--company-number", "99000100")
US = ("--cik", "9900001")
CAPTCHA_ANSWER = "демо"  # what the demo's fssp captcha image reads (demo/fssp-0000123450.har)

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None,
                                reason="no chromium on PATH: the demo's browser sources cannot be replayed")


def demo_check(tmp_path_factory, identifier: tuple[str, str], **kwargs) -> dict:
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    return check_json(*identifier, "--replay", "demo", "--db", str(db), **kwargs)


@pytest.fixture(scope="module")
def russian(tmp_path_factory) -> dict:
    return demo_check(tmp_path_factory, RU)


@pytest.fixture(scope="module")
def british(tmp_path_factory) -> dict:
    return demo_check(tmp_path_factory, GB)


@pytest.fixture(scope="module")
def american(tmp_path_factory) -> dict:
    return demo_check(tmp_path_factory, US)


def runs(document: dict) -> dict[str, dict]:
    return {run["source"]: run for run in document["coverage"]}


def factors(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for factor in document["factors"]:
        found.setdefault(factor["code"], []).append(factor)
    return found


# --- every source answers ----------------------------------------------------------------------


@pytest.mark.parametrize("check, jurisdiction", [("russian", "RU"), ("british", "GB"), ("american", "US")])
def test_every_source_of_the_country_answers_from_the_demo_recordings(check, jurisdiction, request):
    document = request.getfixturevalue(check)
    answered = runs(document)
    assert set(answered) == {source.name for source in sources_for(jurisdiction)}
    assert "unrecorded request" not in json.dumps(document, ensure_ascii=False)
    for source, run in answered.items():
        if source == "fssp":  # it answers with its captcha: nobody at the terminal to read it
            assert (run["status"], run["reason"], run["requests"]) == ("failed", NOBODY_TO_ASK, 1)
        else:
            assert run["status"] in ("ok", "empty"), run
            assert run["requests"] >= 1, run


@pytest.mark.parametrize("check, jurisdiction", [("russian", "RU"), ("british", "GB"), ("american", "US")])
def test_no_source_answers_in_fewer_requests_than_its_declared_chain(check, jurisdiction, request):
    """A chain of requests that wait on each other (crawler/declarations.py) is asked in full when the source finds
    something: the demo's answers are the ones the chains are declared for."""
    chains = {entry.name: entry.chain for entry in declared_for(jurisdiction)}
    found = {source: run["requests"] for source, run in runs(request.getfixturevalue(check)).items()
             if run["status"] == "ok"}
    assert found and {source: min(asked, chains[source]) for source, asked in found.items()} == \
        {source: chains[source] for source in found}


def test_the_browser_sources_read_their_pages_in_chromium(russian):
    answered = runs(russian)
    assert {source: (answered[source]["status"], answered[source]["facts"])
            for source in ("kad_arbitr", "otzovik", "yandex_maps")} == {
        "kad_arbitr": ("ok", 7),  # 4 cases, 2 case cards, the search
        "otzovik": ("ok", 4),  # 3 reviews, the company page (not its namesake's)
        "yandex_maps": ("ok", 4),  # 3 reviews, the organisation (not its namesake's)
    }


# --- the three stories ---------------------------------------------------------------------------


def test_russian_demo_is_amber_for_a_creditor_who_won_in_court_and_a_falling_revenue(russian):
    assert (russian["verdict"], russian["deal_killers"]) == ("amber", [])
    found = factors(russian)
    assert {"creditor_intends_bankruptcy", "court_defendant_suits", "court_claims_total",
            "revenue_falling"} <= set(found)
    [notice] = found["creditor_intends_bankruptcy"]
    assert notice["summary"].endswith('1 notice(s) in the last 12 months by ООО "КРЕДИТОР-ДЕМО"')
    [suits] = found["court_defendant_suits"]
    assert "2 suit(s) as defendant in 24 months, 1 in the last 12" in suits["summary"]
    assert "2 of 2 card(s) read show debt collection" in suits["summary"]
    [claims] = found["court_claims_total"]
    assert "2 536 400.00 RUB in 2 suit(s); largest А00-2315/2025: 2 350 000.00 RUB" in claims["summary"]
    assert not {code for code in found if code.startswith(("enforcement_", "reviews_non", "reviews_many"))}


def test_russian_summary_says_how_to_answer_the_captcha(tmp_path):
    """The README's main job as a newcomer sees it: amber, the reasons, and what fssp needs."""
    result = run_cli("check", *RU, "--replay", "demo", "--db", str(tmp_path / "demo.sqlite"), "--as-of", AS_OF,
                     env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "AMBER" in result.stdout
    assert NOBODY_TO_ASK in result.stdout  # "captcha: …; run with --interactive or configure captcha.solver"
    assert "unrecorded request" not in result.stdout + result.stderr


def test_russian_demo_with_the_captcha_answered_reads_the_enforcement_proceedings(tmp_path):
    result = run_cli("check", *RU, "--replay", "demo", "--db", str(tmp_path / "demo.sqlite"), "--json",
                     "--as-of", AS_OF, "--interactive", env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
                     input=f"{CAPTCHA_ANSWER}\n")
    assert result.returncode == 0, result.stderr
    assert "The captcha image is saved at" in result.stderr
    document = json.loads(result.stdout)
    assert runs(document)["fssp"] | {"essential": None} == {
        "source": "fssp", "status": "ok", "reason": None, "essential": None, "requests": 2, "facts": 2}
    assert document["verdict"] == "amber"
    found = factors(document)
    assert {"enforcement_open", "enforcement_recent", "enforcement_paid"} <= set(found)
    assert "1 open, 68 801.00 RUB outstanding" in found["enforcement_open"][0]["summary"]
    assert "enforcement_large_debt" not in found  # the 1 250 000 RUB proceeding is a namesake's


def test_british_demo_is_green_with_nothing_against_it(british):
    assert (british["verdict"], british["score"], british["deal_killers"]) == ("green", 0, [])
    assert not [factor for factor in british["factors"] if factor["points"] > 0]
    answered = runs(british)
    assert (answered["companies_house"]["status"], answered["gazette"]["status"],
            answered["trustpilot"]["status"]) == ("ok", "empty", "ok")  # the Gazette notice is a namesake's
    assert british["company"]["name"] == "DEMO PRINTWORKS LIMITED"


def test_american_demo_is_red_in_chapter_11(american):
    assert american["verdict"] == "red"
    assert set(american["deal_killers"]) == {"us_bankruptcy"}
    found = factors(american)
    assert sorted(f["evidence"][0]["url"] for f in found["us_bankruptcy"]) == [
        "https://data.sec.gov/submissions/CIK0009900001.json",
        "https://www.courtlistener.com/api/rest/v4/search/?type=r&q=party%3A%22DEMO+FREIGHT+LINES%2C+INC.%22"]
    assert any("chapter 11" in f["summary"] for f in found["us_bankruptcy"])
    assert {"us_net_loss_two_years", "us_negative_equity", "us_defendant_suits",
            "reviews_non_payment_or_fraud"} <= set(found)
    assert "2 suit(s) as defendant" in found["us_defendant_suits"][0]["summary"]  # not the namesake's docket


# --- the recordings and the README ---------------------------------------------------------------


def test_every_demo_recording_is_hand_made_and_says_its_company_is_made_up():
    for har in sorted(DEMO.glob("*.har")):
        log = json.loads(har.read_text(encoding="utf-8"))["log"]
        assert "MADE-UP" in log["comment"] or "made-up company" in log["comment"], har.name
        assert log["entries"], har.name
        # ../shared/recordings marks a real body "recorded: <repo>/<path>": none of them is copied here
        assert not [e for e in log["entries"] if e.get("comment", "").startswith("recorded:")], har.name


def test_readme_runs_the_three_demo_checks():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for identifier in (RU, GB, US):
        assert re.search(rf"clientvet check {' '.join(identifier)} --replay demo\b", readme), identifier
