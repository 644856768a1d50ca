"""Link a federated sign-in to a person's email/password account, and merge their two Django users.

A person with an email/password account who later signs in with Google gets a
second Cognito user (``Google_<id>``) and so a second Django user. Linking
attaches the Google identity to the native Cognito user, so future Google
sign-ins land in the native account, and merges the Django users, keeping the
native one and its history.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation-consolidate-users.html
"""

import logging
from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, DELETION
from django.contrib.auth import get_user_model
from django.db import transaction

from .. import policy
from ..cognito.client import CognitoClient
from ..exceptions import CognitoError, LinkingUnavailable, LinkRefused, NotAvailable, NotFound
from ..models import UserSession
from ..pooladmin import audit
from ..sessions.records import user_sessions_end
from . import providers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkResult:
    user: object
    provider: str
    provider_user_id: str
    moved: int


def _federated_identity(cognito_user):
    """Return (provider, provider user id) of a federated Cognito user's own identity."""
    identity = providers.primary_identity({"identities": cognito_user.attributes.get("identities", "")})
    if not identity:
        raise LinkRefused(f"Cognito user {cognito_user.username} is not a federated user")
    return str(identity.get("providerName", "")), str(identity.get("userId", ""))


def _require_same_verified_email(federated, native):
    """Refuse unless both Cognito users carry the same email address, verified on both.

    A shared address is the only evidence that the two accounts are one
    person; an unverified one (Facebook never asserts verification, and a
    self-registered account may not have confirmed) proves nothing.
    """
    emails = []
    for user in (federated, native):
        attributes = user.attributes
        if attributes.get("email_verified") != "true" or not attributes.get("email"):
            raise LinkRefused(f"Cognito user {user.username} has no verified email address; they cannot be linked")
        emails.append(attributes["email"].lower())
    if emails[0] != emails[1]:
        raise LinkRefused("the two accounts have different email addresses")


def _log(actor, *, user, flag, message):
    audit.admin_log(actor=actor, model=get_user_model(), object_id=str(user.pk), label=user, flag=flag, message=message)


def _linked_identity(native_target, federated, native):
    """Return (provider, provider user id) of ``federated`` if it is already linked to ``native``."""
    provider = providers.username_provider(federated.cognito_username)
    provider_user_id = federated.cognito_username.partition("_")[2]
    attributes = native_target.attributes
    for identity in providers.identities({"identities": attributes.get("identities", "")}):
        if (identity.get("providerName"), str(identity.get("userId"))) == (provider, provider_user_id):
            return provider, provider_user_id
    raise LinkRefused(f"Cognito user {federated.cognito_username} no longer exists and is not linked to {native}")


def federated_user_link(*, federated, native, actor=None, cognito=None):
    """Attach ``federated``'s provider identity to ``native`` in Cognito, then merge the Django users.

    Cognito is written first: the federated Cognito user is deleted (Cognito
    refuses to link an identity that already has a profile of its own) and its
    identity is linked to the native Cognito user. Then, in one transaction,
    the database: rows that point at the federated Django user move to the
    native one, its sessions end, and it is deleted.

    If the link fails after the deletion, the person's next sign-in with that
    provider creates a fresh federated user; the old Django user stays until
    linking is tried again. If the database step fails, Cognito is already
    linked: the next sign-in with the provider lands in the native user, and
    re-running this finds the identity already linked and only merges.
    """
    if federated.pk == native.pk:
        raise LinkRefused("a user cannot be linked to itself")
    if not (federated.cognito_username and native.cognito_username):
        raise LinkRefused("both users must have signed in through Cognito")
    if providers.username_provider(native.cognito_username):
        raise LinkRefused(f"{native} is itself a federated user; link to an email/password account")
    if not federated.email or federated.email.lower() != native.email.lower():
        raise LinkRefused("the two accounts have different email addresses")
    # Linking deletes one Cognito user and hands its sign-in to another: where
    # either side is staff or an admin, only a superuser may (accounts.policy).
    policy.check(actor=actor, change="link", users=[federated, native])
    cognito = cognito or CognitoClient()
    native_target = policy.target_user(actor=actor, username=native.cognito_username, change="link", cognito=cognito)
    try:
        federated_target = policy.target_user(
            actor=actor, username=federated.cognito_username, change="link", cognito=cognito
        )
    except NotFound:
        # Linked by an earlier run whose database step failed: only the merge is left.
        provider, provider_user_id = _linked_identity(native_target, federated, native)
    else:
        provider, provider_user_id = _federated_identity(federated_target)
        # Every check before anything is deleted.
        _require_same_verified_email(federated_target, native_target)
        cognito.delete_user(federated.cognito_username)
        try:
            cognito.link_provider_for_user(
                username=native.cognito_username, provider=provider, provider_user_id=provider_user_id
            )
        except CognitoError as exc:
            label = providers.provider_label(provider)
            logger.error("Deleted Cognito user %s but could not link its identity: %s", federated.cognito_sub, exc)
            half_done = (
                f"The {label} Cognito user was deleted, but linking its identity failed ({exc}). "
                f"Their next {label} sign-in creates a new Cognito user; link again after it."
            )
            raise (LinkingUnavailable if isinstance(exc, NotAvailable) else LinkRefused)(half_done) from exc
    logger.info("Linked %s identity of %s to %s", provider, federated.cognito_sub, native.cognito_sub)
    label = providers.provider_label(provider)
    _log(actor, user=native, flag=CHANGE, message=f"Linked the {label} sign-in of {federated} to this account.")
    _log(actor, user=federated, flag=DELETION, message=f"Merged into {native} after linking its {label} sign-in.")
    moved = django_users_merge(source=federated, target=native)
    return LinkResult(user=native, provider=provider, provider_user_id=provider_user_id, moved=moved)


@transaction.atomic
def django_users_merge(*, source, target):
    """Move every row that points at ``source`` to ``target``, end ``source``'s sessions, delete it.

    Only the database is written. Group memberships are not moved: Cognito's
    groups decide them at the next sign-in. Return how many rows moved.
    """
    moved = 0
    for relation in get_user_model()._meta.related_objects:
        if not relation.one_to_many or relation.related_model is UserSession:
            continue
        moved += relation.related_model._base_manager.filter(**{relation.field.name: source}).update(
            **{relation.field.name: target}
        )
    user_sessions_end(user=source)
    if not target.picture and source.picture:
        target.picture = source.picture
        target.save(update_fields=["picture"])
    logger.info("Merged Django user %s into %s (%d rows moved)", source.pk, target.pk, moved)
    source.delete()
    return moved
