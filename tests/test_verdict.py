"""The verdict: purpose weights, debts against the deal, industry, positives, safeguards, what would change,
the user's [rules] table, `clientvet rules` and the readable summary."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import fields
from datetime import date

import pytest
from rich.console import Console

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.groups import GROUPS
from clientvet.checks.history import EVENT_KINDS
from clientvet.checks.rules import RULES, RULES_WITH_LISTS, Hit, Rule, rule
from clientvet.checks.rules.conversation import SIGNAL_PURPOSE_WEIGHTS
from clientvet.checks.rules.history import FRICTION_PURPOSE_WEIGHTS
from clientvet.checks.tuning import Tuning
from clientvet.checks.verdict import AMBER_FROM, RED_FROM, Factor, Verdict, evaluate, safeguards
from clientvet.cli import PURPOSES
from clientvet.config import ConfigError
from clientvet.crawler.har import HarArchive
from clientvet.crawler.spiders import SOURCES
from clientvet.evidence.store import CheckRecord, Observation, SourceRun
from clientvet.reports.document import report
from clientvet.reports.terminal import render
from clientvet.checks.signals import CATALOGUE, StoredSignal
from tests.conftest import RECORDINGS, ROOT, run_cli

TODAY = date(2026, 11, 23)
INN = "7700000001"


def fact(kind: str, key: str, source: str = "test", **data) -> Observation:
    return Observation(f"{kind}:{key}", kind, key, source, data, "2026-11-23T00:00:00+00:00",
                       "2026-11-23T00:00:00+00:00", None, url=f"https://example.test/{kind}/{key}")


def signal(code: str) -> StoredSignal:
    return StoredSignal(1, f"ru:inn:{INN}", code, None, "anna", "2026-11-20T10:00:00+00:00")


def evidence(*observations: Observation, terms: dict | None = None, signals: tuple[str, ...] = (),
             runs: tuple[SourceRun, ...] = (), essential: frozenset[str] = frozenset(), tuning: Tuning | None = None,
             jurisdiction: str = "RU") -> CheckEvidence:
    check = CheckRecord(1, f"ru:inn:{INN}", jurisdiction, "inn", INN, "2026-11-23T00:00:00+00:00", None,
                        "complete", None, terms=terms or {}, sources=list(runs))
    return CheckEvidence(check, list(observations), essential, TODAY, signals=[signal(c) for c in signals],
                         tuning=tuning or Tuning())


def by_code(verdict: Verdict) -> dict[str, int]:
    return {f.rule.code: f.points for f in verdict.factors}


def suit(number: str, role: str = "defendant", kind: str = "civil", filed_on: str = "2026-05-01") -> Observation:
    return fact("court_case", number, "kad_arbitr", case_number=number, case_kind=kind, role=role,
                filed_on=filed_on, plaintiffs=[{"name": "ООО КРЕДИТОР"}])


def claim(number: str, amount: float, **case) -> tuple[Observation, Observation]:
    """A suit and its kad.arbitr.ru card, which carries the claim amount."""
    card = fact("court_card", number, "kad_arbitr", case_number=number, url=f"https://kad.arbitr.ru/Card/{number}",
                claim_rub=amount, debt_collection=True)
    return suit(number, **case), card


def proceeding(number: str, total_rub: float | None, open_: bool = True) -> Observation:
    return fact("enforcement_proceeding", number, "fssp", number=number, started_on="2026-03-01",
                debtor="ООО «ПРИМЕР»", subject="Задолженность по договору", total_rub=total_rub, open=open_)


def net_loss_statements() -> list[Observation]:
    """One year of net loss after a profitable one: the 10-point net_loss rule."""
    return [fact("financial_statement", "2024", "bo_nalog", year=2024, net_profit_thousand_rub=500),
            fact("financial_statement", "2025", "bo_nalog", year=2025, net_profit_thousand_rub=-700)]


FAILED_EGRUL = SourceRun("egrul", "failed", "captcha", None, None, 1, 0)


# --- outstanding debts: one function over courts, enforcement and tax -------------------------------


def test_outstanding_debts_without_any_debt_source_is_zero():
    debts = evidence(fact("registry_record", "1", status="active")).outstanding_debts()
    assert (debts.amount, debts.observations, debts.unquantified, debts.currency) == (0, (), (), "RUB")


def test_outstanding_debts_sums_open_claims_proceedings_and_tax_debt():
    first, second = claim("А40-1/2026", 700_000), claim("А40-2/2025", 300_000.5, kind="unspecified",
                                                        filed_on="2025-01-10")
    counted = [first[1], second[1], proceeding("1/26/77", 250_000),
               fact("tax_card", "1027700000001", "pb_nalog", tax_debt=True, arrears_rub=50_000)]
    ignored = [*claim("А40-3/2026", 9_000_000, role="plaintiff"),  # the company claims, it does not owe
               *claim("А40-4/2026", 9_000_000, kind="bankruptcy"),  # creditors' claims live in the case
               *claim("А40-5/2023", 9_000_000, filed_on="2023-06-01"),  # filed over 24 months ago
               proceeding("2/25/77", 9_000_000, open_=False)]
    debts = evidence(first[0], second[0], *counted, *ignored).outstanding_debts()
    assert debts.amount == pytest.approx(1_300_000.5)
    assert debts.by_kind == {"court_case": pytest.approx(1_000_000.5), "enforcement_proceeding": 250_000,
                             "tax_card": 50_000}
    assert [o.key for o in debts.observations] == [o.key for o in counted]
    assert "1 300 000 RUB known" in debts.describe() and "open enforcement proceedings 250 000 RUB" in debts.describe()


def test_debts_without_an_amount_are_listed_but_not_summed():
    flagged = fact("tax_card", "1", "pb_nalog", tax_debt=True, arrears_rub=None)
    unread = suit("А40-7/2026")  # its card was not read
    running = proceeding("3/26/77", None)
    ended = proceeding("4/26/77", 10, open_=False)
    debts = evidence(flagged, unread, running, ended).outstanding_debts()
    assert debts.amount == 0 and debts.unquantified == (unread, running, flagged)
    assert "3 more without an amount" in debts.describe()


# --- debts larger than the deal ---------------------------------------------------------------------

DEBTS = (*claim("А40-1/2026", 1_000_000), proceeding("1/26/77", 500_000))


@pytest.mark.parametrize("purpose", ["deferred", "long-project", None])
def test_debts_larger_than_an_unprepaid_deal_kill_it(purpose):
    terms = {"amount": 1_200_000, "currency": "RUB", **({"purpose": purpose} if purpose else {})}
    verdict = evaluate(evidence(*DEBTS, terms=terms))
    assert verdict.colour == "red" and [f.rule.code for f in verdict.deal_killers] == ["debts_exceed_deal"]
    factor = verdict.deal_killers[0]
    assert factor.evidence == DEBTS[1:] and "1 500 000 RUB known" in factor.detail and "1 200 000 RUB" in factor.detail
    assert "debts_exceed_prepaid_deal" not in by_code(verdict)
    prepaid = [c for c in changes(evidence(*DEBTS, terms=terms)) if c.get("purpose") == "prepaid"]
    assert prepaid and prepaid[0]["to"] != "red"  # prepaid, the debts are a 15-point factor


def test_debts_larger_than_a_prepaid_deal_are_a_medium_unweighted_factor():
    verdict = evaluate(evidence(*DEBTS, terms={"purpose": "prepaid", "amount": 1_200_000, "currency": "RUB"}))
    assert not verdict.deal_killers
    assert by_code(verdict)["debts_exceed_prepaid_deal"] == RULES["debts_exceed_prepaid_deal"].points == 15
    assert any("full prepayment has arrived" in s for s in safeguards(verdict))


@pytest.mark.parametrize("terms", [{}, {"purpose": "deferred"},  # no amount: nothing to compare
                                   {"purpose": "deferred", "amount": 1_500_000, "currency": "RUB"},  # not larger
                                   {"purpose": "deferred", "amount": 10_000, "currency": "USD"}])  # other currency
def test_debts_are_not_compared_without_a_larger_deal_in_roubles(terms):
    codes = by_code(evaluate(evidence(*DEBTS, terms=terms)))
    assert not codes.keys() & {"debts_exceed_deal", "debts_exceed_prepaid_deal"}


# --- purpose weights ---------------------------------------------------------------------------------


def test_weight_tables_name_only_real_purposes_and_rules():
    for weights in [*(g.purpose_weights for g in GROUPS.values()), *(r.purpose_weights for r in RULES.values())]:
        assert set(weights) <= set(PURPOSES)
    assert set(SIGNAL_PURPOSE_WEIGHTS) <= {signal.code for signal in CATALOGUE}
    assert set(FRICTION_PURPOSE_WEIGHTS) <= {code for code, kind in EVENT_KINDS.items() if kind.friction}


@pytest.mark.parametrize("purpose, points", [(None, 10), ("prepaid", 5), ("deferred", 15), ("long-project", 15)])
def test_finance_factor_weighs_more_when_we_are_paid_later(purpose, points):
    verdict = evaluate(evidence(*net_loss_statements(), terms={"purpose": purpose} if purpose else {}))
    assert by_code(verdict) == {"net_loss": points}
    assert verdict.factors[0].as_dict().get("purpose_weight", 1) == {None: 1, "prepaid": 0.5}.get(purpose, 1.5)


@pytest.mark.parametrize("purpose, promises, cash", [(None, 15, 20), ("prepaid", 8, 20), ("deferred", 15, 20)])
def test_payment_discipline_signal_weighs_less_under_full_prepayment(purpose, promises, cash):
    verdict = evaluate(evidence(signals=("promises_broken", "cash_off_books"),
                                terms={"purpose": purpose} if purpose else {}))
    assert by_code(verdict) == {"signal_promises_broken": promises, "signal_cash_off_books": cash}


def test_deal_killers_are_not_weighted():
    ceased = fact("registry_record", "1", "egrul", status="ceased", ceased_on="2026-02-09")
    verdict = evaluate(evidence(ceased, terms={"purpose": "prepaid"}))
    assert by_code(verdict) == {"ceased": 100} and verdict.colour == "red"


# --- positives ---------------------------------------------------------------------------------------

RED_FLAGS_25 = ("promises_broken", "blames_previous_contractors")  # 15 + 10


def test_positive_factors_can_turn_amber_into_green():
    assert evaluate(evidence(signals=RED_FLAGS_25)).colour == "amber"
    verdict = evaluate(evidence(signals=(*RED_FLAGS_25, "reads_contract_carefully")))
    assert (verdict.colour, verdict.score) == ("green", 20)


def test_positive_factors_never_take_the_score_below_zero():
    verdict = evaluate(evidence(signals=("reads_contract_carefully", "asks_many_questions")))
    assert (verdict.colour, verdict.score) == ("green", 0)
    assert sum(f.points for f in verdict.factors) == -10


def test_positive_factors_never_cancel_a_deal_killer():
    ceased = fact("registry_record", "1", "egrul", status="ceased")
    verdict = evaluate(evidence(ceased, signals=("reads_contract_carefully", "asks_many_questions")))
    assert verdict.colour == "red"


def test_positive_factors_never_make_green_while_an_essential_source_is_unchecked():
    verdict = evaluate(evidence(signals=("reads_contract_carefully",), runs=(FAILED_EGRUL,),
                                essential=frozenset({"egrul"})))
    assert verdict.score == 10 and verdict.colour == "amber"  # 15 for the unchecked egrul, −5
    assert "egrul could not be checked" in verdict.reasons[0]


# --- safeguards ----------------------------------------------------------------------------------------


def test_rule_and_decorator_take_a_safeguard_after_deal_killer():
    names = [f.name for f in fields(Rule)]
    assert names[names.index("deal_killer") + 1] == "safeguard"
    assert list(inspect.signature(rule).parameters) == ["code", "group", "severity", "points", "summary",
                                                        "deal_killer", "safeguard", "purpose_weights", "countries"]


def test_every_country_a_rule_names_is_a_sources_jurisdiction():
    jurisdictions = {source.jurisdiction for source in SOURCES}
    assert any(r.countries for r in RULES.values())
    for declared in RULES.values():
        assert set(declared.countries) <= jurisdictions, declared.code


def test_a_firing_rule_brings_its_own_safeguard(monkeypatch):
    monkeypatch.setitem(RULES, "test_contact_unknown", None)  # removed again after the test

    @rule("test_contact_unknown", "registry", "high", 5, "The contact is not a director.",
          safeguard="Ask for a power of attorney signed by the director.")
    def contact_unknown(evidence: CheckEvidence):
        yield Hit("Иван Петров is not in the registry")

    assert safeguards(evaluate(evidence()))[-1] == "Ask for a power of attorney signed by the director."


def test_green_without_a_purpose_is_standard_terms_only():
    assert safeguards(evaluate(evidence())) == ["Standard terms: invoice on delivery with the usual payment period."]


def test_green_long_project_is_still_staged_with_a_statement_of_work_and_penalties():
    found = " ".join(safeguards(evaluate(evidence(terms={"purpose": "long-project"}))))
    assert "acceptance act for each stage" in found and "within 5 working days" in found
    assert "statement of work and estimate" in found and "penalties" in found
    assert "prepayment" not in found and "lawyer" not in found


@pytest.mark.parametrize("flags, share", [(RED_FLAGS_25, 30), ((*RED_FLAGS_25, "cash_off_books"), 50)])
def test_amber_prepayment_share_follows_the_score(flags, share):
    verdict = evaluate(evidence(signals=flags, terms={"purpose": "deferred"}))
    found = safeguards(verdict)
    assert verdict.colour == "amber"
    assert found[0] == f"Take a {share}% prepayment before work starts (score {verdict.score}) instead of paying later."
    for text in ("acceptance act", "penalties", "statement of work", "proof that the signatory may sign"):
        assert any(text in s for s in found), text
    assert not any("lawyer" in s for s in found)  # nothing in courts, debts or bankruptcy


def test_amber_for_an_unchecked_source_alone_still_asks_for_prepayment():
    verdict = evaluate(evidence(runs=(FAILED_EGRUL,), essential=frozenset({"egrul"})))
    assert (verdict.colour, verdict.score) == ("amber", 15)
    assert safeguards(verdict)[0] == "Take a 30% prepayment before work starts (egrul unchecked)."


def test_red_asks_for_full_prepayment_and_a_lawyer():
    found = safeguards(evaluate(evidence(fact("registry_record", "1", "egrul", status="ceased"))))
    assert found[0].startswith("Decline, or work only on 100% prepayment") and "deal-killer" in found[0]
    assert "Have a lawyer review the contract before signing." in found


def test_planned_prepayment_is_kept_and_needs_no_late_payment_penalty():
    found = safeguards(evaluate(evidence(signals=RED_FLAGS_25[1:] + ("cash_off_books",),
                                         terms={"purpose": "prepaid"})))
    assert found[0].startswith("Keep the full prepayment")
    assert not any("penalties" in s for s in found)


# --- what would change this verdict --------------------------------------------------------------


def changes(verdict_evidence: CheckEvidence) -> list[dict]:
    return report(verdict_evidence, evaluate(verdict_evidence))["would_change"]


def test_red_by_deal_killer_names_the_deal_killers_then_what_else_must_go():
    ceased = fact("registry_record", "1", "egrul", status="ceased")
    found = changes(evidence(ceased, signals=("cash_off_books", "promises_broken", "anonymous_contact",
                                              "business_sinking", "refuses_measurement")))
    assert found[0]["remove"] == ["ceased"] and "ceased" in found[0]["text"] and found[0]["to"] == "red"
    # Without the deal-killer the score is 75; the 20-point factor alone brings it under 60.
    assert found[1]["to"] == "amber" and found[1]["remove"] == ["signal_cash_off_books"]
    assert "75 → 55" in found[1]["text"]


def test_amber_by_score_names_the_fewest_largest_factors():
    ev = evidence(signals=("promises_broken", "fast_results_slow_work", "refuses_measurement",
                           "blames_previous_contractors"))
    verdict = evaluate(ev)
    assert (verdict.colour, verdict.score) == ("amber", 45)
    [found] = report(ev, verdict)["would_change"]
    assert found["remove"] == ["signal_promises_broken", "signal_fast_results_slow_work"]  # 45 → 30 → 20
    assert "45 → 20" in found["text"]


def test_amber_for_an_unchecked_essential_source_names_the_source():
    ev = evidence(signals=("blames_previous_contractors",), runs=(FAILED_EGRUL,), essential=frozenset({"egrul"}))
    verdict = evaluate(ev)
    assert (verdict.colour, verdict.score) == ("amber", 25)
    [found] = report(ev, verdict)["would_change"]  # without the source's 15 points, 10 is green already
    assert found["check"] == ["egrul"] and "remove" not in found


def test_red_by_score_can_become_amber_with_full_prepayment():
    ev = evidence(*net_loss_statements(), suit("А40-1/2026"), suit("А40-2/2026"),
                  signals=("cash_off_books", "promises_broken", "business_sinking"), terms={"purpose": "deferred"})
    verdict = evaluate(ev)
    assert verdict.colour == "red" and verdict.score >= RED_FROM
    found = report(ev, verdict)["would_change"]
    prepaid = [c for c in found if c.get("purpose") == "prepaid"]
    assert prepaid and prepaid[0]["to"] == "amber" and "--purpose prepaid" in prepaid[0]["text"]


def test_green_says_how_far_amber_is():
    [found] = changes(evidence(signals=("blames_previous_contractors",)))
    assert found["to"] == "amber" and found["text"].startswith(f"{AMBER_FROM - 10} more risk points")


def green_examples(verdict_evidence: CheckEvidence) -> list[Rule]:
    """The rules a green verdict names as what would make it amber ("…, e.g. code (points), …; so would …")."""
    verdict = evaluate(verdict_evidence)
    assert verdict.colour == "green"
    [found] = report(verdict_evidence, verdict)["would_change"]
    named = found["text"].split(", e.g. ", 1)[1].split(";", 1)[0]
    return [RULES[code] for code in re.findall(r"(\w+) \(-?\d+\)", named)]


def test_uk_demo_green_names_only_rules_that_can_fire_in_the_uk():
    """The UK demo company (99000100) is green at 0 with an active Companies House record and no factor."""
    record = fact("registry_record", "99000100", "companies_house", name="DEMO PRINTWORKS LIMITED",
                  company_number="99000100", status="active", registered_on="2009-06-15", sic_codes=["18129"],
                  entity="company")
    examples = green_examples(evidence(record, jurisdiction="GB"))
    assert len(examples) == 3 and all(not r.countries or "GB" in r.countries for r in examples)
    assert {"enforcement_large_debt", "past_bankruptcy_case", "us_past_bankruptcy"}.isdisjoint(
        r.code for r in examples)
    assert "uk_strike_off_notice" in {r.code for r in examples}  # the country's own rules are still named


@pytest.mark.parametrize("jurisdiction, sources", [
    ("RU", "registry, bankruptcy, court or enforcement"),
    ("GB", "registry or bankruptcy"),  # no public source of court suits or enforcement debts
    ("US", "registry, bankruptcy or court"),
])
def test_green_names_the_sources_that_could_still_keep_it_from_green_in_its_country(jurisdiction, sources):
    verdict_evidence = evidence(fact("registry_record", "1", "egrul", name="X", status="active"),
                                jurisdiction=jurisdiction)
    [found] = report(verdict_evidence, evaluate(verdict_evidence))["would_change"]
    assert f"; so would a {sources} source that cannot be checked." in found["text"]


def test_russian_green_can_name_russian_rules_but_no_other_countrys():
    examples = green_examples(evidence(fact("registry_record", "1", "egrul", status="active")))
    assert all(not r.countries or "RU" in r.countries for r in examples)
    assert any(r.countries == ("RU",) for r in examples)


# --- the user's [rules] table ----------------------------------------------------------------------


def tuning(table: dict) -> Tuning:
    return Tuning.from_table(table, RULES, RULES_WITH_LISTS)


@pytest.mark.parametrize("table, message", [
    ({"points": {"net_los": 20}}, "unknown rule code 'net_los' in [rules.points]"),
    ({"disabled": ["young_compny"]}, "unknown rule code 'young_compny' in rules.disabled"),
    ({"keywords": {"high_risk_industri": ["fish"]}}, "unknown rule code 'high_risk_industri'"),
    ({"pionts": {}}, "unknown key(s) pionts"),
    ({"points": {"net_loss": "20"}}, "whole number"),
    ({"points": {"net_loss": True}}, "whole number"),
    ({"keywords": {"net_loss": ["fish"]}}, "takes no keywords"),
    ({"keywords": {"high_risk_industry": "fish"}}, "list of non-empty strings"),
    ({"codes": {"high_risk_industry": ["46.38"]}}, "should look like 'RU:46.38'"),
    ({"disabled": "net_loss"}, "must be a list"),
])
def test_config_mistakes_are_clear_errors(table, message):
    with pytest.raises(ConfigError) as error:
        tuning(table)
    assert message in str(error.value)


def test_configured_points_and_disabled_rules_change_the_verdict():
    statements = net_loss_statements()
    assert by_code(evaluate(evidence(*statements, tuning=tuning({"points": {"net_loss": 30}})))) == {"net_loss": 30}
    assert by_code(evaluate(evidence(*statements, tuning=tuning({"disabled": ["net_loss"]})))) == {}


def test_configured_points_scale_a_rule_that_counts_per_notice():
    notices = [fact("notice", str(n), "fedresurs", category="creditor_intends_bankruptcy", published="2026-10-01",
                    publisher=f"Creditor {n}", published_by_subject=False) for n in range(2)]
    assert by_code(evaluate(evidence(*notices))) == {"creditor_intends_bankruptcy": 30}
    configured = tuning({"points": {"creditor_intends_bankruptcy": 10}})
    assert by_code(evaluate(evidence(*notices, tuning=configured))) == {"creditor_intends_bankruptcy": 20}


def write_config(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return {"CLIENTVET_CONFIG": str(path), "COLUMNS": "250"}


def test_rules_command_lists_every_rule_as_configured(tmp_path):
    env = write_config(tmp_path, '[rules]\ndisabled = ["young_company"]\n[rules.points]\nnet_loss = 22\n')
    result = run_cli("rules", "--json", env=env)
    assert result.returncode == 0, result.stderr
    listed = {row["code"]: row for row in json.loads(result.stdout)}
    assert list(listed) == list(RULES)
    assert (listed["net_loss"]["points"], listed["net_loss"]["default_points"]) == (22, 10)
    assert listed["young_company"]["enabled"] is False and listed["ceased"]["deal_killer"] is True
    assert listed["net_loss"]["purpose_weights"] == {"prepaid": 0.5, "deferred": 1.5, "long-project": 1.5}
    assert (listed["uk_no_psc"]["countries"], listed["ceased"]["countries"]) == (["GB"], ["RU", "GB"])
    assert listed["essential_source_unchecked"]["countries"] == []  # any country
    for row in listed.values():
        assert set(row) >= {"code", "group", "severity", "points", "deal_killer", "summary"}
    table = run_cli("rules", env=env)
    assert table.returncode == 0 and all(code in table.stdout for code in RULES)
    assert re.search(r"net_loss .* 22\*", table.stdout)
    assert re.search(r"uk_no_psc .* low · GB · No active person", table.stdout)


def test_unknown_rule_in_config_exits_2_and_changes_nothing(tmp_path):
    env = write_config(tmp_path, "[rules.points]\nno_such_rule = 5\n")
    result = run_cli("rules", env=env)
    assert result.returncode == 2 and "unknown rule code 'no_such_rule'" in result.stderr
    db = tmp_path / "db.sqlite"
    result = run_cli("check", "--inn", "0000123450", "--replay", str(ROOT / "demo"),
                     "--db", str(db), env=env)
    assert result.returncode == 2 and "no_such_rule" in result.stderr and "config.toml" in result.stderr
    assert not db.exists()


def test_unreadable_config_exits_2(tmp_path):
    result = run_cli("rules", env=write_config(tmp_path, "[rules.points\nnet_loss = 5\n"))
    assert result.returncode == 2 and "cannot read config" in result.stderr


# --- industry -------------------------------------------------------------------------------------------


def test_seafood_wholesale_from_pb_nalog_is_a_high_risk_industry():
    row = fact("tax_risk_flags", "1", "pb_nalog", okved="46.38.1",
               okved_name="Торговля оптовая рыбой, ракообразными и моллюсками, консервами и пресервами из рыбы и "
                          "морепродуктов")
    [factor] = evaluate(evidence(row)).factors
    assert (factor.rule.code, factor.rule.group, factor.points, factor.evidence) == (
        "high_risk_industry", "industry", 15, (row,))
    assert "fish and seafood trading" in factor.detail and "matched RU:46.38.1" in factor.detail


@pytest.mark.parametrize("sic, fires", [("43999", True), ("46380", True), ("62020", False)])
def test_uk_sic_codes_from_companies_house(sic, fires):
    record = fact("registry_record", "08957400", "companies_house", status="active", sic_codes=["70229", sic])
    assert ("high_risk_industry" in by_code(evaluate(evidence(record, jurisdiction="GB")))) == fires


def test_a_code_prefix_is_matched_only_in_its_country():
    record = fact("registry_record", "1", "companies_house", status="active", sic_codes=["1540"])  # US SIC 15: RU?
    assert "high_risk_industry" not in by_code(evaluate(evidence(record, jurisdiction="GB")))
    assert "high_risk_industry" in by_code(evaluate(evidence(record, jurisdiction="US")))


@pytest.mark.parametrize("sic, fires", [("5146", True), ("1731", True), ("3711", False)])
def test_us_sic_code_from_edgar(sic, fires):
    """EDGAR's submissions give one SIC code, as a string, and its description ("sic", "sicDescription")."""
    record = fact("registry_record", "0009900001", "edgar", name="MADE-UP CORP", status="registered", sic=sic,
                  sic_description="Wholesale-Fish & Seafoods" if sic == "5146" else "Electrical Work")
    assert ("high_risk_industry" in by_code(evaluate(evidence(record, jurisdiction="US")))) == fires


@pytest.mark.skipif(not (RECORDINGS / "pb_nalog").is_dir(), reason="shared recordings not found")
def test_configured_code_and_keyword_match_the_real_pb_nalog_row():
    """pb_nalog/504110181262.har: ИП ИВАНОВ, main OKVED 49.41 «Деятельность автомобильного грузового транспорта»."""
    from tests.registers_support import observation
    from tests.test_pb_nalog import run

    _, facts, _ = run(HarArchive(RECORDINGS / "pb_nalog"), "504110181262")
    rows = [observation(f) for f in facts]
    assert "high_risk_industry" not in by_code(evaluate(evidence(*rows)))
    for table in ({"codes": {"high_risk_industry": ["RU:49.4"]}}, {"keywords": {"high_risk_industry": ["ГРУЗОВОГО"]}}):
        [factor] = [f for f in evaluate(evidence(*rows, tuning=tuning(table))).factors
                    if f.rule.code == "high_risk_industry"]
        assert "your config" in factor.detail and "49.41" in factor.detail and factor.evidence == tuple(rows)


def test_several_matching_activities_and_industries_are_one_factor():
    record = fact("registry_record", "1", "companies_house", status="active", sic_codes=["43999", "46380", "82301"])
    configured = tuning({"codes": {"high_risk_industry": ["GB:43"]}})
    [factor] = evaluate(evidence(record, jurisdiction="GB", tuning=configured)).factors
    assert factor.points == 15 and factor.evidence == (record,)
    for label in ("construction", "fish and seafood", "event agencies", "your config"):
        assert label in factor.detail


def test_industry_entered_in_conversation_is_counted_once():
    row = fact("tax_risk_flags", "1", "pb_nalog", okved="43.99", okved_name="Работы строительные специализированные")
    points = by_code(evaluate(evidence(row, signals=("high_risk_industry",))))
    assert points == {"signal_high_risk_industry": 15, "high_risk_industry": 0}


# --- the readable summary ---------------------------------------------------------------------------------


def test_summary_group_order_is_public_records_first():
    assert list(GROUPS) == ["courts", "debts", "bankruptcy", "finances", "registers", "reviews", "registry",
                            "industry", "conversation", "history", "coverage"]


def test_summary_groups_factors_in_order_and_shows_terms_safeguards_and_what_would_change():
    ev = evidence(fact("registry_record", "1", "egrul", status="active", registered_on="2026-06-01"),
                  *net_loss_statements(), *DEBTS, signals=("cash_off_books",), runs=(FAILED_EGRUL,),
                  essential=frozenset({"egrul"}),
                  terms={"purpose": "deferred", "amount": 1_200_000.0, "currency": "RUB", "contact": "Иван Петров"})
    document = report(ev, evaluate(ev))
    console = Console(record=True, width=140)
    render(document, console)
    text = console.export_text()
    shown = ("courts", "debts", "finances", "registry", "conversation", "coverage")
    headings = [GROUPS[g].heading for g in shown]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert not any(GROUPS[g].heading in text for g in ("bankruptcy", "reviews", "history"))
    assert "Deal: deferred · 1 200 000 RUB · contact Иван Петров" in text
    assert "(×1.5 for this deal)" in text
    assert "Safeguards" in text and "Have a lawyer review the contract" in text
    assert "What would change this verdict" in text and "Every deal-killer would have to go away" in text


@pytest.mark.parametrize("contact_rule, offered", [("contact_can_sign", False), ("contact_authority_unproven", False),
                                                   (None, True)])
def test_generic_proof_of_authority_only_when_the_contact_was_not_compared(contact_rule, offered):
    """A contact proven to be the director needs no proof; an unproven one gets the power-of-attorney safeguard."""
    amber = [Factor(RULES["net_loss"], "", 30, ())]
    if contact_rule:
        amber.append(Factor(RULES[contact_rule], "", RULES[contact_rule].points, ()))
    found = safeguards(Verdict("amber", 30, amber, []))
    assert any(s.startswith("Ask for proof that the signatory may sign") for s in found) is offered
    assert any("power of attorney the company's head gave" in s for s in found) is (
        contact_rule == "contact_authority_unproven")
