"""`clientvet match`: the attribution decision, shown to a person who doubts a hit."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from clientvet.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, ["match", *args])


def test_json_gives_the_decision_score_and_reason():
    result = run('ООО "Ромашка"', "Общество с ограниченной ответственностью «РОМАШКА»", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"same": True, "score": 1.0,
                                         "reason": "same name after normalising legal form and quotes"}


def test_a_different_company_is_an_answer_too():
    result = run("Альфа-1", "Альфа-2")
    assert result.exit_code == 0
    assert result.output == "different companies (score 0.83): different distinguishing tokens: '1', '2'\n"


def test_readable_line_for_the_same_company():
    result = run("Acme Ltd", "ACME LIMITED")
    assert (result.exit_code, result.output) == (0, "same company (score 1.0): same name after normalising "
                                                    "legal form and quotes\n")


def test_people_with_initials():
    result = run("Иванов Иван Иванович", "И. И. Иванов", "--person")
    assert result.exit_code == 0
    assert result.output == "same person (score 0.8, initials): agree by initials: иван = и., иванович = и.\n"


def test_people_json_says_how():
    result = run("Иванов Иван Петрович", "Иванов П.И.", "--person", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"same": False, "score": 0.58, "basis": "conflicting given names",
                                         "reason": "same surname, conflicting initials: 'иван' vs 'п.'"}


@pytest.mark.parametrize("args", [("", "Ромашка"), ("Ромашка", "  "), ("«»", "Ромашка"),
                                  ("", "Иванов Иван", "--person"), ("Иванов Иван", "1", "--person")])
def test_empty_input_exits_2(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Invalid value for NAME_A, NAME_B" in result.output


def test_help_shows_an_example():
    result = CliRunner().invoke(cli, ["match", "--help"])
    assert result.exit_code == 0
    assert "clientvet match 'ООО \"Ромашка\"' \"Romashka LLC\"" in result.output
