"""The clientvet command line: parse options, call the packages, print."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rich.console import Console

from clientvet import config
from clientvet.checks.terms import PURPOSES, BadTerms, deal_terms
from clientvet.evidence import errors
from clientvet.evidence.identifiers import Identity, InvalidIdentifier, parse_cik, parse_company_number, parse_inn, parse_ogrn
from clientvet.evidence.parsing import MAX_AMOUNT, MIN_AMOUNT, NUMBER, WHOLE_NUMBER, entered_amount
from clientvet.reports.sanitise import json_text, markup, plain

if TYPE_CHECKING:
    from clientvet.checks.run import Lookup

# Without emoji codes: ":skull:" in a scraped name stays text (Rich markup itself is escaped by reports/sanitise).
stdout = Console(emoji=False)
stderr = Console(stderr=True, emoji=False)
TRACEBACK_ENV = "CLIENTVET_TRACEBACK"  # non-empty: an unexpected error prints its traceback (as -vv does)


def _parse_settings(values: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="--set")
        overrides[name] = setting
    return overrides


def _crawl_overrides(settings: tuple[str, ...], verbose: int, interactive: bool) -> dict:
    """The Scrapy settings a command changes: --set, -v, --interactive and the config's user_agent.

    The crawl's log goes to the terminal one line a record (tracebacks only with -vv), not through Scrapy's handler.
    """
    from clientvet.crawler import settings as crawl_defaults
    from clientvet.crawler.base import log_to_terminal
    from clientvet.crawler.runner import UnusableSetting, check_overrides

    overrides: dict = _parse_settings(settings)
    try:
        check_overrides(overrides)
    except UnusableSetting as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None
    if verbose:
        overrides["LOG_LEVEL"] = "DEBUG" if verbose > 1 else "INFO"
    if verbose > 1:
        os.environ.setdefault(TRACEBACK_ENV, "1")
    log_to_terminal(overrides.get("LOG_LEVEL", crawl_defaults.LOG_LEVEL))
    overrides["LOG_ENABLED"] = False  # Scrapy's own handler would print tracebacks and raw URLs
    if interactive:
        overrides["CLIENTVET_INTERACTIVE"] = True
    if user_agent := config.setting("user_agent"):
        overrides.setdefault("USER_AGENT", user_agent)
    return overrides


def _identity(inn: str | None, ogrn: str | None, company_number: str | None, cik: str | None = None) -> Identity:
    given = [(parse_inn, "--inn", inn), (parse_ogrn, "--ogrn", ogrn),
             (parse_company_number, "--company-number", company_number), (parse_cik, "--cik", cik)]
    given = [g for g in given if g[2] is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --inn, --ogrn, --company-number, --cik, --name or --domain")
    parse, hint, value = given[0]
    try:
        return parse(value)
    except InvalidIdentifier as exc:
        raise click.BadParameter(plain(exc), param_hint=hint) from None


def _lookup(name: str | None, domain: str | None, country: str | None, city: str | None, pick: int | None,
            identifiers: tuple[str | None, ...]) -> Lookup | None:
    """What to search for when the company is given by --name or --domain; None for an identifier."""
    from clientvet.checks.run import Lookup
    from clientvet.crawler.resolve import parse_domain, parse_name

    if name is None and domain is None:
        for hint, value in (("--country", country), ("--city", city), ("--pick", pick)):
            if value is not None:
                raise click.UsageError(f"{hint} goes with --name or --domain")
        return None
    if (name is not None and domain is not None) or any(value is not None for value in identifiers):
        raise click.UsageError("give exactly one of --inn, --ogrn, --company-number, --cik, --name or --domain")
    hint, parse, value = ("--name", parse_name, name) if name is not None else ("--domain", parse_domain, domain)
    try:
        searched = {hint[2:]: parse(value)}
    except ValueError as exc:
        raise click.BadParameter(plain(exc), param_hint=hint) from None
    if city is not None and not city.strip():
        raise click.BadParameter("the city is empty", param_hint="--city")
    return Lookup(**searched, country=country, city=city and " ".join(city.split()), pick=pick)


PURPOSES = ("prepaid", "deferred", "long-project")


class Amount(click.ParamType):
    """A deal amount such as 1200000 or 1.2e6, within the bounds every entered amount has (NaN, ∞, 1e400 are not)."""

    name = "amount"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        try:
            if not value.isascii():  # float() also reads Arabic-Indic digits
                raise ValueError
            number = float(value)
        except ValueError:
            self.fail(f"expected a number from {MIN_AMOUNT} to {MAX_AMOUNT:,.0f} such as 1200000, got {value!r}",
                      param, ctx)
        try:
            return entered_amount(number)
        except ValueError as exc:
            self.fail(f"{value!r} {exc}", param, ctx)


def _terms(purpose: str | None, amount: float | None, currency: str | None, contact: str | None) -> dict:
    """The deal being judged, stored with the check so its verdict can be explained later.

    An amount without --currency gets the company's home currency once the company is known.
    """
    try:
        return deal_terms(purpose, amount, currency, contact)
    except BadTerms as exc:
        if exc.field == "currency" and amount is None:
            raise click.UsageError("--currency needs --amount") from None
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None


DEMO_RECORDINGS = Path(__file__).resolve().parent / "demo"  # package data: wherever clientvet is installed


class WholeNumber(click.IntRange):
    """click.IntRange in ASCII digits: int() also reads other scripts' digits ("١٢" is 12)."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not WHOLE_NUMBER.fullmatch(value.strip()):
            self.fail(f"{value!r} is not a whole number", param, ctx)
        return super().convert(value, param, ctx)


class Seconds(click.FloatRange):
    """click.FloatRange of seconds in ASCII digits: float() also reads "nan", "inf" and other scripts' digits."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not NUMBER.fullmatch(value.strip()):
            self.fail(f"{value!r} is not a number of seconds such as 30", param, ctx)
        return super().convert(value, param, ctx)


class ReplayDirectory(click.Path):
    """A directory of HAR recordings; the word `demo` names the demo company's, bundled with the package."""

    def __init__(self) -> None:
        super().__init__(exists=True, file_okay=False, path_type=Path)

    def convert(self, value, param, ctx):
        if value == "demo":
            return DEMO_RECORDINGS
        return super().convert(value, param, ctx)


@click.group()
@click.version_option(package_name="clientvet")
def cli() -> None:
    """Is this prospect safe to sign, and on what terms?"""


# --- languages of the summary and the reports (check --lang, report --lang) -------------------------

from clientvet.checks.signals import LANGUAGES  # noqa: E402  (light: the catalogue only)


def lang_option(what: str):
    return click.option("--lang", type=click.Choice(LANGUAGES),
                        help=f"Language of {what} [default: the locale's (LC_ALL, LC_MESSAGES, LANG): "
                             "Russian for ru_*, else English].")


def _language(lang: str | None) -> str:
    from clientvet.reports.i18n import language_of_locale

    return lang or language_of_locale()


# --- end of languages ---------------------------------------------------------------------------------


@cli.command()
@click.option("--inn", help="Russian INN (10 digits for a company, 12 for a sole trader).")
@click.option("--ogrn", help="Russian OGRN (13 digits) or OGRNIP (15 digits).")
@click.option("--company-number", help="UK Companies House number, e.g. 08957400 or SC123456.")
@click.option("--cik", help="US SEC Central Index Key, e.g. 1318605 (EDGAR pads it to 10 digits).")
@click.option("--name", help="Company name: search the registries and pick the company (see --pick).")
@click.option("--domain", help="The company's website, e.g. example.com: its registry number from its own "
                               "pages, else its name on Trustpilot.")
@click.option("--country", type=click.Choice(["ru", "gb", "us"]),
              help="Registry to search a name in [default: ru for Cyrillic names, else gb].")
@click.option("--city", help="City or address words that tell same-named companies apart.")
@click.option("--pick", type=WholeNumber(min=1), metavar="N",
              help="Use candidate N of the list a --name/--domain search shows (without a terminal).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite evidence file [default: per-user data directory, or $CLIENTVET_DB].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on standard output.")
@click.option("--replay", type=ReplayDirectory(),
              help="Answer every request from the HAR recordings under this directory (offline); "
                   "`demo`: the demo company's recordings that come with clientvet.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge recency (e.g. 'notices in the last 12 months') as of this date [default: today].")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. --set DOWNLOAD_DELAY=3.")
@click.option("--purpose", type=click.Choice(PURPOSES),
              help="The deal being considered: the same fact weighs differently per purpose.")
@click.option("--amount", type=Amount(),
              help=f"The deal amount, e.g. 1200000 (from {MIN_AMOUNT} to {MAX_AMOUNT:,.0f}).")
@click.option("--currency", help="Currency of --amount [default: the company's country's, e.g. RUB].")
@click.option("--contact", metavar="FULL NAME",
              help="The person you deal with, compared to the registered directors and officers.")
@click.option("-v", "--verbose", count=True, help="Log the crawl (-v info, -vv debug) to standard error.")
@click.option("--interactive", is_flag=True,
              help="Ask you on the terminal to answer captchas (fssp.gov.ru); the image is saved to a file.")
# --- coverage by evidence kind: gaps the user accepts (clientvet.checks.kinds) ---
@click.option("--accept-unchecked", metavar="KINDS",
              help="Evidence kinds you accept to leave unchecked, comma-separated (registry, bankruptcy, courts, "
                   "debts, finances, tax, registers, reviews): they no longer keep the verdict from green; "
                   "stored with the check and shown in its summary.")
# --- end of coverage by evidence kind ---
@click.option("--from", "from_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help="Check every company of FILE in one run: a CSV with an identifier column (inn, ogrn, "
                   "company_number, cik or identifier; optional purpose, amount, currency, contact), or one "
                   "identifier per line. With --json, one JSON object per line.")
@lang_option("the summary (not of --json)")
def check(inn, ogrn, company_number, cik, name, domain, country, city, pick, db_path, as_json, replay, as_of, settings, purpose, amount, currency,
          contact, verbose, interactive, accept_unchecked, lang, from_file):
    """Check a company in the public records and give a verdict.

    \b
    Examples:
      clientvet check --inn 7707083893
      clientvet check --company-number 08957400 --json
      clientvet check --cik 1318605
      clientvet check --name "Ромашка" --city Москва
      clientvet check --domain example.co.uk --pick 1
      clientvet check --inn 0000123450 --replay demo --db demo.sqlite
      clientvet check --from portfolio.csv --json
    """
    if from_file is not None:
        given = [hint for hint, value in (("--inn", inn), ("--ogrn", ogrn), ("--company-number", company_number),
                                          ("--cik", cik), ("--name", name), ("--domain", domain),
                                          ("--country", country), ("--city", city), ("--pick", pick))
                 if value is not None]
        if given:
            raise click.UsageError(f"--from names the companies: {', '.join(given)} cannot go with it")
        _check_batch(from_file, db_path=db_path, as_json=as_json, replay=replay, as_of=as_of,
                     overrides=_crawl_overrides(settings, verbose, interactive),
                     terms=_terms(purpose, amount, currency, contact), bar=not interactive)
        return
    from functools import partial

    from clientvet.checks import BadInput, NoChoice, NotFound, StoreFailed, run_check
    from clientvet.crawler.engine import ScrapyEngine
    from clientvet.reports import terminal
    from clientvet.reports.document import no_choice, report
    from clientvet.reports.stored import record

    company = _lookup(name, domain, country, city, pick, (inn, ogrn, company_number, cik)) or _identity(
        inn, ogrn, company_number, cik)
    terms = _terms(purpose, amount, currency, contact)
    if accept_unchecked is not None:  # checked by run_check: an unknown kind exits 2 before anything is written
        terms["accept_unchecked"] = accept_unchecked
    tuning = _tuning()
    overrides = _crawl_overrides(settings, verbose, interactive)
    can_ask = not as_json and sys.stdin.isatty()

    try:
        result = run_check(company, ScrapyEngine(), db_path=db_path or config.default_db_path(), replay=replay,
                           as_of=as_of.date() if as_of else None, settings=overrides, terms=terms, tuning=tuning,
                           # a captcha prompt needs the terminal to itself: no spinner redrawing over it
                           progress=terminal.TerminalProgress(stderr, spinner=not interactive),
                           ask=partial(terminal.ask_which, stderr) if can_ask else None)
    except BadInput as exc:
        raise click.BadParameter(plain(exc), param_hint=f"--{exc.argument}") from None
    except NoChoice as exc:
        if as_json:
            click.echo(json_text(no_choice(exc), indent=2))
        terminal.no_choice(stderr, exc, candidates=not as_json)
        sys.exit(exc.exit_code)
    except NotFound as exc:
        terminal.nothing_stored(stderr, exc)
        sys.exit(exc.exit_code)
    except StoreFailed as exc:
        _database_error(exc, None if exc.exit_code == errors.BAD_INPUT else "the check did not finish: no verdict")
    try:  # kept with the check for `clientvet report`; the verdict stands even if it cannot be kept
        document = record(result, ScrapyEngine().open_store(db_path or config.default_db_path()))
    except sqlite3.Error as exc:
        terminal.error(stderr, f"the verdict could not be stored for `clientvet report`: {exc}")
        document = report(result.evidence, result.verdict)
    if as_json:
        click.echo(json_text(document, indent=2))
    else:
        terminal.render(document, stdout, _language(lang))


@cli.command()
def sources() -> None:
    """List the registered sources and what each one declares."""
    from clientvet.crawler.spiders import SOURCES

    width = max(len(source.name) for source in SOURCES)
    for source in sorted(SOURCES, key=lambda s: (s.jurisdiction, not s.essential)):
        needs = [n for n, flag in (("API key", source.api_key), ("browser", source.needs_browser)) if flag]
        click.echo(f"{source.name:{width}} {source.jurisdiction}  {'essential' if source.essential else 'supporting':10}"
                   f"  {', '.join(source.evidence)}" + (f"  (needs {', '.join(needs)})" if needs else ""))


@cli.command()
@click.argument("name_a")
@click.argument("name_b")
@click.option("--person", is_flag=True, help="Compare two people's names (a contact and a director).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on standard output.")
def match(name_a, name_b, person, as_json) -> None:
    """Say whether NAME_A and NAME_B are the same company, with the score and the reason.

    The sources attribute a search hit (a court party, a review page) to the prospect
    by this decision; an answer either way exits 0.

    \b
    Examples:
      clientvet match 'ООО "Ромашка"' "Romashka LLC"
      clientvet match "Иванов Иван Иванович" "Ivanov I.I." --person --json
    """
    from clientvet.evidence.matching import match_names, match_persons

    try:
        result = (match_persons if person else match_names)(name_a, name_b)
    except ValueError as exc:
        raise click.BadParameter(plain(exc), param_hint="NAME_A, NAME_B") from None
    if as_json:
        click.echo(json_text(result.as_dict()))
        return
    kind = ("person", "people") if person else ("company", "companies")
    how = f", {result.basis}" if person else ""
    click.echo(f"{'same ' + kind[0] if result.same else 'different ' + kind[1]} (score {result.score}{how}): "
               f"{plain(result.reason)}")
# --- rules and the user's [rules] table ---------------------------------------------


def _tuning():
    """The config's [rules] table, checked before anything is written: a mistake exits 2."""
    from clientvet.checks.rules import tuning_from_config

    try:
        return tuning_from_config()
    except config.ConfigError as exc:
        stderr.print(f"[red]error:[/] {markup(str(exc))} (config: {markup(str(config.config_path()))})",
                     soft_wrap=True)
        sys.exit(errors.BAD_INPUT)


@cli.command("rules")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list on standard output.")
def rules_list(as_json: bool) -> None:
    """List every rule: code, group, severity, points (after your config), deal-killer, countries, summary.

    A rule for some countries only (their sources give its facts) shows them after its severity;
    the others apply in every country.

    Your config's [rules] table changes points, disables rules and adds keyword lists:

    \b
      [rules]
      disabled = ["young_company"]
      [rules.points]
      net_loss = 20
      [rules.keywords]
      high_risk_industry = ["seafood"]
      [rules.codes]
      high_risk_industry = ["RU:46.38", "GB:4638"]

    \b
    Example:
      clientvet rules --json
    """
    from rich.table import Table

    from clientvet.checks.groups import GROUPS
    from clientvet.checks.rules import RULES

    tuning = _tuning()
    rows = [{"code": r.code, "group": r.group, "severity": r.severity,
             "points": tuning.points.get(r.code, r.points), "default_points": r.points,
             "enabled": r.code not in tuning.disabled, "deal_killer": r.deal_killer,
             "purpose_weights": dict(r.purpose_weights) if not r.deal_killer else {},
             "countries": list(r.countries), "safeguard": r.safeguard, "summary": r.summary} for r in RULES.values()]
    if as_json:
        click.echo(json_text(rows, indent=2))
        return
    table = Table(title="Rules (points after your config; negative points lower the score)", title_justify="left",
                  expand=True)
    table.add_column("code", no_wrap=True)
    table.add_column("pts", justify="right", no_wrap=True)
    table.add_column("severity · summary", ratio=1)
    for group in GROUPS.values():  # in the summary's order, under its headings
        table.add_row(f"[bold]{markup(group.heading)}[/]", "", "")
        for row in (r for r in rows if r["group"] == group.code):
            points = str(row["points"]) + ("" if row["points"] == row["default_points"] else "*")
            countries = f"{', '.join(row['countries'])} · " if row["countries"] else ""
            table.add_row(row["code"], "killer" if row["deal_killer"] else points,
                          f"{row['severity']} · {countries}{markup(row['summary'])}",
                          style=None if row["enabled"] else "dim strike")
        table.add_section()
    stdout.print(table)
    click.echo("* changed by your config; struck out: disabled by your config")


# --- conversation signals and account history -------------------------------------

from clientvet.checks.signals import LANGUAGES  # noqa: E402  (light: the catalogue only)


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                         help="SQLite evidence file [default: per-user data directory, or $CLIENTVET_DB].")
by_option = click.option("--by", default=_os_user, show_default="your OS user name",
                         help="Who is entering this, for the record.")


def _directory(db_path: Path | None):
    """The companies the database knows, read only; a file that is not a clientvet database exits 2."""
    from clientvet.evidence.companies import Directory
    from clientvet.evidence.store import inspect_database

    path = db_path or config.default_db_path()
    inspect_database(path)
    return Directory(path)


def _company(text: str, db_path: Path | None):
    """Resolve COMPANY before anything is written: bad input exits 2 and changes nothing."""
    from clientvet.evidence.companies import UnknownCompany

    directory = _directory(db_path)
    try:
        return directory.resolve(text)
    except (InvalidIdentifier, UnknownCompany) as exc:
        raise click.BadParameter(plain(exc), param_hint="COMPANY") from None


def _store(db_path: Path | None, *, create: bool = True):
    """The evidence store; for reading only, None when there is no database yet (nothing to show)."""
    from clientvet.evidence.store import Store

    path = db_path or config.default_db_path()
    return Store(path) if create or path.is_file() else None


def _finished_check(ref, check_id: int | None, db_path: Path | None):
    """(store, stored check) of COMPANY's check N or its latest finished one; NoReport when there is none."""
    from clientvet.reports.stored import NoReport, find

    store = _store(db_path, create=False)
    if store is None:
        raise NoReport(f"no evidence database at {db_path or config.default_db_path()}; run `clientvet check` first")
    return store, find(store, ref, check_id, _sources_for, _tuning)


def _signal_code(code: str) -> str:
    from clientvet.checks.signals import SIGNALS, unknown_code_message

    if code not in SIGNALS:
        raise click.BadParameter(unknown_code_message(code), param_hint="CODE")
    return code


@cli.group()
def signals() -> None:
    """What the salesperson learned in conversation: red flags and careful behaviour.

    Each code becomes a factor of the next `clientvet check` of the company.
    """


@signals.command("codes")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the interview questions.")
def signals_codes(lang: str) -> None:
    """List the signal codes, their points and the interview question for each.

    \b
    Example:
      clientvet signals codes --lang ru
    """
    from rich.table import Table

    from clientvet.checks.signals import CATALOGUE

    table = Table(title="Signal codes (negative points: careful behaviour, not a red flag)", title_justify="left")
    for column in ("code", "severity", "pts", "meaning", "interview question"):
        table.add_column(column, justify="right" if column == "pts" else "left", no_wrap=column == "code")
    for signal in CATALOGUE:
        table.add_row(signal.code, signal.severity, str(signal.points), signal.explanation,
                      markup(signal.ask(lang, config.setting("high_risk_industries"))))
    stdout.print(table)


@signals.command("add")
@click.argument("company")
@click.argument("code")
@click.option("--note", help="What exactly was said or done.")
@by_option
@db_option
def signals_add(company, code, note, by, db_path) -> None:
    """Record signal CODE for COMPANY (see `clientvet signals codes`).

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Example:
      clientvet signals add 7707083893 cash_off_books --note "asked to pay half in cash"
    """
    code = _signal_code(code)
    ref = _company(company, db_path)
    if _store(db_path).add_signal(ref.aliases, code, note, by):
        click.echo(f"recorded {code} for {plain(ref.label)} ({ref.key})")
    else:
        click.echo(f"{code} is already recorded for {plain(ref.label)}; unchanged")


@signals.command("remove")
@click.argument("company")
@click.argument("code")
@by_option
@db_option
def signals_remove(company, code, by, db_path) -> None:
    """Withdraw signal CODE for COMPANY; the entry stays in its history as removed.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Example:
      clientvet signals remove 7707083893 cash_off_books
    """
    code = _signal_code(code)
    ref = _company(company, db_path)
    store = _store(db_path, create=False)
    if not (store and store.remove_signal(ref.aliases, code, by)):
        raise click.BadParameter(f"{plain(ref.label)} has no active {code} signal; nothing changed", param_hint="CODE")
    click.echo(f"removed {code} for {plain(ref.label)}")


@signals.command("list")
@click.argument("company")
@click.option("--all", "include_removed", is_flag=True, help="Include removed signals.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list on standard output.")
@db_option
def signals_list(company, include_removed, as_json, db_path) -> None:
    """Show the signals recorded for COMPANY.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Example:
      clientvet signals list 7707083893 --all
    """
    from rich.table import Table

    from clientvet.checks.signals import SIGNALS

    ref = _company(company, db_path)
    store = _store(db_path, create=False)
    rows = store.signals(ref.aliases, include_removed=include_removed) if store else []
    if as_json:
        click.echo(json_text([{**row, "points": SIGNALS[row["code"]].points} for row in rows], indent=2))
        return
    if not rows:
        click.echo(f"no signals recorded for {plain(ref.label)}")
        return
    table = Table(title=f"Signals for {markup(ref.label)}", title_justify="left")
    for column in ("code", "pts", "entered", "removed", "note"):
        table.add_column(column, justify="right" if column == "pts" else "left", no_wrap=column == "code")
    for row in rows:
        removed = f"{row['removed_at'][:10]} by {row['removed_by']}" if row["removed_at"] else ""
        table.add_row(row["code"], str(SIGNALS[row["code"]].points),
                      f"{row['entered_at'][:10]} by {markup(row['entered_by'])}", markup(removed),
                      markup(row["note"] or ""), style="dim" if removed else None)
    stdout.print(table)


@cli.command()
@click.argument("company")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the questions.")
@by_option
@db_option
def interview(company, lang, by, db_path) -> None:
    """Walk through the pre-signing red flags for COMPANY and record the answers.

    Each question takes a number: 1 yes (record the signal, with an optional note),
    2 no (withdraw it if it was recorded), 3 or Enter to skip.
    Every answer is saved as it is given.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Example:
      clientvet interview 7707083893 --lang ru --by anna
    """
    from collections import Counter

    from clientvet.checks.signals import ANSWERS, CATALOGUE, SKIP, TEXTS

    ref = _company(company, db_path)
    industries = config.setting("high_risk_industries")  # a broken config stops here, before the store is made
    store = _store(db_path)
    answered: Counter[str] = Counter()
    click.echo(TEXTS["intro"][lang].format(company=plain(ref.label)))
    for number, signal in enumerate(CATALOGUE, 1):
        click.echo(f"\n{number}/{len(CATALOGUE)}. {plain(signal.ask(lang, industries))}")
        click.echo("   " + "   ".join(f"{n}) {labels[lang]}" for n, (_, labels) in ANSWERS.items()))
        try:
            action = ANSWERS[click.prompt(TEXTS["answer"][lang], type=WholeNumber(1, len(ANSWERS)),
                                          default=SKIP, show_default=False)][0]
            note = click.prompt(TEXTS["note"][lang], default="", show_default=False) if action == "record" else ""
        except click.Abort:
            stderr.print(f"\n{TEXTS['stopped'][lang]}")
            sys.exit(errors.FAILED)
        answered[action] += 1
        if action == "record":
            added = store.add_signal(ref.aliases, signal.code, note, by)
            click.echo(f"   → {TEXTS['recorded' if added else 'already'][lang]}")
        elif action == "clear" and store.remove_signal(ref.aliases, signal.code, by):
            click.echo(f"   → {TEXTS['cleared'][lang]}")
    click.echo("\n" + TEXTS["done"][lang].format(yes=answered["record"], no=answered["clear"],
                                                 skipped=answered["skip"]))


@cli.group()
def history() -> None:
    """Account history of active clients: invoices and friction events, imported from CSV."""


@history.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--company", help="The company of rows whose company cell is empty (or of a file without "
                                "that column); other rows must name the same company.")
@db_option
def history_import(file, company, db_path) -> None:
    """Import invoices or account events from a CSV file (UTF-8; comma, semicolon or tab).

    The header tells the format. Dates are YYYY-MM-DD; amounts are 150000.00,
    150 000,00 or 150,000.00 (150,000 alone is refused: a thousand separator or
    a decimal comma?); company is an INN, OGRN, company number or the name of a
    company already checked.

    \b
    Invoices:  company,invoice_id,issued,due,paid,amount,currency
               7707083893,INV-17,2026-03-01,2026-03-15,2026-03-17,150000.00,RUB
               (paid empty = unpaid; re-importing updates an invoice by company and invoice_id)
    Events:    company,date,kind,note   (note optional)
               7707083893,2026-04-02,discount_request,asked for 20% off again
               kinds: discount_request, scope_added_without_fee, recommendation_ignored,
                      rude_contact, off_hours_demand, outside_competence_request, repeat_order

    One bad row (with its line number) imports nothing; a row already stored is not duplicated.

    \b
    Example:
      clientvet history import invoices-2026.csv
      clientvet history import events.csv --company 7707083893
    """
    from clientvet.checks.history import HistoryImportError, parse_history_csv

    default = _company(company, db_path) if company is not None else None
    try:
        parsed = parse_history_csv(file, _directory(db_path).resolve, default)
    except HistoryImportError as exc:
        for error in exc.errors:
            stderr.print(f"[red]error:[/] {markup(file.name)} {markup(error)}", soft_wrap=True)
        stderr.print("Nothing was imported; fix the lines above and run the import again.")
        sys.exit(errors.BAD_INPUT)
    added = _store(db_path).import_history(**{parsed.format: parsed.rows})[parsed.format]
    companies = len({row["company_key"] for row in parsed.rows})
    click.echo(f"imported {len(parsed.rows)} {parsed.format} for {companies} company(ies): {added} new, "
               f"{len(parsed.rows) - added} already stored")


@history.command("show")
@click.argument("company")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Judge overdue invoices as of this date "
                                                                 "[default: today].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on standard output.")
@db_option
def history_show(company, as_of, as_json, db_path) -> None:
    """Payment discipline and the harmful / normal / loyal class of COMPANY.

    Paying 1–3 days late is normal; 15–30 days late means renegotiate or part ways.
    Loyal: pays on time, orders again, little friction.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Example:
      clientvet history show 7707083893 --as-of 2026-11-23
    """
    from collections import Counter

    from rich.table import Table

    from clientvet.checks.history import NORMAL_DELAY_DAYS, AccountHistory

    ref = _company(company, db_path)
    today = as_of.date() if as_of else date.today()
    store = _store(db_path, create=False)
    account = (AccountHistory.from_rows(store.invoices(ref.aliases), store.account_events(ref.aliases))
               if store else AccountHistory())
    discipline, placed = account.discipline(today), account.classify(today)
    events = Counter(e.kind for e in account.events)
    if as_json:
        click.echo(json_text({"company": ref.key, "name": ref.label, "as_of": today.isoformat(),
                              "discipline": discipline.as_dict(), "events": dict(events),
                              "class": placed.label, "reasons": list(placed.reasons)}, indent=2))
        return
    if not account:
        stdout.print(f"no account history for {markup(ref.label)}; import it with `clientvet history import`")
        return
    table = Table(title=f"Payment discipline of {markup(ref.label)} as of {today}", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    unpaid = ", ".join(f"{amount:,.2f} {cur}" for cur, amount in discipline.unpaid_overdue_totals().items())
    share = discipline.share_paid_late
    for measure, value in (
        ("invoices (paid)", f"{discipline.invoices} ({discipline.paid})"),
        ("average days late", discipline.average_days_late),
        ("worst days late", discipline.worst_days_late),
        (f"share paid more than {NORMAL_DELAY_DAYS} days late", None if share is None else f"{share:.0%}"),
        ("unpaid overdue", f"{len(discipline.unpaid_overdue)}" + (f" ({unpaid})" if unpaid else "")),
    ):
        table.add_row(measure, "—" if value is None else str(value))
    stdout.print(table)
    stdout.print("[dim]1–3 days late is normal; 15–30 days late: renegotiate or part ways.[/]")
    if events:
        stdout.print("events: " + ", ".join(f"{kind} ×{n}" for kind, n in events.items()))
    style = {"harmful": "bold red", "normal": "bold", "loyal": "bold green"}[placed.label]
    stdout.print(f"class: [{style}]{placed.label}[/]")
    for reason in placed.reasons:
        stdout.print(f"  • {markup(reason)}")


# --- evidence database errors: one line and the exit status, for every command -------


def _database_error(exc: errors.ClientvetError, consequence: str | None = None) -> NoReturn:
    stderr.print(f"[red]error:[/] {markup(exc)}" + (f"; {consequence}" if consequence else ""),
                 soft_wrap=True, highlight=False)
    sys.exit(exc.exit_code)


# --- reports: clientvet report ------------------------------------------------------------------------

REPORT_FORMATS = ("html", "pdf", "md", "json", "csv")


def _sources_for(jurisdiction: str):
    """The sources a jurisdiction declares; only a check stored without its verdict document needs them."""
    from clientvet.crawler.engine import ScrapyEngine

    return ScrapyEngine().sources_for(jurisdiction)


@cli.command("report")
@click.argument("company")
@click.option("--check", "check_id", type=WholeNumber(min=1), metavar="N",
              help="Report on check N of the company [default: its latest finished check].")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), required=True,
              help="html: one self-contained page; pdf: A4 with page numbers; md: Markdown for a CRM or ticket; "
                   "json: the document of `check --json` plus the history; csv: the factors and the facts.")
@click.option("--out", metavar="PATH",
              help="Write to this file, or into this directory (an existing one, or PATH/) under a name made of "
                   "the check's identifier and number; csv into a directory writes NAME-factors.csv and "
                   "NAME-facts.csv [default: standard output; a PDF is not printed on a terminal].")
@click.option("--force", is_flag=True, help="Replace a file that exists already.")
@lang_option("the report (json stays English: it is data)")
@db_option
def report_command(company, check_id, fmt, out, force, lang, db_path) -> None:
    """Render a finished check of COMPANY from the evidence database alone (no network).

    Section by section: the company card, the verdict and its reasons with points, every fact
    with its source, address, time fetched and SHA-256, coverage, safeguards, what would change
    the verdict, the conversation signals and account history, the earlier checks. The verdict
    is the one given when the check was made.

    CSV is two tables: one file holds both, its `table` column saying factor or fact; into a
    directory, a file per table.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Examples:
      clientvet report 0000123450 --format html --out reports/
      clientvet report 0000123450 --format pdf --lang ru --out demo.pdf
      clientvet report 0000123450 --check 3 --format md
    """
    from clientvet.evidence.errors import ClientvetError
    from clientvet.reports import formats, output, terminal

    ref = _company(company, db_path)
    language = _language(lang)
    try:
        _, checked = _finished_check(ref, check_id, db_path)
        if out is None:
            if fmt == "pdf" and sys.stdout.isatty():
                raise output.OutputRefused("a PDF is not printed on a terminal: give --out FILE.pdf, or redirect")
            click.get_binary_stream("stdout").write(formats.render(checked, fmt, language))
            return
        name = output.check_file_name(checked.evidence.check)
        if fmt == "csv" and output.is_directory(out):
            paths = output.targets(out, [f"{name}-factors.csv", f"{name}-facts.csv"])
            output.refuse_existing(paths, force)
            tables = formats.csv_files(checked, language)
            files = {path: tables[table].encode("utf-8") for path, table in zip(paths, ("factors", "facts"))}
        else:
            paths = output.targets(out, [f"{name}.{fmt}"])
            output.refuse_existing(paths, force)
            files = {paths[0]: formats.render(checked, fmt, language)}
        output.write(files, force)
    except ClientvetError as exc:
        terminal.error(stderr, str(exc))
        sys.exit(exc.exit_code)
    for path in files:
        click.echo(f"wrote {path}")


@cli.command("browse")
@click.option("--port", type=WholeNumber(1, 65535), default=8001, show_default=True,
              help="Port on 127.0.0.1 to serve on.")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open the page in a web browser.")
@db_option
def browse_command(port, open_browser, db_path) -> None:
    """Open the evidence database in Datasette: read-only, on 127.0.0.1 only, tables labelled.

    Checks are faceted by verdict, facts by source and kind. Stop it with Ctrl-C.

    \b
    Example:
      clientvet browse --db demo.sqlite --port 8001
    """
    from clientvet.reports.browse import serve

    sys.exit(serve(db_path or config.default_db_path(), port, open_browser))


@cli.command("bundle")
@click.argument("company")
@click.option("--check", "check_id", type=WholeNumber(min=1), metavar="N",
              help="Bundle check N of the company [default: its latest finished check].")
@click.option("--out", metavar="PATH", required=True,
              help="The WACZ file to write, or a directory to write it into under a name made of the check's "
                   "identifier and number.")
@click.option("--force", is_flag=True, help="Replace a file that exists already.")
@lang_option("the reports inside")
@db_option
def bundle_command(company, check_id, out, force, lang, db_path) -> None:
    """Write the evidence of a check as a WACZ file: every answer as WARC records, the HTML and
    PDF reports, and the SHA-256 of every file in datapackage.json, signed with the Ed25519 key of
    `[bundle] signing_key` when one is configured. It opens in ReplayWeb.page; `clientvet verify`
    checks it.

    \b
    Example:
      clientvet bundle 0000123450 --db demo.sqlite --out demo.wacz
    """
    from clientvet.evidence.errors import ClientvetError
    from clientvet.reports import bundle, output, terminal

    ref = _company(company, db_path)
    try:
        store, checked = _finished_check(ref, check_id, db_path)
        paths = output.targets(out, [f"{output.check_file_name(checked.evidence.check)}.wacz"])
        output.refuse_existing(paths, force)
        data = bundle.build(store, checked, _language(lang), config.setting("bundle.signing_key"))
        output.write({paths[0]: data}, force)
    except ClientvetError as exc:
        terminal.error(stderr, str(exc))
        sys.exit(exc.exit_code)
    click.echo(f"wrote {paths[0]}")


@cli.command("verify")
@click.argument("bundle_file", metavar="FILE.wacz", type=click.Path(path_type=Path))
@click.option("--key", "public_key", type=click.Path(path_type=Path), metavar="PUBLIC.pem",
              help="Require a signature by this public key (from `clientvet keygen`).")
def verify_command(bundle_file, public_key) -> None:
    """Recompute every digest of an evidence bundle and its signature: exit 0 and "intact", or
    exit 1 naming the first file that differs.

    \b
    Example:
      clientvet verify demo.wacz --key ~/.config/clientvet/bundle.key.pub
    """
    from clientvet.evidence.errors import ClientvetError
    from clientvet.reports import bundle, terminal

    try:
        click.echo(bundle.verify(bundle_file, public_key))
    except ClientvetError as exc:
        terminal.error(stderr, str(exc))
        sys.exit(exc.exit_code)


@cli.command("keygen")
@click.option("--out", type=click.Path(path_type=Path), required=True, metavar="PATH",
              help="The private key file to write (PATH.pub gets the public key); never overwritten.")
def keygen_command(out) -> None:
    """Make an Ed25519 key pair for signing evidence bundles.

    \b
    Example:
      clientvet keygen --out ~/.config/clientvet/bundle.key
    """
    from clientvet.evidence.errors import ClientvetError
    from clientvet.reports import bundle, terminal

    try:
        public = bundle.keygen(out)
    except ClientvetError as exc:
        terminal.error(stderr, str(exc))
        sys.exit(exc.exit_code)
    click.echo(f"wrote {out} (private, mode 0600) and {public}")
    click.echo(f'sign bundles with it: add to the config file\n[bundle]\nsigning_key = "{out}"')


# --- end of reports --------------------------------------------------------------------------------------



# --- batches, the watch list and re-checks (check --from, watch, recheck, diff, worker) ------------


def _check_batch(path: Path, *, db_path: Path | None, as_json: bool, replay: Path | None, as_of, overrides: dict,
                 terms: dict, bar: bool) -> None:
    """`check --from FILE`: every good line of FILE checked in one crawl; bad lines reported with their numbers."""
    from clientvet.checks import BadInput, Company, Outcome, StoreFailed, run_checks
    from clientvet.checks.batch import TERM_COLUMNS, BadFile, deal_columns, read_company_file
    from clientvet.crawler.engine import ScrapyEngine
    from clientvet.reports import batch

    tuning = _tuning()
    try:
        read = read_company_file(path, TERM_COLUMNS, deal_columns(terms))
    except BadFile as exc:
        raise click.BadParameter(f"{path.name} {exc}", param_hint="--from") from None
    for problem in read.problems:
        stderr.print(f"[yellow]skipped:[/] {markup(path.name)} {markup(problem)}", soft_wrap=True)
    if read.ignored_columns:
        stderr.print(f"[dim]columns not read: {markup(', '.join(read.ignored_columns))}[/]", soft_wrap=True)
    if not read.rows:
        stderr.print(f"[red]error:[/] no line of {markup(path.name)} names a company that can be checked")
        sys.exit(errors.BAD_INPUT)
    rows = read.rows

    def line(outcome: Outcome) -> str:
        return str(rows[outcome.index].line)

    def show(outcome: Outcome) -> None:
        document = _kept(outcome.result, db_path) if outcome.result else None
        if as_json:
            terminal.print_json(document or batch.document(outcome, rows[outcome.index].line))
        else:
            terminal.print(batch.summary_line(outcome, f"line {line(outcome)}"))

    terminal = batch.BatchTerminal(Console(), stderr, show, bar=bar)
    try:
        outcomes = run_checks([Company(row.identity, row.values) for row in rows], ScrapyEngine(),
                              db_path=db_path or config.default_db_path(), replay=replay,
                              as_of=as_of.date() if as_of else None, settings=overrides, tuning=tuning,
                              progress=terminal)
    except BadInput as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.argument}") from None
    except StoreFailed as exc:
        stderr.print(f"[red]error:[/] {markup(exc)}", soft_wrap=True)
        sys.exit(exc.exit_code)
    if not as_json:
        Console().print(batch.table(outcomes, line))
    failed = [o.error.exit_code for o in outcomes if o.error is not None]
    if failed:
        sys.exit(max(failed))


def _kept(result, db_path: Path | None) -> dict:
    """The check's document, stored with it for `clientvet report` (as `check` does); the verdict stands if not."""
    from clientvet.crawler.engine import ScrapyEngine
    from clientvet.evidence.store import StoreError
    from clientvet.reports.document import report
    from clientvet.reports.stored import record

    try:
        return record(result, ScrapyEngine().open_store(db_path or config.default_db_path()))
    except (StoreError, sqlite3.Error) as exc:
        stderr.print(f"[red]error:[/] check #{result.check_id}'s verdict could not be stored for `clientvet "
                     f"report`: {markup(str(exc))}", soft_wrap=True)
        return report(result.evidence, result.verdict)


def _identity_of(ref) -> Identity:
    """The identity a company's key names (ru:inn:…): what a re-check of it checks."""
    jurisdiction, scheme, value = ref.key.split(":", 2)
    return Identity(jurisdiction.upper(), scheme, value)


def _every(value: str) -> int:
    from clientvet.checks.watch import parse_every

    try:
        return parse_every(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None


def _watch_list(db_path: Path | None):
    """The watch list of the database; empty when there is no database yet."""
    from clientvet.checks.watch import watch_list
    from clientvet.evidence.companies import Directory

    store = _store(db_path, create=False)
    if store is None:
        return []
    return watch_list(store, Directory(db_path or config.default_db_path()).resolve)


@cli.group()
def watch() -> None:
    """Active clients to re-check on a schedule (`clientvet recheck --due`), each for its own deal."""


@watch.command("add")
@click.argument("company")
@click.option("--every", help="How often to re-check it: 12h, 7d, 2w… [default: 7d, or as it was]")
@click.option("--purpose", type=click.Choice(PURPOSES), help="The deal it is re-checked for (as `check --purpose`).")
@click.option("--amount", type=Amount(), help="The deal amount, e.g. 1200000.")
@click.option("--currency", help="Currency of --amount [default: the company's country's].")
@click.option("--contact", metavar="FULL NAME", help="The person you deal with (as `check --contact`).")
@click.option("--note", help="Why it is watched, who looks after it…")
@db_option
def watch_add(company, every, purpose, amount, currency, contact, note, db_path) -> None:
    """Watch COMPANY: `recheck --due` re-checks it when its last check is older than --every.

    Adding a company already watched changes what the options give and keeps the rest; giving
    any of --purpose, --amount, --currency, --contact replaces the whole deal.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Example:
      clientvet watch add 7707083893 --every 7d --purpose deferred --amount 1200000 --note "key account"
    """
    from clientvet.checks.watch import DEFAULT_EVERY, every_text

    seconds = _every(every) if every is not None else None
    dealt = any(value is not None for value in (purpose, amount, currency, contact))
    terms = _terms(purpose, amount, currency, contact) if dealt else None
    ref = _company(company, db_path)
    store = _store(db_path)
    new = store.watch(_identity_of(ref), seconds, terms, note, default_every=_every(DEFAULT_EVERY))
    entry = next(row for row in store.watched() if row["company_key"] == ref.key)
    click.echo(f"{'watching' if new else 'now watching'} {ref.label} ({ref.key}) every "
               f"{every_text(entry['every_seconds'])}")


@watch.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list on standard output.")
@db_option
def watch_list_command(as_json, db_path) -> None:
    """The watched companies: interval, deal, last check and when each is next due.

    \b
    Example:
      clientvet watch list --json
    """
    from clientvet.checks.watch import now
    from clientvet.reports.monitor import watch_table

    watched, moment = _watch_list(db_path), now()
    if as_json:
        click.echo(json_text([w.as_dict(moment) for w in watched], indent=2))
    elif watched:
        Console().print(watch_table(watched, moment))
    else:
        click.echo("no company is watched; add one with `clientvet watch add`")


@watch.command("remove")
@click.argument("company")
@db_option
def watch_remove(company, db_path) -> None:
    """Stop watching COMPANY; its checks stay in the database.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Example:
      clientvet watch remove 7707083893
    """
    ref = _company(company, db_path)
    store = _store(db_path, create=False)
    if not (store and store.unwatch(ref.aliases)):
        raise click.BadParameter(f"{ref.label} is not watched; nothing changed", param_hint="COMPANY")
    click.echo(f"stopped watching {ref.label}")


@watch.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--every", default="7d", show_default=True, help="The interval of rows without an `every`.")
@db_option
def watch_import(file, every, db_path) -> None:
    """Watch every company of a CSV file (UTF-8; comma, semicolon or tab).

    \b
    Columns: identifier (or inn, ogrn, company_number, cik), and optionally every, purpose,
    amount, currency, contact, note:
      identifier,every,purpose,amount,note
      7707083893,7d,deferred,1200000,key account
      08957400,2w,,,
    A bad row is reported with its line number and skipped; the good rows are kept (a company
    already watched is updated). Exits 2 only when no row is good.

    \b
    Example:
      clientvet watch import clients.csv
    """
    from clientvet.checks.batch import BadFile
    from clientvet.checks.watch import read_watch_file

    try:
        read = read_watch_file(file, _every(every))
    except BadFile as exc:
        raise click.BadParameter(f"{file.name} {exc}", param_hint="FILE") from None
    for problem in read.problems:
        stderr.print(f"[yellow]skipped:[/] {markup(file.name)} {markup(problem)}", soft_wrap=True)
    if read.ignored_columns:
        stderr.print(f"[dim]columns not read: {markup(', '.join(read.ignored_columns))}[/]", soft_wrap=True)
    if not read.rows:
        stderr.print(f"[red]error:[/] no row of {markup(file.name)} can be watched; nothing was imported")
        sys.exit(errors.BAD_INPUT)
    store = _store(db_path)
    default = _every(every)
    added = sum(store.watch(row.identity, row.values["every_seconds"], row.values["terms"], row.values["note"] or "",
                            default_every=default) for row in read.rows)
    click.echo(f"watching {len(read.rows)} companies from {file.name}: {added} new, {len(read.rows) - added} updated"
               + (f"; {len(read.problems)} line(s) skipped" if read.problems else ""))


def _reports_dir(reports: Path | None, db_path: Path | None) -> Path:
    """Where a re-check writes each company's report: --reports, else `reports/` beside the database."""
    return reports or (db_path or config.default_db_path()).resolve().parent / "reports"


def _select(watched: list, companies: tuple[str, ...], due: bool, every: bool, db_path: Path | None) -> list:
    """The watched companies a re-check takes: the due ones (default), all, or those named."""
    from clientvet.checks.watch import now

    if sum((bool(companies), due, every)) > 1:
        raise click.UsageError("give one of --due, --all or COMPANY…")
    if every:
        return watched
    if not companies:
        moment = now()
        return [w for w in watched if w.due(moment)]
    chosen = []
    for text in companies:
        ref = _company(text, db_path)
        found = next((w for w in watched if set(w.aliases) & set(ref.aliases)), None)
        if found is None:
            raise click.BadParameter(f"{ref.label} is not watched; add it with `clientvet watch add`",
                                     param_hint="COMPANY")
        if found not in chosen:
            chosen.append(found)
    return chosen


@cli.command()
@click.argument("companies", nargs=-1, metavar="[COMPANY]...")
@click.option("--due", is_flag=True, help="Re-check the watched companies that are due (the default).")
@click.option("--all", "every", is_flag=True, help="Re-check every watched company.")
@click.option("--replay", type=ReplayDirectory(),
              help="Answer every request from the HAR recordings under this directory (offline).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per company on standard output.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Judge recency as of this date [default: today].")
@click.option("--reports", type=click.Path(file_okay=False, path_type=Path),
              help="Write each re-checked company's report (its check and the diff, JSON) into this directory "
                   "[default: reports/ beside the database].")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("-v", "--verbose", count=True, help="Log the crawl (-v info, -vv debug) to standard error.")
@click.option("--wait", is_flag=True, help="When another re-check of the database is running, wait for it to "
                                           "end [default: exit 1 at once].")
@click.option("--no-alerts", is_flag=True, help="Send no alert this time, whatever the config's [alerts] says.")
@click.option("--queue", metavar="redis://HOST:6379/0",
              help="Put the companies on this Redis queue for `clientvet worker` processes instead of checking "
                   "them here.")
@db_option
def recheck(companies, due, every, replay, as_json, as_of, reports, settings, verbose, wait, no_alerts, queue,
            db_path) -> None:
    """Re-check watched companies in one run and say what changed since each one's previous check.

    For each company: every new, gone and changed fact with the evidence behind it, the light
    and the score before and after, and the sources that could not re-check (what they showed
    before is then unconfirmed, never "no change"). A company's first check is its baseline.

    \b
    Alerts: one message per run to the apprise URLs of the config's [alerts] table, with
    each company that got worse (or changed, with on = "change"), its diff and its report:
      [alerts]
      urls = ["mailto://smtp.example.com?from=cv@example.com&to=am@example.com", "json://host/hook"]
      on = "worse"

    \b
    Exit status: 0 nothing got worse; 10 something got worse (a new deal-killer, a worse light,
    or a new fact against a company), also when another check could not be completed; 1 a check
    could not be completed; 2 bad input.

    \b
    COMPANY is an INN, OGRN, company number, CIK… or the name of a watched company.
    Examples:
      clientvet recheck --due
      clientvet recheck 7707083893 --json
    """
    from clientvet.checks.watch import recheck_lock
    from clientvet.reports.alerts import Alerts, alerts_from_config

    if queue is not None:
        given = [hint for hint, value in (("--replay", replay), ("--json", as_json), ("--as-of", as_of),
                                          ("--reports", reports), ("--set", settings), ("--no-alerts", no_alerts))
                 if value]
        if given:
            raise click.UsageError(f"with --queue the workers check the companies: give {', '.join(given)} to "
                                   "`clientvet worker`")
        _queue_url(queue)
    tuning = _tuning()
    try:
        alerts = Alerts() if no_alerts else alerts_from_config()
    except config.ConfigError as exc:
        stderr.print(f"[red]error:[/] {markup(exc)} (config: {markup(config.config_path())})",
                     soft_wrap=True)
        sys.exit(errors.BAD_INPUT)
    database = db_path or config.default_db_path()
    try:
        with recheck_lock(database, wait=wait, waiting=lambda holder: stderr.print(
                f"waiting for another re-check of {markup(database)} ({markup(holder)})…", soft_wrap=True)):
            if queue is not None:
                _enqueue(queue, _select(_watch_list(db_path), companies, due, every, db_path))
            else:
                _recheck(companies, due, every, replay, as_json, as_of, reports, settings, verbose, db_path, tuning,
                         alerts)
    except errors.ClientvetError as exc:  # another re-check holds the lock, the queue cannot be reached
        stderr.print(f"[red]error:[/] {markup(exc)}", soft_wrap=True)
        sys.exit(exc.exit_code)


def _recheck(companies, due, every, replay, as_json, as_of, reports, settings, verbose, db_path, tuning,
             alerts) -> None:
    """The re-check itself, under the database's re-check lock; the alert once everything is stored."""
    from clientvet.checks import BadInput, StoreFailed
    from clientvet.checks.watch import recheck as recheck_watched
    from clientvet.crawler.engine import ScrapyEngine

    chosen = _select(_watch_list(db_path), companies, due, every, db_path)
    if not chosen:
        stderr.print("nothing to re-check: no watched company is due" if not companies and not every
                     else "nothing to re-check: no company is watched")
        return
    shown = _Shown(_reports_dir(reports, db_path), as_json, db_path)
    try:
        found = recheck_watched(chosen, ScrapyEngine(), db_path=db_path or config.default_db_path(), replay=replay,
                                as_of=as_of.date() if as_of else None,
                                settings=_crawl_overrides(settings, verbose, False), tuning=tuning,
                                progress=shown.terminal, on_recheck=shown)
    except BadInput as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.argument}") from None
    except StoreFailed as exc:
        stderr.print(f"[red]error:[/] {markup(exc)}", soft_wrap=True)
        sys.exit(exc.exit_code)
    sys.exit(_rechecked(alerts, found, shown.report_paths))


class _Shown:
    """Each re-checked company as it is compared: its report written, its lines or JSON object printed."""

    def __init__(self, directory: Path, as_json: bool, db_path: Path | None, then=None):
        from clientvet.reports import batch

        self.directory, self.as_json, self.db_path, self.then = directory, as_json, db_path, then
        self.report_paths: dict[int, str] = {}
        self.terminal = batch.BatchTerminal(Console(), stderr, lambda outcome: None, bar=True)

    def __call__(self, found) -> None:
        from clientvet.reports import monitor

        path = None
        if found.outcome.result:
            document = _kept(found.outcome.result, self.db_path)
            try:
                path = str(monitor.write_report(self.directory, found, document))
            except OSError as exc:
                stderr.print(f"[red]error:[/] cannot write the report into {markup(self.directory)}: "
                             f"{markup(exc.strerror or str(exc))}", soft_wrap=True)
            else:
                self.report_paths[found.outcome.index] = path
        if self.as_json:
            self.terminal.print_json(monitor.recheck_document(found, path))
        else:
            monitor.print_recheck(self.terminal.console(), found, path)
        if self.then:
            self.then(found)


def _rechecked(alerts, found: list, report_paths: dict[int, str]) -> int:
    """After a re-check: the alert, the summary on stderr, and the exit status."""
    _alert(alerts, found, report_paths)
    worse = sum(f.worse for f in found)
    failed = sum(f.problem is not None for f in found)
    stderr.print(f"re-checked {len(found)}: {worse} worse, {sum(f.changed and not f.worse for f in found)} changed, "
                 f"{sum(f.baseline for f in found)} baseline, {failed} without a verdict or comparison")
    return errors.WORSE if worse else errors.FAILED if failed else errors.OK


def _alert(alerts, found: list, report_paths: dict[int, str]) -> None:
    """The run's one alert to every channel; a channel that fails is reported, the others still get it."""
    from clientvet.reports.alerts import message, send

    if not alerts.channels:
        return
    composed = message(found, alerts, report_paths)
    if composed is None:
        return
    failures = send(alerts, *composed)
    for channel, reason in failures:
        stderr.print(f"[red]error:[/] the alert via {markup(channel.shown)} failed: {markup(reason)}", soft_wrap=True)
    sent = len(alerts.channels) - len(failures)
    if sent:
        stderr.print(f"alert sent to {sent} of {len(alerts.channels)} channel(s)")


@cli.command("diff")
@click.argument("company")
@click.option("--from", "from_check", type=WholeNumber(min=1), metavar="N",
              help="The earlier check [default: the one before --to].")
@click.option("--to", "to_check", type=WholeNumber(min=1), metavar="M",
              help="The later check [default: the company's latest finished check].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on standard output.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge the later check's recency as of this date, as its re-check did [default: its day].")
@db_option
def diff_command(company, from_check, to_check, as_json, as_of, db_path) -> None:
    """What changed between two finished checks of COMPANY, as `recheck` shows it.

    Exits 10 when something got worse from check N to check M, else 0.

    \b
    COMPANY is an INN, OGRN, company number, CIK… (e.g. CIK1318605) or the name of a company already checked.
    Examples:
      clientvet diff 7707083893
      clientvet diff 7707083893 --from 3 --to 9 --json
    """
    from clientvet.checks.diff import compare
    from clientvet.crawler.engine import ScrapyEngine
    from clientvet.reports import monitor

    tuning = _tuning()
    ref = _company(company, db_path)
    store = _store(db_path, create=False)
    numbers = [row["id"] for row in store.complete_checks(ref.aliases)] if store else []
    for hint, number in (("--from", from_check), ("--to", to_check)):
        if number is not None and number not in numbers:
            raise click.BadParameter(f"check #{number} is not a finished check of {ref.label}; its finished checks: "
                                     f"{', '.join(f'#{n}' for n in numbers) or 'none'}", param_hint=hint)
    later = to_check or (numbers[-1] if numbers else None)
    earlier = from_check or next((n for n in reversed(numbers) if later and n < later), None)
    if later is None or earlier is None or earlier == later:
        raise click.BadParameter(f"{ref.label} needs two finished checks to compare; it has "
                                 f"{', '.join(f'#{n}' for n in numbers) or 'none'}", param_hint="COMPANY")
    jurisdiction = store.check(later).jurisdiction
    found = compare(store, earlier, later, ScrapyEngine().sources_for(jurisdiction), tuning,
                    as_of.date() if as_of else None)
    if as_json:
        click.echo(json_text(found.as_dict(), indent=2))
    else:
        console = Console()
        console.print(f"[bold]{markup(ref.label)}[/]", highlight=False)
        for line in monitor.diff_lines(found):
            console.print(markup(line), soft_wrap=True, emoji=False, highlight=False)
        if not found.changes:
            console.print("no fact changed in the sources that answered", highlight=False)
    sys.exit(errors.WORSE if found.worse else errors.OK)


# --- scale-out: recheck --queue, worker ----------------------------------------------------------------


def _queue_url(url: str) -> str:
    from clientvet.crawler.queue import check_url

    try:
        return check_url(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queue") from None


def _enqueue(url: str, chosen: list) -> None:
    """Put the chosen watched companies on the queue (those queued already stay queued once)."""
    import secrets

    from clientvet.checks.watch import now
    from clientvet.crawler.queue import Queue

    if not chosen:
        stderr.print("nothing to queue: no watched company is due")
        return
    moment = now().isoformat(timespec="seconds")
    added = Queue(url).put([{"id": secrets.token_hex(8), "company": w.key, "jurisdiction": w.identity.jurisdiction,
                             "scheme": w.identity.scheme, "identifier": w.identity.value, "terms": w.terms,
                             "queued_at": moment} for w in chosen])
    click.echo(f"queued {added} companies" + (f" ({len(chosen) - added} queued already)" if added < len(chosen)
                                              else ""))


# The batch a worker took, run in a process of its own: Scrapy's reactor runs once per process.
_CLAIMED = "import json, sys; from clientvet.cli import _work_claimed; sys.exit(_work_claimed(json.load(sys.stdin)))"


@cli.command()
@click.option("--queue", metavar="redis://HOST:6379/0", required=True, help="The Redis queue `recheck --queue` fills.")
@click.option("--batch", type=WholeNumber(min=1), default=10, show_default=True,
              help="Companies taken at a time and checked in one crawl.")
@click.option("--idle-exit", type=Seconds(min=0), metavar="SECONDS",
              help="Stop after the queue has been empty this long [default: run until stopped].")
@click.option("--heartbeat", type=Seconds(min=1), default=30, show_default=True, metavar="SECONDS",
              help="A worker silent this long is taken for dead: its companies go back to the queue.")
@click.option("--replay", type=ReplayDirectory(), help="Answer every request from the HAR recordings under this "
                                                       "directory (offline).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per company on standard output.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Judge recency as of this date [default: today].")
@click.option("--reports", type=click.Path(file_okay=False, path_type=Path),
              help="Where each company's report goes [default: reports/ beside the database].")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("-v", "--verbose", count=True, help="Log the crawl (-v info, -vv debug) to standard error.")
@click.option("--no-alerts", is_flag=True, help="Send no alerts, whatever the config's [alerts] says.")
@db_option
def worker(queue, batch, idle_exit, heartbeat, replay, as_json, as_of, reports, settings, verbose, no_alerts,
           db_path) -> None:
    """Check the companies `recheck --queue` put on a Redis queue, on this machine, into the shared database.

    Start any number of workers on any number of machines. Each takes --batch companies at a
    time, checks them in one crawl and compares each with its previous check, as `recheck`
    does (the same output, reports and alerts, one alert per batch). Each source host's delay
    and limit of requests in flight hold across all the workers together (per API key for
    Companies House). A worker that dies leaves its companies to the others; a company is
    checked once.

    \b
    Examples:
      clientvet worker --queue redis://queue.internal:6379/0 --db /srv/clientvet/clients.sqlite
      clientvet worker --queue redis://127.0.0.1:6379/0 --idle-exit 60
    """
    import subprocess
    import time

    from clientvet.crawler.queue import Heartbeat, Queue, QueueError, worker_name
    from clientvet.reports.alerts import alerts_from_config

    _queue_url(queue)
    _tuning()
    try:
        alerts_from_config()
    except config.ConfigError as exc:
        stderr.print(f"[red]error:[/] {markup(exc)} (config: {markup(config.config_path())})",
                     soft_wrap=True)
        sys.exit(errors.BAD_INPUT)
    spec = {"queue": queue, "db": str(db_path or config.default_db_path()), "replay": str(replay) if replay else None,
            "as_of": as_of.date().isoformat() if as_of else None, "reports": str(_reports_dir(reports, db_path)),
            "settings": {**_crawl_overrides(settings, verbose, False), "CLIENTVET_QUEUE": queue},
            "as_json": as_json, "alerts": not no_alerts}
    try:
        jobs_queue = Queue(queue)
        name = worker_name()
        with Heartbeat(jobs_queue, name, heartbeat):
            stderr.print(f"worker {name} taking companies from the queue")
            idle_since = time.monotonic()
            try:
                while True:
                    if moved := jobs_queue.reap():
                        stderr.print(f"{moved} companies of a worker that stopped went back to the queue")
                    jobs = jobs_queue.claim(name, batch, timeout=1)
                    if not jobs:
                        if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                            break
                        continue
                    child = subprocess.run([sys.executable, "-c", _CLAIMED], check=False, preexec_fn=_die_with_parent,
                                           input=json.dumps({**spec, "worker": name, "jobs": [j.raw for j in jobs]}),
                                           text=True)
                    if child.returncode not in (errors.OK, errors.FAILED, errors.WORSE):
                        if back := jobs_queue.give_back(name):
                            stderr.print(f"[red]error:[/] the batch stopped (status {child.returncode}); "
                                         f"{back} companies went back to the queue")
                    idle_since = time.monotonic()
            finally:
                jobs_queue.leave(name)
    except QueueError as exc:
        stderr.print(f"[red]error:[/] {markup(exc)}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        stderr.print("stopped; what this worker held went back to the queue")
        sys.exit(errors.FAILED)


def _die_with_parent() -> None:
    """The batch's process dies with its worker, so a company is never checked by a worker taken for dead."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the heartbeat still hands its companies on, a company may then be checked twice


def _work_claimed(spec: dict) -> int:
    """The companies a worker took: each still watched and not yet re-checked for this queueing, as one batch."""
    from dataclasses import replace
    from datetime import date as day

    from clientvet.checks import BadInput, StoreFailed
    from clientvet.checks.watch import recheck as recheck_watched
    from clientvet.crawler import settings as crawl_defaults
    from clientvet.crawler.base import log_to_terminal
    from clientvet.crawler.engine import ScrapyEngine
    from clientvet.crawler.queue import Job, Queue
    from clientvet.reports.alerts import Alerts, alerts_from_config

    log_to_terminal(spec["settings"].get("LOG_LEVEL", crawl_defaults.LOG_LEVEL))  # as the worker's own is
    jobs_queue, db_path = Queue(spec["queue"]), Path(spec["db"])
    jobs = [Job.parse(raw) for raw in spec["jobs"]]
    watched = {w.key: w for w in _watch_list(db_path)}
    store = _store(db_path)
    chosen, job_of = [], {}
    for job in jobs:
        entry = watched.get(job.company)
        job_id = json.loads(job.raw)["id"]
        if entry is None:
            stderr.print(f"{job.company}: no longer watched; skipped")
            jobs_queue.done(spec["worker"], job)
        elif entry.last_check and store.check(entry.last_check["id"]).terms.get("queued") == job_id:
            stderr.print(f"{job.company}: re-checked already (check #{entry.last_check['id']}); skipped")
            jobs_queue.done(spec["worker"], job)
        else:
            job_of[len(chosen)] = job
            chosen.append(replace(entry, terms={**entry.terms, "queued": job_id}))
    if not chosen:
        return errors.OK
    shown = _Shown(Path(spec["reports"]), spec["as_json"], db_path,
                   then=lambda found: jobs_queue.done(spec["worker"], job_of[found.outcome.index]))
    try:
        found = recheck_watched(chosen, ScrapyEngine(), db_path=db_path,
                                replay=Path(spec["replay"]) if spec["replay"] else None,
                                as_of=day.fromisoformat(spec["as_of"]) if spec["as_of"] else None,
                                settings=spec["settings"], tuning=_tuning(), progress=shown.terminal,
                                on_recheck=shown)
    except (BadInput, StoreFailed) as exc:
        stderr.print(f"[red]error:[/] {markup(exc)}", soft_wrap=True)
        return exc.exit_code
    return _rechecked(alerts_from_config() if spec["alerts"] else Alerts(), found, shown.report_paths)


# --- end of batches, the watch list and re-checks ---------------------------------------------------


def main() -> None:
    """Run the CLI. A database that cannot be opened, read or written, or an error no command expected, is one
    line; the traceback only with -vv or $CLIENTVET_TRACEBACK."""
    import sqlite3

    try:
        cli()
    except config.ConfigError as exc:  # a setting read after the command's own checks
        stderr.print(f"[red]error:[/] {markup(exc)}", soft_wrap=True)
        sys.exit(errors.BAD_INPUT)
    except errors.ClientvetError as exc:  # evidence.store.StoreError: not SQLite, foreign, locked, read-only, full
        _database_error(exc)
    except sqlite3.Error as exc:
        _database_error(errors.ClientvetError(f"the evidence database failed: {exc}"))
    except Exception as exc:  # the last resort: a bug or a state nobody foresaw, never a raw traceback
        if os.environ.get(TRACEBACK_ENV):
            stderr.print_exception()
        stderr.print(f"[red]error:[/] unexpected {type(exc).__name__}: {markup(exc)}"
                     + ("" if os.environ.get(TRACEBACK_ENV) else f" (set {TRACEBACK_ENV}=1 to see where)"),
                     soft_wrap=True)
        sys.exit(errors.FAILED)
