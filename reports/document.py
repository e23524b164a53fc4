"""The JSON documents `clientvet check --json` prints: a check's verdict, or why no company was chosen."""

from __future__ import annotations

from typing import Any

from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.run import NoChoice
from clientvet.checks.verdict import Verdict, safeguards, would_change


def report(evidence: CheckEvidence, verdict: Verdict) -> dict[str, Any]:
    """The JSON document of one check."""
    check = evidence.check
    return {
        "check_id": check.id,
        "company": evidence.company(),
        "verdict": verdict.colour,
        "score": verdict.score,
        "verdict_reasons": verdict.reasons,
        "deal_killers": [f.rule.code for f in verdict.deal_killers],
        "factors": [f.as_dict() for f in sorted(verdict.factors, key=lambda f: -f.points)],
        "safeguards": safeguards(verdict),
        "would_change": would_change(verdict, evidence),
        "coverage": [
            {"source": run.source, "status": run.status, "reason": run.reason,
             "essential": run.source in evidence.essential_sources,
             "requests": run.requests, "facts": run.facts}
            for run in evidence.coverage
        ],
        # Each evidence kind: checked by every source of it, by some, by none, or no public source covers it.
        "coverage_by_kind": {k.kind.code: k.as_dict() for k in verdict.coverage},
        "checked_at": check.finished_at or check.started_at,
        "as_of": evidence.today.isoformat(),
        "replay": check.replay,
        "terms": check.terms,
    }


def no_choice(error: NoChoice) -> dict[str, Any]:
    """What was searched and shown when no company was chosen, for a script to pick from."""
    return {"error": str(error), "query": error.query, "searched": error.searched, "candidates": error.candidates}
