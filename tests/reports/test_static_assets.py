"""The report pages' JavaScript: the vendored plotly.js basic bundle (the one its README names, the plotly.js
version the Python package ships, every trace the pages draw in it) and static files as production serves
them (WhiteNoise after `collectstatic`: hashed names, gzip and brotli, cached for a year)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import plotly
import pytest

from dashboard.delivery.sharing import create_share_link, share_path
from kinsta_sync.models import Site
from tests.test_foundation import NOT_INHERITED

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "js" / "vendor"
BUNDLE = VENDOR / "plotly-basic.min.js"
# The trace modules of plotly.js's basic bundle (its npm README: "Contains trace modules bar, pie and scatter").
BASIC_TRACES = {"bar", "pie", "scatter"}
A_YEAR_OR_MORE = 365 * 24 * 3600


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


def test_without_collectstatic_development_and_tests_serve_the_plain_names_from_the_finders(client, db):
    response = client.get("/static/js/vendor/plotly-basic.min.js")

    assert response.status_code == 200
    assert int(response["Content-Length"]) == BUNDLE.stat().st_size
    response.close()


# --- As production serves them -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """`collectstatic` run as the README's deploy runs it: DEBUG off, the production variables."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environment.update(
        DEBUG="false",
        SECRET_KEY="k" * 20 + "-long-random-production-secret-0123456789",
        ALLOWED_HOSTS="reports.example.com",
        STATIC_ROOT=str(static_root),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return static_root


@pytest.fixture
def production_static(settings, collected):
    """The app's static serving with DEBUG off, as gunicorn runs it: WhiteNoise over STATIC_ROOT only."""
    settings.STATIC_ROOT = collected
    storage = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": storage}
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    return collected


def test_collectstatic_writes_hashed_compressed_copies_of_the_basic_bundle_and_not_the_full_one(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = manifest["js/vendor/plotly-basic.min.js"]

    assert re.fullmatch(r"js/vendor/plotly-basic\.min\.[0-9a-f]{12}\.js", hashed)
    for suffix in ("", ".gz", ".br"):
        assert (collected / f"{hashed}{suffix}").is_file(), suffix
    assert not [name for name in manifest if name.endswith("plotly.min.js")]


def fetch(client, url: str, encoding: str | None) -> tuple[dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    response = client.get(url, **({"headers": {"Accept-Encoding": encoding}} if encoding else {}))
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content)
    response.close()
    return dict(response.headers), body


def test_pages_link_hashed_names_sent_compressed_and_cached_for_a_year(client, production_static, staff_user, client_a):
    client.force_login(staff_user)
    html = client.get("/clients/acme/?period=30d").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(re.search(r"\.[0-9a-f]{12}\.js$", src) for src in scripts), scripts
    bundle = next(src for src in scripts if "plotly-basic" in src)
    hashed = production_static / bundle.removeprefix("/static/")
    share = client.get(share_path(create_share_link(client=client_a, query={}, days=7, created_by=staff_user)))
    assert f'<script src="{bundle}" defer>' in share.content.decode()

    # (Accept-Encoding sent, Content-Encoding expected, the file collectstatic wrote that is sent)
    for accepted, sent, suffix in (("br", "br", ".br"), ("gzip, deflate, br", "br", ".br"), ("gzip", "gzip", ".gz"),
                                   (None, None, "")):  # fmt: skip
        headers, body = fetch(client, bundle, accepted)
        assert headers.get("Content-Encoding") == sent, accepted
        assert body == Path(f"{hashed}{suffix}").read_bytes(), accepted
        cache_control = headers["Cache-Control"]
        assert "immutable" in cache_control and "public" in cache_control
        assert int(re.search(r"max-age=(\d+)", cache_control).group(1)) >= A_YEAR_OR_MORE  # type: ignore[union-attr]
        assert "Accept-Encoding" in headers["Vary"]
    assert len(fetch(client, bundle, "br")[1]) < 400_000  # 1.2 MB as sent without compression


def test_an_unhashed_name_is_not_cached_for_long(client, db, production_static):
    headers, _ = fetch(client, "/static/js/charts.js", "br")

    assert headers["Content-Encoding"] == "br"
    assert "immutable" not in headers["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1)) <= 60  # type: ignore[union-attr]
