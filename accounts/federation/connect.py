"""A social sign-in that meets an existing email/password account: offer to connect it, never on email alone.

When a federated sign-in arrives whose email the provider verified (Google and
Apple assert ``email_verified``; Facebook does not, so it is never offered) and
the pool has a native user with that verified email, the site tells the person
and offers "Sign in with your password to connect". The offer is remembered in
the session, signed and short-lived; the password sign-in in the same browser
proves the person owns both, and only then does accounts.federation.linking
link the identity and merge the two site users, under the permissions policy.

A person whose email/password account is staff (not a superuser) is refused by
the policy and told that an administrator connects it on the Link accounts
page: a social account's takeover must not become a staff sign-in by
self-service. A superuser may connect their own, as they may link anyone's.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing

from ..cognito.client import CognitoClient
from ..exceptions import CognitoError, LinkRefused
from . import providers
from .linking import LinkResult, federated_user_link

logger = logging.getLogger(__name__)

PENDING_LINK_KEY = "federation_pending_link"
_SALT = "accounts.federation.connect"
#: How long the offer holds: long enough to type a password, short enough to be this visit's.
PENDING_LINK_SECONDS = 15 * 60


@dataclass(frozen=True)
class PendingLink:
    federated_pk: int
    provider: str
    email: str

    @property
    def label(self) -> str:
        return providers.provider_label(self.provider)


def _filter_value(value: str) -> str:
    """Quote ``value`` for a ListUsers filter (a backslash and a double quote are escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _native_holder(*, email: str, cognito) -> bool:
    """Return whether a confirmed email/password user of the pool has ``email``, verified."""
    page = cognito.list_users_page(filter_expression=f"email = {_filter_value(email)}", limit=10)
    return any(
        user.status != "EXTERNAL_PROVIDER"
        and not providers.username_provider(user.username)
        and user.enabled
        and user.attributes.get("email_verified") == "true"
        and user.attributes.get("email", "").lower() == email.lower()
        for user in page.users
    )


def connect_offer(*, request, user, cognito=None) -> PendingLink | None:
    """After a sign-in, return (and remember in the session) the offer to connect, or None when there is none.

    Only reads: the federated user's pool attributes (is the email verified by
    the provider?) and the native users with that email. A Cognito failure
    means no offer, never a failed sign-in.
    """
    provider = providers.username_provider(user.cognito_username)
    if not provider or user.separate_account_kept or not user.email:
        return None
    cognito = cognito or CognitoClient()
    try:
        federated = cognito.get_user(user.cognito_username)
        if federated.attributes.get("email_verified") != "true":
            return None  # Facebook, or a provider that did not vouch for the address
        if not _native_holder(email=user.email, cognito=cognito):
            return None
    except CognitoError as exc:
        logger.warning("Could not look for an account to connect %s to: %s", user.cognito_sub, type(exc).__name__)
        return None
    pending = PendingLink(federated_pk=user.pk, provider=provider, email=user.email.lower())
    request.session[PENDING_LINK_KEY] = signing.dumps(
        {"federated": pending.federated_pk, "provider": pending.provider, "email": pending.email}, salt=_SALT
    )
    logger.info("Offered to connect %s's %s sign-in to their email/password account", user.cognito_sub, provider)
    return pending


def pending_link(request) -> PendingLink | None:
    """Return the session's offer if it is signed, fresh and well formed; else None (and forget it)."""
    raw = request.session.get(PENDING_LINK_KEY)
    if not isinstance(raw, str):
        return None
    try:
        data = signing.loads(raw, salt=_SALT, max_age=PENDING_LINK_SECONDS)
        pending = PendingLink(
            federated_pk=int(data["federated"]), provider=str(data["provider"]), email=str(data["email"])
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        request.session.pop(PENDING_LINK_KEY, None)
        return None
    return pending


def pending_link_forget(request) -> None:
    request.session.pop(PENDING_LINK_KEY, None)


def connect_declined(*, request, user) -> None:
    """Keep the federated user as a separate account: forget the offer, and never make it again."""
    pending_link_forget(request)
    get_user_model().objects.filter(pk=user.pk).update(separate_account_kept=True)
    logger.info("%s keeps a separate account", user.cognito_sub)


def account_connect(*, request, pending: PendingLink) -> LinkResult:
    """Link the pending federated sign-in to the signed-in email/password user, who acts for themselves.

    Cognito first, then the database (accounts.federation.linking says what
    happens when the second write fails). Raise LinkRefused when the signed-in
    user is not the account the offer was for, NotAllowed when the policy
    refuses (a staff account), CognitoError as linking raises it.
    """
    native = request.user
    User = get_user_model()
    federated = User.objects.filter(pk=pending.federated_pk).first()
    if federated is None or providers.username_provider(federated.cognito_username) != pending.provider:
        raise LinkRefused("the sign-in to connect is no longer here")
    if providers.username_provider(native.cognito_username) or native.email.lower() != pending.email:
        raise LinkRefused("you signed in with another account than the one with this email")
    result = federated_user_link(federated=federated, native=native, actor=native)
    pending_link_forget(request)
    return result
