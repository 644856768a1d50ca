"""Social sign-in through Cognito federation: which providers the site offers, and what their claims mean.

Cognito does the federation: the site names a provider in ``identity_provider``
at authorize, and gets back Cognito's own tokens for a federated user
(``cognito:username`` ``Google_<id>``, an ``identities`` claim).
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation.html
"""

import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

# What the sign-in page calls Cognito's provider names.
PROVIDER_LABELS = {"Google": "Google", "Facebook": "Facebook", "SignInWithApple": "Apple", "LoginWithAmazon": "Amazon"}
# Whether a provider's email address has been proven to be the person's (the connect-your-account
# flow links only such). Google and Apple assert email_verified; Facebook and Login with Amazon
# assert nothing. A SAML provider says so in config/cognito.toml (``email_verified``).
VERIFIES_EMAIL = {"Google": True, "Facebook": False, "SignInWithApple": True, "LoginWithAmazon": False}
# The user attribute a SAML provider's groups are mapped to (config/cognito.toml).
IDP_GROUPS_ATTRIBUTE = "custom:idp_groups"
# Apple's "Hide my email" addresses forward to the person's real inbox.
APPLE_RELAY_DOMAIN = "privaterelay.appleid.com"


@dataclass(frozen=True)
class Provider:
    name: str
    label: str


@dataclass(frozen=True)
class SamlProvider:
    """A company's SAML identity provider as config/cognito.toml declares it."""

    name: str
    label: str
    domains: tuple = ()
    email_verified: bool = False
    group_mapping: dict = field(default_factory=dict)
    privileged_groups: frozenset = frozenset()

    def owns_email(self, email):
        """Return whether ``email`` is at one of this company's declared domains."""
        return isinstance(email, str) and email.rpartition("@")[2].lower() in self.domains


@lru_cache(maxsize=4)
def _declared_saml(path):
    with open(path, "rb") as fh:
        declared = tomllib.load(fh).get("saml_providers", [])
    return {
        p["name"]: SamlProvider(
            name=p["name"],
            label=p.get("label", p["name"]),
            domains=tuple(domain.lower() for domain in p.get("idp_identifiers", [])),
            email_verified=bool(p.get("email_verified", False)),
            group_mapping=dict(p.get("group_mapping", {})),
            privileged_groups=frozenset(p.get("privileged_groups", [])),
        )
        for p in declared
    }


def declared_saml_providers():
    """Return every SAML provider config/cognito.toml declares, by name, offered by the site or not."""
    return _declared_saml(str(settings.COGNITO_PROVISION_FILE))


def saml_providers():
    """Return the SAML providers config/cognito.toml declares that the site offers, by name."""
    return {name: p for name, p in declared_saml_providers().items() if name in settings.COGNITO_IDENTITY_PROVIDERS}


def configured_providers():
    """Return the social providers the sign-in page offers as buttons, from COGNITO_IDENTITY_PROVIDERS.

    SAML providers are offered through "Sign in with your company" instead.
    """
    saml = saml_providers()
    return [
        Provider(name=name, label=PROVIDER_LABELS.get(name, name))
        for name in settings.COGNITO_IDENTITY_PROVIDERS
        if name not in saml
    ]


def verifies_email(name):
    """Return whether provider ``name`` proves the email it asserts is the person's (see VERIFIES_EMAIL)."""
    saml = saml_providers().get(name)
    return saml.email_verified if saml else VERIFIES_EMAIL.get(name, False)


def idp_groups(claims):
    """Return the company groups a SAML sign-in asserted (``custom:idp_groups``), as a list of strings.

    Cognito stores a multi-valued SAML attribute as one string, ``[a, b]``; a
    single value arrives bare. Anything but a string of sane size is none.
    """
    value = claims.get(IDP_GROUPS_ATTRIBUTE, "")
    if not isinstance(value, str) or len(value) > 2048:
        return []
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    return [name.strip() for name in value.split(",") if name.strip() and len(name.strip()) <= 256]


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
    names = [*PROVIDER_LABELS, *saml_providers()]
    return next((name for name in names if name.lower() == prefix), "")


def linked_providers(claims):
    """Return the names of the providers linked to a native user (its non-primary identities)."""
    return [str(identity.get("providerName", "")) for identity in identities(claims) if not _is_primary(identity)]


def provider_label(name):
    if not name:
        return "Email and password"
    saml = saml_providers().get(name)
    return saml.label if saml else PROVIDER_LABELS.get(name, name)


def is_relay_email(email):
    return email.lower().endswith(f"@{APPLE_RELAY_DOMAIN}")
