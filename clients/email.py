"""The sender of every e-mail the app sends (reports, invitations, password resets): the one place the From
and Reply-To headers are built."""

from __future__ import annotations

import logging
import unicodedata
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clients.models import AgencyBranding
from clients.validators import validate_single_line

logger = logging.getLogger(__name__)


def _one_line(value: str) -> str:
    """`value` on one line: runs of whitespace (line breaks included) become one space, other control
    characters go."""
    return " ".join("".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch.isspace()).split())


def email_sender(*, branding: AgencyBranding | None = None) -> tuple[str, list[str]]:
    """The From header and the Reply-To list of every e-mail the app sends (reports, invitations, password
    resets): the one place they are built.

    From is `"Sender name" <address>`: the branding's sender name (or the agency's name) and the address of
    DEFAULT_FROM_EMAIL (whose own display name, if it has one, is only the fallback). The admin refuses a
    name with a line break (validate_single_line); one saved before that check, or by code that skipped
    it, is put on one line here rather than making Django refuse the header (BadHeaderError) when the mail
    is sent. A Reply-To that is not one clean address is left out.
    """
    branding = branding or AgencyBranding.get()
    reply_to = []
    if branding.reply_to:
        try:
            validate_email(branding.reply_to)
            validate_single_line(branding.reply_to)
        except ValidationError:
            logger.warning("Agency branding: reply-to %r is not one address; e-mails go without it", branding.reply_to)
        else:
            reply_to = [branding.reply_to]
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:  # not an address parseaddr understands: leave it as configured
        return settings.DEFAULT_FROM_EMAIL, reply_to
    name = _one_line(branding.sender_name or branding.name or "") or _one_line(default_name)
    return (formataddr((name, address)) if name else address), reply_to
