"""What a signed-in person may do to their own account, with the access token of their session.

Each service writes Cognito first, with the person's own access token (the
client's scope includes ``aws.cognito.signin.user.admin``), so Cognito binds
the write to them; then the site follows, by renewing the session's tokens, so
that the new ID token's claims reach the Django user through the one claims
rule (accounts/claims.py). Every service first asks the policy
(``accounts.policy.own_account_check``).
"""

import logging
from dataclasses import dataclass

from django.contrib import auth
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from .. import policy
from ..claims import profile_fields
from ..cognito.client import CognitoClient
from ..cognito.types import PoolUser
from ..exceptions import InputRefused, NotAuthorized
from ..federation import providers
from ..sessions import records, renewal

logger = logging.getLogger(__name__)

#: Cognito's limit on a name attribute (2048) is far above the site's columns; the form keeps to these.
NAME_MAX_LENGTH = 150


class NoAccessToken(NotAuthorized):
    """This session holds no live access token (it was started before tokens were kept, or renewal failed)."""

    default_detail = "Your session has expired. Sign in again to change your account."


@sensitive_variables("token")
def _token(request: HttpRequest, change: str) -> str:
    policy.own_account_check(actor=request.user, change=change)
    token = records.session_access_token(request=request)
    if not token:
        raise NoAccessToken("no access token in this session")
    return token


def _follow(request: HttpRequest) -> str:
    """Renew the session's tokens now so the site shows what Cognito has; return the renewal's outcome."""
    record = records.current_session(request)
    if record is None:
        return renewal.ENDED
    return renewal.session_renew(record=record, user=request.user, force=True)


def is_native(user) -> bool:
    """Return whether ``user`` signs in with an email and password (a federated user has neither to change)."""
    return not providers.username_provider(user.cognito_username)


def own_user_read(*, request: HttpRequest) -> PoolUser:
    """Return the person's Cognito user as it is now (GetUser with their access token)."""
    return CognitoClient().own_user(_token(request, "read your account"))


@sensitive_variables("token")
def profile_update(*, request: HttpRequest, given_name: str, family_name: str) -> None:
    """Change the person's given and family name in Cognito, then on the site.

    Cognito first (UpdateUserAttributes). Then the session is renewed, and the
    new ID token's names reach the Django user through the claims rule; if the
    renewal cannot happen now, the names are written from what Cognito
    accepted, through the same rule's ``profile_fields``, and the next renewal
    brings them back in line anyway.
    """
    token = _token(request, "change your name")
    attributes = {"given_name": given_name, "family_name": family_name}
    cognito = CognitoClient()
    # A name left empty is removed: an attribute is cleared with DeleteUserAttributes, not set to "".
    if kept := {name: value for name, value in attributes.items() if value}:
        cognito.own_attributes_update(token, kept)
    if cleared := [name for name, value in attributes.items() if not value]:
        cognito.own_attributes_delete(token, cleared)
    if _follow(request) != renewal.RENEWED:
        fields = profile_fields(attributes)
        names = {"first_name": fields["first_name"], "last_name": fields["last_name"]}
        get_user_model().objects.filter(pk=request.user.pk).update(**names)
        for name, value in names.items():
            setattr(request.user, name, value)


@dataclass(frozen=True)
class EmailChange:
    #: True when Cognito sent a code to the new address and the old one stays until it is typed.
    pending: bool
    #: Where Cognito says the code went, masked ("n***@e***"); empty when the change took at once.
    destination: str = ""


@sensitive_variables("token")
def email_change_start(*, request: HttpRequest, email: str, password: str, code: str = "") -> EmailChange:
    """Ask Cognito to change the person's email to ``email``; return whether a code must confirm it.

    The person proves their password first (and their authenticator's code when it
    is on: InitiateAuth, tokens dropped), since the email decides where password
    resets go: NotAuthorized or CodeMismatch, and nothing is changed. Then Cognito
    (UpdateUserAttributes). With the pool's
    ``AttributesRequireVerificationBeforeUpdate`` Cognito keeps the old
    address, emails a code to the new one and says where; the site changes
    nothing until the code is confirmed. A Cognito that changes it at once
    (the local stack ignores the setting, see README) sends no code: the
    session is renewed and the site follows.
    """
    token = _token(request, "change your email")
    cognito = CognitoClient()
    cognito.password_check(request.user.cognito_username, password, code)
    destinations = cognito.own_attributes_update(token, {"email": email})
    if destinations:
        return EmailChange(pending=True, destination=destinations[0])
    _follow(request)
    return EmailChange(pending=False)


@sensitive_variables("token", "code")
def email_change_confirm(*, request: HttpRequest, code: str) -> None:
    """Confirm the new email with the emailed code (VerifyUserAttribute), then renew so the site shows it."""
    token = _token(request, "confirm your new email")
    CognitoClient().own_attribute_verify(token, "email", code)
    _follow(request)


@sensitive_variables("token", "current", "proposed")
def password_change(*, request: HttpRequest, current: str, proposed: str) -> None:
    """Change the person's password at Cognito (ChangePassword); the site keeps no password, so nothing else.

    NotAuthorized for a wrong current password, InvalidPassword for one the
    pool's policy refuses, LimitExceeded or TooManyRequests when Cognito
    throttles the attempts.
    """
    token = _token(request, "change your password")
    CognitoClient().own_password_change(token, previous=current, proposed=proposed)
    logger.info("User %s changed their password", request.user.cognito_sub)


@sensitive_variables("token")
def totp_setup_start(*, request: HttpRequest) -> str:
    """Start setting up an authenticator app (AssociateSoftwareToken); return the secret to show the person.

    Only Cognito is written (a pending secret, not yet in use for sign-in).
    """
    return CognitoClient().software_token_associate(_token(request, "set up an authenticator app"))


@sensitive_variables("token", "code")
def totp_setup_confirm(*, request: HttpRequest, code: str) -> None:
    """Check the app's first code (VerifySoftwareToken), then make TOTP the person's MFA (SetUserMFAPreference).

    Both writes are Cognito's. If the second fails, the app is verified but
    not required at sign-in; the page says so and setting up again repairs it.
    """
    token = _token(request, "set up an authenticator app")
    cognito = CognitoClient()
    cognito.software_token_verify(token, code, device_name="Authenticator app")
    cognito.own_totp_preference_set(token, enabled=True)
    logger.info("User %s turned on authenticator-app MFA", request.user.cognito_sub)


@sensitive_variables("token", "password", "code")
def totp_turn_off(*, request: HttpRequest, password: str, code: str) -> None:
    """Turn authenticator-app MFA off, after the person proves their password and a fresh code.

    Cognito only: InitiateAuth and RespondToAuthChallenge check both (their
    tokens are dropped), then SetUserMFAPreference turns TOTP off. A wrong
    password is NotAuthorized, a wrong code CodeMismatch; nothing is changed.
    """
    token = _token(request, "turn off your authenticator app")
    cognito = CognitoClient()
    cognito.password_check_with_totp(request.user.cognito_username, password, code)
    cognito.own_totp_preference_set(token, enabled=False)
    logger.info("User %s turned off authenticator-app MFA", request.user.cognito_sub)


@sensitive_variables("token")
def account_delete(*, request: HttpRequest) -> None:
    """Delete the person's Cognito user (DeleteUser), then their site account, and sign them out here.

    Cognito first: if it refuses, nothing changes. Then, in one transaction,
    every session of theirs ends and the Django user is deleted, or, when
    they ever acted in the admin (LogEntry rows name them), anonymised
    instead: the audit trail keeps a row with no name, email, picture or
    Cognito identity, inactive, in no group. If that database write failed,
    the Cognito user is already gone, so nobody can sign in as them again;
    the error is logged and re-raised.
    """
    token = _token(request, "delete your account")
    user = request.user
    sub = user.cognito_sub
    CognitoClient().own_user_delete(token)
    logger.info("User %s deleted their Cognito user", sub)
    with transaction.atomic():
        records.user_sessions_end(user=user)
        if LogEntry.objects.filter(user=user).exists():
            _anonymise(user)
        else:
            get_user_model().objects.filter(pk=user.pk).delete()
    auth.logout(request)


def _anonymise(user) -> None:
    user.groups.clear()
    user.user_permissions.clear()
    get_user_model().objects.filter(pk=user.pk).update(
        username=f"deleted-{user.pk}",
        email="",
        first_name="",
        last_name="",
        picture="",
        cognito_sub=None,
        cognito_username="",
        is_active=False,
        is_staff=False,
        is_superuser=False,
        password="!",
    )


def connected_from(own: PoolUser) -> list[dict]:
    """Return the providers linked to ``own`` (a native user): ``name``, ``label`` and the provider's user id."""
    connected = []
    for identity in providers.identities({"identities": own.attributes.get("identities", "")}):
        name, user_id = str(identity.get("providerName", "")), str(identity.get("userId", ""))
        if name and user_id and str(identity.get("primary", "")).lower() != "true":
            connected.append({"name": name, "label": providers.provider_label(name), "user_id": user_id})
    return connected


def connected_sign_ins(*, request: HttpRequest) -> list[dict]:
    """Return the providers linked to the person's account, as Cognito has them now."""
    return connected_from(own_user_read(request=request))


def provider_disconnect(*, request: HttpRequest, provider: str) -> None:
    """Detach ``provider``'s identity from the person's own Cognito user (AdminDisableProviderForUser).

    The policy reads the person's own Cognito user (``own_target``); only an
    identity linked to it can be named, so nobody detaches someone else's.
    Cognito is the only side written; the next sign-in with that provider
    makes a separate, new account.
    """
    target = policy.own_target(actor=request.user, change="disconnect a sign-in")
    for identity in providers.identities({"identities": target.attributes.get("identities", "")}):
        is_primary = str(identity.get("primary", "")).lower() == "true"
        if identity.get("providerName") == provider and identity.get("userId") and not is_primary:
            CognitoClient().disable_provider_for_user(provider=provider, provider_user_id=str(identity["userId"]))
            logger.info("User %s disconnected their %s sign-in", target.sub, provider)
            return
    raise InputRefused(f"{providers.provider_label(provider)} is not connected to your account.")
