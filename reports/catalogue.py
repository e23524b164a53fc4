"""Gather every message a person reads into locale/messages.pot and keep the Russian catalogue in step.

    .venv/bin/python -m clientvet.reports.catalogue

Run it after adding or changing a message (a label in reports/, a rule's summary or safeguard,
a group heading, a signal or account event), then translate what it reports as untranslated in
locale/ru/LC_MESSAGES/messages.po. tests/test_report_languages.py fails while the .pot is not what
this writes or a Russian message is missing.

Messages come from three places: the renderers' Python (`t(...)`, `t.plural(...)`, `N_(...)`),
the Jinja2 templates (`_()`), and the rules' own tables, read at run time (RULES, GROUPS, the
signal and account event catalogues), so a rule's text is declared only where the rule is.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Iterator

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from clientvet.reports.i18n import DOMAIN, LOCALE_DIR

REPORTS = Path(__file__).resolve().parent
REGENERATE = ("run `.venv/bin/python -m clientvet.reports.catalogue`, translate what it lists in "
              "reports/locale/ru/LC_MESSAGES/messages.po and commit both files")
POT = LOCALE_DIR / f"{DOMAIN}.pot"
TRANSLATED = ("ru",)
PYTHON_KEYWORDS = {"t": None, "N_": None, "plural": (1, 2)}
JINJA_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true", "trim_blocks": "true",
                 "lstrip_blocks": "true"}


def _code_messages() -> Iterator[tuple[str | tuple[str, str], str]]:
    """(message, where) of every marked message in the renderers and templates."""
    for path in sorted(REPORTS.glob("*.py")):
        for _, message, _, _ in extract_from_file("python", path, keywords=PYTHON_KEYWORDS):
            yield message, f"reports/{path.name}"
    for path in sorted((REPORTS / "templates").iterdir()):
        for _, message, _, _ in extract_from_file("jinja2", path, keywords=JINJA_KEYWORDS, options=JINJA_OPTIONS):
            yield message, f"reports/templates/{path.name}"


def _rule_messages() -> Iterator[tuple[str, str]]:
    """(message, where) of the texts the rules declare: summaries, safeguards, headings, signals, account events,
    and the stored words their details and sentences name: complaint topics, industries, each country's sources."""
    from clientvet.checks.complaints import TOPIC_LABELS
    from clientvet.checks.groups import GROUPS
    from clientvet.checks.history import EVENT_KINDS
    from clientvet.checks.kinds import JURISDICTION_KINDS, gating_sources
    from clientvet.checks.rules import RULES
    from clientvet.checks.rules.industry import industry_labels
    from clientvet.checks.signals import CATALOGUE

    for rule in RULES.values():
        yield rule.summary, f"checks/rules:{rule.code}"
        if rule.safeguard:
            yield rule.safeguard, f"checks/rules:{rule.code}:safeguard"
    for group in GROUPS.values():
        yield group.heading, f"checks/groups.py:{group.code}"
        for safeguard in group.safeguards:
            yield safeguard, f"checks/groups.py:{group.code}:safeguard"
    for signal in CATALOGUE:
        yield signal.explanation, f"checks/signals.py:{signal.code}"
    for kind in EVENT_KINDS.values():
        yield kind.explanation, f"checks/history.py:{kind.code}"
    for topic, label in TOPIC_LABELS.items():
        yield label, f"checks/complaints.py:{topic}"
    for label in industry_labels():
        yield label, "checks/rules/industry.py"
    for jurisdiction in JURISDICTION_KINDS:
        yield gating_sources(jurisdiction), f"checks/kinds.py:{jurisdiction}"


def template() -> Catalog:
    """The catalogue of every message, as it is declared now."""
    catalog = Catalog(project="clientvet", domain=DOMAIN, fuzzy=False, charset="utf-8")
    for message, where in (*_code_messages(), *_rule_messages()):
        if message:
            catalog.add(message, locations=[(where, None)])
    return catalog


def _write(path: Path, catalog: Catalog) -> None:
    """Write the catalogue, unless only its creation date would change (so a run without news leaves no diff)."""
    out = io.BytesIO()
    write_po(out, catalog, width=116, sort_output=True, include_lineno=False, ignore_obsolete=True)

    def undated(text: bytes) -> bytes:
        return re.sub(rb'"(POT-Creation|PO-Revision)-Date: [^"]*"', b"", text)

    if not (path.exists() and undated(path.read_bytes()) == undated(out.getvalue())):
        path.write_bytes(out.getvalue())


def update() -> dict[str, list[str]]:
    """Write the .pot and bring each language's .po in step (new messages empty); return what is untranslated."""
    fresh = template()
    _write(POT, fresh)
    untranslated = {}
    for lang in TRANSLATED:
        po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        if po.exists():
            with po.open("rb") as file:
                catalog = read_po(file, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="clientvet", domain=DOMAIN, fuzzy=False, charset="utf-8")
        catalog.update(fresh, no_fuzzy_matching=True)
        _write(po, catalog)
        untranslated[lang] = [m.id if isinstance(m.id, str) else m.id[0]
                              for m in catalog if m.id and (not m.string or not all(m.string) or m.fuzzy)]
    return untranslated


if __name__ == "__main__":
    for lang, missing in update().items():
        print(f"{lang}: {len(missing)} untranslated" + "".join(f"\n  {m}" for m in missing))
    print(f"wrote {POT}")
