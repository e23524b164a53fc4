"""A stored check's report as HTML, PDF, Markdown, JSON or CSV, in English or Russian.

HTML and PDF come from one Jinja2 template (autoescaped; the PDF is WeasyPrint's print of it),
Markdown from another; both lay out `sections()`. JSON is the document `check --json` printed
plus the history; CSV is two tables, the factors and the facts (see `csv_tables`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from clientvet.reports.i18n import Translator, catalogue, localise
from clientvet.reports.sections import sections
from clientvet.reports.stored import StoredCheck

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "pdf", "md", "json", "csv")
TEXT_FORMATS = frozenset({"html", "md", "json", "csv"})
# Characters that start markup, HTML, an entity or a link, or end a table cell, in Markdown (CommonMark
# lets a backslash escape each); others (#, +, -) mean something only at the start of a line, where
# no value is put.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&])")


def markdown_text(value: Any) -> str:
    """Text that Markdown shows as it is: no markup, no HTML, no links, one line (safe in a table cell)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))


def markdown_code(value: Any) -> str:
    """A code span of the text as it is (an address, a hash): fenced by more backticks than it holds."""
    text = " ".join(str(value).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"


def _web_address(url: Any) -> bool:
    """Only http(s) addresses become links; anything else (javascript:, data:) is shown as text."""
    return isinstance(url, str) and url.lower().startswith(("https://", "http://"))


@lru_cache(maxsize=None)
def _environment(lang: str) -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), extensions=["jinja2.ext.i18n"],
                              autoescape=select_autoescape(["html"], default_for_string=False),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.install_gettext_translations(catalogue(lang), newstyle=True)
    environment.filters["md"] = markdown_text
    environment.filters["mdcode"] = markdown_code
    environment.tests["web_address"] = _web_address
    return environment


def _page(template: str, stored: StoredCheck, lang: str) -> str:
    return _environment(lang).get_template(template).render(sections(stored, Translator(lang)))


def html(stored: StoredCheck, lang: str) -> str:
    """One self-contained page: inline CSS, no script, nothing fetched."""
    return _page("report.html", stored, lang)


def pdf(stored: StoredCheck, lang: str) -> bytes:
    """The HTML page printed to A4 with page numbers; nothing is fetched while it is drawn."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html(stored, lang), url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def markdown(stored: StoredCheck, lang: str) -> str:
    return _page("report.md", stored, lang)


def json_text(stored: StoredCheck) -> str:
    """The document `check --json` printed, plus `history`; machine-readable, so in English whatever the language."""
    return json.dumps(stored.as_json(), ensure_ascii=False, indent=2) + "\n"


# --- CSV ---------------------------------------------------------------------------------------------

FACTOR_COLUMNS = ("check_id", "code", "group", "severity", "points", "deal_killer", "summary",
                  "fact_ids", "sources", "urls", "sha256")
FACT_COLUMNS = ("check_id", "fact_id", "kind", "key", "source", "url", "fetched_at", "sha256",
                "first_seen", "last_seen", "data")
# One file holds both tables: a `table` column says which (factor | fact), other columns stay empty.
COMBINED_COLUMNS = ("table", *dict.fromkeys((*FACTOR_COLUMNS, *FACT_COLUMNS)))


def _cell(value: Any) -> Any:
    """A text cell a spreadsheet will not run: a leading = + - @ (a formula) is quoted with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _unique(values: list[Any]) -> str:
    return " ".join(dict.fromkeys(str(v) for v in values if v))


def csv_tables(stored: StoredCheck, lang: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of the two tables: `factors` (one per factor, with the facts it rests on) and `facts` (one per fact).

    A factor's `fact_ids`, `sources`, `urls` and `sha256` list its evidence, space-separated; its
    summary is in `lang`. A fact's `data` is its fields as JSON.
    """
    check_id = stored.check_id
    document = localise(stored.document, Translator(lang))
    factors = [{"check_id": check_id, "code": f["code"], "group": f["group"], "severity": f["severity"],
                "points": f["points"], "deal_killer": int(f["deal_killer"]), "summary": f["summary"],
                "fact_ids": _unique([e["fact_id"] for e in f["evidence"]]),
                "sources": _unique([e["source"] for e in f["evidence"]]),
                "urls": _unique([e["url"] for e in f["evidence"]]),
                "sha256": _unique([e["sha256"] for e in f["evidence"]])} for f in document["factors"]]
    facts = [{"check_id": check_id, "fact_id": o.fact_id, "kind": o.kind, "key": o.key, "source": o.source,
              "url": o.url, "fetched_at": o.fetched_at, "sha256": o.sha256, "first_seen": o.first_seen,
              "last_seen": o.last_seen, "data": json.dumps(o.data, ensure_ascii=False, sort_keys=True)}
             for o in stored.evidence.observations]
    return {"factors": factors, "facts": facts}


def csv_text(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({name: _cell(row.get(name)) for name in columns} for row in rows)
    return out.getvalue()


def csv_combined(stored: StoredCheck, lang: str) -> str:
    """Both tables in one file, told apart by the `table` column (factor rows first)."""
    tables = csv_tables(stored, lang)
    rows = ([{"table": "factor", **row} for row in tables["factors"]]
            + [{"table": "fact", **row} for row in tables["facts"]])
    return csv_text(rows, COMBINED_COLUMNS)


def csv_files(stored: StoredCheck, lang: str) -> dict[str, str]:
    """The two tables as two files' text, by table name (`factors`, `facts`), each with its own columns."""
    tables = csv_tables(stored, lang)
    return {"factors": csv_text(tables["factors"], FACTOR_COLUMNS), "facts": csv_text(tables["facts"], FACT_COLUMNS)}


def render(stored: StoredCheck, fmt: str, lang: str) -> bytes:
    """The report in one format as the bytes of one file."""
    if fmt == "pdf":
        return pdf(stored, lang)
    if fmt == "json":
        return json_text(stored).encode("utf-8")
    return {"html": html, "md": markdown, "csv": csv_combined}[fmt](stored, lang).encode("utf-8")
