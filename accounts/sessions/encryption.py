"""Encrypt Cognito tokens at rest with Fernet.

Keys come from ``COGNITO_TOKEN_ENCRYPTION_KEYS`` (Fernet keys, newest first);
left empty, one key is derived from ``SECRET_KEY``. The first key encrypts and
every key decrypts, so a new key is rolled in by putting it first and dropping
the old one once sessions encrypted with it have ended. A token that no key
decrypts reads as missing, which ends that session at its next check.
"""

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

logger = logging.getLogger(__name__)


def derived_key(secret_key: str) -> bytes:
    """Return a Fernet key derived from ``secret_key`` for this purpose only."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"accounts.session_tokens")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def encryption_keys() -> list:
    """Return the Fernet keys, the encrypting one first.

    Keys derived from SECRET_KEY and SECRET_KEY_FALLBACKS always decrypt too,
    so setting COGNITO_TOKEN_ENCRYPTION_KEYS for the first time, or rotating
    the secret key the Django way, signs nobody out.
    """
    derived = [derived_key(secret) for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]
    return [*settings.COGNITO_TOKEN_ENCRYPTION_KEYS, *derived]


def _fernet():
    return MultiFernet([Fernet(key) for key in encryption_keys()])


@sensitive_variables("token")
def encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode() if token else ""


def decrypt(value: str) -> str:
    """Return the token, or "" when there is none or no configured key opens it."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        logger.warning("A stored token could not be decrypted (was the encryption key changed?)")
        return ""
