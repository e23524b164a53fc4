"""The exit statuses every command shares, and the error a library call ends a command with.

A script tells the outcomes apart by the status alone, so each one is defined here once.
"""

from __future__ import annotations

OK = 0
FAILED = 1  # could not finish: a search that could not look, a database that cannot be written, a stop
NOT_FOUND = 1  # no such company: nothing was stored
BAD_INPUT = 2  # refused before anything was written: a bad identifier, domain, recording or config
AMBIGUOUS = 3  # a search found several companies and none was picked
WORSE = 10  # recheck and diff: something got worse (a new deal-killer, a worse light, a new fact against it)


class ClientvetError(Exception):
    """A refusal or failure a command reports in one line and exits with `exit_code`."""

    exit_code = FAILED

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
