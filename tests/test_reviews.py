"""Complaint classifier: topics from review text in Russian and English, denials never count."""

from __future__ import annotations

import pytest

from clientvet.reviews import COMPLAINTS, TOPIC_LABELS, classify

COMPLAINING = [
    # does not pay / pays late
    ("Работу сделали, а они так и не заплатили.", {"non_payment"}),
    ("Заказчик не оплачивает счета уже третий месяц", {"non_payment"}),
    ("ООО не расплатилось с нами за поставку", {"non_payment"}),
    ("Постоянные задержки с оплатой, по 40 дней.", {"non_payment"}),
    ("Оплату задерживают, приходится звонить каждую неделю", {"non_payment"}),
    ("Платят не вовремя и только после претензии.", {"non_payment"}),
    ("До сих пор ждём оплату за март", {"non_payment"}),
    ("Неоплаченные счета висят полгода", {"non_payment"}),
    ("Долг так и не вернули.", {"non_payment"}),
    ("They never paid our last three invoices.", {"non_payment"}),
    ("The client refused to pay after delivery", {"non_payment"}),
    ("We have not been paid for two months", {"non_payment"}),
    ("They always pay late and ignore reminders.", {"non_payment"}),
    ("Still chasing them for payment.", {"non_payment"}),
    ("They owe us money since May", {"non_payment"}),
    ("They never pay on time.", {"non_payment"}),
    # fraud
    ("Это мошенники, не связывайтесь!", {"fraud"}),
    ("Нас просто кинули на предоплату", {"fraud"}),
    ("Обманули с комплектацией", {"fraud"}),
    ("Классический лохотрон и аферисты", {"fraud"}),
    ("Total scam, stay away", {"fraud"}),
    ("These people are fraudsters.", {"fraud"}),
    ("We got ripped off by this company", {"fraud"}),
    # deadlines
    ("Сорвали все сроки по договору", {"missed_deadlines"}),
    ("Сроки поставки нарушили на месяц", {"missed_deadlines"}),
    ("Работу сдали не в срок", {"missed_deadlines"}),
    ("Привезли заказ с опозданием на две недели", {"missed_deadlines"}),
    ("Задержали поставку без объяснений", {"missed_deadlines"}),
    ("They missed every deadline we agreed.", {"missed_deadlines"}),
    ("The order arrived three weeks late", {"missed_deadlines"}),
    ("Project is months behind schedule.", {"missed_deadlines"}),
    # rude
    ("Менеджер нахамил по телефону", {"rude"}),
    ("Очень грубый директор", {"rude"}),
    ("На нас наорали и бросили трубку", {"rude"}),
    ("Хамство и неуважение к клиентам", {"rude"}),
    ("The manager was extremely rude", {"rude"}),
    ("He yelled at our driver.", {"rude"}),
    ("Руководитель постоянно кричит на сотрудников.", {"rude"}),
    # salary delays (employer reviews)
    ("Зарплату задерживают по два месяца", {"salary_delay"}),
    ("Задержки зарплаты каждый месяц", {"salary_delay"}),
    ("Не выплатили зарплату при увольнении", {"salary_delay"}),
    ("З/П платят частями.", {"salary_delay"}),
    ("Обманывают с премиями.", {"salary_delay"}),
    ("При увольнении не рассчитали.", {"salary_delay"}),
    ("Salaries are always delayed.", {"salary_delay"}),
    ("They didn't pay my wages for March", {"salary_delay"}),
    ("I was never paid for my last month of work", {"salary_delay"}),
    # several at once, spelled with ё and capitals
    ("МОШЕННИКИ! Сорвали срок и до сих пор не вернули предоплату.", {"fraud", "missed_deadlines", "non_payment"}),
    ("Обманщики. Задержали зарплату, а начальник ещё и орёт.", {"fraud", "salary_delay"}),
    ("Хамят, а зарплату задерживают", {"rude", "salary_delay"}),
]

NOT_COMPLAINING = [
    "Оплатили вовремя, всё по договору.",
    "Всегда платят вовремя, рекомендуем.",
    "Задержек с оплатой не было ни разу.",
    "Никаких задержек, оплата в срок.",
    "Оплата без задержек.",
    "Оплачивают в срок.",
    "Зарплату не задерживают, белая.",
    "Зарплата всегда вовремя, два раза в месяц.",
    "Не было ни одной задержки зарплаты за три года.",
    "Сроки не сорвали, всё привезли вовремя.",
    "Ни разу не подвели по срокам.",
    "Не мошенники, работаем пять лет.",
    "Нас никогда не обманывали.",
    "Вежливые менеджеры, никто не хамит.",
    "Отличная компания, рекомендую.",
    "They always paid on time.",
    "Always paid on time, great partner",
    "They never pay late.",
    "Not a scam, a real business with real people.",
    "Delivered on time and without any delays.",
    "Never missed a deadline.",
    "No problems with payments.",
    "The staff were polite and helpful.",
    "Salaries are paid on time.",
    "",
]


@pytest.mark.parametrize(("text", "topics"), COMPLAINING)
def test_complaints_are_recognised(text, topics):
    assert classify(text) == topics


@pytest.mark.parametrize("text", NOT_COMPLAINING)
def test_praise_and_denials_are_not_complaints(text):
    assert classify(text) == set()


def test_every_topic_has_a_label_and_patterns():
    assert set(COMPLAINTS) == set(TOPIC_LABELS)
    assert all(COMPLAINTS.values())


def test_none_is_no_complaint():
    assert classify(None) == set()


def test_a_denial_in_one_sentence_does_not_hide_a_complaint_in_the_next():
    assert classify("Первый заказ оплатили вовремя. Второй не оплатили вообще.") == {"non_payment"}
