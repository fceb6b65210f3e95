"""The text of a PDF as a reader's tools see it: poppler's ``pdftotext``.

pypdf's own extraction depends on how WeasyPrint embedded the fonts (with some font sets it yields a NUL
before every character), so tests that read a PDF's words go through pdftotext, as a user's viewer and
search would. Needs Debian's poppler-utils; a test without it is skipped (tests/system_packages.py).
"""

from __future__ import annotations

import subprocess

from tests.system_packages import require


def pdf_pages_text(content: bytes) -> list[str]:
    """One string per page (pdftotext separates pages with a form feed)."""
    require("poppler")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    )
    pages = result.stdout.decode("utf-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def pdf_text(content: bytes) -> str:
    return "\n".join(pdf_pages_text(content))
