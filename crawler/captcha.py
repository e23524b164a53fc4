"""Answering an image captcha: a solving service the user configures, or the person at the terminal.

A source that meets a captcha calls `answer_captcha`, which tries, in order:

1. The solver named in the config file, loaded by dotted path::

       [captcha]
       solver = "mypackage.captcha:solve"

   It is called as ``solve(image: bytes, content_type: str) -> str | None`` (None: no
   answer). A solver that needs an API key reads it itself with
   ``clientvet.config.secret("RUCAPTCHA_KEY", "captcha.api_key")``: keys never pass
   through Scrapy settings (Scrapy logs them), and a solver's error is reported by its
   type only, since its message may carry the key.
2. With ``clientvet check --interactive`` (Scrapy setting CLIENTVET_INTERACTIVE): the
   image is saved under the user cache directory, its path printed, and the answer read
   from the terminal.

With neither, or no answer, the source fails with ``captcha: …`` — never "nothing found".
"""

from __future__ import annotations

import importlib
import tempfile
import threading
from pathlib import Path
from typing import Callable

import click
from platformdirs import user_cache_dir

from clientvet import config
from clientvet.crawler.base import SourceFailure

SOLVER_SETTING = "captcha.solver"
INTERACTIVE_SETTING = "CLIENTVET_INTERACTIVE"
# The saved image's extension comes from this table, never from the answer's text.
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}
NOBODY_TO_ASK = "captcha: the site asks a captcha; run with --interactive or configure captcha.solver"

Solver = Callable[[bytes, str], "str | None"]
# Held while a person is asked: one prompt at a time, and progress lines wait until it is answered.
terminal = threading.Lock()


def load_solver() -> Solver | None:
    """The configured solver function, or None when none is configured."""
    spec = config.setting(SOLVER_SETTING)
    if not spec:
        return None
    module_name, _, function_name = str(spec).partition(":")
    try:
        solver = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SourceFailure(f"captcha: solver {spec!r} cannot be loaded ({type(exc).__name__}); "
                            f"expected 'package.module:function'") from None
    if not callable(solver):
        raise SourceFailure(f"captcha: solver {spec!r} is not a function")
    return solver


def save_image(image: bytes, content_type: str, prefix: str) -> Path:
    """Write the image to a new file in the user cache directory for a person to open."""
    directory = Path(user_cache_dir("clientvet")) / "captcha"
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=f"{prefix}-", delete=False,
                                     suffix=EXTENSIONS.get(content_type, ".img")) as file:
        file.write(image)
    return Path(file.name)


def ask_person(image: bytes, content_type: str, prefix: str, question: str) -> str | None:
    """Show where the image is and read the answer on the terminal (prompt on standard error)."""
    path = save_image(image, content_type, prefix)
    with terminal:
        click.echo(f"\n{question}\nThe captcha image is saved at {path}", err=True)
        try:
            typed = click.prompt("Characters in the image (Enter to give up)", default="",
                                 show_default=False, err=True)
        except click.Abort:  # end of input or Ctrl-C: nobody answered
            return None
    return typed.strip() or None


def answer_captcha(image: bytes, content_type: str, *, interactive: bool, prefix: str, question: str) -> str:
    """The answer to one captcha image, or SourceFailure('captcha: …') saying why there is none."""
    solver = load_solver()
    if solver:
        try:
            answer = solver(image, content_type)
        except Exception as exc:  # a user's plugin: whatever it raises is its failure to answer
            raise SourceFailure(f"captcha: the solver failed ({type(exc).__name__})") from None
        if answer and str(answer).strip():
            return str(answer).strip()
        if not interactive:
            raise SourceFailure("captcha: the solver gave no answer")
    if not interactive:
        raise SourceFailure(NOBODY_TO_ASK)
    answer = ask_person(image, content_type, prefix, question)
    if not answer:
        raise SourceFailure("captcha: no answer was typed")
    return answer
