"""Registry rules: whether the company exists and is in order, its notices and filings, who may sign for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from clientvet.checks.evidence import CEASED_PHRASES, UK_CEASED, UK_INSOLVENT, CheckEvidence
from clientvet.checks.rules import Hit, rule
from clientvet.checks.rules.shared import describe_notice, gazette_notices, live_notices, since
from clientvet.evidence.matching import PersonMatch, match_persons
from clientvet.evidence.store import Observation


@rule("ceased", "registry", "critical", 100, "The company no longer exists (ceased, liquidated or dissolved).",
      deal_killer=True, countries=("RU", "GB"))
def ceased(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data["status"] in ("ceased", *UK_CEASED):
        when = record.data.get("ceased_on")
        yield Hit(f"registry status '{record.data['status']}'" + (f" since {when}" if when else ""), (record,))
    for status in evidence.of("status_record"):
        text = (status.data.get("status") or "").lower()
        if status.data.get("active") is False and any(p in text for p in CEASED_PHRASES):
            yield Hit(f"{status.source}: «{status.data['status']}»", (status,))


@rule("in_insolvency", "registry", "critical", 100,
      "The registry shows the company in liquidation, administration or receivership.", deal_killer=True,
      countries=("GB",))
def in_insolvency(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data["status"] in UK_INSOLVENT:
        yield Hit(f"Companies House status '{record.data['status']}'", (record,))


@rule("registry_record_invalid", "registry", "high", 25,
      "The registry marks the company's record as invalid (unreliable data).", countries=("RU",))
def registry_record_invalid(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data["status"] == "invalid":
        yield Hit(f"record invalid since {record.data.get('invalid_since')}", (record,))


@rule("young_company", "registry", "medium", 10, "Registered less than a year ago: no track record.",
      countries=("RU", "GB"))
def young_company(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and since(evidence, record.data.get("registered_on"), 365):
        yield Hit(f"registered on {record.data['registered_on']}", (record,))


@rule("accounts_overdue", "registry", "medium", 15, "Annual accounts are overdue at the registry.", countries=("GB",))
def accounts_overdue(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data.get("accounts_overdue"):
        yield Hit("Companies House: accounts overdue", (record,))


@rule("confirmation_statement_overdue", "registry", "low", 10, "The confirmation statement is overdue.",
      countries=("GB",))
def confirmation_statement_overdue(evidence: CheckEvidence) -> Iterable[Hit]:
    record = evidence.registry_record
    if record and record.data.get("confirmation_statement_overdue"):
        yield Hit("Companies House: confirmation statement overdue", (record,))


@rule("liquidation_notice", "registry", "critical", 100,
      "A decision to liquidate the company was published.", deal_killer=True, countries=("RU",))
def liquidation_notice(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = [n for n in live_notices(evidence, "liquidation") if n.data.get("published_by_subject")]
    if notices:
        yield Hit(f"liquidation notice of {max(n.data['published'] for n in notices)}", tuple(notices))


@rule("reorganisation_notice", "registry", "medium", 10,
      "A reorganisation (merger, split) involving the company was announced in the last two years.", countries=("RU",))
def reorganisation_notice(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = [n for n in live_notices(evidence, "reorganisation") if since(evidence, n.data["published"], 730)]
    if notices:
        yield Hit(f"{len(notices)} reorganisation notice(s)", tuple(notices))


# --- uk (Companies House filings, officers and PSC; The Gazette notices) ------------------------

UK_STRIKE_OFF_DAYS = 365
UK_CHANGE_DAYS = 365
UK_MANY_APPOINTMENTS = 20  # current and past appointments of one director, all companies
UK_MANY_FAILED = 3  # of them dissolved, in liquidation or administration


def _filings(evidence: CheckEvidence, events: tuple[str, ...], days: int | None = None) -> list[Observation]:
    return sorted((f for f in evidence.of("filing") if f.data["event"] in events
                   and (days is None or since(evidence, f.data["date"], days))),
                  key=lambda f: f.data["date"], reverse=True)


@rule("uk_strike_off_notice", "registry", "high", 25,
      "The registrar proposes to strike the company off (first Gazette notice), usually for unfiled accounts or "
      "confirmation statements; it is dissolved unless the action is stopped.", countries=("GB",))
def uk_strike_off_notice(evidence: CheckEvidence) -> Iterable[Hit]:
    notices = gazette_notices(evidence, ("strike_off",), UK_STRIKE_OFF_DAYS)
    filings = _filings(evidence, ("strike_off_notice",), UK_STRIKE_OFF_DAYS)
    record = evidence.registry_record
    proposal = record if record and record.data.get("status_detail") == "active-proposal-to-strike-off" else None
    latest = max([n.data["published"] for n in notices] + [f.data["date"] for f in filings], default=None)
    stopped = [f for f in _filings(evidence, ("strike_off_discontinued",)) if latest and f.data["date"] >= latest]
    if stopped and not proposal:
        return
    found = ([f"Gazette {describe_notice(n)}" for n in notices]
             + [f"filing {f.data['type']} of {f.data['date']}" for f in filings])
    if proposal:
        found.append("Companies House status detail 'active-proposal-to-strike-off'")
    if found:
        yield Hit("; ".join(found), (*notices, *filings, *((proposal,) if proposal else ())))


@rule("uk_recent_name_or_office_change", "registry", "low", 5,
      f"The company changed its name or registered office in the last {UK_CHANGE_DAYS} days: make sure the "
      "contract names the company as it is registered now.", countries=("GB",))
def uk_recent_name_or_office_change(evidence: CheckEvidence) -> Iterable[Hit]:
    filings = _filings(evidence, ("change_of_name", "registered_office_change"), UK_CHANGE_DAYS)
    if filings:
        changes = [f"{'name' if f.data['event'] == 'change_of_name' else 'registered office'} on {f.data['date']}"
                   + (f" (from {f.data['old_address']})" if f.data.get("old_address") else "") for f in filings]
        yield Hit("; ".join(changes), tuple(filings))


@rule("uk_director_many_appointments", "registry", "medium", 10,
      f"A current director holds {UK_MANY_APPOINTMENTS}+ appointments, or {UK_MANY_FAILED}+ of their companies are "
      "dissolved or insolvent: the pattern of a nominee director or of companies left behind (phoenix).",
      countries=("GB",))
def uk_director_many_appointments(evidence: CheckEvidence) -> Iterable[Hit]:
    flagged = []
    for director in evidence.of("officer_appointments"):
        failed = sum(1 for c in director.data.get("companies") or []
                     if c.get("company_status") in (*UK_CEASED, *UK_INSOLVENT))
        if director.data["total"] >= UK_MANY_APPOINTMENTS or failed >= UK_MANY_FAILED:
            unread = director.data["read"] < director.data["total"]
            flagged.append((director, f"{director.data.get('name')}: {director.data['total']} appointment(s), "
                                      f"{failed} dissolved or insolvent"
                                      + (f" among the {director.data['read']} read" if unread else "")))
    if flagged:
        yield Hit("; ".join(text for _, text in flagged), tuple(director for director, _ in flagged))


@rule("uk_no_psc", "registry", "low", 5,
      "No active person with significant control is registered: who owns or controls the company is not on record.",
      countries=("GB",))
def uk_no_psc(evidence: CheckEvidence) -> Iterable[Hit]:
    for register in evidence.of("psc_register"):
        if register.data["active_count"] == 0:
            statements = " (the register holds statements instead)" if register.data.get("statements_url") else ""
            yield Hit(f"0 active, {register.data.get('ceased_count') or 0} ceased{statements}", (register,))


# --- signing authority (the contact named with `check --contact`, against the registry) ------------
# ЕГРЮЛ lists only the head, who acts for the company without a power of attorney, and a sole
# trader signs in person; Companies House lists every officer, of whom those below may sign alone
# (a director under the Companies Act 2006 s.44; a secretary signs only with another signatory).


UK_SIGNING_ROLES = frozenset({
    "director", "nominee-director", "llp-member", "llp-designated-member",
    "general-partner-in-a-limited-partnership", "person-authorised-to-represent",
    "person-authorised-to-represent-and-accept", "judicial-factor", "receiver-and-manager",
})


@dataclass(frozen=True)
class _Signatory:
    """A person the registry names for the company, and whether they may sign for it now."""

    record: Observation
    name: str
    role: str
    not_authorised: str | None  # why not, when they may not


def _signatories(evidence: CheckEvidence) -> list[_Signatory]:
    record = evidence.registry_record
    status = record.data.get("status") if record else None
    people = []
    for officer in evidence.of("officer"):
        role, resigned = officer.data["role"], officer.data.get("resigned_on")
        if resigned:
            why_not = f"resigned on {resigned}"
        elif not officer.data.get("active", True):  # ЕГРЮЛ: the company is not active
            why_not = f"the company's registry status is '{status}'"
        elif officer.source != "egrul" and role not in UK_SIGNING_ROLES:
            why_not = f"a {role} cannot sign for the company alone"
        else:
            why_not = None
        people.append(_Signatory(officer, officer.data["name"], role, why_not))
    if record and record.data.get("entity") == "sole_trader":
        people.append(_Signatory(record, record.data["name"], "sole trader",
                                 None if status == "active" else f"the registry status is '{status}'"))
    return people


def _comparisons(evidence: CheckEvidence, contact: str) -> list[tuple[_Signatory, PersonMatch]] | None:
    """The contact compared with every person the registry names; None when the contact has no surname."""
    try:
        return [(person, match_persons(contact, person.name)) for person in _signatories(evidence)]
    except ValueError:
        return None


def _contact_is(contact: str, person: _Signatory, match: PersonMatch) -> str:
    return f"«{contact}» is {person.name} ({person.role}, {person.record.source}): {match.reason}"


@rule("contact_can_sign", "registry", "info", -5,
      "The contact is the company's registered head or a current director, who may sign for it.",
      countries=("RU", "GB"))
def contact_can_sign(evidence: CheckEvidence) -> Iterable[Hit]:
    contact = evidence.check.terms.get("contact")
    comparisons = _comparisons(evidence, contact) if contact else None
    authorised = [(p, m) for p, m in comparisons or () if m.same and p.not_authorised is None]
    if authorised:
        person, match = max(authorised, key=lambda found: found[1].score)
        yield Hit(_contact_is(contact, person, match), (person.record,))


@rule("contact_authority_unproven", "registry", "medium", 10,
      "The contact is not a current director or registered head of the company: they may sign only "
      "with a power of attorney.",
      safeguard="Before signing, ask for the power of attorney the company's head gave the contact — for a "
                "Russian company, the number of its machine-readable power of attorney (МЧД), to check "
                "with the tax service — or have a registered director sign.")
def contact_authority_unproven(evidence: CheckEvidence) -> Iterable[Hit]:
    contact = evidence.check.terms.get("contact")
    if not contact:
        return
    comparisons = _comparisons(evidence, contact)
    if comparisons is None:
        yield Hit(f"«{contact}» has no surname to compare")
        return
    matched = [(p, m) for p, m in comparisons if m.same]
    if any(p.not_authorised is None for p, _ in matched):
        return
    if matched:
        yield Hit("; ".join(f"{_contact_is(contact, p, m)}, but {p.not_authorised}" for p, m in matched),
                  tuple(p.record for p, _ in matched))
        return
    current = [(p, m) for p, m in comparisons if p.not_authorised is None]
    if not current:
        yield Hit(f"the registry names no current director or head to compare «{contact}» with")
        return
    yield Hit(f"«{contact}» is none of: " + "; ".join(f"{p.name} ({p.role}): {m.reason}" for p, m in current),
              tuple(p.record for p, _ in current))
