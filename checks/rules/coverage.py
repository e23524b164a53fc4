"""Coverage rules: what could not be checked, so the picture is incomplete.

Review sites are weak evidence each, so they count together (evidence.review_sources names them).
"""

from __future__ import annotations

from typing import Iterable

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import Hit, rule
from clientvet.evidence.store import SourceRun

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
