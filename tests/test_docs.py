"""The docs are tested: docs/cli.md is what docs/cli_docs.py writes from `--help`, every command has
help, every command and option is documented, and the README names no command or option that is gone.

The commands and options come from walking the Click group, so a command added or changed in
cli.py is held to the same rules without editing this file.
"""

from __future__ import annotations

import re
import shlex

import click
import pytest

from clientvet.cli import cli
from docs.cli_docs import CLI_MD, WIDTH, command_contexts, render
from tests.conftest import ROOT

README = ROOT / "README.md"
REGENERATE = "run `.venv/bin/python docs/cli_docs.py` and commit docs/cli.md"
_INVOCATION = re.compile(r"(?:^|(?<=[\s/]))clientvet\s+(.*)")  # `clientvet …`, `.venv/bin/clientvet …`
_CHAIN = re.compile(r"&&|\|\||[;|]")
_OPTION = re.compile(r"^--?[A-Za-z]")


def options(ctx: click.Context) -> set[str]:
    """Every spelling of every option of one command, --help included."""
    return {opt for param in ctx.command.get_params(ctx) if isinstance(param, click.Option)
            for opt in (*param.opts, *param.secondary_opts)}


def is_option_of(token: str, known: set[str]) -> bool:
    """`--as-of`, `--set=X`, and `-vv` as Click reads it: a cluster of short options."""
    name = token.split("=", 1)[0]
    return name in known or (not name.startswith("--") and all(f"-{letter}" in known for letter in name[1:]))


def code_in(markdown: str) -> tuple[list[str], list[str]]:
    """(inline code spans, lines of indented code blocks) of a Markdown text."""
    spans = re.findall(r"`([^`\n]+)`", markdown)
    block_lines = [line.strip() for line in markdown.splitlines() if line.startswith(("    ", "\t"))]
    return spans, block_lines


def readme_problems(markdown: str, root: click.Context) -> list[str]:
    """Commands and options the text shows in code that the CLI under `root` does not have."""
    contexts = {ctx.command_path: ctx for ctx in command_contexts(root)}
    every_option = set().union(*map(options, contexts.values()))
    spans, block_lines = code_in(markdown)
    problems = []
    for span in spans:  # `--db PATH`, `-v/-vv`: an option of some command
        if _OPTION.match(span):
            problems += [f"{span!r}: no command has {opt}" for opt in re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", span)
                         if not is_option_of(opt, every_option)]
    for fragment in spans + block_lines:
        for found in _INVOCATION.finditer(fragment):
            words = _CHAIN.split(found.group(1))[0]
            try:
                tokens = shlex.split(words, comments=True)
            except ValueError:  # an unbalanced quote: words are enough
                tokens = words.split()
            ctx = root
            for token in tokens:
                if _OPTION.match(token):
                    if not is_option_of(token, options(ctx)):
                        problems.append(f"{fragment!r}: `{ctx.command_path}` has no option {token}")
                elif isinstance(ctx.command, click.Group):
                    if f"{ctx.command_path} {token}" not in contexts:
                        problems.append(f"{fragment!r}: `{ctx.command_path}` has no command {token!r}")
                        break
                    ctx = contexts[f"{ctx.command_path} {token}"]
    return problems


def undocumented(text: str, root: click.Context) -> list[str]:
    """Commands and options that the text never names."""
    missing = []
    for ctx in command_contexts(root):
        if ctx.parent and ctx.command_path not in text:
            missing.append(ctx.command_path)
        missing += [f"{ctx.command_path} {opt}" for opt in sorted(options(ctx))
                    if not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text)]
    return missing


def clientvet_context() -> click.Context:
    return click.Context(cli, info_name="clientvet", terminal_width=WIDTH, max_content_width=WIDTH)


def test_cli_md_is_what_the_commands_say_now():
    assert CLI_MD.read_text(encoding="utf-8") == render(), f"docs/cli.md is out of date: {REGENERATE}"


def test_every_command_has_help():
    assert [ctx.command_path for ctx in command_contexts() if not (ctx.command.help or "").strip()] == []


def test_every_command_and_option_is_in_the_readme_or_cli_md():
    text = README.read_text(encoding="utf-8") + CLI_MD.read_text(encoding="utf-8")
    assert undocumented(text, clientvet_context()) == [], REGENERATE


def test_the_readme_names_only_commands_and_options_that_exist():
    assert readme_problems(README.read_text(encoding="utf-8"), clientvet_context()) == []


def test_the_readme_points_at_the_cli_reference():
    assert "docs/cli.md" in README.read_text(encoding="utf-8")


# --- the checks themselves catch what they are for ------------------------------------


@click.group()
def made_up() -> None:
    """A made-up CLI."""


@made_up.command()
@click.option("--inn")
@click.option("-v", "--verbose", count=True)
def check(inn, verbose) -> None:
    """Check."""


@made_up.group()
def signals() -> None:
    pass  # no help


@signals.command("add")
def signals_add() -> None:
    """Add."""


def made_up_context() -> click.Context:
    return click.Context(made_up, info_name="clientvet")


@pytest.mark.parametrize("markdown, problem", [
    ("    clientvet chek --inn 1", "`clientvet` has no command 'chek'"),
    ("Run `clientvet check --inn 1 --jsn`.", "`clientvet check` has no option --jsn"),
    ("    .venv/bin/clientvet signals ad X  # typo", "`clientvet signals` has no command 'ad'"),
    ("Options: `--replay DIR`", "no command has --replay"),
    ("    clientvet check -vx", "`clientvet check` has no option -vx"),
])
def test_a_readme_naming_what_does_not_exist_is_caught(markdown, problem):
    assert any(problem in found for found in readme_problems(markdown, made_up_context()))


def test_a_readme_naming_what_exists_passes():
    markdown = ("clientvet checks things.\n\n    clientvet check --inn 1 -vv && clientvet signals add X\n\n"
                "Options: `--inn`, `-v/-vv`, `clientvet --help`; `./setup.sh --dev`")
    assert readme_problems(markdown, made_up_context()) == []


def test_a_command_without_help_or_an_unmentioned_option_is_caught():
    assert [ctx.command_path for ctx in command_contexts(made_up_context()) if not ctx.command.help] == [
        "clientvet signals"]
    assert undocumented("clientvet check --inn --help, clientvet signals add", made_up_context()) == [
        "clientvet check --verbose", "clientvet check -v"]
