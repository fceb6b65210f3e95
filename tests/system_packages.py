"""System packages some tests need, from Debian: Chromium, poppler's tools and pango.

A test that needs one says so with ``@pytest.mark.needs("pango")`` (or a module's ``pytestmark``; the
``browser`` marker implies Chromium), or
calls ``require("poppler")`` where the need is conditional. On a machine without the package the test is
skipped with one line naming the Debian package to install; with ``REQUIRE_SYSTEM_PACKAGES=1`` (CI, see
.ci/run) a missing package fails the test instead, so CI can never pass by skipping.

``SIMULATE_MISSING_PACKAGES=pango,poppler`` makes this run behave as if those were not installed (pango:
importing WeasyPrint fails the way it does without the library), to check that every test that needs one
is marked: run the suite with it and nothing may fail.
"""

from __future__ import annotations

import importlib.abc
import os
import shutil
import sys
from collections.abc import Callable
from functools import cache

import pytest

CHROMIUM_PATH = "/usr/bin/chromium"


def _has_pango() -> bool:
    try:
        import weasyprint  # noqa: F401  (loads pango through cffi; raises OSError without it)
    except OSError:
        return False
    return True


# name -> (the Debian packages, how to tell they are installed)
PACKAGES: dict[str, tuple[str, Callable[[], bool]]] = {
    "chromium": ("chromium", lambda: os.access(CHROMIUM_PATH, os.X_OK)),
    "poppler": ("poppler-utils", lambda: shutil.which("pdftotext") is not None),
    "pango": ("libpango-1.0-0 libpangoft2-1.0-0", _has_pango),
}


def simulated_missing() -> set[str]:
    return {name.strip() for name in os.environ.get("SIMULATE_MISSING_PACKAGES", "").split(",") if name.strip()}


@cache
def available(name: str) -> bool:
    if name not in PACKAGES:
        raise ValueError(f"unknown system package {name!r}; known: {', '.join(PACKAGES)}")
    return name not in simulated_missing() and PACKAGES[name][1]()


def required_everywhere() -> bool:
    return os.environ.get("REQUIRE_SYSTEM_PACKAGES", "") not in ("", "0")


def require(name: str) -> None:
    """Skip (or, under REQUIRE_SYSTEM_PACKAGES, fail) the current test unless `name` is installed."""
    if available(name):
        return
    packages = PACKAGES[name][0]
    line = f"needs Debian's {packages} (apt-get install {packages})"
    if required_everywhere():
        pytest.fail(f"REQUIRE_SYSTEM_PACKAGES is set but this test {line}", pytrace=False)
    pytest.skip(line)


class _NoPango(importlib.abc.MetaPathFinder):
    """Importing WeasyPrint fails as it does on a machine without pango (OSError from cffi's dlopen)."""

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname == "weasyprint" or fullname.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0' (simulated by SIMULATE_MISSING_PACKAGES)")
        return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(*packages): needs these system packages (tests/system_packages.py)")
    if "pango" in simulated_missing():
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        sys.meta_path.insert(0, _NoPango())


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser"):
        require("chromium")
    for marker in item.iter_markers("needs"):
        for name in marker.args:
            require(name)
