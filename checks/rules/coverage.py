"""Coverage: what could be checked, by evidence kind, and the rules for what could not.

The points for unchecked sources stay small: uncertainty alone is not risk. What keeps an
unverified company from green is the colour rule (checks/verdict.py), which reads the coverage
by kind computed here. Review sites are weak evidence each, so they count together
(evidence.review_sources names them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.kinds import JURISDICTION_KINDS, KINDS, Kind, remedy
from clientvet.checks.rules import Hit, rule
from clientvet.evidence.store import SourceRun

CHECKED, PARTLY, NOT_CHECKED, NO_PUBLIC_SOURCE = "checked", "partly_checked", "not_checked", "no_public_source"
STATE_LABELS = {CHECKED: "checked", PARTLY: "partly checked", NOT_CHECKED: "not checked",
                NO_PUBLIC_SOURCE: "no public source"}


@dataclass(frozen=True)
class KindCoverage:
    """How far one evidence kind was checked: by every source of it (ok or empty), by some, or by none."""

    kind: Kind
    state: str  # CHECKED | PARTLY | NOT_CHECKED | NO_PUBLIC_SOURCE
    runs: tuple[SourceRun, ...]  # of the sources that cover the kind
    unchecked: tuple[SourceRun, ...]  # of them, those that failed or were skipped
    remedies: dict[str, str]  # source → what would make it checkable, where anything would
    by_hand: str | None = None  # where a person could look, when no public source covers the kind
    accepted: bool = False  # the user accepted it unchecked (--accept-unchecked)

    @property
    def blocks_green(self) -> bool:
        """A gating kind the country has public sources for, not fully checked, and not accepted."""
        return self.kind.gates_green and self.state in (PARTLY, NOT_CHECKED) and not self.accepted

    def to_check(self) -> list[str]:
        """What would make the unchecked sources checkable, one line per remedy: "fssp: run with --interactive …"."""
        by_fix: dict[str, list[str]] = {}
        for source, fix in self.remedies.items():
            by_fix.setdefault(fix, []).append(source)
        return [f"{', '.join(sources)}: {fix}" for fix, sources in by_fix.items()]

    def why(self) -> str:
        """Each unchecked source with its status and reason, and what would make it checkable."""
        return "; ".join(f"{run.source}: {run.status}" + (f" ({run.reason})" if run.reason else "")
                         + (f" — to check it: {self.remedies[run.source]}" if run.source in self.remedies else "")
                         for run in self.unchecked) or ("no source of it ran" if not self.runs else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.kind.label,
            "state": self.state,
            "gates_green": self.kind.gates_green,
            "accepted": self.accepted,
            "sources": {run.source: run.status for run in self.runs},
            "unchecked": [{"source": run.source, "status": run.status, "reason": run.reason,
                           "to_check": self.remedies.get(run.source)} for run in self.unchecked],
            "to_check": self.to_check(),
            **({"by_hand": self.by_hand} if self.by_hand else {}),
        }


def coverage_by_kind(evidence: CheckEvidence) -> list[KindCoverage]:
    """Each evidence kind the check's country reports, in KINDS order; none without the sources' declarations."""
    if not evidence.source_kinds:
        return []
    reported = JURISDICTION_KINDS.get(evidence.check.jurisdiction, {})
    accepted = set(evidence.accepted_unchecked)
    found = []
    for code, kind in KINDS.items():
        if code not in reported:
            continue
        if (by_hand := reported[code]) is not None:
            found.append(KindCoverage(kind, NO_PUBLIC_SOURCE, (), (), {}, by_hand, code in accepted))
            continue
        runs = tuple(run for run in evidence.coverage if code in evidence.source_kinds.get(run.source, ()))
        unchecked = tuple(run for run in evidence.unchecked() if run in runs)
        state = NOT_CHECKED if len(unchecked) == len(runs) else PARTLY if unchecked else CHECKED
        remedies = {run.source: fix for run in unchecked
                    if (fix := remedy(run.reason, evidence.key_settings.get(run.source)))}
        found.append(KindCoverage(kind, state, runs, unchecked, remedies, accepted=code in accepted))
    return found


SUPPORTING_UNCHECKED_POINTS = 5  # per supporting source that could not be checked …
SUPPORTING_UNCHECKED_CAP = 10  # … at most: uncertainty alone must not turn a clean company amber


def _unchecked_list(runs: list[SourceRun]) -> str:
    return "; ".join(f"{run.source}: {run.status} ({run.reason})" for run in runs)


@rule("essential_source_unchecked", "coverage", "medium", 15,
      "An essential source could not be checked, so the picture is incomplete.")
def essential_source_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    for run in evidence.unchecked():
        if run.source in evidence.essential_sources:
            yield Hit(_unchecked_list([run]))


@rule("source_unchecked", "coverage", "low", SUPPORTING_UNCHECKED_POINTS,
      f"Supporting sources could not be checked ({SUPPORTING_UNCHECKED_POINTS} points each, "
      f"at most {SUPPORTING_UNCHECKED_CAP}); what they would have shown is unknown.")
def source_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    runs = [run for run in evidence.unchecked()
            if run.source not in evidence.essential_sources and run.source not in evidence.review_sources]
    if runs:
        yield Hit(_unchecked_list(runs),
                  points=min(SUPPORTING_UNCHECKED_CAP, SUPPORTING_UNCHECKED_POINTS * len(runs)))


def _review_runs(evidence: CheckEvidence) -> tuple[list[SourceRun], list[SourceRun]]:
    """The review sites' runs, and those of them that could not be checked."""
    runs = [run for run in evidence.coverage if run.source in evidence.review_sources]
    return runs, [run for run in evidence.unchecked() if run.source in evidence.review_sources]


@rule("reviews_unchecked", "coverage", "low", 5, "Reviews could not be read on any review site.")
def reviews_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    runs, unchecked = _review_runs(evidence)
    if unchecked and len(unchecked) == len(runs):
        yield Hit(_unchecked_list(unchecked))


@rule("reviews_partly_unchecked", "coverage", "info", 0,
      "Reviews could not be read on some review sites (others were read).")
def reviews_partly_unchecked(evidence: CheckEvidence) -> Iterable[Hit]:
    runs, unchecked = _review_runs(evidence)
    if unchecked and len(unchecked) < len(runs):
        yield Hit(_unchecked_list(unchecked))
