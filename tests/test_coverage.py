"""Coverage by evidence kind: what was checked per kind, the colour rule it drives, accepted gaps, no public source."""

from __future__ import annotations

from datetime import date

import pytest
from rich.console import Console

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.kinds import JURISDICTION_KINDS, KINDS, UnknownKind, parse_kinds, remedy
from clientvet.checks.verdict import evaluate, safeguards
from clientvet.crawler.engine import ScrapyEngine
from clientvet.crawler.spiders import all_sources
from clientvet.evidence.store import CheckRecord, SourceRun
from clientvet.reports.document import report
from clientvet.reports.terminal import render
from tests.conftest import DEMO, run_cli

TODAY = date(2026, 11, 23)
RU_KINDS = {"egrul": ("registry",), "bankrot_fedresurs": ("bankruptcy",), "fedresurs": ("bankruptcy",),
            "kad_arbitr": ("courts",), "fssp": ("debts",), "bo_nalog": ("finances",), "twogis": ("reviews",)}
NO_BROWSER = "no browser (install chromium: apt-get install chromium)"
CAPTCHA = "captcha: the site asks a captcha; run with --interactive or configure captcha.solver"


def run(source: str, status: str = "ok", reason: str | None = None) -> SourceRun:
    return SourceRun(source, status, reason, None, None, 1, 1 if status == "ok" else 0)


def evidence(*runs: SourceRun, kinds: dict[str, tuple[str, ...]] = RU_KINDS, jurisdiction: str = "RU",
             accepted: tuple[str, ...] = (), essential: frozenset[str] = frozenset(),
             key_settings: dict[str, str] | None = None) -> CheckEvidence:
    terms = {"accept_unchecked": list(accepted)} if accepted else {}
    check = CheckRecord(1, "ru:inn:7700000001", jurisdiction, "inn", "7700000001", "2026-11-23T00:00:00+00:00",
                        None, "complete", None, terms=terms, sources=list(runs))
    return CheckEvidence(check, [], essential, TODAY, source_kinds=kinds, key_settings=key_settings or {})


def all_ok(**changed: SourceRun) -> list[SourceRun]:
    """A run of every RU source: ok, unless changed."""
    return [changed.get(source, run(source)) for source in RU_KINDS]


def states(verdict) -> dict[str, str]:
    return {k.kind.code: k.state for k in verdict.coverage}


# --- the declarations ----------------------------------------------------------------------------


def test_every_source_declares_kinds_its_country_reports_and_every_public_kind_has_a_source():
    sources = all_sources()
    assert {s.jurisdiction for s in sources} <= set(JURISDICTION_KINDS)
    for source in sources:
        public = {code for code, by_hand in JURISDICTION_KINDS[source.jurisdiction].items() if by_hand is None}
        assert source.covers and set(source.covers) <= public, source.name
    for jurisdiction, reported in JURISDICTION_KINDS.items():
        assert set(reported) <= set(KINDS)
        covered = {kind for s in sources if s.jurisdiction == jurisdiction for kind in s.covers}
        assert covered == {code for code, by_hand in reported.items() if by_hand is None}, jurisdiction


def test_the_engine_hands_the_declarations_to_the_check():
    declared = ScrapyEngine().sources_for("US")
    assert declared.kinds["courtlistener"] == ("courts", "bankruptcy")
    assert declared.key_settings == {"courtlistener": "COURTLISTENER_TOKEN or courtlistener.token in the config file"}


@pytest.mark.parametrize("named, kinds", [(["reviews", " DEBTS", "debts"], ["debts", "reviews"]), ([""], [])])
def test_kind_names_are_read_in_the_verdicts_order(named, kinds):
    assert parse_kinds(named) == kinds


def test_an_unknown_kind_is_named():
    with pytest.raises(UnknownKind, match="unknown evidence kind 'dbts'; the kinds are registry, bankruptcy"):
        parse_kinds(["debts", "dbts"])


@pytest.mark.parametrize("reason, fix", [
    (CAPTCHA, "run with --interactive to answer the captcha (or configure captcha.solver)"),
    ("captcha: egrul.nalog.ru asks for a captcha (captchaSearch)", "try again later: the site asks a captcha"),
    (NO_BROWSER, "install Chromium (apt-get install chromium)"),
    ("blocked: HTTP 451 from https://kad.arbitr.ru/Kad/SearchInstances", "try again later or from another network"),
    ("sole traders file no financial statements to ГИР БО", None),
    ("a reason nobody wrote down", None),
])
def test_what_would_make_a_source_checkable_comes_from_its_reason(reason, fix):
    found = remedy(reason)
    assert found == fix if fix is None else found.startswith(fix)


def test_a_missing_api_key_is_answered_with_the_setting_the_source_declares():
    assert remedy("no API key", "TWOGIS_API_KEY or twogis.api_key in the config file") == \
        "set its API key: TWOGIS_API_KEY or twogis.api_key in the config file"


# --- the colour rule -----------------------------------------------------------------------------


def test_green_when_every_gating_kind_was_checked_though_finances_and_reviews_were_not():
    verdict = evaluate(evidence(*all_ok(bo_nalog=run("bo_nalog", "failed", CAPTCHA),
                                        twogis=run("twogis", "skipped", "no API key"))))
    assert verdict.colour == "green" and verdict.score == 10  # two supporting sources unchecked, 5 points each
    assert states(verdict) == {"registry": "checked", "bankruptcy": "checked", "courts": "checked",
                               "debts": "checked", "finances": "not_checked", "tax": "not_checked",
                               "registers": "not_checked", "reviews": "not_checked"}  # these two: no source ran
    assert not verdict.not_verified


def test_courts_and_debts_unchecked_keep_a_clean_company_amber_and_say_what_would_check_them():
    ev = evidence(*all_ok(kad_arbitr=run("kad_arbitr", "skipped", NO_BROWSER), fssp=run("fssp", "failed", CAPTCHA)))
    verdict = evaluate(ev)
    assert (verdict.colour, verdict.score) == ("amber", 10)
    assert verdict.reasons == [
        "not verified: court suits, enforcement debts could not be checked",
        "to check — kad_arbitr: install Chromium (apt-get install chromium); fssp: run with --interactive to "
        "answer the captcha (or configure captcha.solver)"]
    assert safeguards(verdict)[0] == \
        "Take a 30% prepayment before work starts (court suits, enforcement debts unchecked)."
    [change] = report(ev, verdict)["would_change"]
    assert change["check"] == ["kad_arbitr", "fssp"] and change["kinds"] == ["courts", "debts"]


def test_a_kind_with_one_of_its_sources_unchecked_is_partly_checked_and_not_green():
    verdict = evaluate(evidence(*all_ok(fedresurs=run("fedresurs", "failed", "blocked: HTTP 403 from x"))))
    assert states(verdict)["bankruptcy"] == "partly_checked" and verdict.colour == "amber"
    [bankruptcy] = verdict.not_verified
    assert [r.source for r in bankruptcy.runs] == ["bankrot_fedresurs", "fedresurs"]
    assert bankruptcy.why().startswith("fedresurs: failed (blocked: HTTP 403 from x) — to check it: try again later")


def test_a_kind_whose_sources_did_not_run_is_not_checked():
    verdict = evaluate(evidence(*[r for r in all_ok() if r.source != "fssp"]))
    debts = next(k for k in verdict.coverage if k.kind.code == "debts")
    assert (debts.state, debts.why(), verdict.colour) == ("not_checked", "no source of it ran", "amber")


def test_an_accepted_gap_no_longer_keeps_the_verdict_from_green_and_says_so():
    ev = evidence(*all_ok(fssp=run("fssp", "failed", CAPTCHA)), accepted=("debts", "reviews"))
    verdict = evaluate(ev)
    assert verdict.colour == "green"
    assert verdict.reasons == ["enforcement debts could not be checked: you accepted that (--accept-unchecked)"]
    document = report(ev, verdict)
    assert document["coverage_by_kind"]["debts"]["accepted"] and document["terms"]["accept_unchecked"] == [
        "debts", "reviews"]


def test_an_essential_source_in_an_accepted_kind_no_longer_caps_but_its_points_stay():
    failed = run("egrul", "failed", "captcha: egrul.nalog.ru asks for a captcha (captchaSearch)")
    capped = evaluate(evidence(*all_ok(egrul=failed), essential=frozenset({"egrul"})))
    assert capped.colour == "amber" and capped.unchecked_essential == ("egrul",)
    assert safeguards(capped)[0].endswith("(registry unchecked).")  # the kind, not the source twice
    accepted = evaluate(evidence(*all_ok(egrul=failed), essential=frozenset({"egrul"}), accepted=("registry",)))
    assert (accepted.colour, accepted.score, accepted.unchecked_essential) == ("green", 15, ())


def test_kinds_without_a_public_source_in_the_country_do_not_block_green():
    kinds = {"companies_house": ("registry", "bankruptcy", "finances"), "gazette": ("bankruptcy",),
             "trustpilot": ("reviews",)}
    verdict = evaluate(evidence(run("companies_house"), run("gazette", "empty"), run("trustpilot"), kinds=kinds,
                                jurisdiction="GB"))
    assert verdict.colour == "green"
    assert states(verdict) == {"registry": "checked", "bankruptcy": "checked", "courts": "no_public_source",
                               "debts": "no_public_source", "finances": "checked", "reviews": "checked"}
    debts = next(k for k in verdict.coverage if k.kind.code == "debts")
    assert "trustonline.org.uk" in debts.by_hand and debts.as_dict()["by_hand"] == debts.by_hand


def test_us_courts_without_a_courtlistener_token_are_unchecked_and_the_token_is_named():
    kinds = {"edgar": ("registry", "bankruptcy", "finances"), "courtlistener": ("courts", "bankruptcy")}
    verdict = evaluate(evidence(run("edgar"), run("courtlistener", "skipped", "no API key"), kinds=kinds,
                                jurisdiction="US",
                                key_settings={"courtlistener": "COURTLISTENER_TOKEN or courtlistener.token"}))
    assert verdict.colour == "amber"
    assert verdict.reasons == ["not verified: bankruptcy, court suits could not be checked",
                               "to check — courtlistener: set its API key: COURTLISTENER_TOKEN or "
                               "courtlistener.token"]
    assert states(verdict)["bankruptcy"] == "partly_checked" and states(verdict)["debts"] == "no_public_source"


def test_without_the_sources_declarations_only_essential_sources_cap():
    verdict = evaluate(evidence(run("fssp", "failed", CAPTCHA), kinds={}))
    assert (verdict.colour, verdict.coverage) == ("green", ())


# --- the summary and the command line -----------------------------------------------------------------


def test_summary_shows_each_kind_what_would_check_it_and_the_accepted_gaps():
    ev = evidence(*all_ok(fssp=run("fssp", "failed", CAPTCHA), kad_arbitr=run("kad_arbitr", "skipped", NO_BROWSER)),
                  accepted=("courts",))
    console = Console(record=True, width=160, color_system=None)
    render(report(ev, evaluate(ev)), console)
    text = console.export_text()
    assert "Accepted unchecked by you: court suits" in text
    assert "not verified: enforcement debts could not be checked" in text
    assert "Coverage by evidence kind" in text and "fssp: run with --interactive" in text
    assert "not checked, accepted" in text and "enforcement debts *" in text
    assert text.index("Coverage by evidence kind") < text.index("What was checked")


def test_an_unknown_kind_to_accept_exits_2_and_writes_nothing(tmp_path):
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--inn", "0000123450", "--replay", str(DEMO), "--db", str(db),
                     "--accept-unchecked", "debts,sudy")
    assert result.returncode == 2 and "--accept-unchecked" in result.stderr and "'sudy'" in result.stderr
    assert "Traceback" not in result.stderr and not db.exists()
