"""Company sign-in (SAML) at the site's side: which addresses a company may speak for, and its groups.

Cognito verifies the company's assertion (on AWS: signature, audience,
validity window) and hands the site its own tokens. The site then refuses a
sign-in whose email is outside the company's declared domains (a company IdP
must not mint accounts for addresses it does not own: the connect-your-account
flow would hand them someone else's account), and maps the company's groups to
Cognito groups as config/cognito.toml declares, through accounts.policy.
"""

import logging

from django.core.cache import cache

from .. import policy
from ..claims import apply_group_claims, mirrored_group_names
from ..cognito.client import CognitoClient
from ..exceptions import FederationRefused, NotFound
from . import providers

logger = logging.getLogger(__name__)

#: How long the site remembers which company an email domain belongs to.
COMPANY_LOOKUP_SECONDS = 300


def company_for_email(email):
    """Return the offered SAML provider that signs in people at ``email``'s domain, or None.

    GetIdentityProviderByIdentifier reads the registry that ``idp_identifier``
    at /oauth2/authorize reads (the domains provisioning declared as
    IdpIdentifiers); asking first lets an unknown domain get the site's own
    page instead of Cognito's error, on AWS and on the local stack (which
    ignores ``idp_identifier``). Answers are cached for a few minutes; a
    CognitoError other than "no such provider" propagates.
    """
    domain = email.rpartition("@")[2].lower()
    key = f"company-idp:{domain}"
    name = cache.get(key)
    if name is None:
        try:
            name = CognitoClient().identity_provider_by_identifier(domain).name
        except NotFound:
            name = ""
        cache.set(key, name, COMPANY_LOOKUP_SECONDS)
    company = providers.saml_providers().get(name)
    # Cognito's registry and the file must agree: a domain only the pool lists grants no company sign-in.
    return company if company is not None and company.owns_email(email) else None


def saml_provider_of(claims):
    """Return the declared SAML provider this sign-in came through, or None.

    Every declared one, not only those the site offers: provisioning adds them all
    to the app client, so the hosted UI reaches them, and their rules must hold.
    """
    identity = providers.primary_identity(claims)
    name = str(identity.get("providerName", "")) if identity else ""
    return providers.declared_saml_providers().get(name)


def saml_sign_in_check(claims):
    """Raise FederationRefused when a company sign-in asserts an email outside the company's domains."""
    company = saml_provider_of(claims)
    if company is None:
        return
    if not company.owns_email(claims.get("email", "")):
        raise FederationRefused(
            f"{company.name} asserted an address outside its domains for sub {claims.get('sub')}",
            user_message=(
                f"{company.label}'s sign-in named {str(claims.get('email', ''))[:254] or 'no email address'}, "
                "which is not at one of its domains "
                f"({', '.join(company.domains)}), so this site cannot sign you in with it. Contact your IT team."
            ),
        )


def saml_groups_sync(*, user, claims, cognito=None):
    """Bring the user's mapped Cognito groups in line with what the company asserted, then their Django groups.

    Cognito is written first (AdminAddUserToGroup / AdminRemoveUserFromGroup,
    only for the groups the company's mapping names, only as the policy
    allows), then the Django groups, so this sign-in already has them and the
    next token carries them. If a Cognito write fails, the error propagates
    and the sign-in is refused with the unavailable page; what was written
    stays, and the next sign-in finishes the job.
    """
    company = saml_provider_of(claims)
    if company is None:
        return
    listed = claims.get("cognito:groups", [])
    claimed = {name for name in listed if isinstance(name, str)} if isinstance(listed, list) else set()
    wanted = policy.declared_group_grants(
        asserted=providers.idp_groups(claims),
        mapping=company.group_mapping,
        privileged_declared=company.privileged_groups,
        source=company.name,
    )
    managed = set(company.group_mapping.values())
    to_add, to_remove = wanted - claimed, (claimed & managed) - wanted
    if not (to_add or to_remove):
        return
    username = claims.get("cognito:username", "")
    if not isinstance(username, str) or not username or len(username) > 128:
        logger.warning("Company groups of %s not synced: the token names no usable Cognito username", claims.get("sub"))
        return
    cognito = cognito or CognitoClient()
    for group in sorted(to_add):
        cognito.add_user_to_group(username, group)
    for group in sorted(to_remove):
        cognito.remove_user_from_group(username, group)
    logger.info(
        "Company groups of %s through %s: added %s, removed %s",
        claims.get("sub"),
        company.name,
        sorted(to_add) or "-",
        sorted(to_remove) or "-",
    )
    apply_group_claims(user, mirrored_group_names((claimed - to_remove) | to_add))
