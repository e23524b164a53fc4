"""A file of companies to check or watch: a CSV with an identifier column, or one identifier per line.

A portfolio comes out of a CRM or a spreadsheet, so a bad line must not cost the good ones:
each bad line is reported with its number and left out, and the rest are kept. What the
columns besides the identifier mean is the caller's (the deal of `check --from`, the
schedule of `watch import`); columns nobody reads are named, not refused.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from clientvet.checks.terms import BadTerms, deal_terms
from clientvet.evidence.companies import parse_identifier
from clientvet.evidence.identifiers import (Identity, InvalidIdentifier, parse_cik, parse_company_number, parse_inn,
                                            parse_ogrn)
from clientvet.evidence.parsing import money


def _any_identifier(text: str) -> Identity:
    identity = parse_identifier(text)
    if identity is None:
        raise InvalidIdentifier(f"{text.strip()!r} is not an INN, OGRN, company number or CIK (CIK1318605)")
    return identity


# The columns that name the company, and how each is read; a row fills one of them.
IDENTIFIER_COLUMNS: dict[str, Callable[[str], Identity]] = {
    "inn": parse_inn, "ogrn": parse_ogrn, "company_number": parse_company_number, "cik": parse_cik,
    "identifier": _any_identifier,
}
DELIMITERS = ",;\t"


class BadFile(ValueError):
    """A file that cannot be read at all (not text, no identifier column): nothing in it is used."""


@dataclass(frozen=True)
class Row:
    line: int
    identity: Identity
    values: dict[str, Any]  # the other columns the caller reads, parsed; a column left empty is absent


@dataclass
class CompanyFile:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line 4: …", one per bad line
    ignored_columns: list[str] = field(default_factory=list)


Finish = Callable[[dict[str, Any]], dict[str, Any]]  # a row's parsed columns → what the caller keeps


def read_company_file(path: Path, columns: Mapping[str, Callable[[str], Any]],
                      finish: Finish | None = None) -> CompanyFile:
    """The companies of the file, each once, with the `columns` the caller reads parsed and `finish`ed.

    A column's parser and `finish` raise ValueError for a bad line. Raises BadFile when nothing
    in the file can be used.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(f"is not UTF-8 text (byte {exc.start}); save it as «CSV UTF-8»") from None
    except OSError as exc:
        raise BadFile(f"cannot be read: {exc.strerror or exc}") from None
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    header = [cell.strip().lower() for cell in re.split(f"[{DELIMITERS}]", first)]
    tabular = len(header) > 1 or header[0] in IDENTIFIER_COLUMNS
    finish = finish or dict
    read = _read_table(text, first, columns, finish) if tabular else _read_list(lines, finish)
    if not read.rows and not read.problems:
        raise BadFile("names no company")
    return read


def _read_list(lines: list[str], finish: Finish) -> CompanyFile:
    """One identifier per line; blank lines and lines starting with # are skipped."""
    read = CompanyFile()
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            _keep(read, seen, Row(number, _any_identifier(line), finish({})))
        except ValueError as exc:  # InvalidIdentifier too
            read.problems.append(f"line {number}: {exc}")
    return read


def _read_table(text: str, first: str, columns: Mapping[str, Callable[[str], Any]], finish: Finish) -> CompanyFile:
    """A header naming the columns (`first`, the first line that is not blank or a # comment), then a row a line."""
    try:
        dialect: Any = csv.Sniffer().sniff(first, delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header: list[str] = []
    for cells in reader:
        if any(cell.strip() for cell in cells) and not cells[0].lstrip().startswith("#"):
            header = [name.strip().lower() for name in cells]
            break
    named = [name for name in header if name in IDENTIFIER_COLUMNS]
    if not named:
        raise BadFile(f"line 1: no identifier column in the header {header}; "
                      f"name one of {', '.join(IDENTIFIER_COLUMNS)}")
    if len(set(header)) != len(header):
        raise BadFile("line 1: a column is named twice")
    read = CompanyFile(ignored_columns=[name for name in header if name not in IDENTIFIER_COLUMNS
                                        and name not in columns])
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        if len(cells) > len(header):
            read.problems.append(f"line {line}: {len(cells)} cells, the header has {len(header)}")
            continue
        cell = dict(zip(header, [c.strip() for c in cells] + [""] * (len(header) - len(cells))))
        problems: list[str] = []
        given = [name for name in named if cell[name]]
        identity = None
        if len(given) != 1:
            problems.append("no identifier" if not given else f"two identifiers ({', '.join(given)})")
        else:
            try:
                identity = IDENTIFIER_COLUMNS[given[0]](cell[given[0]])
            except InvalidIdentifier as exc:
                problems.append(f"{given[0]}: {exc}")
        values: dict[str, Any] = {}
        for name, parse in columns.items():
            if cell.get(name):
                try:
                    values[name] = parse(cell[name])
                except ValueError as exc:
                    problems.append(f"{name}: {exc}")
        if not problems:
            try:
                values = finish(values)
            except ValueError as exc:
                problems.append(str(exc))
        try:
            if problems or identity is None:
                raise ValueError("; ".join(problems))
            _keep(read, seen, Row(line, identity, values))
        except ValueError as exc:
            read.problems.append(f"line {line}: {exc}")
    return read


def _keep(read: CompanyFile, seen: dict[str, int], row: Row) -> None:
    """Keep the row unless its company came earlier in the file (ValueError)."""
    if row.identity.key in seen:
        raise ValueError(f"the same company as line {seen[row.identity.key]}")
    seen[row.identity.key] = row.line
    read.rows.append(row)


# --- the deal, as columns -----------------------------------------------------------------------


# Checked together by deal_terms once the row is read; an amount is written as in the statements (1 200 000,50).
TERM_COLUMNS: dict[str, Callable[[str], Any]] = {"purpose": str, "amount": money, "currency": str, "contact": str}


def deal_columns(defaults: Mapping[str, Any] | None = None) -> Finish:
    """`finish` for the deal columns (purpose, amount, currency, contact) over the deal given for every row.

    A row's amount comes with the row's currency (none: the company's home currency), not the default one.
    """
    defaults = dict(defaults or {})

    def terms(values: dict[str, Any]) -> dict[str, Any]:
        merged = {**defaults, **{name: values[name] for name in TERM_COLUMNS if name in values}}
        if "amount" in values and "currency" not in values:
            merged.pop("currency", None)
        try:
            return deal_terms(merged.get("purpose"), merged.get("amount"), merged.get("currency") or None,
                              merged.get("contact"))
        except BadTerms as exc:
            raise ValueError(f"{exc.field}: {exc}") from None
    return terms
