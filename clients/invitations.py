"""Invitations of client users, and the one-time set-password link they (and password resets) carry."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from clients.email import email_sender
from clients.models import AgencyBranding, Client, ClientMembership

logger = logging.getLogger(__name__)


class InvitationError(Exception):
    pass


def set_password_url(*, user: Any, base_url: str) -> str:
    """The one-time set-password link (Django's reset token: it expires after PASSWORD_RESET_TIMEOUT
    and stops working once the password is set)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _invitation_message(*, client: Client, user: Any, base_url: str) -> EmailMessage:
    branding = AgencyBranding.get()
    from_email, reply_to = email_sender(branding=branding)
    context = {
        "client": client,
        "agency": branding,
        "user": user,
        "url": set_password_url(user=user, base_url=base_url),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "login_url": base_url.rstrip("/") + reverse("login"),
        "username": user.get_username(),
    }
    with translation.override(client.language):
        subject = "".join(render_to_string("clients/emails/client_invitation_subject.txt", context).splitlines())
        body = render_to_string("clients/emails/client_invitation.txt", context)
    message = EmailMessage(subject=subject, body=body, from_email=from_email, to=[user.email], reply_to=reply_to)
    message.message()  # builds the headers now: one Django would refuse fails here, not when sending
    return message


def invite_client_user(*, client: Client, email: str, base_url: str, invited_by: Any = None) -> Any:
    """Create (or re-invite) a client user for `client` and e-mail them a set-password link.

    `base_url` is the site's address as the recipient reaches it (e.g. request.build_absolute_uri("/")).
    Refuses staff users and users of another client (InvitationError).

    All or nothing: the user, the membership and the e-mail are made in one transaction, so an e-mail that
    cannot be built leaves no user behind; it is sent after the commit (no transaction is held while the
    mail server answers), and if the server refuses it a user created by this call is removed again.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    if not email or "@" not in email:
        raise InvitationError("Enter an e-mail address.")
    if len(email) > 150:
        raise InvitationError("This e-mail address is too long for a login (150 characters at most).")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvitationError(gettext("Enter a valid e-mail address.")) from exc
    with transaction.atomic():
        created = False
        user = User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()
        if user is None:
            user = User(username=email.lower(), email=email, is_active=True)
            user.set_unusable_password()
            user.save()
            created = True
        elif user.is_staff or user.is_superuser:
            raise InvitationError(f"{email} is agency staff; staff already see every client.")
        membership = ClientMembership.objects.filter(user=user).select_related("client").first()
        if membership is None:
            membership = ClientMembership.objects.create(user=user, client=client)
        elif membership.client_id != client.pk:
            raise InvitationError(f"{email} already belongs to another client ({membership.client.name}).")
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        membership.invited_at = timezone.now()
        membership.save(update_fields=["invited_at"])
        try:
            message = _invitation_message(client=client, user=user, base_url=base_url)
        except BadHeaderError as exc:  # raised inside the transaction: the user above is not kept
            logger.warning("Invitation of %s not built: %s", email, exc)
            raise InvitationError(
                gettext("The invitation e-mail could not be built (%(error)s); nobody was invited.") % {"error": exc}
            ) from exc

    try:
        message.send()
    except OSError as exc:  # smtplib's errors included: the mail server refused or could not be reached
        logger.warning("Invitation of %s not sent: %s", email, exc)
        if created:
            user.delete()
        raise InvitationError(
            gettext("The invitation e-mail could not be sent (%(error)s); nobody was invited. Try again.")
            % {"error": exc}
        ) from exc
    logger.info("Invited %s to client %s", user.email, client.slug)
    return user
