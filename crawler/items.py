"""The one item every source yields (a normalised fact about the subject), and the raw records it is read from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from clientvet.evidence.identifiers import is_sole_trader

# Fact kinds and the fields a source must fill for each: a parser that cannot
# fill them has met a format it does not understand, which is a failure.
FACT_KINDS: dict[str, tuple[str, ...]] = {
    "registry_record": ("name", "status"),
    "officer": ("name", "role"),
    "status_record": ("name", "status"),
    "bankruptcy_case": ("stage", "active"),
    "notice": ("type", "category", "published"),
    "charge": ("status",),
    "insolvency_case": ("type",),
    "financial_statement": ("year", "lines"),  # amounts in thousands of roubles, lines = where each came from
    "tax_risk_flags": ("inn", "name"),
    "tax_card": ("inn", "name"),  # pb.nalog.ru company card: tax debt, non-filing, mass address/head flags
    "disqualification": ("person", "organisation", "starts", "ends"),
    "warning_list_entry": ("name", "inn", "listed_on", "signs"),
    "court_case": ("case_number", "case_kind", "filed_on", "court", "role"),  # parties: plaintiffs, respondents
    "court_search": ("side", "total", "pages_read"),  # how much of a court search (by INN, or name) was read
    "court_card": ("case_number", "url"),  # a case card: claim_rub, dispute, debt_collection
    "enforcement_proceeding": ("number", "started_on", "debtor", "subject", "open"),  # amounts in roubles
    "officer_appointments": ("total", "read"),  # a director's appointments at all companies (Companies House)
    "psc": ("type",),  # a person with significant control; super-secure ones have no name
    "psc_register": ("active_count",),
    "filing": ("event", "date"),  # a filing-history entry a rule reads (name, office, strike-off)
    "bankruptcy_report": ("form", "filed_on", "items"),  # an SEC 8-K with item 1.03 (bankruptcy or receivership)
    "annual_financials": ("year", "period_end", "currency"),  # SEC XBRL figures of one fiscal year, in USD
    "federal_case": ("docket_id", "court_id", "role"),  # a US federal docket naming the company (RECAP)
    "federal_case_search": ("query", "total", "pages_read"),  # how much of a CourtListener search was read
    "review": ("site", "rating", "published", "url", "reviewer"),  # text, topics (clientvet.checks.complaints)
    "review_page": ("site", "url", "count", "pages_read"),  # a company's page on a review site: rating, cap
}


@dataclass(frozen=True)
class Subject:
    """One company in one check run."""

    check_id: int
    company_key: str
    jurisdiction: str
    scheme: str
    value: str

    @property
    def is_sole_trader(self) -> bool:
        return is_sole_trader(self.jurisdiction, self.scheme, self.value)


@dataclass
class Fact:
    subject: Subject
    source: str
    kind: str
    key: str
    data: dict[str, Any] = field(default_factory=dict)
    response_id: int | None = None


# --- what a source reads: declared record shapes, and the records read through a tally --------


class Reads:
    """One kind of record in a source's answers: the fields every one carries, and those left unread on purpose.

    Fields are separated by spaces; a dotted field is one of a nested record ("status.code"), and a
    dotted record name ("bankruptcy_case.lastLegalCase") declares a nested record checked on its own.
    An ignored field also covers the fields nested in it; "*" ignores every field but the required ones
    (a record read only to find another, like a search hit's id).
    """

    def __init__(self, required: str = "", *, ignored: str = ""):
        self.required = tuple(required.split())
        self.ignored = tuple(ignored.split())

    def missing(self, row: dict) -> list[str]:
        return [path for path in self.required if not _has(row, path.split("."))]

    def ignores(self, field: str) -> bool:
        return any(name in ("*", field) or field.startswith(f"{name}.") for name in self.ignored)


def _has(row: Any, path: list[str]) -> bool:
    return not path or (isinstance(row, dict) and dict.__contains__(row, path[0])
                        and _has(dict.get(row, path[0]), path[1:]))


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


class FieldTally:
    """The fields of the records one source read for one subject: which were there, which the parser used.

    A field counts as read once the parser looked at it in any record of its kind; one it never looked at
    (a field the site added or renamed) is reported with the number of records that carried it. A record
    the parser opened in which it knows none of the fields (every one renamed) is a changed layout.
    """

    def __init__(self, reads: dict[str, Reads]):
        self.reads = reads
        self.carried: Counter[str] = Counter()
        self.looked_at: set[str] = set()
        self.opened: list[tuple[str, tuple[str, ...]]] = []  # (path, filled fields) of every record opened

    def record(self, name: str, raw: dict) -> Record:
        return raw if isinstance(raw, Record) and raw.tally is self else Record(raw, name, self)

    def carry(self, path: str, raw: dict) -> None:
        filled = tuple(key for key, value in dict.items(raw) if _filled(value))
        self.carried.update(f"{path}.{key}" for key in filled)
        self.opened.append((path, filled))

    def look(self, path: str, keys: Iterable[str]) -> None:
        self.looked_at.update(f"{path}.{key}" for key in keys)

    def unread(self) -> dict[str, int]:
        return {path: count for path, count in sorted(self.carried.items())
                if path not in self.looked_at and not self._ignored(path)}

    def foreign(self) -> dict[str, tuple[str, ...]]:
        """Records (by path) that carry fields, none of which the parser read or ignores, though it read others
        of their kind: what a site that renamed every key of a record sends."""
        expected = {field.rsplit(".", 1)[0] for field in self.looked_at}
        found: dict[str, tuple[str, ...]] = {}
        for path, filled in self.opened:
            known = any(f"{path}.{key}" in self.looked_at or self._ignored(f"{path}.{key}") for key in filled)
            if filled and path in expected and not known:
                found.setdefault(path, filled)
        return found

    def _ignored(self, path: str) -> bool:
        return any(path.startswith(f"{name}.") and reads.ignores(path[len(name) + 1:])
                   for name, reads in self.reads.items())


class Record(dict):
    """A raw record the parser reads through: the tally learns which fields it used.

    It is the record's own dict, so parsers read it like any other; nested records and lists of records
    come back as Records too, their fields named by their path ("bankruptcy_case.lastLegalCase.number").
    """

    def __init__(self, raw: dict, path: str, tally: FieldTally):
        super().__init__(dict.items(raw))  # the fields as they are, none counted as read
        self.path, self.tally = path, tally
        self.nested: dict[Any, Any] = {}
        tally.carry(path, raw)

    def __getitem__(self, key: Any) -> Any:
        self.tally.look(self.path, [key])
        if key not in self.nested:
            self.nested[key] = self._wrap(key, dict.__getitem__(self, key))
        return self.nested[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self.tally.look(self.path, [key])
        return self[key] if dict.__contains__(self, key) else default

    def __contains__(self, key: object) -> bool:
        self.tally.look(self.path, [key])
        return dict.__contains__(self, key)

    def first(self, *keys: str) -> Any:
        """The first of these fields that is filled; every one counts as read."""
        values = [self.get(key) for key in keys]
        return next((value for value in values if value not in (None, "")), None)

    # Whoever walks the whole record reads every field.
    def __iter__(self):
        self.tally.look(self.path, dict.keys(self))
        return dict.__iter__(self)

    def keys(self):
        self.tally.look(self.path, dict.keys(self))
        return dict.keys(self)

    def values(self):
        return [self[key] for key in dict.keys(self)]

    def items(self):
        return [(key, self[key]) for key in dict.keys(self)]

    def _wrap(self, key: Any, value: Any) -> Any:
        path = f"{self.path}.{key}"
        if isinstance(value, dict):
            return Record(value, path, self.tally)
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            return [Record(item, path, self.tally) if isinstance(item, dict) else item for item in value]
        return value


def plain(value: Any) -> Any:
    """Data as JSON holds it: Records become plain dicts (without counting as read), tuples lists."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in dict.items(value)}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value
