"""`clientvet` run in a child forked from a process that has already imported its heavy libraries.

In a fresh interpreter a replayed check spends most of its CPU importing Scrapy, Twisted and Playwright,
and the tests run the CLI hundreds of times. One clean, single-threaded process per test worker
(multiprocessing's forkserver) imports those third-party libraries once; each run is a child forked from
it that imports clientvet itself afresh, takes the run's environment, working directory, arguments and
standard streams, and exits with the CLI's status, as `python -m clientvet` would. A run that changes
how Python itself starts (a PYTHON* variable, a locale that is not UTF-8: `needs_fresh_interpreter`)
or reads a terminal gets a real interpreter instead (tests/conftest.py, `run_cli`).
"""

from __future__ import annotations

import atexit
import locale
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path

# Imported once by the forkserver; none reads the environment or starts a thread when imported.
PRELOAD = ["scrapy.crawler", "scrapy.core.downloader.handlers.http11", "scrapy.core.downloader.contextfactory",
           "scrapy.downloadermiddlewares.httpproxy", "scrapy_playwright.handler",
           "playwright.async_api", "sqlite_utils", "rich.console", "rich.table", "click", "rapidfuzz", "bs4",
           "lxml.html", "babel.dates", "babel.numbers", "jinja2", "parsel", "w3lib.html"]
LOCALE_VARIABLES = ("LC_ALL", "LC_CTYPE", "LANG")

_forkserver = multiprocessing.get_context("forkserver")
_forkserver.set_forkserver_preload(PRELOAD)


def needs_fresh_interpreter(env: dict[str, str]) -> bool:
    """Whether a run in env differs from the forkserver in what Python decides at start-up."""
    changed = {name for name, value in env.items() if os.environ.get(name) != value}
    return (any(name.startswith("PYTHON") for name in changed)
            or any(env[name] and "utf" not in env[name].lower() for name in LOCALE_VARIABLES if name in changed))


def _clientvet(argv: list[str], env: dict[str, str], cwd: str, stdin: str, stdout: str, stderr: str) -> None:
    """The forked child: become `python -m clientvet ARGV` in env and cwd, its streams on these files."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for fd, path, mode in ((0, stdin, os.O_RDONLY), (1, stdout, os.O_WRONLY), (2, stderr, os.O_WRONLY)):
        opened = os.open(path, mode)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(0, closefd=False)  # multiprocessing hands its children /dev/null
    sys.argv = ["clientvet", *argv]
    try:
        runpy.run_module("clientvet", run_name="__main__", alter_sys=True)
    finally:
        atexit._run_exitfuncs()  # a multiprocessing child ends in os._exit, past the interpreter's exit


def run(argv: list[str], *, env: dict[str, str], cwd: Path, timeout: float,
        input: str | None) -> subprocess.CompletedProcess:
    """`python -m clientvet ARGV` with output captured as text, like subprocess.run(…, text=True)."""
    command = [sys.executable, "-m", "clientvet", *argv]
    encoding = locale.getpreferredencoding(False)
    with tempfile.TemporaryDirectory(prefix="clientvet-run-") as scratch:
        stdin, stdout, stderr = (Path(scratch, name) for name in ("stdin", "stdout", "stderr"))
        stdin.write_text(input or "", encoding=encoding)
        stdout.touch()
        stderr.touch()
        child = _forkserver.Process(target=_clientvet, args=(argv, env, str(cwd), str(stdin), str(stdout), str(stderr)))
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(command, timeout, _text(stdout, encoding), _text(stderr, encoding))
        return subprocess.CompletedProcess(command, child.exitcode, _text(stdout, encoding), _text(stderr, encoding))


def _text(path: Path, encoding: str) -> str:
    """The file read as subprocess's text mode reads a pipe: universal newlines."""
    with open(path, encoding=encoding, newline=None) as stream:
        return stream.read()
