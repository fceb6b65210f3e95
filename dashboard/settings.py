"""Settings for Agency Reports for Kinsta, read top to bottom.

Every value comes from the environment (see `.env.example` for the full list). The defaults give the
embedded demo: SQLite, the django-q2 ORM broker and the fake Kinsta. With `DEBUG` off the app refuses to
start until the production values are set.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` file is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# --- Secrets and hosts -------------------------------------------------------------------------------
# Development values exist only while DEBUG is on. In production every missing variable is named at once.
_missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
if _missing and not DEBUG:
    raise ImproperlyConfigured("DEBUG is off, so these environment variables must be set: " + ", ".join(_missing))
SECRET_KEY = env.str("SECRET_KEY", default="") or "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications ----------------------------------------------------------------------------------------
INSTALLED_APPS = [
    # Django's admin with the agency's name on every page, internals for superusers only (dashboard.admin_site).
    "dashboard.admin_site.AgencyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver leaves /static/ to WhiteNoise, so development serves it as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_q",
    "axes",
    "kinsta_sync",
    "clients",
    # The project package (historical migrations only) and one app per capability inside it.
    "dashboard",
    "dashboard.reports",
    "dashboard.exports",
    "dashboard.delivery",
    "dashboard.usage",
    "dashboard.actions",
    "dashboard.traffic",
    "dashboard.maintenance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (STORAGES below): compressed, hashed names cached for a year; answered before the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login except those marked @login_not_required (login page, /healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Responses carry client data: no shared cache may keep one unless a view says otherwise.
    "dashboard.middleware.PrivateByDefaultMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# A strict policy (django-csp): scripts only from our own static files (plotly.js is vendored in
# static/js/vendor/), no inline script, no plugins, no framing, forms post only to us. Styles allow inline:
# plotly.js draws its charts with style attributes and <style> elements, and the brand colour is a style
# attribute.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The share link staff just created from a report, shown on it once (delivery owns links).
                "dashboard.delivery.context_processors.new_share_link",
                # The agency's name and logo in the layout's header and title.
                "dashboard.context_processors.branding",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the django-q2 worker share one file: WAL lets readers run beside a writer,
    # the busy timeout waits for a lock instead of failing, and IMMEDIATE transactions take the write
    # lock up front so two writers cannot deadlock upgrading from a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default="") or None}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses logins from a username + IP pair after too many failures (django-axes).
    "dashboard.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
# Lock the pair, not the account: a stranger guessing from elsewhere cannot lock a user out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the visitor's as the proxy reports it (TRUSTED_PROXY_HOPS, below), not the proxy's own.
AXES_CLIENT_IP_CALLABLE = "clients.visitor_address.visitor_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# Password-reset mails (clients.rate_limits): requests for one e-mail address past this many an hour look
# successful but send nothing; a visitor's address past this many requests an hour gets HTTP 429.
PASSWORD_RESET_MAX_PER_EMAIL_HOUR = env.int("PASSWORD_RESET_MAX_PER_EMAIL_HOUR", default=3)
PASSWORD_RESET_MAX_PER_ADDRESS_HOUR = env.int("PASSWORD_RESET_MAX_PER_ADDRESS_HOUR", default=10)

# --- Internationalisation --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------------------
# WhiteNoise serves /static/ from the app. In production (DEBUG off) `collectstatic` writes every file under a
# hashed name with gzip and brotli copies beside it (the storage below): pages link the hashed names, which
# are sent compressed when the browser accepts it and cached for a year (`immutable`); a new deploy makes new
# names. Without `collectstatic` the pages of a production server fail (the manifest names the files).
# With DEBUG on (development, the test suite) files come from the finders under their plain names, looked up
# on each request: no `collectstatic` needed. These follow the environment's DEBUG on purpose: pytest-django
# turns settings.DEBUG off during tests, which would otherwise ask for a manifest nobody wrote.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- Security (production) -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Cookies only over HTTPS in production; a plain-HTTP benchmark on loopback may turn this off.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
BEHIND_HTTPS_PROXY = env.bool("BEHIND_HTTPS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
# How many proxies in front of the app append to X-Forwarded-For: the visitor's address is the entry that
# many places from the right (clients.visitor_address). 0 ignores the header, which any visitor can forge.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=1 if BEHIND_HTTPS_PROXY else 0)
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 (no proxy) or the number of proxies in front of the app")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers check health over plain HTTP inside the network: /healthz answers there instead of a 301.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG

# --- E-mail ----------------------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="reports@localhost")

# --- Kinsta ----------------------------------------------------------------------------------------------
# /healthz shows sync details to staff and to monitors sending "Authorization: Bearer <HEALTHZ_TOKEN>".
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")

KINSTA_API_URL = env.str("KINSTA_API_URL", default="https://api.kinsta.com/v2")
# When both are set, an account for this company is created or updated at start-up (kinsta_sync.apps).
KINSTA_API_KEY = env.str("KINSTA_API_KEY", default="")
KINSTA_COMPANY_ID = env.str("KINSTA_COMPANY_ID", default="")
KINSTA_COMPANY_NAME = env.str("KINSTA_COMPANY_NAME", default="")
# Kinsta allows 120 requests/minute per company, shared with every other tool of the agency.
KINSTA_REQUESTS_PER_MINUTE = env.int("KINSTA_REQUESTS_PER_MINUTE", default=100)
KINSTA_TIMEOUT = env.float("KINSTA_TIMEOUT", default=20.0)
KINSTA_MAX_RETRIES = env.int("KINSTA_MAX_RETRIES", default=4)
KINSTA_RETRY_BACKOFF = env.float("KINSTA_RETRY_BACKOFF", default=1.0)
# The largest Kinsta answer read (decoded bytes); a longer one fails its request (kinsta_sync.api.transport).
KINSTA_MAX_RESPONSE_BYTES = env.int("KINSTA_MAX_RESPONSE_BYTES", default=32 * 1024 * 1024)
# Strings from Kinsta are stored cut to these lengths, each cut a warning on the run (kinsta_sync.sync.strings):
# names, labels, domains and other one-line values; the activity log's descriptions and errors.
KINSTA_MAX_STRING_CHARS = env.int("KINSTA_MAX_STRING_CHARS", default=2_000)
KINSTA_MAX_TEXT_CHARS = env.int("KINSTA_MAX_TEXT_CHARS", default=10_000)
# Days of analytics the first sync of an environment fetches (Kinsta's longest time span is 60 days).
KINSTA_BACKFILL_DAYS = env.int("KINSTA_BACKFILL_DAYS", default=60)
# Kinsta may still revise the most recent days; each sync fetches them again.
KINSTA_REFETCH_DAYS = env.int("KINSTA_REFETCH_DAYS", default=3)
# How long a sync's lease on its account lasts unrenewed: a killed run blocks the next one this long at
# most. A live run renews it every quarter of it (at most 15 s), also while it waits (kinsta_sync.sync.run).
KINSTA_SYNC_LEASE_SECONDS = env.int("KINSTA_SYNC_LEASE_SECONDS", default=60)
# Fernet keys (comma-separated, newest first) that encrypt stored API keys. Empty: derived from SECRET_KEY.
KINSTA_KEY_ENCRYPTION_KEYS = env.list("KINSTA_KEY_ENCRYPTION_KEYS", default=[])

# --- Report exports, delivery and share links (dashboard.exports.csv, .pdf, .delivery) -------------------------
# The Chromium that kaleido drives to turn the PDF's charts into SVG. Without it the PDF still renders, with
# tables in place of the charts and a note saying so.
CHROMIUM_PATH = env.str("CHROMIUM_PATH", default="/usr/bin/chromium")
# Seconds to wait for Chromium to start or to draw one chart before the PDF falls back to tables.
REPORTS_CHART_TIMEOUT = env.float("REPORTS_CHART_TIMEOUT", default=60.0)
# A warm Chromium holds ~340 MiB in each process that drew charts; it stops after this many seconds without a
# PDF and starts again (a few seconds) for the next one. 0 keeps it running for the life of the process.
REPORTS_CHROMIUM_IDLE_SECONDS = env.float("REPORTS_CHROMIUM_IDLE_SECONDS", default=600.0)
# The archive of sent reports (PDFs). Private: served only through the access-checked download view,
# so keep it outside MEDIA_ROOT and anything a web server publishes.
# PDFs rendered at once per process (each costs 2-4 s of CPU); a web request waits this long for a free slot
# before it answers 503 (dashboard/exports/limits.py). Background deliveries wait for their turn.
REPORTS_PDF_CONCURRENCY = env.int("REPORTS_PDF_CONCURRENCY", default=1)
REPORTS_PDF_WAIT_SECONDS = env.float("REPORTS_PDF_WAIT_SECONDS", default=15.0)
# A share link's PDF: at most this many requests per link and minute (429 after); for unchanged data the
# same PDF is served from the cache, not rendered again.
REPORTS_SHARE_PDF_PER_MINUTE = env.int("REPORTS_SHARE_PDF_PER_MINUTE", default=6)
REPORTS_ROOT = env.path("REPORTS_ROOT", default=BASE_DIR / "reports-archive")
# A failed e-mail is retried (after 5, 10, 20, ... minutes) until it was attempted this often.
REPORTS_SEND_MAX_ATTEMPTS = env.int("REPORTS_SEND_MAX_ATTEMPTS", default=5)
# How long a worker may hold a send before another one may take it over (a crashed worker).
REPORTS_SEND_LEASE_SECONDS = env.int("REPORTS_SEND_LEASE_SECONDS", default=15 * 60)
# Default lifetime of a share link, in days (staff can pick another when they create one).
REPORTS_SHARE_LINK_DAYS = env.int("REPORTS_SHARE_LINK_DAYS", default=30)

# --- Site actions (dashboard.actions): writes to Kinsta followed through /operations --------------------
# Seconds between polls of an operation; how long a 404 counts as "not registered yet"; when a still
# running operation is given up (the run fails, Kinsta may still finish it); a dead worker's lease.
ACTIONS_POLL_INTERVAL = env.float("ACTIONS_POLL_INTERVAL", default=3.0)
ACTIONS_NOT_FOUND_GRACE = env.float("ACTIONS_NOT_FOUND_GRACE", default=30.0)
ACTIONS_TIMEOUT = env.float("ACTIONS_TIMEOUT", default=900.0)
ACTIONS_LEASE_SECONDS = env.int("ACTIONS_LEASE_SECONDS", default=60)
# The Slack app's signing secret (docs/slack.md); unset: the Slack command answers 404. The end of a run is
# posted to the command's response_url, which must start with this (Slack's; tests point it at loopback).
SLACK_SIGNING_SECRET = env.str("SLACK_SIGNING_SECRET", default="")
SLACK_RESPONSE_URL_PREFIX = env.str("SLACK_RESPONSE_URL_PREFIX", default="https://hooks.slack.com/")
# An incoming webhook (https://hooks.slack.com/services/...) where the plan usage alerts are posted too
# (docs/usage.md); unset: e-mail only. A secret: never logged, never shown (its error is stored without it).
SLACK_ALERTS_WEBHOOK_URL = env.str("SLACK_ALERTS_WEBHOOK_URL", default="")

# --- Background work (django-q2) -------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "agency-reports",
    # SQLite allows one writer at a time: one worker keeps the web process and the cluster from
    # locking each other out. With PostgreSQL and Redis, use several.
    "workers": env.int("Q_WORKERS", default=1 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 2),
    # A full sync of a large agency at 100 requests/minute takes a while; timeout < retry, or django-q2
    # hands the same task to a second worker while the first still runs it.
    "timeout": env.int("Q_TIMEOUT", default=3 * 3600),
    "retry": env.int("Q_RETRY", default=3 * 3600 + 600),
    "max_attempts": 2,
    # A sync missed overnight runs once, not once per missed slot.
    "catch_up": False,
    "save_limit": 500,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 2

# --- Cache (dashboard.reports.cache: report data and rendered report fragments) ----------------------------------
# Every key carries a data version computed from the database on each request, so a per-process cache is
# correct too (each gunicorn worker warms its own); Redis shares the work between processes and restarts.


def redis_cache_url(broker_url: str) -> str:
    """The broker's Redis server, the next database number (redis://host:6379/0 -> redis://host:6379/1).

    Never the broker's own database: `cache.clear()` empties the whole database, task queue included.
    """
    parts = urlsplit(broker_url)
    query = dict(parse_qsl(parts.query))
    database, in_query = _redis_database(broker_url)
    path = parts.path
    if in_query:  # unix:///run/redis.sock?db=0
        query["db"] = str(database + 1)
    else:  # redis://host:6379/0
        path = f"/{database + 1}"
    # Joined by hand: urlunsplit() would drop the empty host of unix:///path.
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{urlencode(query)}" if query else "")


def _redis_database(url: str) -> tuple[int, bool]:
    """The database number a Redis URL names, and whether it names it in the query (`?db=`) or the path."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "db" in query or parts.scheme == "unix":
        return int(query.get("db", 0)), True
    return int(parts.path.strip("/") or 0), False


def _redis_target(url: str) -> tuple[str, int | str, int]:
    """Where a Redis URL points: (host or socket path, port, database)."""
    parts = urlsplit(url)
    place = parts.path if parts.scheme == "unix" else (parts.hostname or "localhost")
    return place, parts.port or 6379, _redis_database(url)[0]


REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="") or (redis_cache_url(REDIS_URL) if REDIS_URL else "")
if REDIS_CACHE_URL and REDIS_URL and _redis_target(REDIS_CACHE_URL) == _redis_target(REDIS_URL):
    raise ImproperlyConfigured(
        "REDIS_CACHE_URL must name another Redis database than REDIS_URL: clearing the cache would empty the task queue"
    )
if REDIS_CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL,
                          "KEY_PREFIX": "agency-reports"}}  # fmt: skip
else:
    # When full it drops the least recently used entries. A 50-site report's month is ~200 kB (data and page
    # body), its year ~800 kB: 100 entries keep each process's cache in the tens of MB.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 100}}}
# Counters of the password-reset limits (clients.rate_limits): small entries that the report cache's large ones
# must not push out. With Redis every process shares them.
CACHES["limits"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL,
     "KEY_PREFIX": "agency-reports-limits"}
    if REDIS_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits",
          "OPTIONS": {"MAX_ENTRIES": 10_000}}
)  # fmt: skip
# Entries of an old data version are never read again; this is when they are dropped.
REPORTS_CACHE_SECONDS = env.int("REPORTS_CACHE_SECONDS", default=24 * 3600)

# --- Logging ---------------------------------------------------------------------------------------------
# Error reports hide webhook URLs (SLACK_ALERTS_WEBHOOK_URL) as well as Django's KEY/SECRET/TOKEN... settings.
DEFAULT_EXCEPTION_REPORTER_FILTER = "dashboard.log_redaction.SecretSettingsFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Share-link and password-reset tokens are cut out of every message (dashboard/log_redaction.py).
    "filters": {"redact_tokens": {"()": "dashboard.log_redaction.RedactTokensFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO, fontTools every font subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # kaleido and choreographer (the PDF's charts) log Chromium's life at INFO.
        "kaleido": {"level": "WARNING"},
        "choreographer": {"level": "WARNING"},
    },
}
