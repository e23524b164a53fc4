"""Installed into a fresh venv, clientvet runs the demo check from the installed package, not from this tree.

Installing its ~130 dependencies per test would take minutes, so the fresh venv sees the test
interpreter's site-packages through a .pth file and only the project is installed (--no-deps).
The tree is copied first, so the build leaves nothing in it and nothing can import from it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import AS_OF, DEMO, ROOT, check_json

DEMO_INN = "0000123450"
NOT_COPIED = {".git", ".venv", "tests", "bench", "build", ".pytest_cache"}  # at the top of the tree
DEAD_PROXY = "http://127.0.0.1:9"  # the build backend comes from the configured local index or not at all


@pytest.fixture(scope="module")
def from_the_tree(tmp_path_factory) -> dict:
    """The demo check as the tree's own interpreter runs it."""
    return check_json("--inn", DEMO_INN, "--replay", "demo", "--db", str(tmp_path_factory.mktemp("tree") / "db.sqlite"))


def _copy_tree(destination: Path) -> Path:
    def ignore(directory: str, names: list[str]) -> set[str]:
        top = NOT_COPIED if Path(directory) == ROOT else set()
        return {n for n in names if n in top or n == "__pycache__" or n.endswith((".egg-info", ".sqlite"))}

    return Path(shutil.copytree(ROOT, destination, ignore=ignore))


def _fresh_venv(path: Path) -> tuple[Path, Path]:
    """A venv without pip whose interpreter also sees this interpreter's packages; its python and site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # Sorted after pip's __editable__ .pth: the fresh venv's own finder is installed first.
    (site / "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return python, site


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("COMPANIES_HOUSE_API_KEY", None)
    env.pop("COURTLISTENER_TOKEN", None)
    return {**env, "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "http_proxy": DEAD_PROXY,
            "https_proxy": DEAD_PROXY, "PIP_RETRIES": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "CLIENTVET_CONFIG": str(ROOT / "tests" / "no-config.toml")}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=_environment(), timeout=120,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("editable", [False, True], ids=["pip install .", "pip install -e ."])
def test_installed_clientvet_runs_the_demo_check_from_the_package(tmp_path, from_the_tree, editable):
    source = _copy_tree(tmp_path / "source")
    python, site = _fresh_venv(tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"  # neither the tree nor its copy: `demo` cannot be a relative path
    elsewhere.mkdir()
    installed = _run([str(python), "-m", "pip", "install", "-q", "--no-deps", *(["-e"] if editable else []),
                      str(source)], cwd=elsewhere)
    assert installed.returncode == 0, installed.stderr

    package = source if editable else site / "clientvet"
    where = _run([str(python), "-c", "import sys, clientvet; print(sys.prefix); print(clientvet.__file__)"],
                 cwd=elsewhere)
    assert where.returncode == 0, where.stderr
    assert where.stdout.split("\n")[:2] == [str(tmp_path / "venv"), str(package / "__init__.py")]

    [dist_info] = site.glob("clientvet-*.dist-info")
    record = (dist_info / "RECORD").read_text(encoding="utf-8")
    top_level = {line.split(",")[0].split("/")[0] for line in record.splitlines()} - {".."}
    assert {name for name in top_level if not name.startswith(("clientvet", "__editable__", "__pycache__"))} == set()
    assert not {"checks", "cli.py", "crawler", "reports", "evidence", "config.py", "demo"} & set(os.listdir(site))
    assert (dist_info / "top_level.txt").read_text(encoding="utf-8").split() == ["clientvet"]
    assert sorted(p.name for p in (package / "demo").glob("*.har")) == sorted(p.name for p in DEMO.glob("*.har"))

    db = tmp_path / "demo.sqlite"
    result = _run([str(python.parent / "clientvet"), "check", "--inn", DEMO_INN, "--replay", "demo", "--db", str(db),
                   "--json", "--as-of", AS_OF], cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["replay"] == str(package / "demo")  # the installed package's recordings
    assert from_the_tree["replay"] == str(DEMO)
    assert (document["verdict"], document["score"]) == (from_the_tree["verdict"], from_the_tree["score"])
    assert [f["code"] for f in document["factors"]] == [f["code"] for f in from_the_tree["factors"]]

    # The report's templates and message catalogues are package data too.
    page = _run([str(python.parent / "clientvet"), "report", DEMO_INN, "--db", str(db), "--format", "html",
                 "--lang", "ru"], cwd=elsewhere)
    assert page.returncode == 0 and "<h2>Вердикт</h2>" in page.stdout, page.stderr

    as_module = _run([str(python), "-m", "clientvet", "--version"], cwd=elsewhere)
    assert (as_module.returncode, as_module.stdout.split()[-1]) == (0, version("clientvet")), as_module.stderr
