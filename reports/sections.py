"""What a report says, section by section, in one language: the plain values every format lays out.

The HTML and PDF template, the Markdown template and the CSV tables all read `sections()`, so
the formats cannot drift apart: a fact, a label or a translation is decided here once. The
values are text as a person reads it; escaping is the formats' job (scraped text is untrusted).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from clientvet.checks.evidence import money
from clientvet.checks.groups import GROUPS
from clientvet.checks.history import EVENT_KINDS, NORMAL_DELAY_DAYS
from clientvet.checks.rules.registry import UK_SIGNING_ROLES
from clientvet.checks.signals import SIGNALS
from clientvet.evidence.store import Observation
from clientvet.reports.i18n import (COMPANY_STATUSES, IDENTIFIERS, N_, PURPOSES, SOURCE_STATUSES, VERDICT_LABELS,
                                    Translator, localise)
from clientvet.reports.stored import StoredCheck

# Evidence kinds in the order a report shows them (the registry first, then as the factor groups
# read them); a kind not listed follows, by name.
KIND_HEADINGS = {
    "registry_record": N_("Registry record"),
    "officer": N_("Officers and heads"),
    "officer_appointments": N_("Officers' other appointments"),
    "psc": N_("People with significant control"),
    "psc_register": N_("Register of people with significant control"),
    "status_record": N_("Status in the federal register (fedresurs)"),
    "filing": N_("Registry filings"),
    "notice": N_("Published notices"),
    "bankruptcy_case": N_("Bankruptcy cases"),
    "insolvency_case": N_("Insolvency cases"),
    "bankruptcy_report": N_("Bankruptcy reports (8-K)"),
    "court_case": N_("Court cases"),
    "court_card": N_("Court case cards"),
    "court_search": N_("Court search"),
    "federal_case": N_("Federal court cases"),
    "federal_case_search": N_("Federal court search"),
    "enforcement_proceeding": N_("Enforcement proceedings"),
    "charge": N_("Charges (pledged assets)"),
    "tax_risk_flags": N_("Tax service risk marks"),
    "tax_card": N_("Tax service card"),
    "disqualification": N_("Register of disqualified persons"),
    "warning_list_entry": N_("Bank of Russia warning list"),
    "financial_statement": N_("Financial statements"),
    "annual_financials": N_("Annual financials (10-K)"),
    "review_page": N_("Review pages"),
    "review": N_("Reviews"),
}
ENTITIES = {"company": N_("company"), "sole_trader": N_("sole trader")}
JURISDICTIONS = {"RU": N_("Russia"), "GB": N_("United Kingdom"), "US": N_("United States")}
SEVERITIES = {"critical": N_("critical"), "high": N_("high"), "medium": N_("medium"), "low": N_("low"),
              "info": N_("info")}
ACCOUNT_CLASSES = {"harmful": N_("harmful"), "normal": N_("normal"), "loyal": N_("loyal")}


@dataclass(frozen=True)
class Fact:
    """One fact with where it came from; `anchor` links a factor to it."""

    anchor: str
    fact_id: str
    kind: str
    key: str
    source: str
    url: str | None
    fetched_at: str | None
    sha256: str | None
    first_seen: str
    last_seen: str
    fields: tuple[tuple[str, str], ...]


def sections(stored: StoredCheck, t: Translator) -> dict[str, Any]:
    document = localise(stored.document, t)
    evidence = stored.evidence
    facts = [_fact(o) for o in evidence.observations]
    return {
        "lang": t.lang,
        "check_id": stored.check_id,
        "checked_at": document["checked_at"],
        "as_of": document["as_of"],
        "replay": document.get("replay"),
        "rebuilt": stored.rebuilt,
        "generated_at": stored.generated_at,
        "version": stored.version,
        "card": _card(stored, document, t),
        "verdict": {
            "colour": document["verdict"],
            "label": t(VERDICT_LABELS[document["verdict"]]),
            "score": document["score"],
            "reasons": document["verdict_reasons"],
        },
        "terms": _terms(document.get("terms") or {}, t),
        "groups": _factor_groups(document["factors"], t),
        "safeguards": document["safeguards"],
        "would_change": [change["text"] for change in document.get("would_change") or []],
        "coverage_by_kind": _coverage_by_kind(document.get("coverage_by_kind"), t),
        "coverage": [{"source": run["source"], "essential": run["essential"],
                      "status": t.word(SOURCE_STATUSES, run["status"]), "state": run["status"],
                      "requests": run["requests"], "facts": run["facts"], "reason": run.get("reason") or ""}
                     for run in document["coverage"]],
        "accepted": _accepted(document.get("terms") or {}),
        "evidence": _by_kind(facts, t),
        "signals": _signals(stored, t),
        "account": _account(stored, t),
        "history": [{"check_id": past.check_id, "checked_at": past.checked_at,
                     "colour": past.verdict, "verdict": t.colour(past.verdict), "score": past.score}
                    for past in stored.history],
    }


# --- the company card ----------------------------------------------------------------------------


def _card(stored: StoredCheck, document: dict[str, Any], t: Translator) -> dict[str, Any]:
    company = document["company"]
    record = stored.evidence.registry_record
    data = record.data if record else {}
    names = [n for n in (company.get("name"), data.get("short_name")) if n]
    registered = company.get("registered_on")
    status = company.get("status") or "unknown"
    return {
        "name": company.get("name") or t("unknown company"),
        "names": list(dict.fromkeys(names)),
        "previous_names": list(data.get("previous_names") or []),
        "jurisdiction": t.word(JURISDICTIONS, company["jurisdiction"]),
        "identifiers": [(t(IDENTIFIERS.get(scheme, scheme.upper())), value)
                        for scheme, value in company["identifiers"].items()],
        "status": t.word(COMPANY_STATUSES, status),
        "status_detail": company.get("status_detail"),
        "entity": t.word(ENTITIES, company["entity"]) if company.get("entity") else None,
        "registered_on": registered,
        "age": _age(registered, date.fromisoformat(document["as_of"]), t) if registered else None,
        "ceased_on": company.get("ceased_on"),
        "address": company.get("address") or data.get("region"),
        "heads": _heads(stored, t),
    }


def _age(registered_on: str, as_of: date, t: Translator) -> str:
    start = date.fromisoformat(registered_on[:10])
    months = (as_of.year - start.year) * 12 + as_of.month - start.month - (as_of.day < start.day)
    if months < 0:
        return ""
    years, months = divmod(months, 12)
    parts = ([t.plural("{n} year", "{n} years", years)] if years else []) + \
        ([t.plural("{n} month", "{n} months", months)] if months or not years else [])
    return " ".join(parts)


def _heads(stored: StoredCheck, t: Translator) -> list[dict[str, str]]:
    """The people the registry names, and whether each may sign for the company (as checks/rules/registry.py judges)."""
    evidence = stored.evidence
    record = evidence.registry_record
    status = record.data.get("status") if record else None
    heads = []
    for officer in evidence.of("officer"):
        d = officer.data
        if d.get("resigned_on"):
            authority = t("resigned on {date}", date=d["resigned_on"])
        elif not d.get("active", True):
            authority = t("may not sign: the company's registry status is '{status}'", status=status)
        elif officer.source == "egrul":
            authority = t("the head: acts for the company without a power of attorney")
        elif d.get("role") in UK_SIGNING_ROLES:
            authority = t("may sign for the company alone")
        elif d.get("role") == "secretary":
            authority = t("signs only together with a director")
        else:
            authority = t("cannot sign for the company alone")
        heads.append({"name": d.get("name") or "", "role": d.get("role") or "",
                      "since": d.get("appointed_on") or "", "authority": authority, "source": officer.source})
    if record and record.data.get("entity") == "sole_trader":
        authority = (t("signs in person") if status == "active"
                     else t("may not sign: the registry status is '{status}'", status=status))
        heads.append({"name": record.data.get("name") or "", "role": t("sole trader"), "since": "",
                      "authority": authority, "source": record.source})
    return heads


# --- the verdict ---------------------------------------------------------------------------------


def _terms(terms: dict[str, Any], t: Translator) -> list[tuple[str, str]]:
    """The deal being judged, as label and value; what the search chose is said too."""
    rows = []
    if terms.get("purpose"):
        rows.append((t("purpose"), t.word(PURPOSES, terms["purpose"])))
    if "amount" in terms:
        rows.append((t("amount"), money(terms["amount"], terms.get("currency", "")).strip()))
    if terms.get("contact"):
        rows.append((t("contact"), terms["contact"]))
    if found := terms.get("found_by"):
        query = ", ".join(f"{k} {v}" for k, v in (found.get("query") or {}).items())
        rows.append((t("found by"), f"{query} ({found.get('how')})" if query else str(found.get("how"))))
    known = {"purpose", "amount", "currency", "contact", "found_by"}
    rows += [(key.replace("_", " "), _text(value)) for key, value in terms.items() if key not in known]
    return rows


def _factor_groups(factors: list[dict[str, Any]], t: Translator) -> list[dict[str, Any]]:
    """The factors under one heading per group, in GROUPS order, largest first (as the terminal summary)."""
    order = {group: n for n, group in enumerate(GROUPS)}
    groups = sorted({f["group"] for f in factors}, key=lambda g: (order.get(g, len(order)), g))
    return [{"heading": t(GROUPS[group].heading) if group in GROUPS else group.capitalize(),
             "factors": [{"code": f["code"], "points": f["points"], "summary": f["summary"],
                          "severity": t.word(SEVERITIES, f["severity"]),
                          "deal_killer": f["deal_killer"],
                          "weight": _weight(f, t),
                          "evidence": _evidence_by_source(f["evidence"])}
                         for f in sorted((f for f in factors if f["group"] == group), key=lambda f: -f["points"])]}
            for group in groups]


def _evidence_by_source(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The facts a factor rests on, by source: [{"source": "fedresurs", "anchors": ["fact-…", …]}]."""
    anchors: dict[str, list[str]] = {}
    for e in evidence:
        anchors.setdefault(e["source"], []).append(_anchor(e["fact_id"]))
    return [{"source": source, "anchors": found} for source, found in anchors.items()]


def _weight(factor: dict[str, Any], t: Translator) -> str:
    """The deal purpose's multiplier of a factor's points, when it has one: '×1.5 for this deal'."""
    if "purpose_weight" not in factor:
        return ""
    weight = format(factor["purpose_weight"], "g")
    return t("×{weight} for this deal", weight=weight)


# --- coverage ------------------------------------------------------------------------------------


def _coverage_by_kind(by_kind: Any, t: Translator) -> list[dict[str, Any]] | None:
    """The document's `coverage_by_kind`, when it has one: a status per evidence kind and what else it says."""
    if not by_kind:
        return None
    entries = by_kind.items() if isinstance(by_kind, dict) else ((e.get("kind"), e) for e in by_kind)
    rows = []
    for kind, entry in entries:
        entry = entry if isinstance(entry, dict) else {"status": entry}
        rows.append({"kind": str(kind).replace("_", " "), "status": _text(entry.get("status", "")),
                     "details": [(name.replace("_", " "), _text(value)) for name, value in entry.items()
                                 if name not in ("kind", "status") and value not in (None, "", [], {})]})
    return rows


def _accepted(terms: dict[str, Any]) -> list[str]:
    """The gaps the user accepted knowingly (stored in the terms by `check`)."""
    accepted = [value for key, value in terms.items() if key.startswith("accept")]
    return [str(v) for value in accepted for v in (value if isinstance(value, list) else [value])]


# --- the evidence --------------------------------------------------------------------------------


def _anchor(fact_id: str) -> str:
    return f"fact-{fact_id[:12]}"


def _fact(observation: Observation) -> Fact:
    return Fact(_anchor(observation.fact_id), observation.fact_id, observation.kind, observation.key,
                observation.source, observation.url, observation.fetched_at, observation.sha256,
                observation.first_seen, observation.last_seen,
                tuple((name, _text(value)) for name, value in sorted(observation.data.items())))


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _by_kind(facts: list[Fact], t: Translator) -> list[dict[str, Any]]:
    order = {kind: n for n, kind in enumerate(KIND_HEADINGS)}
    kinds = sorted({f.kind for f in facts}, key=lambda k: (order.get(k, len(order)), k))
    return [{"kind": kind, "heading": t(KIND_HEADINGS[kind]) if kind in KIND_HEADINGS else kind.replace("_", " "),
             "facts": [f for f in facts if f.kind == kind]} for kind in kinds]


# --- what the salesperson entered ----------------------------------------------------------------


def _signals(stored: StoredCheck, t: Translator) -> list[dict[str, Any]]:
    return [{"code": s.code, "points": SIGNALS[s.code].points if s.code in SIGNALS else "",
             "meaning": t(SIGNALS[s.code].explanation) if s.code in SIGNALS else "",
             "entered_by": s.entered_by, "entered_on": s.entered_at[:10], "note": s.note or ""}
            for s in stored.evidence.signals]


def _account(stored: StoredCheck, t: Translator) -> dict[str, Any] | None:
    account, as_of = stored.evidence.account, stored.evidence.today
    if not account:
        return None
    d = account.discipline(as_of)
    placed = account.classify(as_of)
    unpaid = ", ".join(money(amount, currency, 2) for currency, amount in d.unpaid_overdue_totals().items())
    measures = [
        (t("invoices (paid)"), f"{d.invoices} ({d.paid})"),
        (t("average days late"), _text(d.average_days_late)),
        (t("worst days late"), _text(d.worst_days_late)),
        (t("share paid more than {days} days late", days=NORMAL_DELAY_DAYS),
         "—" if d.share_paid_late is None else f"{d.share_paid_late:.0%}"),
        (t("unpaid overdue"), f"{len(d.unpaid_overdue)}" + (f" ({unpaid})" if unpaid else "")),
    ]
    events = Counter(e.kind for e in account.events)
    return {"measures": measures,
            "events": [(t(EVENT_KINDS[kind].explanation) if kind in EVENT_KINDS else kind, n)
                       for kind, n in events.items()],
            "class": t.word(ACCOUNT_CLASSES, placed.label),
            "reasons": [t.sentence(reason) for reason in placed.reasons]}
