"""Register rules: pb.nalog.ru marks, disqualified persons, the Bank of Russia's warning list."""

from __future__ import annotations

from typing import Iterable

from clientvet.checks.evidence import CheckEvidence, money
from clientvet.checks.rules import Hit, rule
from clientvet.evidence.matching import match_names
from clientvet.evidence.store import Observation


@rule("tax_liquidation_mark", "registers", "critical", 100,
      "The tax service (Прозрачный бизнес) marks the company as being liquidated.", deal_killer=True, countries=("RU",))
def tax_liquidation_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    for flags in evidence.of("tax_risk_flags"):
        if flags.data.get("liquidation"):
            yield Hit(f"pr_liq=1, status «{flags.data.get('status')}»", (flags,))


@rule("tax_unreliable_data_mark", "registers", "high", 25,
      "The tax service (Прозрачный бизнес) marks the company's registry data as unreliable.", countries=("RU",))
def tax_unreliable_data_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    for flags in evidence.of("tax_risk_flags"):
        if flags.data.get("unreliable_data"):
            yield Hit(f"invalid=1, status «{flags.data.get('status')}»", (flags,))


MASS_ADDRESS_MIN = 5  # other companies at the same address from which pb's list means a mass address
MASS_HEAD_MIN = 10  # companies one person heads or founded from which public pb clients call it "mass"
TAX_FINES_YEARS = 2  # fines for tax offences (mostly late or missing returns) of this year and the last


@rule("tax_reorganisation_mark", "registers", "medium", 10,
      "The tax service shows the company in reorganisation: it may be merged into another company and cease.",
      countries=("RU",))
def tax_reorganisation_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    marked = [o for o in evidence.of("tax_risk_flags") + evidence.of("tax_card") if o.data.get("reorganisation")]
    if marked:
        statuses = sorted({o.data.get("status_detail") or o.data.get("status") for o in marked})
        yield Hit(f"status «{'; '.join(statuses)}»", tuple(marked))


@rule("tax_debt_mark", "registers", "high", 20,
      "The tax service marks a tax debt over 1,000 roubles: a company that does not pay the state may not pay you.",
      countries=("RU",))
def tax_debt_mark(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        if card.data.get("tax_debt"):
            arrears = card.data.get("arrears_rub")
            yield Hit(f"arrears, penalties and fines {money(arrears, 'RUB', 2)}" if arrears else "amount not shown",
                      (card,))


@rule("tax_reports_missing", "registers", "high", 25,
      "The tax service marks the company as not filing tax reports for over a year: a dormant or abandoned "
      "company, whose bank accounts the tax service may freeze.", countries=("RU",))
def tax_reports_missing(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        if card.data.get("reports_missing"):
            yield Hit("pr_otch=1", (card,))


@rule("tax_offence_fines", "registers", "low", 5,
      f"The tax service published fines for tax offences (mostly late or missing returns) in the last "
      f"{TAX_FINES_YEARS} years.", countries=("RU",))
def tax_offence_fines(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        fines = [f for f in card.data.get("tax_offence_fines", []) if f["year"] > evidence.today.year - TAX_FINES_YEARS]
        if fines:
            yield Hit("; ".join(f"{f['year']}: {money(f['fine_rub'], 'RUB', 2) if f['fine_rub'] else 'sum not shown'}"
                                for f in fines), (card,))


@rule("tax_mass_address", "registers", "medium", 10,
      f"{MASS_ADDRESS_MIN} or more other companies are registered at the company's address (a mass address): "
      "the company may have no real office there.", countries=("RU",))
def tax_mass_address(evidence: CheckEvidence) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        count = card.data.get("same_address_companies") or 0
        if count >= MASS_ADDRESS_MIN:
            sample = ", ".join(c["name"] for c in card.data.get("same_address_sample", []) if c.get("name"))
            yield Hit(f"{count} other companies, e.g. {sample}", (card,))


def _mass_people(evidence: CheckEvidence, field: str) -> Iterable[Hit]:
    for card in evidence.of("tax_card"):
        mass = [p for p in card.data.get(field, []) if p["companies"] >= MASS_HEAD_MIN]
        if mass:
            yield Hit("; ".join(f"{p['name']}{' (' + p['position'] + ')' if p.get('position') else ''}: "
                                f"{p['companies']} companies" for p in mass), (card,))


@rule("tax_mass_director", "registers", "medium", 15,
      f"The company's head is head or founder of {MASS_HEAD_MIN} or more companies (a mass director): often a "
      "nominee who does not run the business.", countries=("RU",))
def tax_mass_director(evidence: CheckEvidence) -> Iterable[Hit]:
    yield from _mass_people(evidence, "heads")


@rule("tax_mass_founder", "registers", "low", 5,
      f"A founder of the company is head or founder of {MASS_HEAD_MIN} or more companies (a mass founder).",
      countries=("RU",))
def tax_mass_founder(evidence: CheckEvidence) -> Iterable[Hit]:
    yield from _mass_people(evidence, "founders")


def _disqualified_heads(evidence: CheckEvidence) -> Iterable[tuple[Observation, str | None]]:
    """Current disqualifications of a head's full name, each with what confirms it is this company's head."""
    record = evidence.registry_record
    data = record.data if record else {}
    inn = data.get("inn") or (evidence.check.identifier if evidence.check.scheme == "inn" else None)
    names = [n for n in (data.get("name"), data.get("short_name")) if n]
    for entry in evidence.of("disqualification"):
        if entry.data["ends"] < evidence.today.isoformat():
            continue
        if entry.data.get("organisation_inn"):
            yield entry, "organisation INN" if entry.data["organisation_inn"] == inn else None
        elif any(match_names(entry.data["organisation"], name).same for name in names):
            yield entry, "organisation name"
        else:
            yield entry, None


def _disqualification(entry: Observation) -> str:
    d = entry.data
    return (f"{d['person']} ({d.get('searched_role')}), at {d['organisation']} as {d.get('position')}: "
            f"{d.get('offence')}, {d['starts']} to {d['ends']}")


@rule("director_disqualified", "registers", "critical", 100,
      "The company's head is in the register of disqualified persons.", deal_killer=True, countries=("RU",))
def director_disqualified(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry, confirmed_by in _disqualified_heads(evidence):
        if confirmed_by:
            yield Hit(f"{_disqualification(entry)}; confirmed by {confirmed_by}", (entry,))


@rule("director_namesake_disqualified", "registers", "high", 30,
      "A person with the head's full name is in the register of disqualified persons.", countries=("RU",))
def director_namesake_disqualified(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry, confirmed_by in _disqualified_heads(evidence):
        if not confirmed_by:
            yield Hit(f"{_disqualification(entry)}; matched by full name only, may be a namesake "
                      f"(born {entry.data.get('birth_date') or 'unknown'})", (entry,))


@rule("on_cbr_warning_list", "registers", "critical", 100,
      "The Bank of Russia lists the company for signs of illegal activity on financial markets.", deal_killer=True,
      countries=("RU",))
def on_cbr_warning_list(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry in evidence.of("warning_list_entry"):
        if entry.data.get("meaning") == "listed":
            closed = "; the Bank marks the company closed" if entry.data.get("closed") else ""
            yield Hit(f"«{'; '.join(entry.data['signs'])}» since {entry.data['listed_on']}{closed}", (entry,))


@rule("cbr_warning_impersonation", "registers", "medium", 10,
      "The Bank of Russia warns that someone illegally uses this company's details: make sure you deal with "
      "the company itself.", countries=("RU",))
def cbr_warning_impersonation(evidence: CheckEvidence) -> Iterable[Hit]:
    for entry in evidence.of("warning_list_entry"):
        if entry.data.get("meaning") == "impersonated":
            yield Hit(f"«{entry.data['name']}», listed since {entry.data['listed_on']}: {entry.data.get('comment')}",
                      (entry,))
