"""Secrets that travel in URLs never reach a log: share-link tokens (/share/<token>/) and password-reset and
invitation tokens (/reset/<uid>/<token>/), and the path of a Slack incoming webhook (/services/T…/B…/<secret>,
SLACK_ALERTS_WEBHOOK_URL). Django's request warnings ("Gone: /share/…") and gunicorn's access log both go
through `redact()`; the path stays, so a log still says which kind of page was asked for.

`SecretSettingsFilter` (settings.DEFAULT_EXCEPTION_REPORTER_FILTER) also hides settings named like a webhook
from Django's error reports, beside Django's own API/KEY/SECRET/TOKEN/PASS... names.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter
from gunicorn.glogging import Logger

_TOKEN_IN_PATH = re.compile(
    r"(?P<share>/share/)[^/\s?#\"']+"
    r"|(?P<reset>/reset/[^/\s?#\"']+/)(?!set-password\b)[^/\s?#\"']+"
    r"|(?P<webhook>hooks\.slack\.com/services/)[^\s?#\"']+"
)


def redact(text: str) -> str:
    """`text` with every token in a share or reset path, and a Slack webhook's secret path, replaced by `[token]`."""
    return _TOKEN_IN_PATH.sub(lambda m: (m.group("share") or m.group("reset") or m.group("webhook")) + "[token]", text)


class RedactTokensFilter(logging.Filter):
    """A logging filter (settings.LOGGING) that redacts the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class GunicornLogger(Logger):
    """gunicorn's logger (gunicorn.conf.py `logger_class`) with tokens redacted from the access log."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}


class SecretSettingsFilter(SafeExceptionReporterFilter):
    """Django's filter of error reports (the debug page, the admins' error e-mails), hiding WEBHOOK settings too."""

    hidden_settings = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|WEBHOOK", flags=re.IGNORECASE)
