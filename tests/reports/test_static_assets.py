"""The report pages' JavaScript: the vendored plotly.js basic bundle (the one its README names, the plotly.js
version the Python package ships, every trace the pages draw in it)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import plotly

from dashboard.delivery.sharing import create_share_link, share_path
from kinsta_sync.models import Site

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "js" / "vendor"
BUNDLE = VENDOR / "plotly-basic.min.js"
# The trace modules of plotly.js's basic bundle (its npm README: "Contains trace modules bar, pie and scatter").
BASIC_TRACES = {"bar", "pie", "scatter"}


def header_version(path: Path) -> str:
    head = path.read_bytes()[:300].decode()
    match = re.search(r"plotly\.js(?: \(basic - minified\))? v(\d+\.\d+\.\d+)", head)
    assert match, f"no plotly.js version header in {path}"
    return match.group(1)


def test_the_vendored_bundle_is_the_file_its_readme_names():
    readme = (VENDOR / "README.md").read_text()
    version = re.search(r"^- Version: (\S+)$", readme, re.MULTILINE).group(1)  # type: ignore[union-attr]
    sha256 = re.search(r"^- sha256 of the file: `([0-9a-f]{64})`$", readme, re.MULTILINE).group(1)  # type: ignore[union-attr]

    assert BUNDLE.read_bytes()[:60].decode().startswith("/**\n* plotly.js (basic - minified) v")
    assert header_version(BUNDLE) == version
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() == sha256
    assert f"plotly.js-basic-dist-min-{version}.tgz" in readme
    assert "MIT License" in (VENDOR / "plotly-basic.LICENSE").read_text()


def test_the_bundle_is_the_plotly_js_the_python_package_ships_so_page_and_pdf_draw_alike():
    """kaleido draws the PDF's charts with the plotly package's own plotly.js: upgrade both together."""
    shipped = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

    assert header_version(BUNDLE) == header_version(shipped)


def trace_types(html: str) -> set[str]:
    figures = re.findall(r'<script id="chart-[\w-]+-data" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert figures, "no figure on the page"
    return {trace.get("type", "scatter") for figure in figures for trace in json.loads(figure)["data"]}


def test_the_pages_draw_only_traces_of_the_basic_bundle_and_load_it(client, staff_user, client_a):
    client.force_login(staff_user)
    site = Site.objects.get(name="acme-shop")
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=staff_user)
    pages = ["/clients/acme/?period=90d", f"/clients/acme/sites/{site.pk}/", share_path(link)]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert trace_types(html) <= BASIC_TRACES, url
        assert '<script src="/static/js/vendor/plotly-basic.min.js" defer>' in html, url
        assert "plotly.min.js" not in html, url
