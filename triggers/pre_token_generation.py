"""PreTokenGeneration: a declared attribute as an access-token claim, and no provider groups in the tokens.

Event: the user-pool pre token generation trigger, event version 2 (``V2_0``,
``claimsAndScopeOverrideDetails`` in the response; Essentials or Plus feature plan).
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html

Cognito invokes it for every token request (``TokenGeneration_HostedAuth``,
``_Authentication``, ``_RefreshTokens``, ...); the local stack invokes it once per
token, so the answer depends on the event only.
"""

import os

#: Longest attribute value put into a token; Cognito's custom attributes hold at most 2048 characters.
MAX_CLAIM_LENGTH = 64
#: Claims Cognito sets itself and refuses to have added or overridden.
RESERVED_CLAIMS = frozenset(
    [
        "acr",
        "amr",
        "aud",
        "auth_time",
        "azp",
        "at_hash",
        "client_id",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "scope",
        "sub",
        "token_use",
        "username",
    ]
)


def _is_provider_group(name, pool_id):
    """Return whether ``name`` is Cognito's own ``{poolId}_{Provider}`` group of a provider's users."""
    return isinstance(name, str) and bool(pool_id) and name.startswith(f"{pool_id}_")


def pre_token_generation(event, *, attribute, claim):
    """Return ``event`` with a V2 response: ``claim`` from ``attribute`` in the access token, provider groups out.

    The claim is added only when the attribute holds a non-empty string of at most
    MAX_CLAIM_LENGTH characters and ``claim`` is neither reserved nor ``cognito:``.
    ``cognito:groups`` is rewritten in both tokens (``groupOverrideDetails``) only
    when the event carries the groups. A client-credentials request
    (``TokenGeneration_ClientCredentials``, version 3 events) has no user: nothing changes.
    """
    if event.get("triggerSource") == "TokenGeneration_ClientCredentials":
        return event
    request = event.get("request") or {}
    attributes = request.get("userAttributes") or {}
    value = attributes.get(attribute) if attribute else None
    access = {}
    if (
        isinstance(value, str)
        and value.strip()
        and len(value) <= MAX_CLAIM_LENGTH
        and claim
        and claim not in RESERVED_CLAIMS
        and not claim.startswith("cognito:")
    ):
        access["claimsToAddOrOverride"] = {claim: value.strip()}
    details = {"idTokenGeneration": {}, "accessTokenGeneration": access}
    config = request.get("groupConfiguration")
    if isinstance(config, dict) and isinstance(config.get("groupsToOverride"), list):
        pool_id = event.get("userPoolId") or ""
        details["groupOverrideDetails"] = {
            "groupsToOverride": [
                g for g in config["groupsToOverride"] if isinstance(g, str) and not _is_provider_group(g, pool_id)
            ],
            "iamRolesToOverride": list(config.get("iamRolesToOverride") or []),
            "preferredRole": config.get("preferredRole"),
        }
    return {**event, "response": {"claimsAndScopeOverrideDetails": details}}


def handler(event, context):
    return pre_token_generation(
        event, attribute=os.environ.get("CLAIM_ATTRIBUTE", ""), claim=os.environ.get("CLAIM_NAME", "")
    )
