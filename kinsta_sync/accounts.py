"""Kinsta accounts configured through the environment."""

from __future__ import annotations

import logging

from django.conf import settings

from kinsta_sync.models import KinstaAccount

logger = logging.getLogger(__name__)


def account_from_environment() -> KinstaAccount | None:
    """Create or update the account named by KINSTA_COMPANY_ID with KINSTA_API_KEY, when both are set."""
    company_id, api_key = settings.KINSTA_COMPANY_ID.strip(), settings.KINSTA_API_KEY.strip()
    if not (company_id and api_key):
        return None
    account = KinstaAccount.objects.filter(company_id=company_id).first()
    if account is None:
        account = KinstaAccount(company_id=company_id, name=settings.KINSTA_COMPANY_NAME or company_id)
        account.set_api_key(api_key)
        account.save()
        logger.info("Created the Kinsta account %s from the environment", company_id)
        return account
    changed: list[str] = []
    if account.api_key_encrypted == "" or _stored_key(account) != api_key:
        account.set_api_key(api_key)
        changed += ["api_key_encrypted", "api_key_hint"]
    if settings.KINSTA_COMPANY_NAME and account.name != settings.KINSTA_COMPANY_NAME:
        account.name = settings.KINSTA_COMPANY_NAME
        changed.append("name")
    if changed:
        account.save(update_fields=[*changed, "updated_at"])
        logger.info("Updated the Kinsta account %s from the environment", company_id)
    return account


def _stored_key(account: KinstaAccount) -> str | None:
    from kinsta_sync.crypto import DecryptionError

    try:
        return account.get_api_key()
    except DecryptionError:
        return None
