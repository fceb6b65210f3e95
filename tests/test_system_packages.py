"""Without a system package a test needs, the test is skipped with one line naming the Debian package; CI
(REQUIRE_SYSTEM_PACKAGES=1) fails instead. Checked by running pytest as if the packages were missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A PDF whose text is read (pango, then poppler) and a page in the browser (Chromium).
PDF_TEXT = "tests/exports/test_pdf.py::test_the_cover_carries_agency_and_client_branding_and_pages_are_numbered"
BROWSER = "tests/browser/test_dashboard_browser.py::test_the_site_page_draws_its_charts"


def run_pytest(tmp_path: Path, *tests: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Its own throw-away SQLite database: the PostgreSQL test database (DATABASE_URL) is this run's.
    dropped = ("REQUIRE_SYSTEM_PACKAGES", "PYTEST_ADDOPTS", "DATABASE_URL", "REDIS_URL")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env, SQLITE_TEST_NAME=str(tmp_path / "test.sqlite3"))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", *tests],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.slow
def test_missing_packages_skip_with_one_line_naming_the_debian_package(tmp_path):
    result = run_pytest(tmp_path, PDF_TEXT, BROWSER, SIMULATE_MISSING_PACKAGES="pango,chromium")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "2 skipped" in result.stdout
    assert "needs Debian's libpango-1.0-0 libpangoft2-1.0-0 (apt-get install libpango-1.0-0 libpangoft2-1.0-0)" in (
        result.stdout
    )
    assert "needs Debian's chromium (apt-get install chromium)" in result.stdout

    result = run_pytest(tmp_path, PDF_TEXT, SIMULATE_MISSING_PACKAGES="poppler")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout
    assert "needs Debian's poppler-utils (apt-get install poppler-utils)" in result.stdout


@pytest.mark.slow
def test_ci_fails_instead_of_skipping(tmp_path):
    result = run_pytest(
        tmp_path, PDF_TEXT, BROWSER, SIMULATE_MISSING_PACKAGES="pango,chromium", REQUIRE_SYSTEM_PACKAGES="1"
    )
    assert result.returncode == 1
    assert "2 errors" in result.stdout  # failed in setup, before the test ran
    assert "REQUIRE_SYSTEM_PACKAGES is set but this test needs Debian's" in result.stdout
