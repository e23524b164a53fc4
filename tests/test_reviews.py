"""Complaint classifier: topics from review text in Russian and English, denials never count."""

from __future__ import annotations

import pytest

from clientvet.checks.complaints import COMPLAINTS, TOPIC_LABELS, classify

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


# --- rules over hand-built review facts ------------------------------------------------------

from datetime import date  # noqa: E402

from clientvet.checks.evidence import CheckEvidence  # noqa: E402
from clientvet.checks.rules import RULES, Hit  # noqa: E402
from clientvet.evidence.store import CheckRecord, Observation, SourceRun  # noqa: E402
from tests.reviews_support import REVIEW_SITES  # noqa: E402

TODAY = date(2026, 11, 23)


def review(key: str, published: str, text: str = "Всё хорошо", rating: int = 5, reviewer: str = "customer",
           site: str = "otzovik.com") -> Observation:
    data = {"site": site, "rating": rating, "text": text, "published": published, "reviewer": reviewer,
            "url": f"https://{site}/review_{key}.html", "topics": sorted(classify(text))}
    return Observation(f"review:{key}", "review", key, "otzovik", data, "", "", None)


def review_page(rating: float, count: int, reviewer: str = "customer") -> Observation:
    data = {"site": "2gis.ru", "url": "https://2gis.ru/firm/1", "rating": rating, "count": count, "pages_read": 1,
            "reviewer": reviewer}
    return Observation("review_page:1", "review_page", "1", "twogis", data, "", "", None)


def hits(code: str, *observations: Observation, runs: tuple[SourceRun, ...] = ()) -> list[Hit]:
    check = CheckRecord(1, "ru:inn:0000123450", "RU", "inn", "0000123450", "2026-11-23T00:00:00+00:00", None,
                        "done", None, sources=list(runs))
    return list(RULES[code].evaluate(CheckEvidence(check, list(observations), frozenset(), TODAY,
                                                   review_sources=REVIEW_SITES)))


def test_one_angry_review_is_not_a_verdict():
    assert hits("reviews_non_payment_or_fraud", review("1", "2026-10-01", "Мошенники, не заплатили!")) == []
    assert hits("reviews_many_complaints", review("1", "2026-10-01", "Мошенники, не заплатили!")) == []


def test_two_recent_non_payment_reviews_are_a_high_factor_naming_them():
    """Old complaints (over 24 months) and employees' complaints do not count here."""
    [hit] = hits("reviews_non_payment_or_fraud",
                 review("1", "2026-10-01", "Так и не оплатили поставку", rating=1),
                 review("2", "2025-02-01", "Это мошенники", rating=1),
                 review("3", "2023-01-01", "Не платят"),
                 review("4", "2026-05-01", "Не платят зарплату", reviewer="employee"),
                 review("5", "2026-04-01"))
    assert RULES["reviews_non_payment_or_fraud"].points == 25
    assert [o.key for o in hit.evidence] == ["1", "2"]
    assert hit.detail == ("2 of 3 review(s), 1 of them in the last 12 months; latest: otzovik.com 2026-10-01 1★ "
                          "(does not pay or pays late); otzovik.com 2025-02-01 1★ (fraud)")


def test_a_few_payment_complaints_among_many_reviews_do_not_count():
    praise = [review(f"p{n}", "2026-06-01") for n in range(30)]
    complaints = [review(f"c{n}", "2026-06-01", "Не оплатили счёт") for n in range(2)]
    assert hits("reviews_non_payment_or_fraud", *praise, *complaints) == []


def test_complaint_share_needs_enough_reviews_and_a_third_complaining():
    four = [review("1", "2026-10-01", "Сорвали сроки"), review("2", "2026-09-01", "Хамят"),
            review("3", "2026-08-01"), review("4", "2026-07-01")]
    assert hits("reviews_many_complaints", *four) == []  # fewer than 5 recent reviews
    [hit] = hits("reviews_many_complaints", *four, review("5", "2026-06-01"))
    assert hit.detail.startswith("2 of 5 reviews (40%), 2 of them in the last 12 months")
    assert [o.key for o in hit.evidence] == ["1", "2"]
    assert hits("reviews_many_complaints", *four, *(review(f"x{n}", "2026-06-01") for n in range(3))) == []


def test_salary_delays_from_employees_are_a_sinking_signal():
    [hit] = hits("reviews_salary_delays",
                 review("1", "2026-10-01", "Зарплату задерживают", reviewer="employee", site="dreamjob.ru"),
                 review("2", "2025-12-20", "Задержки зарплаты", reviewer="employee", site="dreamjob.ru"),
                 review("3", "2023-05-10", "Задерживали аванс", reviewer="employee", site="dreamjob.ru"))
    assert [o.key for o in hit.evidence] == ["1", "2"]
    assert hits("reviews_salary_delays", review("1", "2026-10-01", "Зарплату задерживают", reviewer="employee")) == []
    [hit] = hits("reviews_salary_delays",  # an employee writing on a customer site counts too
                 review("1", "2026-10-01", "Зарплату задерживают", reviewer="employee", site="dreamjob.ru"),
                 review("2", "2026-09-01", "Сотрудникам не платят зарплату третий месяц", site="2gis.ru"))
    assert [o.key for o in hit.evidence] == ["1", "2"]


def test_salary_complaints_on_customer_sites_are_not_customer_complaints():
    reviews = [review("1", "2026-10-01", "Зарплату задерживают"), *(review(f"{n}", "2026-06-01") for n in range(2, 6))]
    # 2 customer complaints of 7 reviews is under 30%; counting the salary one would make it 3 of 7 (43%)
    assert hits("reviews_many_complaints", *reviews, review("6", "2026-10-01", "Не оплатили"),
                review("7", "2026-10-01", "Хамят")) == []
    [hit] = hits("reviews_many_complaints", *reviews, review("6", "2026-10-01", "Не оплатили"),
                 review("7", "2026-10-01", "Хамят"), review("8", "2026-10-01", "Сорвали сроки"))
    assert [o.key for o in hit.evidence] == ["6", "7", "8"]


def test_low_stars_are_only_a_low_factor_and_need_enough_reviews():
    assert RULES["reviews_low_rating"].severity == "low" and RULES["reviews_low_rating"].points == 5
    [hit] = hits("reviews_low_rating", review_page(2.1, 40))
    assert hit.detail == "2gis.ru: 2.1★ from 40 reviews"
    assert hits("reviews_low_rating", review_page(1.0, 3)) == []
    assert hits("reviews_low_rating", review_page(2.0, 40, reviewer="employee")) == []
    assert hits("reviews_low_rating", review_page(3.5, 40)) == []


def run(source: str, status: str, reason: str | None = None) -> SourceRun:
    return SourceRun(source, status, reason, None, None, 1, 0)


def test_review_sites_not_checked_count_once_in_coverage_and_only_when_none_was_read():
    """Review sites failing weigh like one supporting source at most; other sources still count one by one."""
    failed = (run("otzovik", "failed", "captcha: otzovik.com shows a captcha at https://otzovik.com/"),
              run("yandex_maps", "failed", "layout changed: x"), run("twogis", "skipped", "no API key"))
    others = (run("kad_arbitr", "failed", "blocked: HTTP 451"),)
    [hit] = hits("reviews_unchecked", runs=(*failed, *others))
    assert hit.detail == ("otzovik: failed (captcha: otzovik.com shows a captcha at https://otzovik.com/); "
                          "yandex_maps: failed (layout changed: x); twogis: skipped (no API key)")
    assert hits("reviews_partly_unchecked", runs=(*failed, *others)) == []
    assert [(h.detail, h.points) for h in hits("source_unchecked", runs=(*failed, *others))] == [
        ("kad_arbitr: failed (blocked: HTTP 451)", 5)]
    more = (*others, run("fssp", "failed", "captcha"), run("pb_nalog", "failed", "timeout"))
    [hit] = hits("source_unchecked", runs=more)
    assert hit.points == 10 and hit.detail.count("failed") == 3  # every source named, the points capped

    partly = (*failed, run("dreamjob", "empty"))
    assert hits("reviews_unchecked", runs=partly) == []
    [hit] = hits("reviews_partly_unchecked", runs=partly)
    assert RULES["reviews_partly_unchecked"].points == 0 and hit.detail.startswith("otzovik: failed (captcha")
    assert hits("reviews_unchecked", runs=(run("dreamjob", "ok"),)) == []


# --- what the review sources share: the company to look for, dates, numbers -----------------

from clientvet.crawler.spiders.review_site import Company, city_of, company_from_registry, iso_date, number  # noqa


def registry(**data) -> Observation:
    return Observation("registry_record:1", "registry_record", "1", "egrul", data, "", "", None)


def test_company_brand_and_city_come_from_the_registry_record():
    company = company_from_registry([registry(short_name='ООО "РОМАШКА-М"', name='ОБЩЕСТВО "РОМАШКА-М"',
                                              address="420111, Республика Татарстан, г. Казань, ул. Баумана, д. 1")])
    assert (company.brand, company.city) == ("РОМАШКА-М", "Казань")
    assert company_from_registry([registry(short_name="ПАО СБЕРБАНК", region="г. Москва")]).brand == "СБЕРБАНК"
    assert company_from_registry([registry(status="active")]) is None
    assert city_of({"region": "Санкт-Петербург"}) == "Санкт-Петербург"


def test_a_site_name_is_the_company_only_when_matching_says_so():
    company = Company(('ООО "РОМАШКА-М"',), "РОМАШКА-М", "Казань")
    assert company.match('ООО "Ромашка-М" (Россия, Казань)').same
    assert company.match('Интернет-магазин "Ромашка-М" (Россия, Москва)').same  # the quoted part alone
    assert company.match("Ромашка-М, кафе") is None
    assert company.match('ООО "Ромашка" (Россия, Казань)') is None
    assert company.match("Ромашка-М Плюс") is None


def test_a_site_name_under_another_legal_form_is_another_company():
    """Neither the quoted part nor the brand stands in for a name that shows its own form."""
    company = Company(('ООО "РОМАШКА-М"',), "РОМАШКА-М", "Казань")
    assert company.match('АО "Ромашка-М" (Россия, Казань)') is None
    assert company.match("Romashka-M LLC").same  # ООО in English
    assert company.match("Ромашка-М").same  # no form shown: the brand


def test_dates_and_numbers_as_sites_write_them():
    assert iso_date("2026-10-02T07:12:00.000Z") == "2026-10-02"
    assert iso_date("14.10.2026") == "2026-10-14"
    assert iso_date("3 марта 2026") == "2026-03-03" and iso_date("5 мая 2025 г.") == "2025-05-05"
    assert iso_date("вчера") is None
    assert (number("4,2"), number("1 234 отзыва"), number(5), number("нет")) == (4.2, 1234.0, 5.0, None)
