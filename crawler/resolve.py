"""Find the company the salesperson means from a name or a website.

A name is not an identity: several registered companies share most names, and
checking the wrong one pins someone else's verdict on the prospect. So the
registry candidates are ranked (same name once legal forms are normalised,
active before ceased, the given city), one is used on its own only when it is
the single strong match of a complete search, and the choice — what was asked,
what was shown, which one was picked and how — is stored with the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from clientvet.evidence import errors
from clientvet.evidence.identifiers import Identity
from clientvet.evidence.matching import match_names, normalise_name

COUNTRIES = ("ru", "gb", "us")
MAX_SHOWN = 10  # a longer list is not read; a better query is the answer

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class ResolveError(Exception):
    """No company could be chosen; carries the exit status and what was shown."""

    def __init__(self, message: str, exit_code: int, shown: list[Ranked] | None = None):
        super().__init__(message)
        self.exit_code = exit_code
        self.shown = shown or []


@dataclass(frozen=True)
class Candidate:
    """A company a registry (or the company's own website) answered with."""

    identity: Identity
    name: str | None  # None when only an identifier is known (from a website)
    source: str
    status: str | None = None  # as the registry words it: active, ceased, dissolved, liquidation, …
    address: str | None = None
    other_names: tuple[str, ...] = ()  # short name, former names
    url: str | None = None  # where an identifier was read

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, *self.other_names) if n)


@dataclass
class SearchRun:
    """One search as a source answered it: never 'nothing found' when it could not look."""

    source: str
    status: str  # ok | empty | failed | skipped
    reason: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    response_ids: list[int] = field(default_factory=list)
    company_name: str | None = None  # a name to search the registries for (Trustpilot)
    registry: bool = True  # a registry search (its gaps can hide the right company), not a hint

    def as_dict(self) -> dict[str, Any]:
        summary = {"source": self.source, "status": self.status, "candidates": len(self.candidates)}
        if self.reason:
            summary["reason"] = self.reason
        if self.company_name:
            summary["company_name"] = self.company_name
        return summary


@dataclass
class Found:
    """Everything the search phase learned, for the choice between the phases."""

    query: dict[str, Any]  # name / domain / country / city as asked, plus a name learned on the way
    name: str | None  # the name candidates are ranked against
    runs: list[SearchRun]

    @property
    def candidates(self) -> list[Candidate]:
        return [c for run in self.runs for c in run.candidates]

    @property
    def incomplete(self) -> list[SearchRun]:
        return [run for run in self.runs if run.status in ("failed", "skipped")]

    @property
    def complete(self) -> bool:
        """Every registry search answered, so a single strong match is the only one."""
        return not any(run.registry for run in self.incomplete)

    @property
    def response_ids(self) -> list[int]:
        return [rid for run in self.runs for rid in run.response_ids]


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    strong: bool  # the same name (and the city, when one was given)
    reason: str
    in_city: bool | None = None

    def as_dict(self, number: int) -> dict[str, Any]:
        c = self.candidate
        return {"number": number, "name": c.name, "jurisdiction": c.identity.jurisdiction,
                "scheme": c.identity.scheme, "identifier": c.identity.value, "status": c.status,
                "address": c.address, "source": c.source, "score": self.score, "strong": self.strong,
                "match": self.reason, **({"url": c.url} if c.url else {})}


def search_country(name: str, country: str | None) -> str:
    """The registry country for a name: as given, else Russian for Cyrillic, else British."""
    if country:
        return country.lower()
    return "ru" if _CYRILLIC.search(name) else "gb"


def parse_name(text: str) -> str:
    """A company name worth searching for; ValueError names what is wrong."""
    name = " ".join((text or "").split())
    normalise_name(name)  # raises on a name without letters or digits
    return name


def parse_domain(text: str) -> str:
    """The host of a website given as 'example.com' or a URL; ValueError for anything else."""
    raw = (text or "").strip()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", raw, flags=re.IGNORECASE).split("/", 1)[0].split("?", 1)[0]
    host = host.rstrip(".").lower()
    if not host:
        raise ValueError("the domain is empty")
    if any(ch in host for ch in "@: \t"):
        raise ValueError(f"{raw!r} is not a domain name like example.com (no e-mail, port or spaces)")
    try:
        host = host.encode("idna").decode("ascii")  # пример.рф → xn--e1afmkfd.xn--p1ai
    except UnicodeError:
        raise ValueError(f"{raw!r} is not a valid domain name") from None
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{raw!r} is not a domain name like example.com")
    if labels[-1].isdigit():
        raise ValueError(f"{raw!r} is an IP address; give the company's domain name")
    return host


def rank(candidates: list[Candidate], name: str | None, city: str | None = None) -> list[Ranked]:
    """Best first: strong matches, then active companies, then the city, then similarity."""
    city_words = set(normalise_name(city).split()) if city else set()
    ranked, seen = [], set()
    for candidate in candidates:
        if candidate.identity in seen:
            continue
        seen.add(candidate.identity)
        if candidate.name is None:  # an identifier read on the company's own site
            ranked.append(Ranked(candidate, 1.0, True, f"identifier on {candidate.url or 'the website'}"))
            continue
        match = max((match_names(name, other) for other in candidate.names), key=lambda m: (m.same, m.score))
        in_city = None
        if city_words:
            in_city = bool(candidate.address) and city_words <= set(normalise_name(candidate.address).split())
        ranked.append(Ranked(candidate, match.score, match.same and in_city is not False, match.reason, in_city))
    return sorted(ranked, key=lambda r: (not r.strong, _status_order(r.candidate.status), r.in_city is False,
                                         -r.score, r.candidate.name or ""))


def _status_order(status: str | None) -> int:
    if status in ("active", "open", "registered"):
        return 0
    return 1 if status is None else 2


def choose(ranked: list[Ranked], *, pick: int | None, ask: Callable[[list[Ranked]], int] | None,
           complete: bool) -> tuple[int, str]:
    """The number (1-based, in `ranked`) of the company to check, and how it was chosen.

    The single strong match is used on its own only when every search answered:
    otherwise the right one may be in the registry that could not be asked.
    """
    shown = ranked[:MAX_SHOWN]
    if not shown:
        raise ResolveError("no candidates", errors.NOT_FOUND)
    if pick is not None:
        if pick > len(shown):
            raise ResolveError(f"--pick {pick}, but there are only {len(shown)} candidate(s)", errors.BAD_INPUT, shown)
        return pick, "--pick"
    strong = [number for number, r in enumerate(shown, 1) if r.strong]
    if len(strong) == 1 and complete:
        return strong[0], "only-strong" if shown[strong[0] - 1].candidate.name else "site-identifier"
    if ask is not None:
        return ask(shown), "user"
    why = (f"{len(strong)} strong candidates" if len(strong) > 1 else
           "no candidate is a strong match" if not strong else "a search did not answer")
    raise ResolveError(f"{why}: choose one with --pick N", errors.AMBIGUOUS, shown)


def found_by(found: Found, shown: list[Ranked], picked: int, how: str) -> dict[str, Any]:
    """The record of the choice, stored in the check's terms."""
    return {"query": found.query, "searched": [run.as_dict() for run in found.runs],
            "candidates": [r.as_dict(n) for n, r in enumerate(shown, 1)], "picked": picked, "how": how}


def nothing_found(found: Found) -> ResolveError:
    """Why no candidate came back: a search that could not look is a failure, not 'none'."""
    if found.incomplete:
        reasons = "; ".join(f"{run.source} {run.status}: {run.reason}" for run in found.incomplete)
        if any(run.registry for run in found.incomplete) or not found.name:
            return ResolveError(f"the search could not be completed ({reasons})", errors.FAILED)
    if not found.name:
        return ResolveError(f"no registry number on the pages of {found.query.get('domain')} and no company name "
                            f"on Trustpilot; try --name", errors.NOT_FOUND)
    searched = ", ".join(run.source for run in found.runs if run.registry)
    return ResolveError(f"no company named {found.name!r} in {searched}", errors.NOT_FOUND)
