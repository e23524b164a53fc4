"""The factor groups, each declared once: its heading and place in the summary, its purpose weights, its safeguards.

The rules (checks/rules/, one module per group), the verdict and every renderer read this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

# Purpose weights: `check --purpose` -> multiplier of a rule's points (1 when not named).
CREDIT_RISK = {"prepaid": 0.5, "deferred": 1.5, "long-project": 1.5}  # will the client pay us later?
LAWYER_REVIEW = "Have a lawyer review the contract before signing."


@dataclass(frozen=True)
class Group:
    code: str
    heading: str  # shown above the group's factors in the summary
    purpose_weights: Mapping[str, float] = field(default_factory=dict)  # of its rules, unless a rule names its own
    safeguards: tuple[str, ...] = ()  # offered with the verdict when a risk factor of the group is found


# In the order the summary shows them: public records first, then the rest.
GROUPS: dict[str, Group] = {group.code: group for group in (
    Group("courts", "Courts", CREDIT_RISK, (LAWYER_REVIEW,)),
    Group("debts", "Debts", CREDIT_RISK, (LAWYER_REVIEW,)),
    Group("bankruptcy", "Bankruptcy", CREDIT_RISK, (LAWYER_REVIEW,)),
    Group("finances", "Finances", CREDIT_RISK),
    Group("registers", "Registers"),
    Group("reviews", "Reviews"),
    Group("registry", "Registry"),
    Group("industry", "Industry"),
    Group("conversation", "Conversation"),
    Group("history", "Account history"),
    Group("coverage", "Coverage"),
)}
