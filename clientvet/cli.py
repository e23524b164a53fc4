"""The clientvet command line: parse options, call the packages, print."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from clientvet import config
from clientvet.identifiers import Identity, InvalidIdentifier, parse_company_number, parse_inn, parse_ogrn

EXIT_FAILED = 1
EXIT_NOT_FOUND = 1

stderr = Console(stderr=True)


def _parse_settings(values: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="--set")
        overrides[name] = setting
    return overrides


def _identity(inn: str | None, ogrn: str | None, company_number: str | None) -> Identity:
    given = [(parse_inn, "--inn", inn), (parse_ogrn, "--ogrn", ogrn),
             (parse_company_number, "--company-number", company_number)]
    given = [g for g in given if g[2] is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --inn, --ogrn or --company-number")
    parse, hint, value = given[0]
    try:
        return parse(value)
    except InvalidIdentifier as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


@click.group()
@click.version_option(package_name="clientvet")
def cli() -> None:
    """Is this prospect safe to sign, and on what terms?"""


@cli.command()
@click.option("--inn", help="Russian INN (10 digits for a company, 12 for a sole trader).")
@click.option("--ogrn", help="Russian OGRN (13 digits) or OGRNIP (15 digits).")
@click.option("--company-number", help="UK Companies House number, e.g. 08957400 or SC123456.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite evidence file [default: per-user data directory, or $CLIENTVET_DB].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on standard output.")
@click.option("--replay", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Answer every request from the HAR recordings under this directory (offline).")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge recency (e.g. 'notices in the last 12 months') as of this date [default: today].")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. --set DOWNLOAD_DELAY=3.")
@click.option("-v", "--verbose", count=True, help="Log the crawl (-v info, -vv debug) to standard error.")
def check(inn, ogrn, company_number, db_path, as_json, replay, as_of, settings, verbose):
    """Check a company in the public records and give a verdict.

    \b
    Examples:
      clientvet check --inn 7707083893
      clientvet check --company-number 08957400 --json
      clientvet check --inn 0000000000 --replay clientvet/demo --db demo.sqlite
    """
    identity = _identity(inn, ogrn, company_number)
    overrides = _parse_settings(settings)
    if verbose:
        overrides["LOG_LEVEL"] = "DEBUG" if verbose > 1 else "INFO"
    if user_agent := config.setting("user_agent"):
        overrides.setdefault("USER_AGENT", user_agent)

    # Everything that can refuse the input does so before the database is touched.
    from clientvet.crawler.har import HarError, load_archive

    if replay:
        try:
            load_archive(str(replay.resolve()))
        except HarError as exc:
            raise click.BadParameter(str(exc), param_hint="--replay") from None

    db_path = db_path or config.default_db_path()
    try:
        code = _run_check(identity, db_path, replay, as_of.date() if as_of else None, overrides, as_json)
    except sqlite3.OperationalError as exc:
        stderr.print(f"[red]error:[/] cannot write the evidence database {db_path}: {exc}")
        stderr.print("Nothing after the last complete step was saved; free space or pick another --db and retry.")
        sys.exit(EXIT_FAILED)
    sys.exit(code)


def _run_check(identity: Identity, db_path: Path, replay: Path | None, as_of: date | None,
               overrides: dict, as_json: bool) -> int:
    from clientvet.checks.evidence import CheckEvidence
    from clientvet.checks.verdict import evaluate, report
    from clientvet.crawler.items import Subject
    from clientvet.crawler.runner import build_settings, crawl
    from clientvet.crawler.spiders import sources_for
    from clientvet.crawler.store import open_store
    from clientvet.reports.terminal import render

    store = open_store(str(db_path))
    replay_dir = str(replay.resolve()) if replay else None
    check_id = store.start_check(identity, replay=replay_dir)
    subject = Subject(check_id, identity.key, identity.jurisdiction, identity.scheme, identity.value)
    sources = sources_for(identity.jurisdiction)

    def on_source_done(source, subject, status, reason):
        stderr.print(f"  {source}: {status}" + (f" ({escape(reason)})" if reason else ""))

    with stderr.status(f"Checking {identity.scheme.upper()} {identity.value} in {len(sources)} sources…"):
        crawl([subject], build_settings(str(db_path), replay_dir, overrides), on_source_done)

    registry = [s.name for s in sources if "registry_record" in s.evidence]
    runs = {run.source: run for run in store.source_runs(check_id)}
    if all(runs[name].status == "empty" for name in registry) and not store.observations(check_id):
        store.discard_check(check_id)
        stderr.print(f"[red]error:[/] no company with {identity.scheme.upper()} {identity.value} "
                     f"in {', '.join(registry)}; nothing was stored.")
        return EXIT_NOT_FOUND

    essential = frozenset(s.name for s in sources if s.essential)
    evidence = CheckEvidence.load(store, check_id, essential, as_of)
    verdict = evaluate(evidence)
    store.finish_check(check_id, verdict.colour, verdict.score)
    document = report(CheckEvidence.load(store, check_id, essential, as_of), verdict)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        render(document, Console())
    return 0


@cli.command()
def sources() -> None:
    """List the registered sources and what each one declares."""
    from clientvet.crawler.spiders import all_sources

    for source in all_sources():
        needs = [n for n, flag in (("API key", source.api_key), ("browser", source.needs_browser)) if flag]
        click.echo(f"{source.name:20} {source.jurisdiction}  {'essential' if source.essential else 'supporting':10}"
                   f"  {', '.join(source.evidence)}" + (f"  (needs {', '.join(needs)})" if needs else ""))


def main() -> None:
    cli()
