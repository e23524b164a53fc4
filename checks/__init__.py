"""Rules that turn a check's evidence into factors, a score and a verdict; `run_check` runs a whole check,
`run_checks` many in one crawl.

`run_check` and its types are loaded on first use, so importing a light module of this
package (the signal catalogue the CLI's options list) does not load the rules and the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clientvet.checks.run import (BadInput, BatchProgress, CheckError, CheckResult, Company, Engine, Lookup,
                                      NoChoice, NotFound, Outcome, Progress, StoreFailed, run_check, run_checks)

__all__ = ["BadInput", "BatchProgress", "CheckError", "CheckResult", "Company", "Engine", "Lookup", "NoChoice",
           "NotFound", "Outcome", "Progress", "StoreFailed", "run_check", "run_checks"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from clientvet.checks import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
