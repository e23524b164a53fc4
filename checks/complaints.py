"""What a review complains about, in the terms that matter to a supplier.

Source-independent (otzovik, 2GIS, Yandex Maps, dreamjob, Trustpilot): `classify(text)`
returns the complaint topics a review's text raises. The patterns are one data table
of stems and regexes over normalised text (lower case, ё as е, single spaces), read one
sentence at a time. Phrases that deny a complaint ("always paid on time", «оплатили
вовремя», «задержек не было») are blanked out first, so they never count as one.
"""

from __future__ import annotations

import re

TOPIC_LABELS = {
    "non_payment": "does not pay or pays late",
    "fraud": "fraud",
    "missed_deadlines": "breaks deadlines",
    "rude": "rude",
    "salary_delay": "delays or withholds salaries",
}

_PAY = r"(?:за|о|рас|вы|до)?пла[тч]\w*"  # платит, заплатили, оплачивают, расплатились, выплатили
_SALARY_RU = r"(?:зарплат\w*|заработн\w* плат\w*|з/п|зп|оклад\w*|аванс\w*|преми\w*|деньги за работу)"
_SALARY_EN = r"(?:salar(?:y|ies)|wages?|pay ?checks?)"
_NEGATED_EN = (r"(?:didn't|did not|doesn't|does not|don't|do not|won't|will not|never|refused to|refuses to|"
               r"refuse to|failed to|fails to|fail to)")
_WORDS = r"(?:[\w/-]+ ){0,2}"  # up to two words in between

# Topic → patterns that raise it (Russian and English together).
COMPLAINTS: dict[str, tuple[str, ...]] = {
    "non_payment": (
        rf"\bне {_PAY}",
        r"\bнеоплат\w*|\bнеоплач\w*|\bнеуплат\w*",
        r"\bне рассчита\w*|\bне рассчитыва\w*",
        r"\bне (?:перечисл|вернул|возвраща)\w* (?:\w+ )?(?:деньг|оплат|средств|долг|предоплат|аванс)\w*",
        r"\b(?:задерж|затягива|затянул|тянут|просроч)\w* (?:с |по )?(?:оплат|платеж|расчет|деньг)\w*",
        r"\b(?:оплат|платеж|расчет)\w* (?:с |по )?(?:задерж|просрочк|опоздани)\w*",
        r"\b(?:пла[тч]|оплат|оплач|рассчит)\w* не вовремя",
        r"\bдо сих пор (?:не )?(?:жд|ждем|ждут)\w* (?:оплат|деньг|расчет)\w*",
        r"\bдолг\w* (?:\w+ ){0,3}не (?:отда|верн|погас)\w*|\bне (?:отда|верн|погас)\w* (?:\w+ )?долг\w*",
        rf"\b{_NEGATED_EN} pay\b",
        r"\bnever paid\b",
        r"\b(?:haven't|have not|hasn't|has not|wasn't|were not|weren't) (?:yet )?(?:been )?paid\b",
        r"\bstill (?:not |un)paid\b",
        r"\bunpaid (?:invoice|bill|debt|work)s?\b",
        r"\bnon-?payment\b",
        r"\bpa(?:y|ys|id|ying) (?:\w+ ){0,2}late\b",
        r"\blate payments?\b",
        r"\bowe[sd]? (?:us|me|them|money)\b",
        r"\bchas(?:e|es|ed|ing) (?:\w+ ){0,2}(?:payment|invoice|money)s?\b",
        r"\boverdue (?:invoice|payment)s?\b",
    ),
    "fraud": (
        r"\bмошенни\w*|\bмошенн\w*",
        r"\bобман\w*\b(?! (?:с|по|на) (?:зарплат|з/п|зп|преми|расчет))",  # cheating on wages is salary_delay
        r"\bразвод\w* (?:на деньги|клиент\w*|людей)|\bразводят\b|\bразвели на\b",
        r"\bкинул\w*|\bкидал\w*|\bкидают\b",
        r"\bлохотрон\w*|\bафер\w*|\bжулик\w*|\bжуль\w*",
        r"\bподдел\w* (?:документ|подпис|договор)\w*|\bподдельн\w*",
        r"\bscam\w*|\bfraud\w*|\bcon artists?\b|\bswindl\w*",
        r"\brip-?off\b|\bripped (?:us |me |people |customers )?off\b",
        r"\bcheat\w*|\bstole\b|\bstolen\b|\bforged\b",
    ),
    "missed_deadlines": (
        r"\bсорва\w* (?:\w+ )?срок\w*|\bсрыв\w* (?:\w+ )?срок\w*",
        r"\bсрок\w* (?:\w+ )?(?:сорва|сорвал|наруш|провал|затяну)\w*",
        r"\bнаруш\w* (?:\w+ )?срок\w*",
        r"\bне (?:соблюда|выдержива|выполня|держ)\w* (?:\w+ )?срок\w*|\bсрок\w* не (?:соблюда|выдержива|держ)\w*",
        r"\bне в срок\b|\bне уложил\w* в срок\w*|\bпозже срока\b",
        r"\bпросрочи\w*|\bпросрочк\w* (?:поставк|сдач|работ|заказ)\w*",
        r"\b(?:сдал|сделал|выполнил|доставил|привез|отгрузил|поставил)\w* (?:\w+ )?(?:с опозданием|не вовремя)",
        r"\b(?:задерж|затягива|затянул)\w* (?:с )?(?:поставк|доставк|заказ|сдач|работ|проект|отгрузк)\w*",
        r"\b(?:поставк|доставк|заказ|отгрузк)\w* (?:\w+ )?задерж\w*",
        r"\bmissed (?:\w+ ){0,2}deadlines?\b|\b(?:blew|broke|blown) (?:\w+ ){0,2}deadlines?\b",
        r"\bbehind schedule\b|\b(?:days|weeks|months) late\b|\blate deliver(?:y|ies)\b|\bdelivered late\b",
        r"\bdelay(?:ed|s)? (?:the |our |my )?(?:delivery|deliveries|project|order|shipment)s?\b",
        r"\bnever delivered\b",
    ),
    "rude": (
        r"\bнахам\w*|\bхам(?!елеон|мер|ам)\w*",
        r"\bгруб\w*",
        r"\bоскорб\w*|\bунижа\w*|\bунизил\w*",
        r"\bнаорал\w*|\bорут\b|\bорал\w*|\bнакричал\w*|\bкрич(?:ит|ат|ал\w*)\b",
        r"\bнеуважени\w*|\bнеуважительн\w*|\bпо-хамски\b",
        r"\bматом\b|\bматер(?:ят|ился|илась|ились)\b|\bпослал\w* (?:нас|меня) на\b",
        r"\brude\w*|\binsult\w*|\byell(?:ed|ing|s)?\b|\bshout(?:ed|ing|s)?\b|\bscreamed\b",
        r"\bdisrespect\w*|\babusive\b|\barrogant\b|\bcondescending\b|\bswore at\b",
    ),
    "salary_delay": (
        rf"\bзадерж\w* (?:{_WORDS}){_SALARY_RU}",
        rf"{_SALARY_RU} {_WORDS}задерж\w*",
        rf"{_SALARY_RU} (?:\w+ )?не {_PAY}",
        rf"\bне {_PAY} {_WORDS}{_SALARY_RU}",
        rf"{_SALARY_RU} {_WORDS}(?:с опозданием|не вовремя|частями|кусками)",
        r"\bне рассчита\w* при увольнени\w*|\bпри увольнени\w* (?:\w+ )?не (?:рассчита|заплат|выплат|доплат)\w*",
        r"\bне дал\w* расчет\w*",
        rf"\bдолг\w* по {_SALARY_RU}|\bобман\w* (?:с|по|на) (?:зарплат|з/п|зп|преми|расчет)\w*",
        rf"\b{_SALARY_EN} (?:\w+ ){{0,2}}(?:late|delayed|withheld|unpaid|not paid|never paid|held back)\b",
        rf"\b(?:late|delayed|withheld|unpaid|missing) {_SALARY_EN}",
        rf"\b(?:{_NEGATED_EN}|haven't|have not|hasn't|has not) (?:get |been )?pa(?:y|id) (?:\w+ ){{0,2}}{_SALARY_EN}",
        r"\b(?:not|never) (?:been )?paid for (?:my|our|the) (?:\w+ ){0,2}(?:work|months?|weeks?)\b",
    ),
}

# Phrases that deny a complaint; blanked out before the complaints are looked for.
NOT_COMPLAINTS: tuple[str, ...] = (
    r"(?<!не )вовремя|(?<!not )on time|\bв срок\b(?<!не в срок)",
    r"\b(?:никогда |ни разу |всегда )?(?:не|ни) (?:был[оаи]? |бывает |бывало |)"
    r"(?:никаких |ни одной |ни одного )?(?:задерж|просроч|опоздан|срыв|сорва)\w*",
    r"\bбез (?:\w+ )?(?:задерж|просроч|опоздан|срыв|обман|хамств|грубост|проблем)\w*",
    r"\bникаких (?:задерж|просроч|опоздан|проблем)\w*",
    r"\b(?:задерж|просрочк|срыв|опоздани)\w* (?:\w+ ){0,3}(?:не было|не бывает|не бывало|нет)\b",
    r"\b(?:никогда |ни разу )?не (?:являются |является |были |был )?(?:мошенни|обман|кину|кида|развод|"
    r"лохотрон|хам|груб|оскорб|кричал|кричат|наорал)\w*",
    r"\b(?:никогда |ни разу )не (?:подвел|подвели|подводил)\w*",
    r"\bnot (?:a |an )?(?:scam|fraud|rude|cheat)\w*|\bno (?:scam|fraud|rudeness|delays?|late payments?)\b",
    r"\bnever (?:late|delayed|rude|missed (?:\w+ ){0,2}deadlines?|scammed|cheated|pays? late|paid late)\b",
    r"\bwithout (?:any )?delays?\b|\bno problems? with (?:payments?|deadlines?|salar(?:y|ies)|wages)\b",
)

_COMPILED = {topic: [re.compile(p) for p in patterns] for topic, patterns in COMPLAINTS.items()}
_DENIALS = [re.compile(p) for p in NOT_COMPLAINTS]
_SENTENCE_END = re.compile(r"[.!?;\n…]+|\s[-–—]\s")


def normalise(text: str) -> str:
    """Lower case, ё as е, apostrophes unified, single spaces: the form the patterns are written in."""
    text = text.lower().replace("ё", "е").replace("’", "'").replace("`", "'")
    return " ".join(text.split())


def _sentence_topics(sentence: str) -> set[str]:
    for denial in _DENIALS:
        sentence = denial.sub(" | ", sentence)
    topics = {topic for topic, patterns in _COMPILED.items() if any(p.search(sentence) for p in patterns)}
    if "salary_delay" in topics:
        topics.discard("non_payment")  # unpaid wages are an employer's complaint, not a supplier's
    return topics


def classify(text: str | None) -> set[str]:
    """The complaint topics (keys of TOPIC_LABELS) the text raises; empty for praise or neutral text."""
    if not text:
        return set()
    topics: set[str] = set()
    for sentence in _SENTENCE_END.split(text):
        topics |= _sentence_topics(normalise(sentence))
    return topics
