"""Encrypt cached AWS credentials at rest with Fernet, as accounts.sessions.encryption does tokens.

The keys are derived for this purpose only (their own HKDF info) from every
key that encrypts tokens: COGNITO_TOKEN_ENCRYPTION_KEYS, SECRET_KEY and
SECRET_KEY_FALLBACKS. The first encrypts, all decrypt; a value no key opens
reads as missing, and the credentials are fetched again.
"""

import base64
import json
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

logger = logging.getLogger(__name__)

INFO = b"accounts.aws_credentials"


def _derive(material: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO)
    return base64.urlsafe_b64encode(hkdf.derive(material))


def encryption_keys() -> list:
    """Return the Fernet keys for credentials, the encrypting one first."""
    sources = [*settings.COGNITO_TOKEN_ENCRYPTION_KEYS, settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [_derive(source.encode()) for source in sources]


def _fernet():
    return MultiFernet([Fernet(key) for key in encryption_keys()])


@sensitive_variables("values")
def encrypt(values: dict) -> str:
    return _fernet().encrypt(json.dumps(values).encode()).decode()


def decrypt(value: str) -> dict:
    """Return the values, or {} when no configured key opens them."""
    try:
        values = json.loads(_fernet().decrypt(value.encode()))
    except (InvalidToken, ValueError):
        logger.warning("Cached AWS credentials could not be decrypted (was the encryption key changed?)")
        return {}
    return values if isinstance(values, dict) else {}
