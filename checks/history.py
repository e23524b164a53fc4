"""Account history of an active client: invoices and friction events, imported from CSV.

The thresholds are the ones sales people gave (DESIGN.md): paying 1–3 days late
is normal; 15–30 days late means renegotiate or part ways. From them and from
friction during the work, a client is placed as harmful, normal or loyal.
An import is all-or-nothing, so a half-read file never skews the picture.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

from clientvet.evidence.companies import CompanyRef, UnknownCompany
from clientvet.evidence.identifiers import InvalidIdentifier
from clientvet.evidence.parsing import AmbiguousAmount, entered_amount, money

NORMAL_DELAY_DAYS = 3  # "1–3 days late is normal"
PART_WAYS_DELAY_DAYS = 15  # "15–30 days late means renegotiate or part ways"
HARMFUL_FRICTION_EVENTS = 3  # this many friction events make a client harmful…
LOYAL_MAX_FRICTION_EVENTS = 1  # …and a loyal client has at most this many


@dataclass(frozen=True)
class EventKind:
    code: str
    friction: bool  # repeat orders are the one event that speaks for the client
    severity: str
    points: int  # per event, in the check's history factors
    max_points: int
    explanation: str


EVENT_KINDS: dict[str, EventKind] = {kind.code: kind for kind in (
    EventKind("discount_request", True, "medium", 5, 15,
              "The client keeps pressing for discounts or to reopen the contract terms."),
    EventKind("scope_added_without_fee", True, "medium", 5, 15,
              "The client adds tasks for the same fee and deadline (scope creep)."),
    EventKind("recommendation_ignored", True, "low", 3, 9,
              "The client ignores professional recommendations."),
    EventKind("rude_contact", True, "high", 10, 20,
              "The client is disrespectful towards the team."),
    EventKind("off_hours_demand", True, "low", 3, 9,
              "The client demands attention at any hour."),
    EventKind("outside_competence_request", True, "high", 10, 20,
              "The client asks for work outside the team's competence or ethics."),
    EventKind("repeat_order", False, "info", 0, 0,
              "The client placed a repeat order."),
)}


@dataclass(frozen=True)
class Invoice:
    company_key: str
    invoice_id: str
    issued: date
    due: date
    paid: date | None
    amount: float
    currency: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Invoice:
        return cls(row["company_key"], row["invoice_id"], date.fromisoformat(row["issued"]),
                   date.fromisoformat(row["due"]), date.fromisoformat(row["paid"]) if row["paid"] else None,
                   row["amount"], row["currency"])

    def days_late(self, as_of: date) -> int:
        """Days after the due date it was paid, or has stayed unpaid so far."""
        return max(0, ((self.paid or as_of) - self.due).days)

    def overdue(self, as_of: date) -> bool:
        return self.paid is None and as_of > self.due


@dataclass(frozen=True)
class AccountEvent:
    company_key: str
    date: date
    kind: str
    note: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AccountEvent:
        return cls(row["company_key"], date.fromisoformat(row["date"]), row["kind"], row["note"])


@dataclass(frozen=True)
class Discipline:
    invoices: int
    paid: int
    average_days_late: float | None  # over paid invoices, on-time ones counting 0
    worst_days_late: int | None  # over paid invoices and unpaid overdue ones
    share_paid_late: float | None  # paid more than NORMAL_DELAY_DAYS after due
    unpaid_overdue: tuple[Invoice, ...]

    def unpaid_overdue_totals(self) -> dict[str, float]:
        totals: Counter[str] = Counter()
        for invoice in self.unpaid_overdue:
            totals[invoice.currency] += invoice.amount
        return dict(totals)

    def as_dict(self) -> dict[str, Any]:
        return {
            "invoices": self.invoices, "paid": self.paid,
            "average_days_late": self.average_days_late, "worst_days_late": self.worst_days_late,
            "share_paid_late": self.share_paid_late,
            "unpaid_overdue": [{"invoice_id": i.invoice_id, "due": i.due.isoformat(), "amount": i.amount,
                                "currency": i.currency} for i in self.unpaid_overdue],
            "unpaid_overdue_totals": self.unpaid_overdue_totals(),
        }


@dataclass(frozen=True)
class Classification:
    label: str  # harmful | normal | loyal
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AccountHistory:
    invoices: tuple[Invoice, ...] = ()
    events: tuple[AccountEvent, ...] = ()

    @classmethod
    def from_rows(cls, invoices: list[dict[str, Any]], events: list[dict[str, Any]]) -> AccountHistory:
        return cls(tuple(map(Invoice.from_row, invoices)), tuple(map(AccountEvent.from_row, events)))

    def __bool__(self) -> bool:
        return bool(self.invoices or self.events)

    def discipline(self, as_of: date) -> Discipline:
        paid = [i for i in self.invoices if i.paid]
        overdue = tuple(i for i in self.invoices if i.overdue(as_of))
        delays = [i.days_late(as_of) for i in paid]
        return Discipline(
            invoices=len(self.invoices),
            paid=len(paid),
            average_days_late=round(sum(delays) / len(delays), 1) if delays else None,
            worst_days_late=max([*delays, *(i.days_late(as_of) for i in overdue)], default=None),
            share_paid_late=round(sum(d > NORMAL_DELAY_DAYS for d in delays) / len(delays), 2) if delays else None,
            unpaid_overdue=overdue,
        )

    def friction(self) -> list[AccountEvent]:
        return [e for e in self.events if EVENT_KINDS[e.kind].friction]

    def repeat_orders(self) -> int:
        return sum(not EVENT_KINDS[e.kind].friction for e in self.events)

    def classify(self, as_of: date) -> Classification:
        """Harmful on a 15+ day delay or much friction; loyal when on time, ordering again and easy to work with."""
        discipline = self.discipline(as_of)
        worst = discipline.worst_days_late or 0
        friction = self.friction()
        kinds = ", ".join(f"{k} ×{n}" for k, n in Counter(e.kind for e in friction).items())
        harmful = []
        if worst >= PART_WAYS_DELAY_DAYS:
            harmful.append(f"paid or still unpaid {worst} days after due "
                           f"({PART_WAYS_DELAY_DAYS}+ days: renegotiate or part ways)")
        if len(friction) >= HARMFUL_FRICTION_EVENTS:
            harmful.append(f"{len(friction)} friction events ({kinds})")
        if harmful:
            return Classification("harmful", tuple(harmful))

        on_time = discipline.paid > 0 and worst <= NORMAL_DELAY_DAYS
        timing = (f"pays on time: worst delay {worst} days (up to {NORMAL_DELAY_DAYS} is normal)" if on_time
                  else "no paid invoices yet" if not discipline.paid
                  else f"worst delay {worst} days: above the normal {NORMAL_DELAY_DAYS}, "
                       f"below {PART_WAYS_DELAY_DAYS}")
        repeats = f"{self.repeat_orders()} repeat order(s)" if self.repeat_orders() else "no repeat orders yet"
        calm = len(friction) <= LOYAL_MAX_FRICTION_EVENTS
        friction_text = (f"little friction: {len(friction)} event(s)" if calm
                         else f"{len(friction)} friction events ({kinds})")
        label = "loyal" if on_time and self.repeat_orders() and calm else "normal"
        return Classification(label, (timing, repeats, friction_text))


# --- CSV import ---------------------------------------------------------------------


class HistoryImportError(ValueError):
    """A file that cannot be imported; `errors` name the lines, and nothing was stored."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def _text(value: str) -> str:
    return value.strip()


def _required(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    return value.strip()


def _date(value: str) -> str:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None


def _optional_date(value: str) -> str | None:
    return _date(value) if value.strip() else None


def _amount(value: str) -> float:
    try:
        amount = money(value)
    except AmbiguousAmount:
        raise
    except ValueError:
        raise ValueError(f"{value!r} is not a number like 1500.00") from None
    try:
        return entered_amount(amount)  # '0.', 400 zeros and '1' is 0 as a float; money() refuses what is ∞
    except ValueError as exc:
        raise ValueError(f"{value!r} {exc}") from None


def _currency(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise ValueError(f"{value!r} is not a three-letter currency code (RUB, GBP, USD…)")
    return value.strip().upper()


def _event_kind(value: str) -> str:
    if value.strip() not in EVENT_KINDS:
        raise ValueError(f"{value!r} is not one of {', '.join(EVENT_KINDS)}")
    return value.strip()


@dataclass(frozen=True)
class CsvFormat:
    name: str
    marker: str  # the column that tells this format apart
    fields: dict[str, Callable[[str], Any]]  # column -> parser (raises ValueError with the reason)
    optional: frozenset[str]
    key: tuple[str, ...]  # what makes two rows the same record
    check: Callable[[dict[str, Any]], list[str]] = field(default=lambda row: [])


def _invoice_dates(row: dict[str, Any]) -> list[str]:
    return [f"due {row['due']} is before issued {row['issued']}"] if row["due"] < row["issued"] else []


FORMATS = (
    CsvFormat("invoices", "invoice_id",
              {"invoice_id": _required, "issued": _date, "due": _date, "paid": _optional_date,
               "amount": _amount, "currency": _currency},
              optional=frozenset(), key=("company_key", "invoice_id"), check=_invoice_dates),
    CsvFormat("events", "kind", {"date": _date, "kind": _event_kind, "note": _text},
              optional=frozenset({"note"}), key=("company_key", "date", "kind", "note")),
)


@dataclass(frozen=True)
class ParsedFile:
    format: str  # invoices | events
    rows: list[dict[str, Any]]  # ready for the store: company_key plus the format's fields


def parse_history_csv(path: Path, resolve: Callable[[str], CompanyRef],
                      company: CompanyRef | None = None) -> ParsedFile:
    """Every row checked before anything is stored; raises HistoryImportError listing each bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HistoryImportError([f"is not UTF-8 text (byte {exc.start}); save it as «CSV UTF-8»"]) from None
    except OSError as exc:
        raise HistoryImportError([f"cannot be read: {exc.strerror or exc}"]) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text.partition("\n")[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    lines = _lines(reader)
    header = [name.strip().lower() for name in next(lines, [])]
    fmt = _detect(header, company)
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    companies: dict[str, CompanyRef] = {}
    for cells in lines:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(f"line {line}: {len(cells)} cells, the header has {len(header)}")
            continue
        values = dict(zip(header, cells))
        row, problems = {}, []
        for column, parse in fmt.fields.items():
            try:
                row[column] = parse(values.get(column, ""))
            except ValueError as exc:
                problems.append(f"{column} {exc}")
        try:
            row["company_key"] = _row_company(values.get("company", "").strip(), company, resolve, companies)
        except (InvalidIdentifier, UnknownCompany) as exc:
            problems.append(f"company: {exc}")
        if not problems:
            problems = fmt.check(row)
        if not problems:
            key = tuple(row[k] for k in fmt.key)
            if key in seen:
                problems.append(f"repeats line {seen[key]}")
            seen[key] = line
        errors += [f"line {line}: {problem}" for problem in problems]
        rows.append(row)
    if errors:
        raise HistoryImportError(errors)
    return ParsedFile(fmt.name, rows)


def _lines(reader: Any) -> Iterator[list[str]]:
    """The rows of a csv.reader; one it cannot read (a cell over the csv module's size limit) ends the import."""
    try:
        yield from reader
    except csv.Error as exc:
        raise HistoryImportError([f"line {reader.line_num}: {exc}"]) from None


def _detect(header: list[str], company: CompanyRef | None) -> CsvFormat:
    described = " | ".join(f"{f.name}: company, {', '.join(f.fields)}" for f in FORMATS)
    fmt = next((f for f in FORMATS if f.marker in header), None)
    if fmt is None:
        raise HistoryImportError([f"line 1: cannot tell the format from the header {header}; expected {described}"])
    allowed = {"company", *fmt.fields}
    required = set(fmt.fields) - fmt.optional | ({"company"} if company is None else set())
    problems = [f"missing column(s) {', '.join(sorted(required - set(header)))}"] if required - set(header) else []
    if set(header) - allowed:
        problems.append(f"unknown column(s) {', '.join(sorted(set(header) - allowed))}")
    if len(set(header)) != len(header):
        problems.append("a column is named twice")
    if problems:
        raise HistoryImportError([f"line 1 ({fmt.name}): {p}; expected {described}" for p in problems])
    return fmt


def _row_company(cell: str, company: CompanyRef | None, resolve: Callable[[str], CompanyRef],
                 cache: dict[str, CompanyRef]) -> str:
    if not cell:
        if company is None:
            raise UnknownCompany("is empty: name the company in the row or give --company")
        return company.key
    if cell not in cache:
        cache[cell] = resolve(cell)
    if company is not None and cache[cell].key != company.key:
        raise UnknownCompany(f"{cell!r} is not the company given with --company ({company.label})")
    return cache[cell].key
