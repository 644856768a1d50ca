"""Social sign-in through Cognito federation: which providers the site offers, and what their claims mean.

Cognito does the federation: the site names a provider in ``identity_provider``
at authorize, and gets back Cognito's own tokens for a federated user
(``cognito:username`` ``Google_<id>``, an ``identities`` claim).
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation.html
"""

import json
from dataclasses import dataclass

from django.conf import settings

# What the sign-in page calls Cognito's provider names.
PROVIDER_LABELS = {"Google": "Google", "Facebook": "Facebook", "SignInWithApple": "Apple"}
# Apple's "Hide my email" addresses forward to the person's real inbox.
APPLE_RELAY_DOMAIN = "privaterelay.appleid.com"


@dataclass(frozen=True)
class Provider:
    name: str
    label: str


def configured_providers():
    """Return the identity providers the sign-in page offers, from COGNITO_IDENTITY_PROVIDERS."""
    return [Provider(name=name, label=PROVIDER_LABELS.get(name, name)) for name in settings.COGNITO_IDENTITY_PROVIDERS]


def is_offered(name):
    return name in settings.COGNITO_IDENTITY_PROVIDERS


def identities(claims):
    """Return the ``identities`` claim as a list of dicts.

    Cognito sends a list; a user attribute read elsewhere is the same list as
    JSON text, so both are accepted. Anything else is no identities.
    """
    value = claims.get("identities") or []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [identity for identity in value if isinstance(identity, dict)] if isinstance(value, list) else []


def _is_primary(identity):
    # Cognito sends "primary" as the string "true" or "false", never a boolean.
    return str(identity.get("primary", "")).lower() == "true"


def primary_identity(claims):
    """Return the user's own provider identity (a federated user's), or None for a native user."""
    return next((identity for identity in identities(claims) if _is_primary(identity)), None)


def sign_in_provider(claims, requested=""):
    """Return the provider name the user signed in with, or "" for email and password.

    A federated user's own identity is the primary one. A native user linked to
    a provider lists it as not primary, and its tokens look the same whichever
    way the person signed in, so ``requested`` (the provider the site sent the
    browser to) decides then. Without ``identities``, ``cognito:username``'s
    ``Provider_`` prefix is the only hint.
    """
    primary = primary_identity(claims)
    if primary:
        return str(primary.get("providerName", ""))
    listed = identities(claims)
    if requested and any(identity.get("providerName") == requested for identity in listed):
        return requested
    if not listed:
        return username_provider(claims.get("cognito:username", ""))
    return ""


def username_provider(username):
    """Return the provider a ``Provider_id`` Cognito username names, or "" for a native user."""
    prefix = str(username).partition("_")[0].lower()
    return next((name for name in PROVIDER_LABELS if name.lower() == prefix), "")


def linked_providers(claims):
    """Return the names of the providers linked to a native user (its non-primary identities)."""
    return [str(identity.get("providerName", "")) for identity in identities(claims) if not _is_primary(identity)]


def provider_label(name):
    return PROVIDER_LABELS.get(name, name) if name else "Email and password"


def is_relay_email(email):
    return email.lower().endswith(f"@{APPLE_RELAY_DOMAIN}")
