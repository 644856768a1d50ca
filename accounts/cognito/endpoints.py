"""Derive every Cognito URL from region, pool id, domain and an endpoint override.

This is the only place that knows how Cognito lays out its URLs, so switching
between the local stack and AWS changes environment variables, never code.

- The issuer is ``https://cognito-idp.{region}.amazonaws.com/{pool_id}``, or with
  ``issuer_format="updated"`` ``https://issuer-cognito-idp.{region}.amazonaws.com/{pool_id}``
  (a pool's ``IssuerConfiguration``; AWS recommends it and multi-Region replication
  requires it): it is what the ``iss`` claim must equal, wherever the tokens were minted.
  https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
- JWKS lives on the issuer host on AWS, and under the endpoint override locally.
- The OAuth endpoints (authorize, token, userInfo, revoke) and ``/logout`` live on
  the pool's domain. The local stack serves them at its root, so there the
  domain defaults to the endpoint override.
  https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class CognitoEndpoints:
    issuer: str
    jwks: str
    authorize: str
    token: str
    userinfo: str
    revoke: str
    logout: str


ISSUER_HOSTS = {"original": "cognito-idp", "updated": "issuer-cognito-idp"}


def derive_endpoints(
    *, region: str, pool_id: str, domain: str, endpoint_url: str = "", issuer_format: str = "original"
) -> "CognitoEndpoints":
    """Return the URLs of one user pool; a pure function of its arguments."""
    issuer = f"https://{ISSUER_HOSTS[issuer_format]}.{region}.amazonaws.com/{pool_id}"
    endpoint_url = (endpoint_url or "").rstrip("/")
    domain = (domain or endpoint_url).rstrip("/")
    key_host = f"{endpoint_url}/{pool_id}" if endpoint_url else issuer
    return CognitoEndpoints(
        issuer=issuer,
        jwks=f"{key_host}/.well-known/jwks.json",
        authorize=f"{domain}/oauth2/authorize",
        token=f"{domain}/oauth2/token",
        userinfo=f"{domain}/oauth2/userInfo",
        revoke=f"{domain}/oauth2/revoke",
        logout=f"{domain}/logout",
    )


def cognito_endpoints() -> "CognitoEndpoints":
    """Return the URLs of the configured pool, read from settings at call time."""
    return derive_endpoints(
        region=settings.COGNITO_REGION,
        pool_id=settings.COGNITO_USER_POOL_ID,
        domain=settings.COGNITO_DOMAIN,
        endpoint_url=settings.COGNITO_ENDPOINT_URL,
        issuer_format=settings.COGNITO_ISSUER_FORMAT,
    )
