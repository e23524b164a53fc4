"""Industry rule: the main registered activity against a list of high-risk industries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from clientvet.checks.evidence import Activity, CheckEvidence
from clientvet.checks.rules import Hit, rule

# Defaults, by activity code prefix (OKVED 2 and UK SIC 2007 both follow NACE Rev. 2; US SIC differs)
# or by a word in the activity's name; the config adds more ([rules.codes] / [rules.keywords]).


@dataclass(frozen=True)
class Industry:
    label: str
    prefixes: tuple[str, ...] = ()  # "RU:46.38" — a country and an activity code prefix
    keywords: tuple[str, ...] = ()  # matched, case-insensitively, in the activity's name

    def matches(self, activity: Activity) -> str | None:
        """What matched (a code prefix or a keyword), if anything."""
        digits = activity.code.replace(".", "")
        for entry in self.prefixes:
            country, prefix = entry.split(":", 1)
            if country == activity.country and digits.startswith(prefix.replace(".", "")):
                return entry
        name = (activity.name or "").lower()
        return next((word for word in self.keywords if word.lower() in name), None)


HIGH_RISK_INDUSTRIES = (
    # Long subcontracting chains: a subcontractor is paid when the one above is paid.
    Industry("construction and construction subcontracting",
             ("RU:41", "RU:42", "RU:43", "GB:41", "GB:42", "GB:43", "US:15", "US:16", "US:17"), ("субподряд",)),
    # Agents and brokers in wholesale: thin margins, money passes through, little to recover.
    Industry("wholesale trade intermediaries (agents)", ("RU:46.1", "GB:461")),
    # Non-specialised wholesale: the usual registered activity of transit companies.
    Industry("non-specialised wholesale trade", ("RU:46.90", "GB:4690")),
    # The industry sales people named: perishable goods, volatile cash flow.
    Industry("fish and seafood trading", ("RU:46.38.1", "GB:46380", "US:5146"), ("морепродукт", "seafood")),
    # Event agencies: paid after the event by clients of their own, often late.
    Industry("event agencies (conference and exhibition organisers)", ("RU:82.30", "GB:8230")),
)


YOUR_CONFIG = "your config"  # the label of the codes and keywords the user's config adds


def industry_labels() -> tuple[str, ...]:
    """Every label a detail of the rule can name: the default industries' and the config's."""
    return (*(industry.label for industry in HIGH_RISK_INDUSTRIES), YOUR_CONFIG)


def _industries(evidence: CheckEvidence) -> tuple[Industry, ...]:
    tuning = evidence.tuning
    configured = Industry(YOUR_CONFIG, tuning.codes.get("high_risk_industry", ()),
                          tuning.keywords.get("high_risk_industry", ()))
    return (*HIGH_RISK_INDUSTRIES, configured)


# Its activities come from egrul and pb.nalog.ru (OKVED), Companies House (UK SIC) and EDGAR (US SIC).
@rule("high_risk_industry", "industry", "medium", 15,
      "The company's main registered activity (OKVED, SIC) is in an industry marked high-risk.",
      countries=("RU", "GB", "US"))
def high_risk_industry(evidence: CheckEvidence) -> Iterable[Hit]:
    """One factor however many activities and industries match: it is one fact about the company."""
    found = [(industry.label, activity, match) for activity in evidence.main_activities()
             for industry in _industries(evidence) if (match := industry.matches(activity))]
    if not found:
        return
    # The salesperson may have entered the same fact in conversation: count it once.
    entered = any(s.code == "high_risk_industry" for s in evidence.signals)
    detail = "; ".join(dict.fromkeys(
        f"{label}: {a.code}" + (f" «{a.name}»" if a.name else "") + f" ({a.observation.source}, matched {match})"
        for label, a, match in found))
    yield Hit(detail + ("; also entered in conversation, counted there" if entered else ""),
              tuple({a.observation.fact_id: a.observation for _, a, _ in found}.values()),
              points=0 if entered else None)
