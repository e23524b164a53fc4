"""Decide whether a search hit names the prospect company.

Every source (court parties, review pages, registry search results) finds
hits by name, and a wrong "yes" pins someone else's lawsuits on the prospect.
So names are compared in one canonical Latin form that ignores what does not
identify a company (case, quotes, punctuation, legal form, script), while any
extra word or number ("Ромашка-М", "Acme Estates") still means a different
company. An identifier, when both sides have one, overrides the names.

People are compared the same way for the signing-authority check (is the contact
a registered director?): a surname must agree in full and every given name or
initial both sides give must agree, in any order and either script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

# Canonical legal form -> spellings. A spelling is matched as whole words.
# Russian abbreviations are matched in Cyrillic only (plus the unambiguous
# three-letter Latin ones), so English names such as "AO Smith" or
# "IP Holdings" keep their first word.
_LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "ooo": ("ООО", "OOO", "Общество с ограниченной ответственностью"),
    "zao": ("ЗАО", "ZAO", "Закрытое акционерное общество"),
    "oao": ("ОАО", "OAO", "Открытое акционерное общество"),
    "pao": ("ПАО", "PAO", "Публичное акционерное общество"),
    "ao": ("АО", "Акционерное общество"),
    "nao": ("НАО", "Непубличное акционерное общество"),
    "ip": ("ИП", "Индивидуальный предприниматель"),
    "ltd": ("Ltd", "Limited"),
    "plc": ("PLC", "P.L.C.", "Public Limited Company"),
    "llc": ("LLC", "L.L.C.", "Limited Liability Company"),
    "llp": ("LLP", "Limited Liability Partnership"),
    "inc": ("Inc", "Incorporated"),
    "corp": ("Corp", "Corporation"),
    "co": ("Co", "Company"),
    "gmbh": ("GmbH", "G.m.b.H.", "Gesellschaft mit beschränkter Haftung"),
    "ag": ("AG", "Aktiengesellschaft"),
    "sa": ("SA", "S.A."),
    # How Russian companies write their form in English (PJSC Sberbank, Gazprom Neft PJSC).
    "jsc": ("JSC", "Joint Stock Company", "Joint-Stock Company"),
    "pjsc": ("PJSC", "Public Joint Stock Company", "Public Joint-Stock Company"),
    "cjsc": ("CJSC", "Closed Joint Stock Company", "Closed Joint-Stock Company"),
    "ojsc": ("OJSC", "Open Joint Stock Company", "Open Joint-Stock Company"),
}
# English names of Russian forms: ООО "Ромашка" and Romashka LLC are one form, not a re-registration.
_SAME_FORM = {"llc": "ooo", "jsc": "ao", "pjsc": "pao", "cjsc": "zao", "ojsc": "oao"}
# "Co"/"Company" is also an ordinary word ("Co-op Bank", "Company Builders").
_TRAILING_ONLY_FORMS = frozenset({"co"})

# Different legal forms may be one company re-registered (ЗАО -> АО), so they
# only cost a little.
LEGAL_FORM_MISMATCH_PENALTY = 0.05

_CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})

# Other people's transliterations of the same Russian word, folded onto ours
# (Maxim/Maksim, Maria/Mariya, Iunona/Yunona, Sergej/Sergey, Himki/Khimki).
_LATIN_SPELLING_VARIANTS = (
    (re.compile("x"), "ks"),
    (re.compile("j"), "y"),
    (re.compile("iy"), "y"),
    (re.compile("ia"), "ya"),
    (re.compile("iu"), "yu"),
    (re.compile("(?<![szc])kh"), "h"),  # leave the h of zh/sh/ch alone
)

# Double quotes may glue words together (ООО"Ромашка"); apostrophes sit inside a Latin word
# (O'Reilly) but are quotes anywhere else (ООО'Ромашка', 'Acme').
_WORD_SEPARATING_QUOTES = str.maketrans(dict.fromkeys("«»„“”‟\"‹›", " "))
_QUOTING_APOSTROPHE = re.compile(r"(?<![a-z])['`‘’‚‛]|['`‘’‚‛](?![a-z])")
_IN_WORD_QUOTES = str.maketrans(dict.fromkeys("'`‘’‚‛", None))

# Lengths that tell which Russian register number an all-digit identifier is.
_IDENTIFIER_KINDS = {8: "company number", 10: "INN", 12: "INN", 13: "OGRN", 15: "OGRNIP"}
_LETTERED_COMPANY_NUMBER = re.compile(r"[A-Z]{2}\d{6}")  # SC123456, OC301234


@dataclass(frozen=True)
class NameMatch:
    """Verdict on two names, with the reason a reviewer can check."""

    same: bool
    score: float
    reason: str

    def as_dict(self) -> dict:
        return {"same": self.same, "score": self.score, "reason": self.reason}


@dataclass(frozen=True)
class _Word:
    original: str  # lower case, as written: for Cyrillic legal forms and for reasons
    latin: str  # canonical Latin spelling: what names are compared by


@dataclass(frozen=True)
class _LegalFormSpelling:
    canonical: str
    words: tuple[str, ...]
    in_latin: bool  # compare against _Word.latin rather than _Word.original

    def matches(self, words: list[_Word], start: int) -> bool:
        candidate = words[start : start + len(self.words)]
        if self.in_latin:
            return tuple(word.latin for word in candidate) == self.words
        return tuple(word.original for word in candidate) == self.words


@dataclass(frozen=True)
class _ParsedName:
    words: list[_Word]  # without legal forms
    legal_forms: list[str]  # canonical, in the order found; a trailing "Co" comes last

    @property
    def normalised(self) -> str:
        return " ".join(word.latin for word in self.words)

    @property
    def joined(self) -> str:
        """The letters in order without spaces: 'Газпром нефть' and 'Газпромнефть' agree here."""
        return "".join(word.latin for word in self.words)

    @property
    def latin_set(self) -> frozenset[str]:
        return frozenset(word.latin for word in self.words)


def _fold_latin_variants(word: str) -> str:
    """Repeat until stable so that normalising twice changes nothing."""
    while True:
        folded = word
        for pattern, replacement in _LATIN_SPELLING_VARIANTS:
            folded = pattern.sub(replacement, folded)
        if folded == word:
            return word
        word = folded


def _to_latin(word: str) -> str:
    transliterated = unicodedata.normalize("NFKD", word.translate(_CYRILLIC_TO_LATIN))
    without_accents = "".join(char for char in transliterated if not unicodedata.combining(char))
    return _fold_latin_variants(without_accents)


def _split_words(name: str) -> list[_Word]:
    """Words of a name with case, ё, quotes, '&' and punctuation neutralised."""
    text = unicodedata.normalize("NFC", name).casefold().replace("ё", "е")
    text = _QUOTING_APOSTROPHE.sub(" ", text.translate(_WORD_SEPARATING_QUOTES)).translate(_IN_WORD_QUOTES)
    text = text.replace("&", " and ")
    words = [_Word(raw, _to_latin(raw)) for raw in re.split(r"[\W_]+", text) if raw]
    return [word for word in words if word.latin]  # a lone "ъ" transliterates to nothing


def _build_legal_form_spellings() -> list[_LegalFormSpelling]:
    spellings = []
    for canonical, written_forms in _LEGAL_FORMS.items():
        for written in written_forms:
            words = _split_words(written)
            in_latin = written.isascii()
            key = tuple(word.latin if in_latin else word.original for word in words)
            spellings.append(_LegalFormSpelling(canonical, key, in_latin))
    # Longest first, so "Public Limited Company" wins over "Limited".
    return sorted(spellings, key=lambda spelling: -len(spelling.words))


_LEGAL_FORM_SPELLINGS = _build_legal_form_spellings()


def _legal_form_at(words: list[_Word], start: int) -> _LegalFormSpelling | None:
    for spelling in _LEGAL_FORM_SPELLINGS:
        ends_name = start + len(spelling.words) == len(words)
        if spelling.canonical in _TRAILING_ONLY_FORMS and not ends_name:
            continue
        if spelling.matches(words, start):
            return spelling
    return None


def _parse(name: str) -> _ParsedName:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"company name must be a non-empty string, got {name!r}")
    words = _split_words(name)
    if not words:
        raise ValueError(f"company name {name!r} has no letters or digits")
    remaining, found_forms = words, []
    while True:  # removing "Ltd" can leave "Co" trailing: strip until nothing changes
        kept, position = [], 0
        while position < len(remaining):
            spelling = _legal_form_at(remaining, position)
            if spelling is None:
                kept.append(remaining[position])
                position += 1
            else:
                found_forms.append(spelling.canonical)
                position += len(spelling.words)
        if len(kept) == len(remaining):
            break
        remaining = kept
    # A name that is nothing but a legal form still has to compare as something.
    return _ParsedName(remaining or words, found_forms)


def normalise_name(name: str) -> str:
    """Canonical comparable form: lower-case Latin words, no quotes, punctuation or legal form."""
    return _parse(name).normalised


def legal_form(name: str) -> str | None:
    """Canonical legal form in the name ('ooo', 'ltd', ...), or None when it has none."""
    forms = _parse(name).legal_forms
    return forms[0] if forms else None


def match_names(
    a: str,
    b: str,
    *,
    id_a: str | None = None,
    id_b: str | None = None,
    threshold: float = 0.9,
) -> NameMatch:
    """Is `b` the same company as `a`? Identifiers decide when both are given."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    parsed_a, parsed_b = _parse(a), _parse(b)
    clean_id_a, clean_id_b = _clean_identifier(id_a), _clean_identifier(id_b)
    if clean_id_a and clean_id_b:
        kind_a, kind_b = _identifier_kind(clean_id_a), _identifier_kind(clean_id_b)
        if not (kind_a and kind_b and kind_a != kind_b):
            return _match_identifiers(clean_id_a, clean_id_b)
        by_name = _match_parsed_names(parsed_a, parsed_b, threshold)
        return NameMatch(by_name.same, by_name.score, f"{kind_a} {clean_id_a} and {kind_b} {clean_id_b} cannot be "
                                                      f"compared, so the names decide: {by_name.reason}")
    return _match_parsed_names(parsed_a, parsed_b, threshold)


def _match_parsed_names(parsed_a: _ParsedName, parsed_b: _ParsedName, threshold: float) -> NameMatch:
    same_letters = parsed_a.joined == parsed_b.joined
    score = 1.0 if same_letters else SequenceMatcher(
        None,
        " ".join(sorted(word.latin for word in parsed_a.words)),
        " ".join(sorted(word.latin for word in parsed_b.words)),
        autojunk=False,
    ).ratio()
    form_a, form_b = (parsed.legal_forms[0] if parsed.legal_forms else None for parsed in (parsed_a, parsed_b))
    forms_differ = None not in (form_a, form_b) and _SAME_FORM.get(form_a, form_a) != _SAME_FORM.get(form_b, form_b)
    if forms_differ:
        score -= LEGAL_FORM_MISMATCH_PENALTY
    score = round(max(score, 0.0), 2)

    form_note = f"; legal forms differ ({form_a} vs {form_b})" if forms_differ else ""
    distinguishing = _distinguishing_words(parsed_a, parsed_b)
    if distinguishing and same_letters:
        spellings = " vs ".join(f"'{' '.join(word.original for word in p.words)}'" for p in (parsed_a, parsed_b))
        return NameMatch(score >= threshold, score, f"same letters, split into words differently: {spellings}"
                                                    f"{form_note}")
    if distinguishing:
        plural = "s" if len(distinguishing) > 1 else ""
        quoted = ", ".join(f"'{word}'" for word in distinguishing)
        return NameMatch(False, score, f"different distinguishing token{plural}: {quoted}{form_note}")
    if score < threshold:
        return NameMatch(False, score, f"same words but similarity {score} is below threshold {threshold}{form_note}")
    if forms_differ:
        return NameMatch(True, score, f"same name; legal forms differ ({form_a} vs {form_b}), which re-registration explains")
    return NameMatch(True, score, "same name after normalising legal form and quotes")


def _distinguishing_words(a: _ParsedName, b: _ParsedName) -> list[str]:
    """Words, as written, that only one of the names has."""
    only_in_a = [word.original for word in a.words if word.latin not in b.latin_set]
    only_in_b = [word.original for word in b.words if word.latin not in a.latin_set]
    return list(dict.fromkeys(only_in_a + only_in_b))


def _clean_identifier(identifier: str | None) -> str:
    """Without spaces and dashes; a short all-digit number is a company number that lost its zeros."""
    cleaned = re.sub(r"[\s-]+", "", identifier or "").upper()
    return cleaned.zfill(8) if cleaned.isdigit() and len(cleaned) < 8 else cleaned


def _match_identifiers(id_a: str, id_b: str) -> NameMatch:
    kind_a, kind_b = _identifier_kind(id_a), _identifier_kind(id_b)
    label = f"{kind_a} " if kind_a and kind_a == kind_b else ""
    if id_a == id_b:
        return NameMatch(True, 1.0, f"identifiers match: {label}{id_a}")
    return NameMatch(False, 0.0, f"identifiers differ: {label}{id_a} vs {id_b}")


def _identifier_kind(identifier: str) -> str | None:
    if _LETTERED_COMPANY_NUMBER.fullmatch(identifier):
        return "company number"
    return _IDENTIFIER_KINDS.get(len(identifier)) if identifier.isdigit() else None


# --- people: is the contact one of the registered directors? ------------------------------

# Titles Companies House and people put before a name: they identify no one.
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})
# A Russian patronymic in our canonical Latin spelling (Иванович, Сергеевна, Ильинична).
_PATRONYMIC = re.compile(r"(?:ich|vna|ichna)$")
# A word of a person's name: hyphens and apostrophes join (Римский-Корсаков, O'Brien); a dot may follow.
_PERSON_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*(\.)?")
# Passport, Companies House and our own spellings of one Russian name differ in vowels and
# й/ё (Dmitrii/Dmitriy/Dmitry, Yevgeny/Evgenii, Fyodor/Fedor, Sergeyevich/Sergeevich).
_PERSON_SPELLING_VARIANTS = (
    (re.compile("yo"), "e"),
    (re.compile("ye"), "e"),
    (re.compile("y"), "i"),
    (re.compile("i+"), "i"),
)


@dataclass(frozen=True)
class PersonMatch(NameMatch):
    """Verdict on two person names; `basis` is the weakest step that was needed, or why they differ."""

    basis: str  # exact | transliterated | partial | initials | different surname | …

    def as_dict(self) -> dict:
        return {**super().as_dict(), "basis": self.basis}


@dataclass(frozen=True)
class _NamePart:
    written: str  # lower case with ё as е: tells an exact match from a transliterated one
    key: str  # canonical Latin spelling, vowels and й folded
    initial: bool  # "И." or "Yu.": only the start of the name is known

    def __str__(self) -> str:
        return f"{self.written}." if self.initial else self.written


@dataclass(frozen=True)
class _Reading:
    """One way to read a name: which words are the surname."""

    surname: tuple[_NamePart, ...]
    given: tuple[_NamePart, ...]  # given name, then middle names or the patronymic


def _name_part(word: str, dotted: bool) -> _NamePart:
    written = re.sub(r"[-'’]", "", word.casefold().replace("ё", "е"))
    key = _to_latin(written)
    for pattern, replacement in _PERSON_SPELLING_VARIANTS:
        key = pattern.sub(replacement, key)
    return _NamePart(written, key, len(written) == 1 or (dotted and len(written) <= 3))


def _name_parts(text: str) -> tuple[list[_NamePart], list[str]]:
    """The parts of a name without titles, and each part as written (for the case of its letters)."""
    parts, written = [], []
    for found in _PERSON_WORD.finditer(unicodedata.normalize("NFC", text)):
        part = _name_part(found.group().rstrip("."), bool(found.group(1)))
        if part.key not in _TITLES:
            parts.append(part)
            written.append(found.group().rstrip("."))
    return parts, written


def _readings(name: str) -> list[_Reading]:
    """Where the surname is: before a comma (SURNAME, Given), in capitals (Allan David HORLEY),
    the only full word (Иванов И.И.), beside a patronymic, else first or last."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"person name must be a non-empty string, got {name!r}")
    surname_text, comma, given_text = name.partition(",")
    if comma:
        surname, given = _name_parts(surname_text)[0], _name_parts(given_text)[0]
        if surname and given and not any(part.initial for part in surname):
            return [_Reading(tuple(surname), tuple(given))]
    parts, written = _name_parts(name)
    if not parts:
        raise ValueError(f"person name {name!r} has no letters")
    full = [i for i, part in enumerate(parts) if not part.initial]
    if not full:
        raise ValueError(f"person name {name!r} has only initials, no surname")
    capitals = [i for i in full if len(written[i]) > 1 and written[i].isupper()]
    three_words = len(parts) == len(full) == 3
    if capitals and len(capitals) < len(full):
        surname_at = capitals
    elif len(full) == 1:
        surname_at = full
    elif three_words and _PATRONYMIC.search(parts[1].key) and not _PATRONYMIC.search(parts[2].key):
        surname_at = [2]  # Иван Иванович Иванов
    elif three_words and _PATRONYMIC.search(parts[2].key):
        surname_at = [0]  # Иванов Иван Иванович
    else:
        return [_Reading((parts[i],), tuple(p for j, p in enumerate(parts) if j != i))
                for i in dict.fromkeys((0, len(parts) - 1)) if not parts[i].initial]
    return [_Reading(tuple(parts[i] for i in surname_at),
                     tuple(p for j, p in enumerate(parts) if j not in surname_at))]


def _compare_readings(a: _Reading, b: _Reading) -> PersonMatch:
    surname_a, surname_b = " ".join(str(p) for p in a.surname), " ".join(str(p) for p in b.surname)
    keys = sorted(" ".join(p.key for p in (*r.surname, *r.given)) for r in (a, b))  # sorted: symmetric
    similarity = round(SequenceMatcher(None, *keys, autojunk=False).ratio(), 2)
    if [p.key for p in a.surname] != [p.key for p in b.surname]:
        return PersonMatch(False, similarity, f"different surnames: '{surname_a}' vs '{surname_b}'",
                           "different surname")
    if not a.given or not b.given:
        return PersonMatch(False, similarity, f"only the surname '{surname_a}' on one side: it could be "
                                              "anyone of that name", "given name missing")
    transliterated = [(x, y) for x, y in zip(a.surname, b.surname) if x.written != y.written]
    by_initial = []
    for x, y in zip(a.given, b.given):
        if x.initial or y.initial:
            if not (x.key.startswith(y.key) or y.key.startswith(x.key)):
                return PersonMatch(False, similarity, f"same surname, conflicting initials: '{x}' vs '{y}'",
                                   "conflicting given names")
            by_initial.append((x, y))
        elif x.key != y.key:
            return PersonMatch(False, similarity, f"same surname, different given names: '{x}' vs '{y}'",
                               "conflicting given names")
        elif x.written != y.written:
            transliterated.append((x, y))
    one_sided = (a.given if len(a.given) > len(b.given) else b.given)[min(len(a.given), len(b.given)):]

    notes, basis = [], "exact"
    if transliterated:
        basis = "transliterated"
        notes.append("same after transliteration: " + ", ".join(f"{x} = {y}" for x, y in transliterated))
    if one_sided:
        basis = "partial"
        notes.append("given on one side only: " + " ".join(str(p) for p in one_sided))
    if by_initial:
        basis = "initials"
        notes.append("agree by initials: " + ", ".join(f"{x} = {y}" for x, y in by_initial))
    score = 1.0 - 0.05 * bool(transliterated) - 0.05 * len(one_sided) - 0.1 * len(by_initial)
    return PersonMatch(True, round(max(score, 0.5), 2),
                       "; ".join(notes) or "same surname and given names", basis)


# Which failure explains a non-match best: the one that got furthest.
_FAILURE_ORDER = ("conflicting given names", "given name missing", "different surname")


def match_persons(a: str, b: str) -> PersonMatch:
    """Is `b` the same person as `a`? In any word order, with initials, in Cyrillic or Latin.

    The surnames must agree in full, and every given name, middle name or patronymic that both
    sides give must agree (an initial agrees with a name it starts); a part only one side gives
    lowers the score but does not refuse the match.
    """
    readings_a, readings_b = _readings(a), _readings(b)
    outcomes = [_compare_readings(x, y) for x in readings_a for y in readings_b]
    matches = [o for o in outcomes if o.same]
    if matches:
        return max(matches, key=lambda o: o.score)
    if len(readings_a) > 1 and len(readings_b) > 1:
        return outcomes[0]  # neither order is known: explain as read surname first
    # One name's order is known: explain by the reading of the other that got furthest.
    return min(outcomes, key=lambda o: _FAILURE_ORDER.index(o.basis))
