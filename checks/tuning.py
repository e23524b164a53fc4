"""The user's `[rules]` table: change a rule's points, disable rules, add keyword and code lists.

    [rules]
    disabled = ["young_company"]
    [rules.points]
    net_loss = 20
    [rules.keywords]
    high_risk_industry = ["seafood", "морепродукт"]
    [rules.codes]
    high_risk_industry = ["RU:46.38", "GB:4638", "US:5146"]

Everything is checked when the config is read: an unknown rule code, a rule that takes no
list, or a value of the wrong type is a ConfigError, so a typo never silently changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from clientvet.config import ConfigError

TABLE_KEYS = ("points", "disabled", "keywords", "codes")
# An activity code prefix with its country: OKVED 2 in RU, SIC 2007 in GB, SIC in the US.
CODE_ENTRY = re.compile(r"(?P<country>RU|GB|US):(?P<prefix>[0-9][0-9.]*)")


@dataclass(frozen=True)
class Tuning:
    points: dict[str, int] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_table(cls, table: Any, known: Iterable[str], with_lists: Iterable[str]) -> Tuning:
        """Validate the `[rules]` table against the known rule codes and the rules that take lists."""
        known, with_lists = set(known), set(with_lists)
        if not isinstance(table, dict):
            raise ConfigError("[rules] must be a table")
        if unknown := sorted(set(table) - set(TABLE_KEYS)):
            raise ConfigError(f"unknown key(s) {', '.join(unknown)} in [rules]; expected {', '.join(TABLE_KEYS)}")

        def rule_code(code: Any, where: str) -> str:
            if code not in known:
                raise ConfigError(f"unknown rule code {code!r} in {where}; `clientvet rules` lists them")
            return code

        points = table.get("points", {})
        if not isinstance(points, dict):
            raise ConfigError("[rules.points] must be a table of rule code = points")
        for code, value in points.items():
            rule_code(code, "[rules.points]")
            if isinstance(value, bool) or not isinstance(value, int) or not -100 <= value <= 100:
                raise ConfigError(f"[rules.points] {code} must be a whole number from -100 to 100, got {value!r}")
        disabled = table.get("disabled", [])
        if not isinstance(disabled, list):
            raise ConfigError("rules.disabled must be a list of rule codes")
        lists = {}
        for name in ("keywords", "codes"):
            given = table.get(name, {})
            if not isinstance(given, dict):
                raise ConfigError(f"[rules.{name}] must be a table of rule code = list")
            for code, values in given.items():
                rule_code(code, f"[rules.{name}]")
                if code not in with_lists:
                    raise ConfigError(f"rule {code!r} takes no {name} (rules that do: {', '.join(sorted(with_lists))})")
                if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                    raise ConfigError(f"[rules.{name}] {code} must be a list of non-empty strings")
                if name == "codes" and (bad := [v for v in values if not CODE_ENTRY.fullmatch(v)]):
                    raise ConfigError(f"[rules.codes] {code}: {', '.join(map(repr, bad))} should look like "
                                      "'RU:46.38' (OKVED), 'GB:4638' (UK SIC) or 'US:5146' (US SIC)")
            lists[name] = {code: tuple(v.strip() for v in values) for code, values in given.items()}
        return cls(dict(points), frozenset(rule_code(c, "rules.disabled") for c in disabled),
                   lists["keywords"], lists["codes"])
