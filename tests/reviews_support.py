"""Helpers for the review sources' tests: a replay directory for the made-up demo company, its coverage row."""

from __future__ import annotations

from pathlib import Path

from clientvet.crawler.spiders import all_sources
from tests.conftest import DEMO, ROOT, check_json

FIXTURES = ROOT / "tests" / "fixtures"
DEMO_INN = "0000123450"  # ООО «ДЕМО-ПОСТАВКА», the made-up demo company (demo)
# The registered review sites, as `clientvet check` hands them to the rules (CheckEvidence.review_sources).
REVIEW_SITES = frozenset(source.name for source in all_sources() if "review" in source.evidence)


def replay_dir(tmp_path: Path, *fixtures: Path) -> Path:
    """The demo company's recordings, but its review sites', plus the given hand-made HAR files."""
    directory = tmp_path / "replay"
    directory.mkdir()
    registry = [har for har in sorted(DEMO.glob("*.har")) if har.name.split("-")[0] not in REVIEW_SITES]
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
