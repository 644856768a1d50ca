"""Bearer authentication with Cognito access tokens, in simplejwt's small steps; ``None`` means "not mine".

``get_header`` -> ``get_raw_token`` -> ``get_validated_token`` -> ``get_user``,
each overridable. Verification is the site's own (``accounts.cognito.tokens``),
with the client widened to ``COGNITO_API_CLIENT_IDS`` and a cache of verified
tokens, so a repeat call costs no signature check.
"""

import hashlib
import logging
import re
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.views.decorators.debug import sensitive_variables
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from ..cognito.client import CognitoClient
from ..cognito.tokens import verify_token
from ..exceptions import CognitoError, CognitoUnavailable, InvalidToken, NotAuthorized, NotFound
from .errors import InvalidBearerToken, InvalidRequest, KeysUnavailable, www_authenticate
from .principals import BearerToken, ClientPrincipal, TokenUser

logger = logging.getLogger(__name__)

# Cognito's tokens are a few KB even with many groups; anything far larger is
# refused before any parsing (a 100 KB header must cost nothing).
MAX_TOKEN_LENGTH = 16 * 1024
# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_CACHE_PREFIX = "api-token:"
_CHECKED_PREFIX = "api-token-checked:"
# Striped locks: a first call's verification is not repeated by the calls that arrive with it.
_VERIFY_LOCKS = tuple(threading.Lock() for _ in range(64))
#: GetUser answers only for tokens with this scope.
USER_ADMIN_SCOPE = "aws.cognito.signin.user.admin"


def api_client_ids():
    """Return the app clients whose access tokens the API accepts (default: the site's and the machine client)."""
    configured = [c for c in settings.COGNITO_API_CLIENT_IDS if c]
    if configured:
        return set(configured)
    return {c for c in (settings.COGNITO_CLIENT_ID, settings.COGNITO_M2M_CLIENT_ID) if c}


class CognitoBearerAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Bearer <Cognito access token>``; refuse ID tokens and foreign clients."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        self.check_not_revoked(raw_token, token)
        return self.get_user(token), token

    def authenticate_header(self, request):
        return www_authenticate()

    def get_header(self, request):
        """Return the Authorization header, or None when there is none."""
        header = request.META.get("HTTP_AUTHORIZATION")
        return header if header else None

    @sensitive_variables("header")
    def get_raw_token(self, header):
        """Return the token of a ``Bearer`` header; None for another scheme; refuse a malformed one."""
        scheme, _, rest = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None  # Basic, Token...: another authenticator's, or nobody's
        if len(rest) > MAX_TOKEN_LENGTH:
            raise InvalidBearerToken("The access token is far longer than Cognito's.")
        # Several Authorization headers reach Django joined with commas: that is not one token.
        if not _B64TOKEN.fullmatch(rest):
            raise InvalidRequest()
        return rest

    @sensitive_variables("raw_token")
    def get_validated_token(self, raw_token):
        """Return the verified token, from the cache of verified tokens when it is there."""
        digest = hashlib.sha256(raw_token.encode()).hexdigest()
        client_ids = api_client_ids()
        claims = self._cached(digest, client_ids)
        if claims is not None:
            return BearerToken(claims)
        # One verification per token and process: concurrent first calls with the same token wait for it.
        with _VERIFY_LOCKS[int(digest[:8], 16) % len(_VERIFY_LOCKS)]:
            claims = self._cached(digest, client_ids)
            if claims is None:
                claims = self._verify(raw_token, client_ids)
                timeout = int(claims["exp"] - time.time())
                if timeout > 0:
                    caches[settings.COGNITO_API_CACHE].set(_CACHE_PREFIX + digest, claims, timeout)
        return BearerToken(claims)

    @staticmethod
    def _cached(digest, client_ids):
        """Return the cached claims of a verified token, or None; refuse one whose client is no longer accepted."""
        claims = caches[settings.COGNITO_API_CACHE].get(_CACHE_PREFIX + digest)
        # The cache keeps a token no longer than its exp; checking again guards a cache that rounds up.
        if claims is None or claims["exp"] + settings.COGNITO_CLOCK_SKEW <= time.time():
            return None
        # The accepted clients may have changed since the token was cached.
        if claims.get("client_id") not in client_ids:
            raise InvalidBearerToken("The access token is not valid: client_id is not an app client this site accepts")
        return claims

    @staticmethod
    @sensitive_variables("raw_token")
    def _verify(raw_token, client_ids):
        try:
            return verify_token(raw_token, token_use="access", client_ids=client_ids)
        except CognitoUnavailable as exc:
            logger.warning("Cannot check a bearer token: %s", exc)
            raise KeysUnavailable() from exc
        except InvalidToken as exc:
            logger.info("Refused a bearer token: %s", exc)
            raise InvalidBearerToken(f"The access token is not valid: {exc}") from exc

    @sensitive_variables("raw_token")
    def check_not_revoked(self, raw_token, token):
        """Opt-in: ask Cognito (GetUser) about a person's token at most once per COGNITO_API_REVOCATION_CHECK_SECONDS.

        Offline verification cannot see a revocation or a global sign-out before
        ``exp``; this can, for tokens that carry the scope GetUser needs.
        """
        seconds = settings.COGNITO_API_REVOCATION_CHECK_SECONDS
        if seconds <= 0 or token.kind != "user" or USER_ADMIN_SCOPE not in token.scopes:
            return
        cache = caches[settings.COGNITO_API_CACHE]
        key = _CHECKED_PREFIX + hashlib.sha256(raw_token.encode()).hexdigest()
        if cache.get(key):
            return
        try:
            CognitoClient().token_user_check(raw_token)
        except (NotAuthorized, NotFound) as exc:
            logger.info("Refused a revoked bearer token of user %s: %s", token.sub, exc.code)
            raise InvalidBearerToken("The access token has been revoked.") from exc
        except CognitoError as exc:
            # Unreachable, throttled, or an answer the site cannot read: undecided, so refused for now.
            logger.warning("Cannot ask Cognito about a bearer token of user %s: %s", token.sub, exc)
            raise KeysUnavailable("Cognito cannot be asked about this token right now; try again shortly.") from exc
        cache.set(key, True, seconds)

    def get_user(self, token):
        """Return the site user by ``sub``, else a stateless principal; never create a user."""
        if token.kind == "client":
            return ClientPrincipal(token)
        user = get_user_model().objects.filter(cognito_sub=token.sub).first()
        if user is None:
            return TokenUser(token)
        if not user.is_active:
            raise InvalidBearerToken("The user of this access token is disabled on this site.")
        return user


class SessionCSRFAuthentication(SessionAuthentication):
    """A signed-in browser session; DRF enforces CSRF on its writes."""
