"""Shared fixtures: personas, the fake Kinsta (in-process and over real HTTP), accounts."""

from __future__ import annotations

import socket

import pytest

# Personas (staff, client users of two clients) and client fixtures live in tests/personas.py; which
# system packages (Chromium, poppler, pango) a test needs, and what happens without them, in
# tests/system_packages.py.
pytest_plugins = ["tests.personas", "tests.system_packages"]

# --- No real network ----------------------------------------------------------------------------------
# Tests talk to the fake Kinsta on loopback only; any other address fails loudly (Zulip's rule).
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host.startswith("127.") or host in ("localhost", "::1", "0.0.0.0") or host.startswith("/")  # noqa: S104
    ):
        raise RuntimeError(f"Tests must not reach the network (tried {host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness costs seconds per test that logs users in; tests check behaviour.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):  # type: ignore[no-untyped-def]
    """Empty in-process caches per test: the report cache and the limits' counters (clients.rate_limits).
    Report keys carry a data version computed from the database, and a rolled-back test database hands out
    the same ids again, so two tests could compute the same version for different data. Never the REDIS_URL
    one either: clearing that would wipe a shared Redis."""
    from django.core.cache import caches

    locmem = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {
        "default": {"BACKEND": locmem, "LOCATION": "tests"},
        "limits": {"BACKEND": locmem, "LOCATION": "tests-limits"},
    }
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the default language: a request through LocaleMiddleware or a rendered
    German report leaves its language active in the thread, and a later test's messages came out in German."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


# --- The fake Kinsta ----------------------------------------------------------------------------------
FAKE_KEY = "test-kinsta-key"


@pytest.fixture
def agency():
    """A small deterministic agency: 6 sites (some with staging), 75 days of history."""
    from kinsta_sync.fake.data import AgencySpec, FakeAgency

    return FakeAgency.generate(AgencySpec(seed=11, sites=6, days=75, users=4, activity_events=240))


@pytest.fixture
def fake_app(agency):
    from kinsta_sync.fake.app import FakeKinsta

    return FakeKinsta(agency, api_key=FAKE_KEY, requests_per_minute=100_000, logs_per_minute=100_000)


@pytest.fixture
def fake_server(fake_app):
    """The fake Kinsta over real HTTP on a free loopback port."""
    from kinsta_sync.fake.server import serve

    server = serve(fake_app)
    yield server
    server.stop()


@pytest.fixture
def kinsta_settings(settings, fake_server):
    """Point the app at the fake over real HTTP, with quick retries."""
    settings.KINSTA_API_URL = fake_server.url
    settings.KINSTA_REQUESTS_PER_MINUTE = 100_000
    settings.KINSTA_RETRY_BACKOFF = 0.01
    settings.KINSTA_TIMEOUT = 2.0
    settings.KINSTA_MAX_RETRIES = 2
    return settings


@pytest.fixture(autouse=True)
def _fresh_limiters():
    """Rate limiters are shared per company within a process; tests must not inherit each other's."""
    from kinsta_sync.api.limits import reset_limiters

    reset_limiters()
    yield
    reset_limiters()


@pytest.fixture
def account(db, agency, kinsta_settings):
    from kinsta_sync.models import KinstaAccount

    account = KinstaAccount(company_id=agency.company_id, name="Test Agency")
    account.set_api_key(FAKE_KEY)
    account.save()
    return account


# --- The django-q2 queue ------------------------------------------------------------------------------
def drain_task_queue() -> list[dict]:
    """Take every task waiting in the configured broker (the ORM, or Redis when REDIS_URL is set)."""
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    broker = get_broker()
    tasks = []
    while broker.queue_size():
        tasks += [SignedPackage.loads(payload) for _, payload in broker.dequeue() or []]
    return tasks


@pytest.fixture
def task_queue(db):
    """An empty task queue before and after the test; `task_queue()` drains what the test queued."""
    from django_q.brokers import get_broker

    get_broker().purge_queue()
    yield drain_task_queue
    get_broker().purge_queue()


# --- Browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (skipped without it, failed in CI: tests/system_packages.py)."""
    import os

    from tests.system_packages import CHROMIUM_PATH, require

    require("chromium")
    # Playwright's sync API refuses to run inside an asyncio loop; Django's async-unsafe guard would also
    # complain about ORM calls from the test thread while Playwright runs: allow them in this process.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir():
    """Where browser tests leave screenshots for people to look at (artifacts/screenshots)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def login_in_browser(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
