"""Serve plotly.js from the installed plotly package as the static file `js/plotly.min.js` (no CDN).

A staticfiles finder, so the file works the same under runserver, the test server and collectstatic,
and always matches the plotly version pinned in requirements.txt (plotly 7.1 ships plotly.js 4.1 as
`plotly/package_data/plotly.min.js`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PLOTLY_STATIC_PATH = "js/plotly.min.js"


def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = plotly_js_path()

    def check(self, **kwargs: Any) -> list[Error]:
        if not self.source.is_file():
            return [Error(f"plotly.js is missing from the plotly package ({self.source})", id="dashboard.E001")]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        if path == PLOTLY_STATIC_PATH and self.source.is_file():
            return [str(self.source)] if find_all else str(self.source)
        return [] if find_all else ""

    def list(self, ignore_patterns: Any):  # type: ignore[no-untyped-def]
        storage = FileSystemStorage(location=str(self.source.parent))
        storage.prefix = "js"  # collectstatic joins it with the name: js/plotly.min.js
        yield self.source.name, storage
