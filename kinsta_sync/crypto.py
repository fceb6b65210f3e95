"""Encryption at rest for Kinsta API keys.

Keys are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The encryption keys come from
`KINSTA_KEY_ENCRYPTION_KEYS` (newest first, so a key can be rotated: old ciphertexts still decrypt and
`rotate()` re-encrypts them with the newest key). When that setting is empty, one key is derived from
`SECRET_KEY` with HKDF, so a fresh install works without another secret to manage.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """The stored ciphertext cannot be read with the configured keys."""


def _derived_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"agency-reports-kinsta", info=b"kinsta-api-key")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def _fernet() -> MultiFernet:
    keys = list(settings.KINSTA_KEY_ENCRYPTION_KEYS) or [_derived_key(settings.SECRET_KEY)]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "KINSTA_KEY_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes)"
        ) from exc


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        # Never include the ciphertext or any part of a key in the message.
        raise DecryptionError(
            "The stored API key cannot be decrypted: SECRET_KEY or KINSTA_KEY_ENCRYPTION_KEYS changed. "
            "Enter the key again in the admin."
        ) from exc


def rotate(ciphertext: str) -> str:
    """Re-encrypt with the newest key (after adding a key in front of KINSTA_KEY_ENCRYPTION_KEYS)."""
    return _fernet().rotate(ciphertext.encode()).decode()
