"""Replays for batches and re-checks, made by the test from the demo recordings in a tmp directory.

`demo_company` writes the demo company's recordings as those of another made-up company (its
INN, OGRN and the tokens the registries' answers hand out replaced), so a batch has several
companies to check. `edit_answer` changes one recorded answer (a new notice, a new director, a
new review) to make a later check of the same company differ from an earlier one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

from clientvet.evidence.identifiers import INN_WEIGHTS_10, _weighted
from tests.conftest import DEMO

DEMO_INN = "0000123450"
DEMO_OGRN = "1000000000010"
# What the demo's answers hand out that a later request sends back: replaced per company, so that
# each company's requests find its own answers.
TOKENS = ("32A8359BEAF2657C03CF75155672B5FA3661B10E",  # egrul search token
          "D3E0C0A5F1B2C4D6E8F0A1B3C5D7E9F1A3B5C7D9",  # pb.nalog.ru search job
          "990000001")  # bo.nalog.ru organisation id


def made_up_inn(number: int) -> str:
    """A valid ten-digit INN of a made-up company (the demo's own is number 12345)."""
    digits = f"{number:09d}"
    return digits + str(_weighted(digits, INN_WEIGHTS_10))


def made_up_ogrn(number: int) -> str:
    """A valid OGRN of a made-up company, never the demo's."""
    body = f"5{number:011d}"
    return body + str(int(body) % 11 % 10)


def copy_demo(directory: Path) -> Path:
    """The demo company's recordings in `directory` (made if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    for har in DEMO.glob("*.har"):
        shutil.copy(har, directory / har.name)
    return directory


def demo_company(directory: Path, number: int) -> str:
    """Write the demo recordings as made-up company `number`'s into `directory`; returns its INN."""
    inn, ogrn = made_up_inn(number), made_up_ogrn(number)
    directory.mkdir(parents=True, exist_ok=True)
    for har in DEMO.glob("*.har"):
        text = har.read_text(encoding="utf-8").replace(DEMO_INN, inn).replace(DEMO_OGRN, ogrn)
        for n, token in enumerate(TOKENS):
            text = text.replace(token, f"{token[:-len(str(number)) - 1]}{n}{number}"[-len(token):])
        (directory / har.name.replace(DEMO_INN, inn)).write_text(text, encoding="utf-8")
    return inn


def edit_answer(har: Path, url_part: str, edit: Callable[[Any], Any]) -> None:
    """Change the JSON answer of the first entry whose URL contains `url_part`: `edit` changes it in place."""
    recording = json.loads(har.read_text(encoding="utf-8"))
    entry = next(e for e in recording["log"]["entries"] if url_part in e["request"]["url"])
    content = entry["response"]["content"]
    answer = json.loads(content["text"])
    edit(answer)
    content["text"] = json.dumps(answer, ensure_ascii=False, indent=1)
    har.write_text(json.dumps(recording, ensure_ascii=False, indent=1), encoding="utf-8")


def uk_unknown_company(directory: Path, number: str = "99999999") -> str:
    """Companies House answers 404 for every part of company `number`: a check of it finds no such company."""
    directory.mkdir(parents=True, exist_ok=True)
    not_found = {"status": 404, "headers": [{"name": "Content-Type", "value": "application/json"}],
                 "content": {"text": '{"errors":[{"error":"company-profile-not-found","type":"ch:service"}]}'}}
    base = f"https://api.company-information.service.gov.uk/company/{number}"
    entries = [{"request": {"method": "GET", "url": base + path, "headers": []}, "response": not_found}
               for path in ("", "/officers", "/persons-with-significant-control", "/charges", "/insolvency",
                            "/filing-history")]
    (directory / f"handmade-unknown-{number}.har").write_text(json.dumps({"log": {"entries": entries}}))
    return number


DEMO_GUID = "00000000-0000-4000-8000-000000123450"  # the demo company on fedresurs.ru
LIQUIDATION_NOTICE = "00000000-0000-4000-8000-00000000a0ff"
NEW_DIRECTOR = "Новиков Николай Николаевич"
OLD_DIRECTOR = "Примеров Пётр Петрович"


def new_director_demo(directory: Path) -> Path:
    """The demo company with another director in the registry: a change, not in itself worse."""
    copy_demo(directory)

    def director(answer: dict) -> None:
        answer["rows"][0]["g"] = f"ГЕНЕРАЛЬНЫЙ ДИРЕКТОР: {NEW_DIRECTOR}"

    edit_answer(directory / f"egrul-{DEMO_INN}.har", "search-result", director)
    return directory


def worse_demo(directory: Path) -> Path:
    """The demo company a week later, in recordings: it published its liquidation, changed its director and got a
    one-star review; bankrot.fedresurs.ru and dreamjob.ru no longer answer (their recordings are gone)."""
    new_director_demo(directory)

    def liquidation(answer: dict) -> None:
        company = {"name": 'ООО "ДЕМО-ПОСТАВКА"', "guid": DEMO_GUID, "type": "Company"}
        answer["pageData"].insert(0, {
            "publicationType": "SfactMessage", "guid": LIQUIDATION_NOTICE, "number": "99000099",
            "datePublish": "2026-11-25T10:00:00.0", "isAnnulled": False, "isLocked": False,
            "type": "Ликвидация юридического лица", "publisher": company, "participants": [company]})
        answer["found"] = len(answer["pageData"])

    def review(answer: dict) -> None:
        answer["reviews"].insert(0, {
            "id": "9100000000000009", "text": "Не заплатили за поставку и пропали.", "rating": 1, "provider": "2gis",
            "is_hidden": False, "date_created": "2026-11-21T10:00:00.000000+07:00", "date_edited": None,
            "object": {"id": "70000001099999001", "type": "branch"}, "user": {"name": "Выдуманный автор"}})
        answer["meta"]["total_count"] = answer["meta"]["branch_reviews_count"] = len(answer["reviews"])

    edit_answer(directory / f"fedresurs-{DEMO_INN}.har", "/publications", liquidation)
    edit_answer(directory / f"twogis-{DEMO_INN}.har", "/reviews?", review)
    (directory / f"bankrot_fedresurs-{DEMO_INN}.har").unlink()
    (directory / f"dreamjob-{DEMO_INN}.har").unlink()
    return directory
