"""The documented deployment survives slow clients and keeps tokens out of its logs.

gunicorn runs with the repository's gunicorn.conf.py (threaded workers, token-redacting access log) on a
free loopback port, against a throw-away SQLite database.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dashboard.log_redaction import RedactTokensFilter, redact

ROOT = Path(__file__).resolve().parents[1]
SHARE_TOKEN = "12.eU_crW0ho2PQGjVi:mFzjXeJd1CX6AFuxZ-oePNDeQtfmHqRaYYzSi3f_pdI"
RESET_TOKEN = "cxyz12-4f2a9b8e7d6c5b4a3f2e1d0c9b8a7f6e"


def test_redact_cuts_share_and_reset_tokens_but_keeps_the_path():
    assert redact(f"Gone: /share/{SHARE_TOKEN}/") == "Gone: /share/[token]/"
    assert redact(f'"GET /share/{SHARE_TOKEN}/report.pdf HTTP/1.1"') == '"GET /share/[token]/report.pdf HTTP/1.1"'
    assert redact(f"GET /reset/MQ/{RESET_TOKEN}/") == "GET /reset/MQ/[token]/"
    assert redact("GET /reset/MQ/set-password/") == "GET /reset/MQ/set-password/"  # no token left in it
    assert redact("GET /clients/acme/?period=30d") == "GET /clients/acme/?period=30d"


@pytest.mark.django_db
def test_djangos_warnings_about_share_and_reset_urls_name_no_token(client):
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactTokensFilter) for f in h.filters)]
    assert handlers, "the console handler of settings.LOGGING carries the redacting filter"
    stream = io.StringIO()
    old = [handler.setStream(stream) for handler in handlers]  # type: ignore[attr-defined]
    try:
        assert client.get(f"/share/{SHARE_TOKEN}/").status_code in (404, 410)
        client.get(f"/reset/MQ/{RESET_TOKEN}/")
    finally:
        for handler, previous in zip(handlers, old, strict=True):
            handler.setStream(previous)  # type: ignore[attr-defined]
    output = stream.getvalue()
    assert "/share/[token]/" in output
    assert SHARE_TOKEN not in output and RESET_TOKEN not in output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = dict(os.environ, DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", ALLOWED_HOSTS="*")
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "dashboard.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--access-logfile", str(access_log)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    yield url, port, access_log
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.slow
def test_three_slow_clients_do_not_stop_healthz_and_the_access_log_names_no_token(gunicorn):
    url, port, access_log = gunicorn
    slow = []
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and the rest never comes
        slow.append(sock)
    try:
        started = time.monotonic()
        response = httpx.get(f"{url}/healthz", timeout=5)
        assert response.status_code == 200
        assert time.monotonic() - started < 5
        httpx.get(f"{url}/share/{SHARE_TOKEN}/", timeout=5)
    finally:
        for sock in slow:
            sock.close()
    time.sleep(0.5)  # gunicorn writes the access log line after the response
    log = access_log.read_text()
    assert "/share/[token]/" in log
    assert SHARE_TOKEN not in log
