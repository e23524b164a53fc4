"""What the salesperson learned in conversation, as stable codes (DESIGN.md, "Red flags from practice").

The catalogue is the one place a signal's question, explanation, severity and
points live: the interview asks its questions, `signals codes` lists it, and
checks/rules/conversation.py makes one rule of each entry. Careful behaviour before signing
(reading the contract slowly, asking many questions) has codes too, with
negative points, so that entering it can only help the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LANGUAGES = ("en", "ru")
# Shown when the config names no high-risk industries (`high_risk_industries = [...]`).
EXAMPLE_INDUSTRY = {"en": "e.g. seafood trading", "ru": "например, торговля морепродуктами"}


@dataclass(frozen=True)
class Signal:
    code: str
    severity: str  # high | medium | low for red flags; info for careful behaviour
    points: int  # negative for careful behaviour: it lowers the score
    explanation: str
    question: dict[str, str]  # language -> interview question; "yes" means the signal applies

    def ask(self, lang: str, high_risk_industries: list[str] | None = None) -> str:
        """The question, naming the industries the user configured as high-risk where it asks about them."""
        industries = ", ".join(high_risk_industries or []) or EXAMPLE_INDUSTRY[lang]
        return self.question[lang].format(industries=industries)

    @property
    def red_flag(self) -> bool:
        return self.points > 0


def _signal(code: str, severity: str, points: int, explanation: str, en: str, ru: str) -> Signal:
    return Signal(code, severity, points, explanation, {"en": en, "ru": ru})


CATALOGUE: tuple[Signal, ...] = (
    _signal("anonymous_contact", "high", 15,
            "First contact came as a voice message from an unknown number, or the contact will not say "
            "who they are or which company they represent.",
            "Was the first contact a voice message from an unknown number, or would the contact not say "
            "who they are or which company they represent?",
            "Первый контакт — голосовое сообщение с неизвестного номера, или собеседник не говорит, "
            "кто он и какую компанию представляет?"),
    _signal("promises_broken", "high", 15,
            "Promises made before the start (materials, answers, deposit) were not kept.",
            "Has the client already failed to keep a promise made before the start (materials, answers, deposit)?",
            "Клиент уже не выполнил обещанное до старта (материалы, ответы, предоплата)?"),
    _signal("cash_off_books", "high", 20,
            "The client wants to pay in cash or off the books.",
            "Does the client want to pay in cash or off the books?",
            "Клиент хочет платить наличными или неофициально, без документов?"),
    _signal("fast_results_slow_work", "medium", 10,
            "The client wants fast results from work that pays off slowly (e.g. search optimisation).",
            "Does the client expect fast results from work that pays off slowly (e.g. search optimisation)?",
            "Клиент ждёт быстрого результата от работы с долгой отдачей (например, SEO)?"),
    _signal("no_inputs_wants_numbers", "medium", 10,
            "The client cannot give basic business inputs (costs, goals, average order) yet wants numeric reports.",
            "Is the client unable to give basic business inputs (costs, goals, average order) "
            "while expecting reports in numbers?",
            "Клиент не может назвать базовые цифры бизнеса (затраты, цели, средний чек), "
            "но требует отчётов в цифрах?"),
    _signal("refuses_measurement", "medium", 10,
            "The client wants sales results but refuses any measurement (analytics, call tracking).",
            "Does the client want sales results but refuse any measurement (analytics, call tracking)?",
            "Клиент хочет рост продаж, но отказывается от любых измерений (аналитика, коллтрекинг)?"),
    _signal("referral_expects_discount", "low", 5,
            "The client came by referral and expects discounts or extra work for it.",
            "Did the client come by referral and expect a discount or extra work because of it?",
            "Клиент пришёл по рекомендации и ждёт за это скидку или дополнительную работу?"),
    _signal("demands_top_person", "low", 5,
            "The client demands many meetings and long calls with the top person for simple questions.",
            "Does the client demand many meetings or long calls with your top person for simple questions?",
            "Клиент требует много встреч и долгих созвонов с первым лицом по простым вопросам?"),
    _signal("blames_previous_contractors", "medium", 10,
            "The client says every previous contractor was incompetent.",
            "Does the client say that every previous contractor was incompetent?",
            "Клиент говорит, что все прежние подрядчики были некомпетентны?"),
    _signal("business_sinking", "high", 15,
            "The client's business is sinking: falling market, partners splitting up, desperation.",
            "Is the client's business sinking: a falling market, partners splitting up, desperation?",
            "Бизнес клиента тонет: рынок падает, партнёры расходятся, чувствуется отчаяние?"),
    _signal("no_signing_authority", "high", 20,
            "The contact cannot show authority to sign (not a registered director, no power of attorney).",
            "Is the contact unable to show authority to sign (not the registered director, no power of attorney)?",
            "Собеседник не может подтвердить право подписи (не директор по ЕГРЮЛ, нет доверенности)?"),
    _signal("high_risk_industry", "medium", 15,
            "The client works in an industry you mark as high-risk.",
            "Does the client work in an industry you treat as high-risk ({industries})?",
            "Клиент работает в отрасли, которую вы считаете рискованной ({industries})?"),
    _signal("reads_contract_carefully", "info", -5,
            "The client reads the contract slowly and carefully: a sign of a careful partner, not a red flag.",
            "Does the client read the contract slowly and carefully?",
            "Клиент читает договор медленно и внимательно?"),
    _signal("asks_many_questions", "info", -5,
            "The client asks many questions before signing: a sign of a careful partner, not a red flag.",
            "Does the client ask many questions before signing?",
            "Клиент задаёт много вопросов до подписания?"),
)
SIGNALS: dict[str, Signal] = {signal.code: signal for signal in CATALOGUE}

# The interview's numbered answers: number -> (what it does, label per language).
ANSWERS: dict[int, tuple[str, dict[str, str]]] = {
    1: ("record", {"en": "yes", "ru": "да"}),
    2: ("clear", {"en": "no", "ru": "нет"}),
    3: ("skip", {"en": "skip / don't know", "ru": "пропустить / не знаю"}),
}
SKIP = 3

TEXTS = {
    "intro": {"en": "Pre-signing interview for {company}. Answer with a number; Enter skips.",
              "ru": "Интервью перед подписанием: {company}. Отвечайте номером; Enter — пропустить."},
    "answer": {"en": "Answer", "ru": "Ответ"},
    "note": {"en": "Note (optional)", "ru": "Комментарий (необязательно)"},
    "recorded": {"en": "recorded", "ru": "записано"},
    "cleared": {"en": "cleared", "ru": "снято"},
    "already": {"en": "already recorded", "ru": "уже записано"},
    "stopped": {"en": "Interview stopped; the answers given so far are saved.",
                "ru": "Интервью прервано; данные ответы сохранены."},
    "done": {"en": "Done: {yes} yes, {no} no, {skipped} skipped.",
             "ru": "Готово: да — {yes}, нет — {no}, пропущено — {skipped}."},
}


@dataclass(frozen=True)
class StoredSignal:
    """One signal as entered for a company; removal keeps the row with removed_at set."""

    id: int
    company_key: str
    code: str
    note: str | None
    entered_by: str
    entered_at: str
    removed_at: str | None = None
    removed_by: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StoredSignal:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def signal(self) -> Signal:
        return SIGNALS[self.code]


def unknown_code_message(code: str) -> str:
    return f"unknown signal code {code!r}; `clientvet signals codes` lists them: {', '.join(SIGNALS)}"
