"""Decide whether a search hit names the prospect company.

Every source (court parties, review pages, registry search results) finds
hits by name, and a wrong "yes" pins someone else's lawsuits on the prospect.
So names are compared as an analyst reads them: in one canonical Latin form
that ignores what does not identify a company (case, quotes, punctuation,
script, a leading "The", "&" for "and" or «и», "+" for "plus" or «плюс», an organisational word written as
its abbreviation: ТД = Торговый дом), while any extra word or number
("Ромашка-М", "Acme Estates") still means a different company.

The same name under another legal form (ООО and АО «Ромашка», Acme Ltd and
Acme PLC) is another legal entity: only one form written in two languages
(ООО = LLC) or a designation that covers the other (JSC for any Russian
joint-stock company, Inc. or Corp. for a US corporation) passes. A company
that re-registered under another form is recognised by its identifier, or by
the previous names its registry records, which callers match as names too.
An identifier, when both sides have one, overrides the names.

People are compared the same way for the signing-authority check (is the contact
a registered director?): a surname must agree in full and every given name or
initial both sides give must agree, in any order and either script. A sole
proprietor (ИП) trades under its owner's name, so its name is compared so too.

Input of any size takes linear time: names are cut to a sane length first and
the similarity score comes from rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz.distance import Indel

# Longer than any registered name (the longest Russian full names run to about 300 characters).
MAX_NAME_LENGTH = 500
# Abbreviation readings tried per name: a name with more abbreviations keeps the rest as written.
MAX_READINGS = 16

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
    "fgup": ("ФГУП", "Федеральное государственное унитарное предприятие"),
    "gup": ("ГУП", "Государственное унитарное предприятие"),
    "mup": ("МУП", "Муниципальное унитарное предприятие"),
    "ano": ("АНО", "Автономная некоммерческая организация"),
    "too": ("ТОО", "Товарищество с ограниченной ответственностью"),
    "ltd": ("Ltd", "Limited", "Cyf", "Cyfyngedig"),
    "plc": ("PLC", "P.L.C.", "Public Limited Company", "CCC", "Cwmni Cyfyngedig Cyhoeddus"),
    "llc": ("LLC", "L.L.C.", "Limited Liability Company"),
    "llp": ("LLP", "Limited Liability Partnership"),
    "lp": ("LP", "L.P.", "Limited Partnership"),
    "inc": ("Inc", "Incorporated"),
    "corp": ("Corp", "Corporation"),
    "co": ("Co", "Company"),  # "YOU & CO. LTD" and "YOU LIMITED" are two registered companies: "&" is a word
    "gmbh": ("GmbH", "G.m.b.H.", "Gesellschaft mit beschränkter Haftung"),
    "ag": ("AG", "Aktiengesellschaft"),
    "sa": ("SA", "S.A."),
    "nv": ("NV", "N.V."),
    "bv": ("BV", "B.V."),
    "spa": ("SpA", "S.p.A."),
    "srl": ("Srl", "S.r.l."),
    "sarl": ("SARL", "S.à r.l.", "S.a.r.l."),
    "se": ("SE",),
    "ab": ("AB",),
    # How Russian companies write their form in English (PJSC Sberbank, Gazprom Neft PJSC).
    "jsc": ("JSC", "Joint Stock Company", "Joint-Stock Company"),
    "pjsc": ("PJSC", "Public Joint Stock Company", "Public Joint-Stock Company"),
    "cjsc": ("CJSC", "Closed Joint Stock Company", "Closed Joint-Stock Company"),
    "ojsc": ("OJSC", "Open Joint Stock Company", "Open Joint-Stock Company"),
}
# "Co"/"Company" is also an ordinary word ("Co-op Bank", "Company Builders"), and the short European forms
# are abbreviations too ("LP Gas", "SE Asia", "AB Foods").
_TRAILING_ONLY_FORMS = frozenset({"co", "lp", "nv", "bv", "spa", "srl", "sarl", "se", "ab"})
# "Co" says nothing about the kind of entity: it neither agrees nor conflicts with a form.
_NEUTRAL_FORMS = frozenset({"co"})
# One form written in two languages: ООО «Ромашка» and Romashka LLC are one form, not a re-registration.
_SAME_FORM = {"llc": "ooo", "jsc": "ao", "pjsc": "pao", "cjsc": "zao", "ojsc": "oao"}
# A designation that covers other forms as written, and why: the names may be one entity, at a small cost.
_COVERING_FORMS = {
    "jsc": (frozenset({"ao", "pao", "nao", "zao", "oao", "pjsc", "cjsc", "ojsc"}),
            "JSC is how every kind of Russian joint-stock company writes its form in English"),
    "ltd": (frozenset({"ooo"}), "an ООО writes its form in English as LLC or Ltd"),
    "inc": (frozenset({"corp"}), "a US corporation writes Inc. or Corp."),
}
LEGAL_FORM_MISMATCH_PENALTY = 0.05
_DIFFERENT_ENTITY = "another legal entity"  # what _forms_relation says of forms that cannot be one entity

# Organisational words Russian names write as abbreviations (ООО «ТД Ромашка» = ООО «Торговый дом Ромашка»).
# An abbreviation with two readings (СК: строительная or страховая компания) equals either, while the two
# full forms stay two companies. Matched in Cyrillic only, like the Russian legal forms.
ORGANISATIONAL_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "ТД": ("Торговый дом",),
    "ТК": ("Торговая компания", "Транспортная компания"),
    "ТПК": ("Торгово-производственная компания",),
    "ПТК": ("Производственно-торговая компания",),
    "ТПФ": ("Торгово-производственная фирма",),
    "ТФ": ("Торговая фирма",),
    "ПФ": ("Производственная фирма",),
    "ПКФ": ("Производственно-коммерческая фирма",),
    "ПКП": ("Производственно-коммерческое предприятие",),
    "ПКК": ("Производственно-коммерческая компания",),
    "ПСК": ("Производственно-строительная компания",),
    "ПО": ("Производственное объединение",),
    "НПО": ("Научно-производственное объединение",),
    "НПП": ("Научно-производственное предприятие",),
    "НПФ": ("Научно-производственная фирма", "Негосударственный пенсионный фонд"),
    "НПК": ("Научно-производственная компания", "Научно-производственный комплекс"),
    "НПЦ": ("Научно-производственный центр",),
    "НТЦ": ("Научно-технический центр",),
    "НИИ": ("Научно-исследовательский институт",),
    "СК": ("Строительная компания", "Страховая компания"),
    "ГК": ("Группа компаний",),
    "УК": ("Управляющая компания",),
    "ИК": ("Инвестиционная компания",),
    "ФК": ("Финансовая компания", "Футбольный клуб"),
    "ЛК": ("Лизинговая компания",),
    "МКК": ("Микрокредитная компания",),
    "МФК": ("Микрофинансовая компания",),
    "ТЭК": ("Транспортно-экспедиционная компания", "Топливно-энергетическая компания"),
    "РСУ": ("Ремонтно-строительное управление",),
    "СМУ": ("Строительно-монтажное управление",),
    "СУ": ("Строительное управление",),
    "ПМК": ("Передвижная механизированная колонна",),
    "ДСК": ("Домостроительный комбинат",),
    "СЗ": ("Специализированный застройщик",),
    "АН": ("Агентство недвижимости",),
    "ЧОП": ("Частное охранное предприятие",),
    "ЧОО": ("Частная охранная организация",),
    "ОП": ("Охранное предприятие",),
}

# English words Russian names write in Cyrillic (ООО «Альфа Групп» is Alfa Group LLC in English): against
# a Latin word they are compared as the English word.
ENGLISH_WORDS_IN_CYRILLIC: dict[str, str] = {
    "групп": "group", "груп": "group", "трейд": "trade", "трейдинг": "trading", "сервис": "service",
    "консалтинг": "consulting", "девелопмент": "development", "менеджмент": "management",
    "инжиниринг": "engineering", "технолоджи": "technology", "текнолоджи": "technology",
    "технолоджис": "technologies", "системс": "systems", "солюшнс": "solutions", "энерджи": "energy",
    "интернешнл": "international", "интернэшнл": "international", "финанс": "finance", "эстейт": "estate",
    "пропертиз": "properties", "ритейл": "retail", "фудс": "foods", "сервисез": "services",
    "и": "and", "плюс": "plus",  # "&" and "+" are read as these words: «Иванов & Партнёры», «Профи+»
}

_CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian, Belarusian and Kazakh letters
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ә": "a", "ө": "o", "ү": "u", "ұ": "u", "қ": "k",
    "ң": "n", "ғ": "g", "һ": "h",
})
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[a-z]")
# Letters that look alike in the two scripts (after case folding: В/B, Н/H, М/M, Т/T by their capitals).
# A word typed in one script with a few letters of the other is read in the script of most of its letters.
_LOOKALIKES = "авсенкмортху", "abcehkmoptxy"
_LATIN_LOOKALIKES_TO_CYRILLIC = str.maketrans(_LOOKALIKES[1], _LOOKALIKES[0])
_CYRILLIC_LOOKALIKES_TO_LATIN = str.maketrans(_LOOKALIKES[0], _LOOKALIKES[1])

# Other people's transliterations of the same Russian word, folded onto ours
# (Maxim/Maksim, Maria/Mariya, Iunona/Yunona, Sergej/Sergey, Himki/Khimki). One pass is stable.
_LATIN_SPELLING_VARIANTS = (
    (re.compile("x"), "ks"),
    (re.compile("j"), "y"),
    (re.compile("i+y"), "y"),
    (re.compile("i+a"), "ya"),
    (re.compile("i+u"), "yu"),
    (re.compile("(?<![szc])k+h"), "h"),  # leave the h of zh/sh/ch alone
)
# Looser still, for a word in one script against a word in the other, and for people's names: passport,
# Companies House and our own spellings differ in vowels, c/k and й/ё (Lukoil/Лукойл, Dmitrii/Dmitriy/Dmitry,
# Yevgeny/Evgenii, Fyodor/Fedor, Sergeyevich/Sergeevich, Obyedineniye/Объединение).
_LOOSE_SPELLING_VARIANTS = (
    (re.compile("x"), "ks"),
    (re.compile("j"), "y"),
    (re.compile("c(?=[eiy])"), "s"),  # City, Vincent
    (re.compile("c(?!h)"), "k"),  # Rostelecom, Sovcomflot, Victor
    (re.compile("(?<![szc])k+h"), "h"),
    (re.compile("yo"), "e"),
    (re.compile("ye"), "e"),
    (re.compile("y"), "i"),
    (re.compile("i+"), "i"),
)

# Double quotes may glue words together (ООО"Ромашка"); apostrophes sit inside a Latin word
# (O'Reilly) but are quotes anywhere else (ООО'Ромашка', 'Acme').
_WORD_SEPARATING_QUOTES = str.maketrans(dict.fromkeys("«»„“”‟\"‹›", " "))
_QUOTING_APOSTROPHE = re.compile(r"(?<![a-z])['`‘’‚‛]|['`‘’‚‛](?![a-z])")
_IN_WORD_QUOTES = str.maketrans(dict.fromkeys("'`‘’‚‛", None))
_NON_WORD = re.compile(r"[\W_]+")
# EDGAR's conformed names end with the state or a marker: "BANK OF AMERICA CORP /DE/", "WELLS FARGO & COMPANY/MN",
# after a space or glued to the legal form (not "AC/DC").
_EDGAR_NAME_TAG = re.compile(r"(?P<space>\s*)/\s*(?:[^\W\d_]{1,4}\s*/?\s*)?$")
_LAST_WORD = re.compile(r"[^\W_]+$")

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
    original: str  # lower case, as written: for Cyrillic legal forms, abbreviations and reasons
    latin: str  # canonical Latin spelling: what names are compared by
    loose: str  # looser Latin spelling: what a word in the other script is compared by
    cyrillic: bool


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
class _CompanyReading:
    """One way to read a name's words: as written, or with abbreviations spelled out."""

    words: tuple[_Word, ...]
    spelled_out: tuple[tuple[str, str], ...] = ()  # (abbreviation, full form) as written

    @cached_property
    def latin_set(self) -> frozenset[str]:
        return frozenset(word.latin for word in self.words)

    @cached_property
    def loose_sets(self) -> dict[bool, frozenset[str]]:
        """Loose spellings by script (True: Cyrillic)."""
        return {script: frozenset(w.loose for w in self.words if w.cyrillic == script) for script in (True, False)}

    @cached_property
    def joined(self) -> str:
        """The letters in order without spaces: 'Газпром нефть' and 'Газпромнефть' agree here."""
        return "".join(word.latin for word in self.words)

    @cached_property
    def loose_joined(self) -> str:
        return "".join(word.loose for word in self.words)

    def has(self, word: _Word) -> bool:
        """Is the word here, spelled the same, or in the other script and spelled alike?"""
        return word.latin in self.latin_set or word.loose in self.loose_sets[not word.cyrillic]

    def sorted_text(self, loose: bool) -> str:
        return " ".join(sorted(word.loose if loose else word.latin for word in self.words))


@dataclass(frozen=True)
class _ParsedName:
    words: list[_Word]  # without legal forms or a leading article
    legal_forms: list[str]  # canonical, in the order found; a trailing "Co" comes last
    readings: tuple[_CompanyReading, ...]  # as written first
    beyond_cut: str  # the letters and digits past MAX_NAME_LENGTH, if any

    @property
    def normalised(self) -> str:
        return " ".join(word.latin for word in self.words)

    @property
    def form(self) -> str | None:
        """The legal form that tells what kind of entity this is ("Co" tells nothing)."""
        return next((form for form in self.legal_forms if form not in _NEUTRAL_FORMS), None)


def _fold(word: str, variants: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, replacement in variants:
        word = pattern.sub(replacement, word)
    return word


def _transliterate(word: str) -> str:
    """Latin letters and digits only: й before its breve is split off, then accents go (ѐ is е, é is e)."""
    without_accents = unicodedata.normalize("NFKD", word.translate(_CYRILLIC_TO_LATIN))
    letters = "".join(char for char in without_accents if char.isalnum())  # no "⁄" out of "¼"
    return letters.casefold().translate(_CYRILLIC_TO_LATIN)


def _to_latin(word: str) -> str:
    return _fold(_transliterate(word), _LATIN_SPELLING_VARIANTS)


def _loose_latin(word: str) -> str:
    return _fold(_transliterate(word), _LOOSE_SPELLING_VARIANTS)


def _one_script(word: str) -> str:
    """«Ромaшка» with a Latin a is «Ромашка»; «Acmе» with a Cyrillic е is «Acme»; «POMAШKA», mostly Latin but
    with a Ш no Latin letter looks like, is «РОМАШКА». A word that is neither stays as written."""
    cyrillic, latin = len(_CYRILLIC.findall(word)), len(_LATIN.findall(word))
    if not (cyrillic and latin):
        return word
    into_cyrillic, into_latin = (_LATIN, _LATIN_LOOKALIKES_TO_CYRILLIC), (_CYRILLIC, _CYRILLIC_LOOKALIKES_TO_LATIN)
    for other_script, into in ((into_cyrillic, into_latin) if cyrillic > latin else (into_latin, into_cyrillic)):
        fixed = word.translate(into)
        if not other_script.search(fixed):
            return fixed
    return word


@lru_cache(maxsize=8192)  # sources compare the prospect's few names with many hits
def _word(raw: str) -> _Word:
    written = _one_script(raw)
    return _Word(written, _to_latin(written), _loose_latin(ENGLISH_WORDS_IN_CYRILLIC.get(written, written)),
                 bool(_CYRILLIC.search(written)))


def _split_words(name: str) -> list[_Word]:
    """Words of a name with case, ё, quotes, '&', '+' and punctuation neutralised."""
    # 𝐀, ＡＣＭＥ and ﬁ are letters; "№ 7" is a number sign, which NFKC would spell "No".
    text = unicodedata.normalize("NFKC", name.replace("№", " ")).casefold().replace("ё", "е")
    text = _QUOTING_APOSTROPHE.sub(" ", text.translate(_WORD_SEPARATING_QUOTES)).translate(_IN_WORD_QUOTES)
    text = text.replace("&", " and ").replace("+", " plus ")
    words = [_word(raw) for raw in _NON_WORD.split(text) if raw]
    return [word for word in words if word.latin]  # a lone "ъ" transliterates to nothing


def _build_legal_form_spellings() -> tuple[dict[str, list[_LegalFormSpelling]], dict[str, list[_LegalFormSpelling]]]:
    """Spellings by their first and by their last word, longest first ("Public Limited Company" before "Limited")."""
    spellings = []
    for canonical, written_forms in _LEGAL_FORMS.items():
        for written in written_forms:
            words = _split_words(written)
            in_latin = written.isascii()
            key = tuple(word.latin if in_latin else word.original for word in words)
            spellings.append(_LegalFormSpelling(canonical, key, in_latin))
    by_first: dict[str, list[_LegalFormSpelling]] = {}
    by_last: dict[str, list[_LegalFormSpelling]] = {}
    for spelling in sorted(spellings, key=lambda s: -len(s.words)):
        by_first.setdefault(spelling.words[0], []).append(spelling)
        by_last.setdefault(spelling.words[-1], []).append(spelling)
    return by_first, by_last


_FORMS_BY_FIRST_WORD, _FORMS_BY_LAST_WORD = _build_legal_form_spellings()
_LATIN_FORM_LAST_WORDS = frozenset(word for word, spellings in _FORMS_BY_LAST_WORD.items()
                                   if any(s.in_latin for s in spellings))


def _spellings(index: dict[str, list[_LegalFormSpelling]], word: _Word) -> list[_LegalFormSpelling]:
    found = [s for s in index.get(word.latin, ()) if s.in_latin] + [s for s in index.get(word.original, ())
                                                                     if not s.in_latin]
    return sorted(found, key=lambda s: -len(s.words))


def _strip_legal_forms(words: list[_Word]) -> tuple[list[_Word], list[str]]:
    """The words without legal forms, and the forms found: anywhere, then trailing-only ones at the end."""
    kept, forms, position = [], [], 0
    while position < len(words):
        spelling = next((s for s in _spellings(_FORMS_BY_FIRST_WORD, words[position])
                         if s.canonical not in _TRAILING_ONLY_FORMS and s.matches(words, position)), None)
        if spelling is None:
            kept.append(words[position])
            position += 1
        else:
            forms.append(spelling.canonical)
            position += len(spelling.words)
    while kept:  # removing "Ltd" can leave "Co" trailing
        spelling = next((s for s in _spellings(_FORMS_BY_LAST_WORD, kept[-1])
                         if len(s.words) <= len(kept) and s.matches(kept, len(kept) - len(s.words))), None)
        if spelling is None:
            break
        forms.append(spelling.canonical)
        del kept[len(kept) - len(spelling.words):]
    return kept, forms


def _build_abbreviations() -> dict[str, list[tuple[str, tuple[_Word, ...]]]]:
    return {abbreviation.casefold(): [(full, tuple(_split_words(full))) for full in full_forms]
            for abbreviation, full_forms in ORGANISATIONAL_ABBREVIATIONS.items()}


_ABBREVIATIONS = _build_abbreviations()


def _company_readings(words: list[_Word]) -> tuple[_CompanyReading, ...]:
    """The name as written, then with each organisational abbreviation spelled out in each of its meanings."""
    readings = [_CompanyReading(())]
    for word in words:
        meanings = _ABBREVIATIONS.get(word.original, ()) if word.cyrillic else ()
        if meanings and len(readings) * (1 + len(meanings)) <= MAX_READINGS:
            readings = [_CompanyReading(r.words + (word,), r.spelled_out) for r in readings] + [
                _CompanyReading(r.words + full_words, r.spelled_out + ((word.original, full.lower()),))
                for full, full_words in meanings for r in readings]
        else:
            readings = [_CompanyReading(r.words + (word,), r.spelled_out) for r in readings]
    return tuple(readings)


def _without_edgar_tag(name: str) -> str:
    tag = _EDGAR_NAME_TAG.search(name)
    if not tag or not tag.start():
        return name
    before = _LAST_WORD.search(name[: tag.start()])
    glued_to_form = before is not None and _to_latin(before.group().casefold()) in _LATIN_FORM_LAST_WORDS
    return name[: tag.start()] if tag["space"] or glued_to_form else name


def _parse(name: str) -> _ParsedName:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"company name must be a non-empty string, got {name!r}")
    text = unicodedata.normalize("NFC", name)
    head, beyond = text[:MAX_NAME_LENGTH], text[MAX_NAME_LENGTH:]
    words = _split_words(_without_edgar_tag(head))
    if not words:
        raise ValueError(f"company name {name[:MAX_NAME_LENGTH]!r} has no letters or digits")
    kept, forms = _strip_legal_forms(words)
    if len(kept) > 1 and kept[0].original == "the":
        kept = kept[1:]  # "The Boots Company" is "Boots Co"
    kept = kept or words  # a name that is nothing but a legal form still has to compare as something
    return _ParsedName(kept, forms, _company_readings(kept), _NON_WORD.sub("", beyond.casefold()))


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
    if parsed_a.beyond_cut != parsed_b.beyond_cut:
        return NameMatch(False, 0.0, f"longer than any company name ({MAX_NAME_LENGTH} characters), and they "
                                     "differ after that")
    forms = {parsed_a.form, parsed_b.form}
    if "ip" in forms and forms <= {"ip", None} and parsed_a.words and parsed_b.words:
        # A sole proprietor trades under its owner's name: ИП Петров П.П. is Петров Петр Петрович.
        person = match_persons(*(" ".join(word.original for word in parsed.words) for parsed in (parsed_a, parsed_b)))
        return NameMatch(person.same, person.score, f"a sole proprietor, named as a person: {person.reason}")
    as_written = None
    for reading_a in parsed_a.readings:
        for reading_b in parsed_b.readings:
            verdict = _match_readings(reading_a, reading_b, parsed_a.form, parsed_b.form, threshold)
            if verdict.same:
                return verdict
            as_written = as_written or verdict
    return as_written


def _match_readings(a: _CompanyReading, b: _CompanyReading, form_a: str | None, form_b: str | None,
                    threshold: float) -> NameMatch:
    distinguishing = _distinguishing_words(a, b)
    scripts_differ = any(w.cyrillic for w in a.words) != any(w.cyrillic for w in b.words)
    same_letters = a.joined == b.joined or (scripts_differ and a.loose_joined == b.loose_joined)
    loose = not distinguishing
    score = 1.0 if same_letters else Indel.normalized_similarity(a.sorted_text(loose), b.sorted_text(loose))
    forms = _forms_relation(form_a, form_b)
    if forms:
        score -= LEGAL_FORM_MISMATCH_PENALTY
    score = round(max(score, 0.0), 2)

    form_note = f"; legal forms differ ({form_a} vs {form_b})" if forms else ""
    if distinguishing and same_letters:
        spellings = " vs ".join(f"'{' '.join(word.original for word in r.words)}'" for r in (a, b))
        return NameMatch(score >= threshold and forms != _DIFFERENT_ENTITY, score,
                         f"same letters, split into words differently: {spellings}{form_note}")
    if distinguishing:
        plural = "s" if len(distinguishing) > 1 else ""
        quoted = ", ".join(f"'{word}'" for word in distinguishing)
        return NameMatch(False, score, f"different distinguishing token{plural}: {quoted}{form_note}")
    if score < threshold:
        return NameMatch(False, score, f"same words but similarity {score} is below threshold {threshold}{form_note}")
    if forms == _DIFFERENT_ENTITY:
        return NameMatch(False, score, f"same name, but legal forms differ ({form_a} vs {form_b}): another legal "
                                       "entity unless an identifier matches or the registry records the change")
    spelled_out = "".join(f"; '{abbreviation}' read as '{full}'" for abbreviation, full in a.spelled_out + b.spelled_out)
    if forms:
        return NameMatch(True, score, f"same name; legal forms differ ({form_a} vs {form_b}), but {forms}{spelled_out}")
    return NameMatch(True, score, f"same name after normalising legal form and quotes{spelled_out}")


def _forms_relation(form_a: str | None, form_b: str | None) -> str | None:
    """None when the forms agree (or one side has none); else why they may still be one entity,
    or _DIFFERENT_ENTITY."""
    if form_a is None or form_b is None:
        return None
    if _SAME_FORM.get(form_a, form_a) == _SAME_FORM.get(form_b, form_b):
        return None
    for covering, other in ((form_a, form_b), (form_b, form_a)):
        covered, why = _COVERING_FORMS.get(covering, (frozenset(), ""))
        if other in covered:
            return why
    return _DIFFERENT_ENTITY


def _distinguishing_words(a: _CompanyReading, b: _CompanyReading) -> list[str]:
    """Words, as written, that only one of the names has."""
    only_in_a = [word.original for word in a.words if not b.has(word)]
    only_in_b = [word.original for word in b.words if not a.has(word)]
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
# Longer than any one person's name, titles and all; anything longer is not compared as a name.
MAX_PERSON_NAME_LENGTH = 200
MAX_PERSON_NAME_WORDS = 10


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
    return _NamePart(written, _loose_latin(written), len(written) == 1 or (dotted and len(written) <= 3))


def _name_parts(text: str) -> tuple[list[_NamePart], list[str]]:
    """The parts of a name without titles, and each part as written (for the case of its letters)."""
    parts, written = [], []
    for found in _PERSON_WORD.finditer(unicodedata.normalize("NFC", text)):
        part = _name_part(found.group().rstrip("."), bool(found.group(1)))
        if part.written not in _TITLES:
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
    similarity = round(Indel.normalized_similarity(*keys), 2)
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


def _could_be_one_name(name: str) -> bool:
    """Short enough to be one person's name: a paragraph pasted as a contact is nobody's."""
    return len(name) <= MAX_PERSON_NAME_LENGTH and len(_PERSON_WORD.findall(name)) <= MAX_PERSON_NAME_WORDS


# Which failure explains a non-match best: the one that got furthest.
_FAILURE_ORDER = ("conflicting given names", "given name missing", "different surname")


def match_persons(a: str, b: str) -> PersonMatch:
    """Is `b` the same person as `a`? In any word order, with initials, in Cyrillic or Latin.

    The surnames must agree in full, and every given name, middle name or patronymic that both
    sides give must agree (an initial agrees with a name it starts); a part only one side gives
    lowers the score but does not refuse the match.
    """
    for name in (a, b):
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"person name must be a non-empty string, got {name!r}")
    for name in (a, b):
        if not _could_be_one_name(name):
            return PersonMatch(False, 0.0, f"one side is {len(name.split())} words, {len(name)} characters long: "
                                           "not one person's name", "not a person's name")
    readings_a, readings_b = _readings(a), _readings(b)
    outcomes = [_compare_readings(x, y) for x in readings_a for y in readings_b]
    matches = [o for o in outcomes if o.same]
    if matches:
        return max(matches, key=lambda o: o.score)
    if len(readings_a) > 1 and len(readings_b) > 1:
        return outcomes[0]  # neither order is known: explain as read surname first
    # One name's order is known: explain by the reading of the other that got furthest.
    return min(outcomes, key=lambda o: _FAILURE_ORDER.index(o.basis))
