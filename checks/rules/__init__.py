"""Every factor is one rule: a code, a group, a severity, points and a one-line explanation.

A rule's function looks at the evidence and returns hits; a hit may name its own
points (e.g. per notice) and always names the observations it rests on. A rule may
bring its own safeguard, offered with the verdict when it fires.

The rules live in one module per group (checks/groups.py declares the groups),
imported in the groups' order, so RULES is ordered by group and, within a group,
as the rules are written.

The same fact weighs differently per deal (`clientvet check --purpose`): a rule's
points are multiplied by its purpose weight, its group's unless the rule names its
own. Signs that the client may not pay — courts, debts, bankruptcy, finances, late
payments, a sinking business — weigh more when we work before being paid (deferred,
long-project) and less under full prepayment. Deal-killers are not weighted: they
make the verdict red whatever the purpose.

Positive factors (careful behaviour, a loyal history) have negative points and lower
the score, so they can turn amber into green; but the score never goes below 0 (they
never offset more than the risk points), they never cancel a deal-killer, and a
verdict is never green while registry, bankruptcy, court suits or enforcement debts
could not be checked (rules/coverage.py, checks/kinds.py) or an essential source was not.

A rule names the countries whose sources give the facts it reads (none: any country), so that
what a green verdict gives as examples of what would make it amber can happen to this company.

The user's config changes points, disables rules and adds keyword and code lists
(see checks/tuning.py); `clientvet rules` lists the rules as configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Callable, Iterable, Mapping

from clientvet import config
from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.groups import GROUPS
from clientvet.checks.tuning import Tuning
from clientvet.evidence.store import Observation


@dataclass(frozen=True)
class Hit:
    detail: str
    evidence: tuple[Observation, ...] = ()
    points: int | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    group: str  # a code of checks/groups.py's GROUPS
    severity: str  # critical | high | medium | low | info
    points: int
    summary: str
    deal_killer: bool = False
    safeguard: str | None = None  # offered with the verdict when the rule fires
    evaluate: Callable[[CheckEvidence], Iterable[Hit]] = field(default=lambda evidence: (), repr=False)
    purpose_weights: Mapping[str, float] = field(default_factory=dict)
    countries: tuple[str, ...] = ()  # the jurisdictions whose sources give its facts; () for any country

    def applies_to(self, jurisdiction: str) -> bool:
        """Whether the rule can fire for a check in this jurisdiction, so it may be named as an example."""
        return not self.countries or jurisdiction in self.countries

    def weight(self, purpose: str | None) -> float:
        return 1.0 if self.deal_killer else self.purpose_weights.get(purpose, 1.0)


RULES: dict[str, Rule] = {}


def rule(code: str, group: str, severity: str, points: int, summary: str, deal_killer: bool = False,
         safeguard: str | None = None, purpose_weights: Mapping[str, float] | None = None,
         countries: tuple[str, ...] = ()):
    """Register the function as a rule; without purpose weights of its own it weighs as its group does.

    `countries` names the jurisdictions whose sources give the facts it reads (none: any country).
    """
    def register(func: Callable[[CheckEvidence], Iterable[Hit]]):
        weights = GROUPS[group].purpose_weights if purpose_weights is None else purpose_weights
        RULES[code] = Rule(code, group, severity, points, summary, deal_killer=deal_killer, safeguard=safeguard,
                           evaluate=func, purpose_weights=weights, countries=countries)
        return func
    return register


for _group in GROUPS:  # after `rule`: each group's module registers its rules with it
    import_module(f"{__name__}.{_group}")


# --- the user's [rules] table ------------------------------------------------------------------------


RULES_WITH_LISTS = ("high_risk_industry",)  # the rules that read [rules.keywords] / [rules.codes]


def tuning_from_config() -> Tuning:
    """The `[rules]` table of the user's config, checked against the rules; raises ConfigError."""
    return Tuning.from_table(config.setting("rules", {}), RULES, RULES_WITH_LISTS)
