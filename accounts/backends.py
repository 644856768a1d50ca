"""Sign people in with Cognito's authorization-code flow.

mozilla-django-oidc does the flow; this backend, through the library's
documented hooks, verifies what the library does not (``aud``, ``iss``,
``token_use``, the access token), takes claims from the verified ID token
instead of userInfo (which has no ``cognito:groups``), keys users by ``sub``,
and mirrors ``cognito:groups`` onto Django groups and flags.
"""

import logging

import requests
from django.db import transaction
from django.views.decorators.debug import sensitive_variables
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .claims import apply_group_claims, group_names, profile_fields, user_claims_apply
from .cognito import oauth, tokens
from .exceptions import AccountConflict, CognitoError, CognitoUnavailable, InvalidToken
from .federation.saml import saml_groups_sync, saml_sign_in_check
from .sessions import records
from .signin.oidc import oidc_setting

logger = logging.getLogger(__name__)


class CognitoOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, customised through its documented hooks only; Django stores this path."""

    #: The library reads every setting through this hook: ours come from the COGNITO_* settings.
    get_settings = staticmethod(oidc_setting)

    @sensitive_variables("payload", "token_info")
    def get_token(self, payload):
        """Redeem the code at the token endpoint (the library calls this first); failures become CognitoError."""
        try:
            token_info = super().get_token(payload)
        except requests.HTTPError as exc:
            response = exc.response
            code = oauth.error_code(response)
            logger.warning("Token endpoint refused the code: HTTP %s, error %s", response.status_code, code or "-")
            # A 4xx about the grant is the user's (expired or reused code); the
            # rest (client misconfiguration, 5xx) means sign-in is broken for now.
            if response.status_code == 400 and code in {"invalid_grant", "invalid_request"}:
                raise CognitoError("the sign-in code was refused", code=code) from exc
            raise CognitoUnavailable("the token endpoint failed", code=code) from exc
        except requests.RequestException as exc:
            logger.warning("Token endpoint unreachable: %s", type(exc).__name__)
            raise CognitoUnavailable(f"the token endpoint is unreachable ({type(exc).__name__})") from exc
        except ValueError as exc:
            logger.warning("Token endpoint answered with something other than JSON")
            raise CognitoUnavailable("the token endpoint answered nonsense") from exc
        # Before the library reads it with .get() and hands the tokens on as strings.
        token_info = oauth.token_answer(token_info)
        # The library hands only the ID and access tokens on; get_userinfo needs the refresh token too.
        self.refresh_token = token_info.get("refresh_token", "")
        return token_info

    def store_tokens(self, access_token, id_token):
        """Store nothing: the library calls this before the access token is verified.

        get_userinfo hands the tokens over, once both are verified.
        """

    def get_user(self, user_id):
        """Return the session's user, or None once inactive; Django calls this on every request of a session."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def verify_token(self, token, **kwargs):
        """Verify the ID token; the library calls this after get_token. RS256, iss, aud, token_use, exp, nonce."""
        try:
            return tokens.verify_token(token, token_use="id", nonce=kwargs.get("nonce"))
        except InvalidToken as exc:
            logger.warning("Sign-in refused: ID token rejected: %s", exc)
            raise

    @sensitive_variables("access_token", "id_token")
    def get_userinfo(self, access_token, id_token, payload):
        """Return the verified ID-token claims; the library calls this after verify_token, instead of userInfo.

        Cognito's userInfo lacks ``cognito:groups``. The access token is
        verified too (it is kept for later calls), and must belong to the same
        user. Then the tokens and both sets of verified claims go, as one
        bundle, to the session record (accounts.sessions.records), the only
        place that encrypts them. No call to Cognito is made here.
        """
        try:
            access_claims = tokens.verify_token(access_token, token_use="access")
        except InvalidToken as exc:
            logger.warning("Sign-in refused: access token rejected: %s", exc)
            raise
        if access_claims["sub"] != payload["sub"]:
            logger.warning("Sign-in refused: access and ID tokens name different users")
            raise InvalidToken("access and ID tokens name different users")
        records.sign_in_hand_over(
            request=self.request,
            sign_in=records.VerifiedSignIn(
                id_token=id_token,
                access_token=access_token,
                refresh_token=getattr(self, "refresh_token", ""),
                id_claims=payload,
                access_claims=access_claims,
            ),
        )
        return payload

    def verify_claims(self, claims):
        """Accept claims that name a user; the library calls this after get_userinfo.

        A company (SAML) sign-in must name an address at the company's domains
        (FederationRefused otherwise; the callback shows why).
        """
        saml_sign_in_check(claims)
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        """Find the user by ``sub``, never by email; the library calls this to pick create_user or update_user."""
        return self.UserModel.objects.filter(cognito_sub=claims["sub"])

    @transaction.atomic
    def create_user(self, claims):
        """Create the Django user at a first sign-in (the library calls this), named by ``sub``; refuse a taken name."""
        if self.UserModel.objects.filter(username=claims["sub"]).exists():
            # Made by hand in the admin (now superuser-only): never adopt it, never a 500.
            logger.error("Sign-in refused: a site user without this sub already has the username %s", claims["sub"])
            raise AccountConflict("a site user already holds this person's username")
        user = self.UserModel(username=claims["sub"], cognito_sub=claims["sub"], **profile_fields(claims))
        user.set_unusable_password()
        logger.info("Creating the Django user for sub %s", claims["sub"])
        user.save()
        apply_group_claims(user, group_names(claims))
        saml_groups_sync(user=user, claims=claims)
        return user

    @transaction.atomic
    def update_user(self, user, claims):
        """Apply the claims to the user found by ``sub`` (the library calls this) and make them active.

        Return None if the user was deleted meanwhile.

        Active, because Cognito decides who may sign in: this sign-in proves
        the Cognito user exists and is enabled, whatever the site last heard.
        Only a sign-in does this, never a renewal. The library refuses an
        inactive user only after this returns, so the order works.
        """
        if not user_claims_apply(user=user, claims=claims):
            return None
        saml_groups_sync(user=user, claims=claims)
        if not user.is_active:
            logger.info("Reactivating the Django user for sub %s: Cognito signed them in", user.cognito_sub)
        user.is_active = True
        self.UserModel.objects.filter(pk=user.pk).update(is_active=True)
        return user
