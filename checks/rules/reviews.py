"""Review rules: what customers and employees write about the company on review sites."""

from __future__ import annotations

from typing import Iterable

from clientvet.checks.complaints import TOPIC_LABELS
from clientvet.checks.evidence import CheckEvidence
from clientvet.checks.rules import Hit, rule
from clientvet.checks.rules.shared import since
from clientvet.evidence.store import Observation

# --- reviews (otzovik, 2GIS, Yandex Maps: customers; dreamjob: employees) -------------------------
# Judged on the reviews of the last 24 months as of evidence.today, with a floor on how many there
# are, so one angry review is not a verdict. Topics come from clientvet.checks.complaints.classify.

REVIEW_WINDOW_DAYS = 730
REVIEW_RECENT_DAYS = 365
REVIEWS_MIN = 5  # recent customer reviews needed before their share of complaints means anything
REVIEW_COMPLAINT_SHARE = 0.3  # of recent customer reviews
PAYMENT_COMPLAINTS_MIN = 2  # non-payment / fraud: two customers independently …
PAYMENT_COMPLAINT_SHARE = 0.1  # … and not a handful among thousands of a large company's reviews
SALARY_COMPLAINTS_MIN = 2
LOW_STARS = 3.0
PAYMENT_TOPICS = frozenset({"non_payment", "fraud"})
CUSTOMER_TOPICS = frozenset(TOPIC_LABELS) - {"salary_delay"}


def _recent_reviews(evidence: CheckEvidence, reviewer: str | None = None) -> list[Observation]:
    """Reviews of the last 24 months, newest first: by customers or employees, or all of them."""
    return sorted((r for r in evidence.of("review") if reviewer in (None, r.data.get("reviewer"))
                   and since(evidence, r.data.get("published"), REVIEW_WINDOW_DAYS)),
                  key=lambda r: r.data["published"], reverse=True)


def _complaining(reviews: list[Observation], topics: frozenset[str]) -> list[Observation]:
    return [r for r in reviews if topics & set(r.data.get("topics") or ())]


def _review_list(evidence: CheckEvidence, reviews: list[Observation]) -> str:
    last_year = sum(since(evidence, r.data["published"], REVIEW_RECENT_DAYS) for r in reviews)
    shown = "; ".join(f"{r.data['site']} {r.data['published']} {r.data['rating']:g}★ "
                      f"({', '.join(TOPIC_LABELS[t] for t in r.data['topics'] if t in TOPIC_LABELS)})"
                      for r in reviews[:3])
    return f"{last_year} of them in the last 12 months; latest: {shown}"


@rule("reviews_non_payment_or_fraud", "reviews", "high", 25,
      f"At least {PAYMENT_COMPLAINTS_MIN} customer reviews of the last 24 months, and {PAYMENT_COMPLAINT_SHARE:.0%} "
      "of them, say the company does not pay, pays late or defrauds.")
def reviews_non_payment_or_fraud(evidence: CheckEvidence) -> Iterable[Hit]:
    recent = _recent_reviews(evidence, "customer")
    complaints = _complaining(recent, PAYMENT_TOPICS)
    if len(complaints) >= max(PAYMENT_COMPLAINTS_MIN, PAYMENT_COMPLAINT_SHARE * len(recent)):
        yield Hit(f"{len(complaints)} of {len(recent)} review(s), {_review_list(evidence, complaints)}",
                  tuple(complaints))


@rule("reviews_many_complaints", "reviews", "medium", 10,
      f"At least {REVIEW_COMPLAINT_SHARE:.0%} of the customer reviews of the last 24 months (when there are "
      f"{REVIEWS_MIN} or more) complain of non-payment, fraud, broken deadlines or rudeness.")
def reviews_many_complaints(evidence: CheckEvidence) -> Iterable[Hit]:
    recent = _recent_reviews(evidence, "customer")
    complaints = _complaining(recent, CUSTOMER_TOPICS)
    if len(recent) >= REVIEWS_MIN and len(complaints) >= REVIEW_COMPLAINT_SHARE * len(recent):
        yield Hit(f"{len(complaints)} of {len(recent)} reviews ({len(complaints) / len(recent):.0%}), "
                  f"{_review_list(evidence, complaints)}", tuple(complaints))


@rule("reviews_salary_delays", "reviews", "medium", 15,
      f"At least {SALARY_COMPLAINTS_MIN} reviews of the last 24 months (employees', on any site) say salaries "
      "are delayed or withheld: a sign the business may be sinking.")
def reviews_salary_delays(evidence: CheckEvidence) -> Iterable[Hit]:
    complaints = _complaining(_recent_reviews(evidence), frozenset({"salary_delay"}))
    if len(complaints) >= SALARY_COMPLAINTS_MIN:
        yield Hit(f"{len(complaints)} review(s), {_review_list(evidence, complaints)}", tuple(complaints))


@rule("reviews_low_rating", "reviews", "low", 5,
      f"Customers rate the company below {LOW_STARS:.0f} stars on average (on a site with at least "
      f"{REVIEWS_MIN} reviews); stars alone say little.")
def reviews_low_rating(evidence: CheckEvidence) -> Iterable[Hit]:
    pages = [p for p in evidence.of("review_page") if p.data.get("reviewer", "customer") == "customer"
             and p.data.get("rating") is not None and p.data["count"] >= REVIEWS_MIN
             and p.data["rating"] < LOW_STARS]
    if pages:
        yield Hit("; ".join(f"{p.data['site']}: {p.data['rating']}★ from {p.data['count']} reviews" for p in pages),
                  tuple(pages))
