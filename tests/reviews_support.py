"""Helpers for the review sources' tests: a replay directory for the made-up demo company, its coverage row."""

from __future__ import annotations

from pathlib import Path

from clientvet.checks.rules import review_sources
from tests.conftest import DEMO, ROOT, check_json

FIXTURES = ROOT / "tests" / "fixtures"
DEMO_INN = "0000123450"  # ООО «ДЕМО-ПОСТАВКА», the made-up demo company (demo)


def replay_dir(tmp_path: Path, *fixtures: Path) -> Path:
    """The demo company's recordings, but its review sites', plus the given hand-made HAR files."""
    directory = tmp_path / "replay"
    directory.mkdir()
    registry = [har for har in sorted(DEMO.glob("*.har")) if har.name.split("-")[0] not in review_sources()]
    for har in (*registry, *fixtures):
        (directory / har.name).symlink_to(har)
    return directory


def check_demo(tmp_path: Path, *fixtures: Path, **kwargs) -> dict:
    """`clientvet check` of the demo company replayed from its registry recordings and the fixtures."""
    return check_json("--inn", DEMO_INN, "--replay", str(replay_dir(tmp_path, *fixtures)),
                      "--db", str(tmp_path / "db.sqlite"), **kwargs)


def coverage(document: dict, source: str) -> dict:
    return next(run for run in document["coverage"] if run["source"] == source)


def factors(document: dict) -> dict[str, dict]:
    return {factor["code"]: factor for factor in document["factors"]}
