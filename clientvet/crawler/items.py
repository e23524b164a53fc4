"""The one item every source yields: a normalised fact about the subject."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
        return len(self.value) in (12, 15) and self.jurisdiction == "RU"


@dataclass
class Fact:
    subject: Subject
    source: str
    kind: str
    key: str
    data: dict[str, Any] = field(default_factory=dict)
    response_id: int | None = None
