"""A check's evidence as the rules see it: facts by kind, coverage, the company card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Mapping

from clientvet.checks.tuning import Tuning
from clientvet.evidence.companies import company_keys, company_names
from clientvet.evidence.store import CheckRecord, Observation, SourceRun, Store
from clientvet.checks.history import AccountHistory
from clientvet.checks.signals import StoredSignal

# Russian status wording (fedresurs) that means the company no longer exists.
CEASED_PHRASES = ("ликвидирован", "прекращение деятельности", "исключен", "прекратило деятельность")
UK_CEASED = {"dissolved", "converted-closed", "closed", "removed"}
UK_INSOLVENT = {"liquidation", "administration", "receivership", "insolvency-proceedings"}

# Outstanding debts. Court claims (kad.arbitr.ru) show no outcome in the search list, so a claim
# against the company counts as owed for this long after filing; only suits between parties
# count (a bankruptcy case's respondent owes its creditors, but the claims are in the case).
CLAIM_KINDS = frozenset({"civil", "unspecified"})
CLAIM_OUTSTANDING_DAYS = 730
DEBT_CURRENCY = "RUB"  # every source of amounts owed is Russian and states roubles


@dataclass(frozen=True)
class OutstandingDebts:
    """What the company is known to owe: the sum of the amounts, and the facts behind it."""

    amount: float  # in DEBT_CURRENCY
    by_kind: dict[str, float]  # court_case | enforcement_proceeding | tax_card -> amount
    observations: tuple[Observation, ...]  # every fact counted, with or without an amount
    unquantified: tuple[Observation, ...] = ()  # debts known to exist, amount not given
    currency: str = DEBT_CURRENCY

    def describe(self) -> str:
        labels = {"court_case": "claims in court", "enforcement_proceeding": "open enforcement proceedings",
                  "tax_card": "tax debt"}
        parts = [f"{labels[kind]} {money(amount, self.currency)}" for kind, amount in self.by_kind.items()]
        if self.unquantified:
            parts.append(f"{len(self.unquantified)} more without an amount")
        return f"{money(self.amount, self.currency)} known ({'; '.join(parts)})"


def money(amount: float, currency: str, decimals: int = 0) -> str:
    """An amount as printed, thousands apart by spaces: 1 200 000 RUB."""
    return f"{amount:,.{decimals}f} {currency}".replace(",", " ")


@dataclass(frozen=True)
class Activity:
    """The company's main activity as a registry gives it."""

    country: str  # RU: OKVED 2; GB: UK SIC 2007; US: SIC
    code: str
    name: str | None
    observation: Observation


@dataclass
class CheckEvidence:
    check: CheckRecord
    observations: list[Observation]
    essential_sources: frozenset[str]
    today: date = field(default_factory=date.today)
    signals: list[StoredSignal] = field(default_factory=list)  # active conversation signals
    account: AccountHistory = field(default_factory=AccountHistory)  # invoices and events, if a client
    tuning: Tuning = field(default_factory=Tuning)  # the user's [rules] table
    review_sources: frozenset[str] = frozenset()  # the review sites: weak evidence each, counted together
    # What the sources declare: the evidence kinds each covers (checks/kinds.py; none declared: no coverage
    # by kind to judge) and where the API key of those that need one is set.
    source_kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    key_settings: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, check_id: int, essential_sources: frozenset[str],
             today: date | None = None, tuning: Tuning | None = None,
             review_sources: frozenset[str] = frozenset(), *,
             source_kinds: Mapping[str, tuple[str, ...]] | None = None,
             key_settings: Mapping[str, str] | None = None) -> CheckEvidence:
        evidence = cls(store.check(check_id), store.observations(check_id), essential_sources,
                       today or date.today(), tuning=tuning or Tuning(), review_sources=review_sources,
                       source_kinds=dict(source_kinds or {}), key_settings=dict(key_settings or {}))
        keys = evidence.company_keys()
        evidence.signals = [StoredSignal.from_row(row) for row in store.signals(keys)]
        evidence.account = AccountHistory.from_rows(store.invoices(keys), store.account_events(keys))
        return evidence

    def company_keys(self) -> tuple[str, ...]:
        """Signals and history may be stored under any identifier the registry record gives."""
        record = self.registry_record
        return company_keys(self.check.company_key, record.data if record else {})

    def of(self, kind: str) -> list[Observation]:
        return [o for o in self.observations if o.kind == kind]

    @property
    def coverage(self) -> list[SourceRun]:
        return self.check.sources

    def unchecked(self) -> list[SourceRun]:
        return [s for s in self.coverage if s.status in ("failed", "skipped", "running")]

    @property
    def accepted_unchecked(self) -> tuple[str, ...]:
        """The evidence kinds the user accepted to leave unchecked (stored with the check's terms)."""
        return tuple(self.check.terms.get("accept_unchecked") or ())

    @cached_property
    def registry_record(self) -> Observation | None:
        """The current registry record: a live one if any (sole traders may have several)."""
        records = self.of("registry_record")
        live = [r for r in records if r.data.get("status") not in ("ceased", *UK_CEASED)]
        return (live or records or [None])[0]

    def outstanding_debts(self) -> OutstandingDebts:
        """Claims against the company in court, open enforcement proceedings and tax debt, in roubles.

        Read: civil cases where the company is the defendant, filed within CLAIM_OUTSTANDING_DAYS,
        with the claim amount from their kad.arbitr.ru card (court_card `claim_rub`); open
        enforcement proceedings (fssp `total_rub`); the pb.nalog.ru card's tax debt mark with
        its arrears (`arrears_rub`). A debt known without an amount is listed, not summed. The same
        debt may appear as a claim and, after judgment, as an enforcement proceeding, so the sum
        is an upper estimate; the breakdown by kind shows it.
        """
        counted: list[tuple[str, Observation, float | None]] = []
        since = (self.today - timedelta(days=CLAIM_OUTSTANDING_DAYS)).isoformat()
        cards = {card.data["case_number"]: card for card in self.of("court_card")}
        for case in self.of("court_case"):
            d = case.data
            if d.get("role") == "defendant" and d.get("case_kind") in CLAIM_KINDS and (d.get("filed_on") or "") >= since:
                card = cards.get(d["case_number"])
                counted.append(("court_case", card or case, card.data.get("claim_rub") if card else None))
        for proceeding in self.of("enforcement_proceeding"):
            if proceeding.data.get("open"):
                counted.append(("enforcement_proceeding", proceeding, proceeding.data.get("total_rub")))
        for card in self.of("tax_card"):
            if card.data.get("tax_debt"):
                counted.append(("tax_card", card, card.data.get("arrears_rub")))
        by_kind: dict[str, float] = {}
        for kind, _, amount in counted:
            if amount is not None:
                by_kind[kind] = by_kind.get(kind, 0) + float(amount)
        return OutstandingDebts(sum(by_kind.values()), by_kind, tuple(o for _, o, _ in counted),
                                tuple(o for _, o, amount in counted if amount is None))

    def main_activities(self) -> list[Activity]:
        """Main activity codes from the registry record (OKVED; Companies House's SIC codes; EDGAR's one US SIC
        and its description) and pb.nalog.ru's row (OKVED)."""
        country = self.check.jurisdiction
        found = []
        for observation in [r for r in (self.registry_record,) if r] + self.of("tax_risk_flags"):
            d = observation.data
            if d.get("okved"):
                found.append(Activity(country, d["okved"], d.get("okved_name"), observation))
            found += [Activity(country, code, None, observation) for code in d.get("sic_codes") or []]
            if d.get("sic"):
                found.append(Activity(country, str(d["sic"]), d.get("sic_description"), observation))
        return found

    def company(self) -> dict:
        record = self.registry_record
        data = record.data if record else {}
        statuses = self.of("status_record")
        identifiers = {
            "RU": {"inn": data.get("inn"), "ogrn": data.get("ogrn"), "kpp": data.get("kpp")},
            "GB": {"company_number": data.get("company_number")},
        }.get(self.check.jurisdiction, {})
        identifiers = {k: v for k, v in identifiers.items() if v} or {self.check.scheme: self.check.identifier}
        # Without a registry answer, the name another register gives is better than none.
        named = company_names(self.observations)
        return {
            "name": data.get("name") or (named.names[0] if named else None),
            "jurisdiction": self.check.jurisdiction,
            "identifiers": identifiers,
            "status": data.get("status") or "unknown",
            "status_detail": data.get("status_detail") or (statuses[0].data.get("status") if statuses else None),
            "entity": data.get("entity"),
            "registered_on": data.get("registered_on"),
            "ceased_on": data.get("ceased_on"),
            "address": data.get("address"),
            "officers": [
                {"name": o.data["name"], "role": o.data["role"]}
                for o in self.of("officer") if o.data.get("active", True)
            ],
        }
