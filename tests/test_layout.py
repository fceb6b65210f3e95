"""Imports point one way: the dashboard's apps -> clients -> kinsta_sync, and inside the dashboard
exports and delivery build on reports (delivery also on exports), never the other way round.

Every module of a package is parsed with `ast` (nothing is imported), so an import inside a function, a
relative import, `from dashboard import delivery` and `importlib.import_module("...")` all count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The capabilities coming beside reporting (docs/architecture.md): each builds on reports (and may use exports
# and delivery); reports, exports and delivery do not import them: they add to the report through
# dashboard.reports.sections. Listed before the apps exist, so the first import the wrong way fails.
NEW_APPS = ("dashboard.maintenance", "dashboard.actions", "dashboard.usage", "dashboard.traffic")

# (the package whose modules are checked, the packages none of them may import)
RULES = {
    "dashboard.reports": (*NEW_APPS, "dashboard.exports", "dashboard.delivery"),
    "dashboard.exports": (*NEW_APPS, "dashboard.delivery"),
    "dashboard.delivery": NEW_APPS,
    "clients": ("dashboard",),
    "kinsta_sync": ("dashboard", "clients"),
}


def module_name(path: Path) -> str:
    """`dashboard/reports/selectors/__init__.py` -> `dashboard.reports.selectors`."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, *, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything `source` imports; `from a import b` gives both `a` and `a.b`
    (b may be a module). `module` is the dotted name of the source, to resolve relative imports."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def violations(source: str, module: str, forbidden: tuple[str, ...], *, is_package: bool = False) -> list[str]:
    """`module:line imports name` for every line of `source` that imports a forbidden package."""
    found: dict[int, str] = {}
    for line, name in imported_names(source, module, is_package=is_package):
        if any(name == banned or name.startswith(banned + ".") for banned in forbidden):
            found[line] = min(found.get(line, name), name, key=len)
    return [f"{module}:{line} imports {name}" for line, name in sorted(found.items())]


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


@pytest.mark.parametrize("package", RULES)
def test_no_module_imports_against_the_direction_of_the_layout(package):
    forbidden = RULES[package]
    paths = modules_of(package)
    assert len(paths) > 3, f"no modules found for {package}: the check would pass for nothing"
    found = []
    for path in paths:
        found += violations(
            path.read_text(encoding="utf-8"), module_name(path), forbidden, is_package=path.name == "__init__.py"
        )
    assert not found, f"{package} may not import {', '.join(forbidden)}:\n" + "\n".join(found)


def test_reports_imports_neither_exports_nor_delivery_in_any_form():
    forbidden = RULES["dashboard.reports"]
    module = "dashboard.reports.views"
    for source in (
        "import dashboard.delivery.sends",
        "from dashboard.exports.pdf import render_report_pdf",
        "from dashboard import delivery",
        "from dashboard import exports as e",
        "from ..delivery import sharing",
        "from .. import exports",
        "def view():\n    from dashboard.exports import csv\n",
        "import importlib\nimportlib.import_module('dashboard.delivery.tasks')",
        "__import__('dashboard.exports')",
    ):
        assert violations(source, module, forbidden), source
    # What reports may import.
    allowed = "from dashboard.reports import charts\nfrom . import cache\nfrom clients.models import Client\n"
    assert violations(allowed, module, forbidden) == []
    assert violations("from dashboard import settings", module, forbidden) == []


def test_relative_imports_resolve_from_a_package_and_from_a_module():
    forbidden = ("dashboard.delivery",)
    # In dashboard/exports/__init__.py, `.` is dashboard.exports; in dashboard/exports/views.py too.
    assert violations("from ..delivery import sends", "dashboard.exports", forbidden, is_package=True)
    assert violations("from ..delivery import sends", "dashboard.exports.views", forbidden)
    assert not violations("from .delivery import sends", "dashboard.exports.views", forbidden)
    # kinsta_sync's sibling `clients` only through `..` from a top-level module.
    assert violations("from ..clients import models", "kinsta_sync.sync", ("clients",))
