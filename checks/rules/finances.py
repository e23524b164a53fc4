"""Finance rules: ГИР БО statements (net assets, losses, revenue, transit pattern); US 10-K figures."""

from __future__ import annotations

from typing import Callable, Iterable

from clientvet.checks.evidence import CheckEvidence, money
from clientvet.checks.rules import Hit, rule
from clientvet.evidence.store import Observation

# --- finances (ГИР БО statements; amounts in thousands of roubles, as filed) -------------------

REVENUE_FALL = 0.30  # revenue (line 2110) down more than this share year on year
REVENUE_FALL_STEEP = 0.50
TRANSIT_MIN_REVENUE = 100_000  # thousand roubles: 100 million roubles a year
TRANSIT_MAX_HEADCOUNT = 1
TRANSIT_THIN_NET_ASSETS = 0.01  # net assets (line 1300) under 1% of revenue
THOUSAND_RUB = "thousand RUB"  # the unit of the statements' lines


def _statements(evidence: CheckEvidence) -> dict[int, Observation]:
    return {o.data["year"]: o for o in evidence.of("financial_statement")}


def _revenue(statement: Observation) -> int | float | None:
    """Line 2110 from the form, else the period list's gainSum (which mirrors it)."""
    revenue = statement.data.get("revenue_thousand_rub")
    return revenue if revenue is not None else statement.data.get("gain_sum_thousand_rub")


def _latest_pair(evidence: CheckEvidence, value: Callable[[Observation], int | float | None]):
    """(latest, year before) among the years that report the value, or None without two consecutive years."""
    years = {year: o for year, o in _statements(evidence).items() if value(o) is not None}
    if not years or max(years) - 1 not in years:
        return None
    return years[max(years)], years[max(years) - 1]


def _negative_run(evidence: CheckEvidence, value: Callable[[Observation], int | float | None]) -> tuple:
    """The latest years, newest first, in which the value is negative: none, one, or two running."""
    years = {year: o for year, o in _statements(evidence).items() if value(o) is not None}
    run, year = [], max(years, default=None)
    while year in years and value(years[year]) < 0 and len(run) < 2:
        run.append(years[year])
        year -= 1
    return tuple(run)


def _net_assets(statement: Observation) -> int | float | None:
    return statement.data.get("net_assets_thousand_rub")


def _net_profit(statement: Observation) -> int | float | None:
    return statement.data.get("net_profit_thousand_rub")


def _years(statements: tuple[Observation, ...], value: Callable[[Observation], int | float | None]) -> str:
    return "; ".join(f"{s.data['year']}: {money(value(s), THOUSAND_RUB)}" for s in statements)


def _negative_run_rules(value: Callable[[Observation], int | float | None], two_years: tuple, last_year: tuple,
                        two_years_kills: bool = False) -> None:
    """Two rules over one line of the ГИР БО statements (Russian): negative at the last two year-ends, or the last.

    Each spec is (code, severity, points, summary) of the rule's @rule.
    """
    code, severity, points, summary = two_years

    @rule(code, "finances", severity, points, summary, deal_killer=two_years_kills, countries=("RU",))
    def both_years(evidence: CheckEvidence) -> Iterable[Hit]:
        run = _negative_run(evidence, value)
        if len(run) == 2:
            yield Hit(_years(run, value), run)

    code, severity, points, summary = last_year

    @rule(code, "finances", severity, points, summary, countries=("RU",))
    def one_year(evidence: CheckEvidence) -> Iterable[Hit]:
        run = _negative_run(evidence, value)
        if len(run) == 1:
            yield Hit(_years(run, value), run)


_negative_run_rules(
    _net_assets,
    ("negative_net_assets_two_years", "critical", 100,
     "Net assets (balance sheet line 1300) were negative at the last two year-ends: the company has owed "
     "more than it owns for over a year."),
    ("negative_net_assets", "high", 25,
     "Net assets (balance sheet line 1300) were negative at the last year-end: liabilities exceed assets."),
    two_years_kills=True)
_negative_run_rules(
    _net_profit,
    ("net_loss_two_years", "high", 20, "A net loss (income statement line 2400) in each of the last two years."),
    ("net_loss", "medium", 10, "A net loss (income statement line 2400) in the last year."))


def _revenue_fall(evidence: CheckEvidence) -> tuple[float, Hit] | None:
    pair = _latest_pair(evidence, _revenue)
    if not pair or _revenue(pair[1]) <= 0:
        return None
    latest, before = pair
    fall = 1 - _revenue(latest) / _revenue(before)
    return fall, Hit(f"{before.data['year']}: {money(_revenue(before), THOUSAND_RUB)} → {latest.data['year']}: "
                     f"{money(_revenue(latest), THOUSAND_RUB)} (−{fall:.0%})", pair)


def _revenue_fall_rules(prefix: str, where: str, fall: Callable[[CheckEvidence], tuple[float, Hit] | None],
                        countries: tuple[str, ...]) -> None:
    """The steep and the moderate revenue-fall rule over one kind of statement (`fall` gives share and hit)."""

    @rule(f"{prefix}revenue_falling_steeply", "finances", "high", 20,
          f"Revenue ({where}) fell by more than {REVENUE_FALL_STEEP:.0%} year on year.", countries=countries)
    def steeply(evidence: CheckEvidence) -> Iterable[Hit]:
        found = fall(evidence)
        if found and found[0] > REVENUE_FALL_STEEP:
            yield found[1]

    @rule(f"{prefix}revenue_falling", "finances", "medium", 10,
          f"Revenue ({where}) fell by {REVENUE_FALL:.0%}–{REVENUE_FALL_STEEP:.0%} year on year.",
          countries=countries)
    def moderately(evidence: CheckEvidence) -> Iterable[Hit]:
        found = fall(evidence)
        if found and REVENUE_FALL < found[0] <= REVENUE_FALL_STEEP:
            yield found[1]


_revenue_fall_rules("", "income statement line 2110", _revenue_fall, ("RU",))


@rule("growth_without_staff", "finances", "medium", 15,
      f"Large and growing revenue (line 2110, at least {money(TRANSIT_MIN_REVENUE, THOUSAND_RUB)}) with a "
      f"headcount of {TRANSIT_MAX_HEADCOUNT} or less — or, where no source reports the headcount, with net assets "
      f"(line 1300) under {TRANSIT_THIN_NET_ASSETS:.0%} of revenue. This is the pattern of a transit company that passes "
      "money through; it is a pattern, not proof.", countries=("RU",))
def growth_without_staff(evidence: CheckEvidence) -> Iterable[Hit]:
    pair = _latest_pair(evidence, _revenue)
    if not pair or not _revenue(pair[1]) < _revenue(pair[0]) or _revenue(pair[0]) < TRANSIT_MIN_REVENUE:
        return
    latest, before = pair
    # Headcount from any source that reports it, the statement itself first (ГИР БО forms carry none).
    staffed = [o for o in (latest, *evidence.observations) if o.data.get("headcount") is not None]
    growth = (f"revenue {before.data['year']}: {money(_revenue(before), THOUSAND_RUB)} → "
              f"{latest.data['year']}: {money(_revenue(latest), THOUSAND_RUB)}")
    if staffed:
        if staffed[0].data["headcount"] <= TRANSIT_MAX_HEADCOUNT:
            yield Hit(f"{growth}, headcount {staffed[0].data['headcount']} ({staffed[0].source})",
                      (*pair, staffed[0]))
        return
    net_assets = _net_assets(latest)
    if net_assets is not None and net_assets < TRANSIT_THIN_NET_ASSETS * _revenue(latest):
        yield Hit(f"{growth}, net assets {money(net_assets, THOUSAND_RUB)}, headcount not reported", pair)


# --- us (SEC EDGAR XBRL figures in USD) -------------------------------------------------------------


def _usd(value: int | float) -> str:
    return f"{value / 1e6:,.1f} million USD"


def _us_years(evidence: CheckEvidence, measure: str) -> list[Observation]:
    """Fiscal years that report the measure, newest first."""
    return sorted((o for o in evidence.of("annual_financials") if o.data.get(measure) is not None),
                  key=lambda o: o.data["period_end"], reverse=True)


def _us_run_below_zero(evidence: CheckEvidence, measure: str) -> tuple[Observation, ...]:
    """The latest consecutive fiscal years (at most two) in which the measure is negative."""
    run: list[Observation] = []
    for year in _us_years(evidence, measure)[:2]:
        if year.data[measure] >= 0 or (run and run[-1].data["year"] - year.data["year"] != 1):
            break
        run.append(year)
    return tuple(run)


def _us_figures(years: tuple[Observation, ...], measure: str) -> str:
    return "; ".join(f"FY ending {y.data['period_end']}: {_usd(y.data[measure])}" for y in years)


@rule("us_negative_equity", "finances", "high", 20,
      "Stockholders' equity was negative at the last fiscal year-end (10-K): liabilities exceed assets. "
      "Large share buy-backs can also cause this, so read it with the company's profits.", countries=("US",))
def us_negative_equity(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _us_run_below_zero(evidence, "stockholders_equity")
    if run:
        yield Hit(_us_figures(run[:1], "stockholders_equity"), run[:1])


@rule("us_net_loss_two_years", "finances", "high", 20, "A net loss (10-K) in each of the last two fiscal years.",
      countries=("US",))
def us_net_loss_two_years(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _us_run_below_zero(evidence, "net_income")
    if len(run) == 2:
        yield Hit(_us_figures(run, "net_income"), run)


@rule("us_net_loss", "finances", "medium", 10, "A net loss (10-K) in the last fiscal year.", countries=("US",))
def us_net_loss(evidence: CheckEvidence) -> Iterable[Hit]:
    run = _us_run_below_zero(evidence, "net_income")
    if len(run) == 1:
        yield Hit(_us_figures(run, "net_income"), run)


def _us_revenue_fall(evidence: CheckEvidence) -> tuple[float, Hit] | None:
    years = _us_years(evidence, "revenue")[:2]
    if len(years) < 2 or years[0].data["year"] - years[1].data["year"] != 1 or years[1].data["revenue"] <= 0:
        return None
    latest, before = years
    fall = 1 - latest.data["revenue"] / before.data["revenue"]
    return fall, Hit(f"FY ending {before.data['period_end']}: {_usd(before.data['revenue'])} → FY ending "
                     f"{latest.data['period_end']}: {_usd(latest.data['revenue'])} (−{fall:.0%})", (latest, before))


_revenue_fall_rules("us_", "10-K", _us_revenue_fall, ("US",))


@rule("us_going_concern_doubt", "finances", "high", 40,
      "The latest annual report (10-K) states substantial doubt about the company's ability to continue as a "
      "going concern within a year.", countries=("US",))
def us_going_concern_doubt(evidence: CheckEvidence) -> Iterable[Hit]:
    years = sorted(evidence.of("annual_financials"), key=lambda o: o.data["period_end"], reverse=True)
    if years and years[0].data.get("going_concern_doubt"):
        yield Hit(f"FY ending {years[0].data['period_end']}: {years[0].data['lines'].get('going_concern_doubt')}",
                  years[:1])
