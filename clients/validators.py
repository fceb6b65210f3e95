"""Validators for client settings: colours, time zones, e-mail lists, single-line header values and uploaded
logos."""

from __future__ import annotations

import functools
import unicodedata
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from clients.logos import LOGO_MAX_BYTES, decode_logo

validate_hex_color = RegexValidator(
    r"^#[0-9a-fA-F]{6}\Z", "Enter a colour as #RRGGBB, for example #4b2fd1.", code="invalid_color"
)

# Logos end up in HTML e-mails and PDFs. SVG is left out on purpose: it can carry scripts, and a logo
# served from our own origin must never be able to run one. What is stored is re-encoded (clients.logos).
_LOGO_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
}


@functools.cache
def _timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(_timezone_names())]


def validate_timezone(value: str) -> None:
    # zoneinfo.ZoneInfo() would also accept odd file names from the tz database ("posixrules"); only
    # the canonical IANA names are allowed.
    if value not in _timezone_names():
        raise ValidationError("%(value)s is not an IANA time zone (e.g. Europe/Berlin).", params={"value": value})


def validate_email_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Contact e-mails must be a list of addresses.")
    check = EmailValidator()
    bad = []
    for item in value:
        try:
            check(item)
        except ValidationError:
            bad.append(item)
    if bad:
        raise ValidationError("Not valid e-mail addresses: %(bad)s", params={"bad": ", ".join(bad)})


def validate_logo(file: Any) -> None:
    """Only small raster images whose first bytes match their extension, and that decode within the pixel
    caps (clients.logos.decode_logo)."""
    name = getattr(file, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in _LOGO_SIGNATURES:
        raise ValidationError("Upload a PNG, JPEG, GIF or WebP image.", code="logo_type")
    size = getattr(file, "size", None)
    if size is not None and size > LOGO_MAX_BYTES:
        raise ValidationError(
            "The logo is %(size)d KB; at most %(max)d KB is allowed.",
            params={"size": size // 1024, "max": LOGO_MAX_BYTES // 1024},
            code="logo_size",
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        head = file.read(12)
    finally:
        if position is not None:
            file.seek(position)
    if not any(head.startswith(signature) for signature in _LOGO_SIGNATURES[extension]):
        raise ValidationError("The file is not the image its name says it is.", code="logo_content")
    if extension == "webp" and head[8:12] != b"WEBP":
        raise ValidationError("The file is not the image its name says it is.", code="logo_content")
    decode_logo(file)


def has_control_characters(value: str) -> bool:
    """Line breaks, tabs, NUL, escape and the other control characters, and Unicode's line separators."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)


def validate_single_line(value: Any) -> None:
    """For what ends up in an e-mail header (the sender's name and addresses): one line, nothing hidden.
    A line break there is header injection; Django refuses such a header when the mail is sent."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            _("Use a single line without line breaks, tabs or other control characters."), code="single_line"
        )


def split_emails(text: str) -> list[str]:
    """'a@x.com, b@y.com\\nc@z.com' -> a list without blanks or duplicates (case-insensitive), order kept."""
    seen: set[str] = set()
    out = []
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        email = part.strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            out.append(email)
    return out
