"""A check's evidence as the rules see it: facts by kind, coverage, the company card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from clientvet.companies import company_keys
from clientvet.evidence.store import CheckRecord, Observation, SourceRun, Store
from clientvet.history import AccountHistory
from clientvet.signals import StoredSignal

# Russian status wording (fedresurs) that means the company no longer exists.
CEASED_PHRASES = ("ликвидирован", "прекращение деятельности", "исключен", "прекратило деятельность")
UK_CEASED = {"dissolved", "converted-closed", "closed", "removed"}
UK_INSOLVENT = {"liquidation", "administration", "receivership", "insolvency-proceedings"}


@dataclass
class CheckEvidence:
    check: CheckRecord
    observations: list[Observation]
    essential_sources: frozenset[str]
    today: date = field(default_factory=date.today)
    signals: list[StoredSignal] = field(default_factory=list)  # active conversation signals
    account: AccountHistory = field(default_factory=AccountHistory)  # invoices and events, if a client

    @classmethod
    def load(cls, store: Store, check_id: int, essential_sources: frozenset[str],
             today: date | None = None) -> CheckEvidence:
        evidence = cls(store.check(check_id), store.observations(check_id), essential_sources,
                       today or date.today())
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

    @cached_property
    def registry_record(self) -> Observation | None:
        """The current registry record: a live one if any (sole traders may have several)."""
        records = self.of("registry_record")
        live = [r for r in records if r.data.get("status") not in ("ceased", *UK_CEASED)]
        return (live or records or [None])[0]

    def company(self) -> dict:
        record = self.registry_record
        data = record.data if record else {}
        statuses = self.of("status_record")
        identifiers = {
            "RU": {"inn": data.get("inn"), "ogrn": data.get("ogrn"), "kpp": data.get("kpp")},
            "GB": {"company_number": data.get("company_number")},
        }.get(self.check.jurisdiction, {})
        identifiers = {k: v for k, v in identifiers.items() if v} or {self.check.scheme: self.check.identifier}
        # Without a registry answer, the name another source gives is better than none.
        fallback_names = [o.data.get("name") or o.data.get("debtor_name")
                          for o in statuses + self.of("bankruptcy_case")]
        return {
            "name": data.get("name") or next((n for n in fallback_names if n), None),
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
