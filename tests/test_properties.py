"""Property-based tests: whatever text comes in, the parsers give a sane value or their own error, never a crash.

Identifiers, amounts, dates, money, CSV history rows, name matching and the terminal sanitiser, fed by
hypothesis with the text a pasted cell, a scraped field or a hostile tester can produce.
"""

from __future__ import annotations

import json
import re
import string
import tempfile
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import click
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from rich.text import Text

from clientvet.checks.history import HistoryImportError, parse_history_csv
from clientvet.cli import Amount
from clientvet.crawler.middlewares import redact_secrets
from clientvet.crawler.spiders.twogis import with_key
from clientvet.evidence.companies import Directory, UnknownCompany
from clientvet.evidence.identifiers import (INN_WEIGHTS_10, Identity, InvalidIdentifier, parse_cik,
                                            parse_company_number, parse_inn, parse_ogrn)
from clientvet.evidence.matching import match_names, match_persons, normalise_name
from clientvet.evidence.parsing import MAX_AMOUNT, MIN_AMOUNT, entered_amount, iso_date, money
from clientvet.reports.sanitise import json_text, markup, plain

# Text as it arrives: any code point (controls, surrogates, other scripts' digits) or mostly digit-like.
ANY_TEXT = st.text(max_size=40)
DIGITISH = st.text(alphabet=st.sampled_from("0123456789 ٠١٢٣٤٥٦٧٨٩²³⁷७０１\t\u00a0\u202fSCsc"), max_size=20)
TERMINAL_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
NON_ASCII_DIGITS = [chr(c) for c in range(0x80, 0x10000) if unicodedata.category(chr(c)) == "Nd"]


# --- identifiers ----------------------------------------------------------------------------------------

PARSERS = {parse_inn: r"\d{10}|\d{12}", parse_ogrn: r"\d{13}|\d{15}",
           parse_company_number: r"\d{8}|[A-Z]{2}\d{6}", parse_cik: r"\d{10}"}


@pytest.mark.parametrize("parse, shape", PARSERS.items(), ids=lambda p: getattr(p, "__name__", None))
@given(text=st.one_of(ANY_TEXT, DIGITISH))
@example(text="⁷⁷⁰⁷⁰⁸³⁸⁹³")
@example(text="٧٧٠٧٠٨٣٨٩٣")
def test_an_identifier_parser_gives_ascii_digits_or_says_why(parse, shape, text):
    try:
        identity = parse(text)
    except InvalidIdentifier as exc:
        assert str(exc)
        return
    assert re.fullmatch(shape, identity.value, flags=re.ASCII), identity


@given(body=st.lists(st.integers(0, 9), min_size=9, max_size=9), spaces=st.sampled_from(["", " ", "  ", "\t"]))
def test_every_inn_with_its_checksum_parses_with_or_without_spaces(body, spaces):
    check = sum(d * w for d, w in zip(body, INN_WEIGHTS_10)) % 11 % 10
    inn = "".join(map(str, body)) + str(check)
    typed = spaces + inn[:4] + spaces + inn[4:] + spaces
    assert parse_inn(typed) == Identity("RU", "inn", inn)


@given(text=st.text(alphabet="0123456789", min_size=1, max_size=15),
       digit=st.sampled_from(NON_ASCII_DIGITS), at=st.integers(0, 15))
def test_a_single_non_ascii_digit_is_refused_by_every_parser(text, digit, at):
    typed = text[:at] + digit + text[at:]
    for parse in PARSERS:
        with pytest.raises(InvalidIdentifier):
            parse(typed)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(ANY_TEXT, DIGITISH, st.just("%"), st.just("CIK١٢")))
def test_a_company_argument_resolves_or_is_refused_with_the_reason(text):
    with tempfile.TemporaryDirectory() as directory:
        try:
            ref = Directory(Path(directory) / "none.sqlite").resolve(text)
        except (InvalidIdentifier, UnknownCompany) as exc:
            assert str(exc)
            return
    assert re.fullmatch(r"(ru|gb|us):[a-z_]+:[0-9A-Z]+", ref.key, flags=re.ASCII), ref


# --- amounts, money, dates --------------------------------------------------------------------------------


@given(value=st.one_of(ANY_TEXT, DIGITISH, st.floats(), st.integers(), st.integers(min_value=10**300),
                       st.from_regex(r"-?[0-9][0-9 ]{0,420}(,[0-9]{1,420})?( руб\.)?", fullmatch=True)))
@example(value="1" + "0" * 400)
@example(value=10**400)
@example(value=float("nan"))
def test_money_is_a_finite_number_or_a_value_error(value):
    try:
        amount = money(value)
    except ValueError:
        return
    assert isinstance(amount, float) and amount == amount and abs(amount) != float("inf")


@given(amount=st.decimals(min_value=0, max_value=10**12, places=2))
def test_money_reads_the_russian_way_of_writing_an_amount(amount):
    whole, cents = f"{amount:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    assert money(f"{grouped},{cents} руб.") == float(Decimal(f"{whole}.{cents}"))


@given(amount=st.floats())
def test_an_entered_amount_is_within_bounds_or_refused(amount):
    try:
        accepted = entered_amount(amount)
    except ValueError as exc:
        assert str(exc)
        return
    assert MIN_AMOUNT <= accepted <= MAX_AMOUNT


@given(text=st.one_of(ANY_TEXT, st.from_regex(r"[-+]?([0-9]{1,5}|[0-9]e[+-]?[0-9]{1,4}|nan|inf)", fullmatch=True)))
@example(text="1e400")
@example(text="١٢٠٠")
def test_the_amount_option_gives_a_sane_amount_or_a_usage_error(text):
    try:
        amount = Amount().convert(text, None, None)
    except click.BadParameter as exc:
        assert exc.format_message()
        return
    assert MIN_AMOUNT <= amount <= MAX_AMOUNT


@given(text=st.one_of(ANY_TEXT, st.from_regex(r"\s*[0-9٠-٩]{1,3}\.[0-9]{1,3}\.[0-9]{1,5}( [0-9:]+)?\s*",
                                                fullmatch=True)))
@example(text="   ")
def test_a_date_is_iso_none_or_a_value_error(text):
    try:
        parsed = iso_date(text)
    except ValueError:
        return
    assert parsed is None if not text else date.fromisoformat(parsed)


@given(day=st.dates(), time=st.sampled_from(["", " 0:00:00", " 12:30:00"]))
def test_a_russian_date_becomes_iso(day, time):
    assert iso_date(day.strftime("%d.%m.") + f"{day.year:04d}" + time) == day.isoformat()


# --- history CSV ---------------------------------------------------------------------------------------------

CELL = st.one_of(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00\"", blacklist_categories=["Cs"]),
                         max_size=12),
                 st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?(e[0-9]{1,3})?", fullmatch=True),
                 st.sampled_from(["2026-03-01", "2026-02-30", "1" + "0" * 400, "0." + "0" * 400 + "1", "-5",
                                  "RUB", "0000123450", "7707083893"]))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL, CELL, CELL, CELL, CELL, CELL), min_size=1, max_size=4),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_an_invoice_file_parses_to_sane_rows_or_names_its_bad_lines(rows, delimiter):
    header = delimiter.join(["company", "invoice_id", "issued", "due", "paid", "amount", "currency"])
    text = header + "\n" + "".join(delimiter.join(f'"{cell}"' for cell in row) + "\n" for row in rows)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "invoices.csv"
        path.write_text(text, encoding="utf-8")
        try:
            parsed = parse_history_csv(path, Directory(Path(directory) / "none.sqlite").resolve)
        except HistoryImportError as exc:
            assert exc.errors and all(re.match(r"line \d+", error) for error in exc.errors), exc.errors
            return
    for row in parsed.rows:
        assert MIN_AMOUNT <= row["amount"] <= MAX_AMOUNT
        assert date.fromisoformat(row["issued"]) <= date.fromisoformat(row["due"])
        assert re.fullmatch(r"[A-Z]{3}", row["currency"])


# --- name matching ----------------------------------------------------------------------------------------------

NAME = st.one_of(st.text(max_size=30), st.sampled_from(['ООО "Ромашка"', "Romashka LLC", "Иванов И.И.", "%", ""]))


@settings(deadline=None)
@given(name=NAME)
def test_normalising_a_name_gives_text_or_a_value_error(name):
    try:
        assert isinstance(normalise_name(name), str)
    except ValueError:
        pass


@settings(deadline=None)
@given(a=NAME, b=NAME, person=st.booleans())
def test_matching_two_names_gives_a_verdict_or_a_value_error(a, b, person):
    try:
        result = (match_persons if person else match_names)(a, b)
    except ValueError:
        return
    assert isinstance(result.same, bool) and isinstance(result.reason, str)
    json.loads(json_text(result.as_dict()))


# --- the terminal sanitiser and JSON --------------------------------------------------------------------------


@given(text=st.text())
@example(text="\x1b]8;;file:///etc/passwd\x1b\\link\x1b]8;;\x1b\\")
@example(text="\x9b2J\x1b[2J\u202e\ud800")
def test_plain_text_has_nothing_a_terminal_obeys(text):
    assert not TERMINAL_UNSAFE.search(plain(text))
    assert plain(plain(text)) == plain(text)


# Where renderers put outside text: alone in a cell, before text, between tags; with what each context shows.
CONTEXTS = [("", "", "", ""), ("x ", " x", "x ", " x"), ("[bold]", "[/]", "", ""), ("[dim]", " (y)[/]", "", " (y)")]


@given(text=st.text(), context=st.sampled_from(CONTEXTS))
@example(text="a\\", context=CONTEXTS[0])
@example(text="a\\\\", context=CONTEXTS[2])
def test_markup_shows_exactly_the_plain_text_wherever_it_is_put(text, context):
    """A trailing backslash must neither eat the tag after it nor show twice."""
    before, after, shown_before, shown_after = context
    shown = Text.from_markup(before + markup(text) + after, emoji=False).plain
    assert shown == shown_before + plain(text) + shown_after


@given(document=st.recursive(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                       st.booleans(), st.none()),
                             lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                                         max_size=3),
                             max_leaves=10))
def test_json_text_round_trips_and_escapes_every_control(document):
    printed = json_text(document, indent=2)
    assert json.loads(printed) == document
    assert not re.search(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]", printed)


@given(value=st.sampled_from([float("nan"), float("inf"), -float("inf")]))
def test_json_text_refuses_what_is_not_json(value):
    with pytest.raises(ValueError):
        json_text({"amount": value})


@given(key=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=12, max_size=40),
       query=st.dictionaries(st.sampled_from(["q", "page", "limit", "fields"]), st.text(max_size=8), max_size=3))
def test_a_key_in_a_url_is_always_redacted(key, query):
    url = with_key(f"https://catalog.api.2gis.com/3.0/items?{urlencode(query)}", key)
    assume(key in url)
    redacted = redact_secrets(f"<GET {url}> (referer: {url})")
    assert key not in redacted and redacted.count("key=REDACTED") == 2
