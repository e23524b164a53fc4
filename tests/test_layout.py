"""The package's layering: the checks are a library over stored evidence and never reach into the crawler."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

CRAWLER = "clientvet.crawler"


def imported_modules(source: str, package: str) -> set[str]:
    """Every module the source imports, anywhere in it (inside a function too), as absolute names.

    `package` is the package the source belongs to, for relative imports.
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def crawler_imports(source: str, package: str) -> list[str]:
    return sorted(m for m in imported_modules(source, package) if m == CRAWLER or m.startswith(CRAWLER + "."))


def test_no_module_under_checks_imports_the_crawler():
    files = sorted((ROOT / "checks").rglob("*.py"))
    assert ROOT / "checks" / "rules" / "coverage.py" in files  # the rule modules are scanned too
    found = {}
    for path in files:
        package = ".".join(("clientvet", *path.relative_to(ROOT).parent.parts))
        if modules := crawler_imports(path.read_text(encoding="utf-8"), package):
            found[str(path.relative_to(ROOT))] = modules
    assert found == {}


def test_the_scan_catches_every_form_of_import():
    package = "clientvet.checks.rules"
    assert crawler_imports("import clientvet.crawler.spiders\n", package) == ["clientvet.crawler.spiders"]
    assert crawler_imports("from clientvet import crawler\n", package) == ["clientvet.crawler"]
    assert crawler_imports("def later():\n    from ...crawler.spiders import all_sources\n", package) == [
        "clientvet.crawler.spiders", "clientvet.crawler.spiders.all_sources"]
    assert crawler_imports("from clientvet.checks.evidence import CheckEvidence\n", package) == []
