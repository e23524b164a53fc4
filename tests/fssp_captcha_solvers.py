"""Captcha solvers for tests/test_fssp.py, configured as `captcha.solver` the way a user would name a real one.

They know the hand-made captcha images of tests/fixtures/fssp by their SHA-256.
"""

from __future__ import annotations

import hashlib

ANSWERS = {
    "0a3ea05c76dfa0ebfb3be10f2c811a5e9c376780103d74195b98fd86f7c56721": "кфбмр",
    "c50d8548898e22083b23fa34886cf1e315c1e0b5848bbd23cb6884b51b1eb99e": "пдлгн",
    "8bfbf58e6426e37d39fba39dbecdb3ea554fd240153f7d60dd9f0f4dde05a829": "жтвэс",
}


def reads_the_image(image: bytes, content_type: str) -> str | None:
    assert content_type == "image/jpeg", content_type
    return ANSWERS.get(hashlib.sha256(image).hexdigest())


def answers_wrong(image: bytes, content_type: str) -> str:
    return "ошибк"


def gives_up(image: bytes, content_type: str) -> None:
    return None


def breaks(image: bytes, content_type: str) -> str:
    raise RuntimeError("https://solver.invalid/in.php?key=SECRET-KEY-123 refused")


NOT_A_FUNCTION = "a string"
