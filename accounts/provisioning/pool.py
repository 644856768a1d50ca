"""Create or update the user pool, its domain, identity providers, app client and groups from config/cognito.toml.

Only calls that AWS itself offers are made, so the same code provisions the
local stack and a real pool. Every step finds the existing resource by name
first, which makes re-running safe.
"""

import logging
import tomllib
from dataclasses import dataclass, field

from ..cognito.client import CognitoClient
from ..exceptions import CognitoError, InputRefused
from .identity_pool import identity_pool_provision
from .triggers import custom_attributes_provision, triggers_provision

logger = logging.getLogger(__name__)


@dataclass
class ProvisionResult:
    region: str
    pool_id: str
    client_id: str
    client_secret: str = field(repr=False)
    domain: str = ""
    identity_providers: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    api_identifier: str = ""
    m2m_client_id: str = ""
    m2m_client_secret: str = field(default="", repr=False)
    #: The identity pool's part (accounts.provisioning.identity_pool), when config/cognito.toml declares one.
    identity_pool: object = None

    def env_lines(self, *, endpoint_url):
        """Return the settings a site needs to use this pool, as KEY=value lines."""
        return [
            f"COGNITO_REGION={self.region}",
            f"COGNITO_USER_POOL_ID={self.pool_id}",
            f"COGNITO_CLIENT_ID={self.client_id}",
            f"COGNITO_CLIENT_SECRET={self.client_secret}",
            f"COGNITO_DOMAIN={self.domain}",
            f"COGNITO_ENDPOINT_URL={endpoint_url}",
            f"COGNITO_IDENTITY_PROVIDERS={','.join(self.identity_providers)}",
            f"COGNITO_API_IDENTIFIER={self.api_identifier}",
            f"COGNITO_M2M_CLIENT_ID={self.m2m_client_id}",
            f"COGNITO_M2M_CLIENT_SECRET={self.m2m_client_secret}",
            *self._identity_pool_lines(),
        ]

    def _identity_pool_lines(self):
        pool = self.identity_pool
        if pool is None:
            return []
        return [
            f"COGNITO_IDENTITY_POOL_ID={pool.identity_pool_id}",
            f"COGNITO_FILES_BUCKET={pool.bucket}",
            f"COGNITO_AUTHENTICATED_ROLE_ARN={pool.authenticated_role_arn}",
            f"COGNITO_DEVELOPER_PROVIDER_NAME={pool.developer_provider_name}",
        ]


def load_spec(path):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def site_origins(spec, extra=()):
    origins = []
    for origin in [*spec["client"]["site_urls"], *extra]:
        origin = origin.rstrip("/")
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def _pool_params(spec):
    pool, policy = spec["pool"], spec["pool"]["password_policy"]
    return {
        "PoolName": pool["name"],
        "UsernameAttributes": pool["username_attributes"],
        # Ada@example.com and ada@example.com must be one person, or staff could make a look-alike
        # account for linking to take. Set only at creation (and ignored by MiniStack, see README).
        "UsernameConfiguration": {"CaseSensitive": False},
        "AutoVerifiedAttributes": pool["auto_verified_attributes"],
        "DeletionProtection": pool["deletion_protection"],
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": policy["minimum_length"],
                "RequireUppercase": policy["require_uppercase"],
                "RequireLowercase": policy["require_lowercase"],
                "RequireNumbers": policy["require_numbers"],
                "RequireSymbols": policy["require_symbols"],
                "TemporaryPasswordValidityDays": policy["temporary_password_validity_days"],
            }
        },
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        **_sign_up_params(spec),
    }


def _sign_up_params(spec):
    """Return the pool's AdminCreateUserConfig from ``[signup]``: self sign-up on, or by invitation only.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUserConfigType.html
    """
    allow = bool(spec.get("signup", {}).get("allow_self_sign_up", False))
    return {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": not allow}}


def _api_scopes(spec, names):
    identifier = spec.get("resource_server", {}).get("identifier", "")
    return [f"{identifier}/{name}" for name in names]


def spec_check(spec):
    """Refuse, before any call, what Cognito refuses but the local stack accepts (see README).

    A client scope must be declared by the resource server (Cognito:
    ScopeDoesNotExistException); the client-credentials grant needs a secret and
    only custom scopes (InvalidOAuthFlowException).
    """
    declared = set(spec.get("resource_server", {}).get("scopes", {}))
    for section in ("client", "machine_client"):
        client = spec.get(section)
        if not client:
            continue
        unknown = sorted(set(client.get("api_scopes", [])) - declared)
        if unknown:
            raise InputRefused(
                f"[{section}] asks for scopes the resource server does not declare: {', '.join(unknown)}"
            )
        if "client_credentials" in client.get("oauth_flows", []):
            if not client.get("generate_secret"):
                raise InputRefused(f"[{section}] uses client credentials, which need generate_secret = true")
            if client.get("scopes") or not client.get("api_scopes"):
                raise InputRefused(
                    f"[{section}] uses client credentials: only the resource server's scopes are allowed"
                )
            if set(client.get("oauth_flows", [])) != {"client_credentials"}:
                raise InputRefused(f"[{section}] mixes client credentials with another OAuth flow")
    if spec.get("machine_client") and not spec.get("resource_server"):
        raise InputRefused("[machine_client] needs a [resource_server] to have scopes from")


def _machine_client_params(spec):
    client = spec["machine_client"]
    return {
        "ClientName": client["name"],
        "GenerateSecret": client["generate_secret"],
        "AllowedOAuthFlows": client["oauth_flows"],
        "AllowedOAuthScopes": _api_scopes(spec, client["api_scopes"]),
        "AllowedOAuthFlowsUserPoolClient": True,
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
        "EnableTokenRevocation": True,
        "PreventUserExistenceErrors": "ENABLED",
        "AccessTokenValidity": client["access_token_minutes"],
        "TokenValidityUnits": {"AccessToken": "minutes"},
    }


def _client_upsert(cognito, params, changes):
    """Create the app client named in ``params`` or bring it back to them; return it with its secret."""
    clients = cognito.find_app_clients(params["ClientName"])
    if len(clients) > 1:
        raise CognitoError(f"{len(clients)} app clients are named {params['ClientName']!r}")
    if clients:
        cognito.update_app_client(clients[0].id, **params)
        client = cognito.describe_app_client(clients[0].id)
        changes.append(f"updated app client {client.id}")
    else:
        client = cognito.create_app_client(**params)
        changes.append(f"created app client {client.id}")
    return client


def resource_server_provision(*, spec, cognito, identifier, changes):
    """Create or update the resource server declared in ``spec`` under ``identifier``."""
    declared = spec["resource_server"]
    scopes = dict(declared["scopes"])
    existing = {server.identifier: server for server in cognito.list_resource_servers()}
    current = existing.get(identifier)
    if current is None:
        cognito.create_resource_server(identifier, name=declared["name"], scopes=scopes)
        changes.append(f"created resource server {identifier}")
    elif (current.name, set(current.scopes)) != (declared["name"], set(scopes)):
        cognito.update_resource_server(identifier, name=declared["name"], scopes=scopes)
        changes.append(f"updated resource server {identifier}")


def _client_params(spec, origins, identity_providers=()):
    client = spec["client"]
    return {
        "ClientName": client["name"],
        "GenerateSecret": client["generate_secret"],
        "AllowedOAuthFlows": client["oauth_flows"],
        "AllowedOAuthScopes": [*client["scopes"], *_api_scopes(spec, client.get("api_scopes", []))],
        "AllowedOAuthFlowsUserPoolClient": True,
        "SupportedIdentityProviders": [*client["identity_providers"], *identity_providers],
        "CallbackURLs": [f"{o}{client['callback_path']}" for o in origins],
        "LogoutURLs": [f"{o}{client['sign_out_path']}" for o in origins],
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
        "EnableTokenRevocation": True,
        "PreventUserExistenceErrors": "ENABLED",
        **({"WriteAttributes": client["write_attributes"]} if client.get("write_attributes") else {}),
        "IdTokenValidity": client["id_token_minutes"],
        "AccessTokenValidity": client["access_token_minutes"],
        "RefreshTokenValidity": client["refresh_token_days"],
        "TokenValidityUnits": {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
    }


def pool_provision(
    *,
    spec,
    cognito=None,
    extra_site_urls=(),
    domain_prefix="",
    region,
    environ=None,
    simulated_issuers=None,
    functions=None,
):
    """Bring the pool, domain, identity providers, client and groups in line with ``spec``; return their ids.

    ``environ`` holds the providers' credentials on AWS (see
    ``identity_providers_provision``); ``simulated_issuers`` maps provider names
    to the local stand-ins' issuer URLs on the local stack. ``functions`` is the
    Lambda/IAM client for the triggers (default: one on ``cognito``'s endpoint).

    Cognito is the only side written. A failure part-way leaves what was
    already created in place; running again picks up from there.
    """
    spec_check(spec)
    cognito = cognito or CognitoClient()
    changes = []

    pool_params = _pool_params(spec)
    pools = cognito.find_user_pools(pool_params["PoolName"])
    if len(pools) > 1:
        raise CognitoError(f"{len(pools)} user pools are named {pool_params['PoolName']!r}; remove the extras first")
    if pools:
        pool_id = pools[0].id
        cognito = cognito.for_pool(pool_id)
        # UpdateUserPool would unset the triggers it is not given: keep them until the triggers step sets them.
        cognito.update_user_pool(**pool_params, LambdaConfig=cognito.pool_lambda_config())
        changes.append(f"updated user pool {pool_id}")
    else:
        pool_id = cognito.create_user_pool(**pool_params).id
        cognito = cognito.for_pool(pool_id)
        changes.append(f"created user pool {pool_id}")

    domain = ""
    if domain_prefix and cognito.is_local:
        # The local stack would send identity providers back to an unreachable
        # *.amazoncognito.com host; it serves the hosted UI at its root instead.
        logger.warning("Ignoring the domain prefix on the local stack")
    elif domain_prefix:
        existing = cognito.describe_pool().domain
        if not existing:
            cognito.create_user_pool_domain(domain_prefix)
            changes.append(f"created domain {domain_prefix}")
        elif existing != domain_prefix:
            raise CognitoError(f"the pool already has the domain {existing!r}; delete it to use {domain_prefix!r}")
        domain = f"https://{domain_prefix}.auth.{region}.amazoncognito.com"

    # Providers first: the app client may only name providers that exist.
    providers = identity_providers_provision(
        spec=spec, cognito=cognito, environ=environ or {}, simulated_issuers=simulated_issuers or {}
    )
    changes.extend(providers.changes)

    # The resource server before the clients: a client may only name scopes that exist.
    identifier = ""
    if spec.get("resource_server"):
        identifier = spec["resource_server"]["identifier"]
        resource_server_provision(spec=spec, cognito=cognito, identifier=identifier, changes=changes)
    client = _client_upsert(
        cognito, _client_params(spec, site_origins(spec, extra_site_urls), providers.names), changes
    )
    machine = _client_upsert(cognito, _machine_client_params(spec), changes) if spec.get("machine_client") else None

    existing_groups = {group.name: group for group in cognito.list_groups()}
    for group in spec.get("groups", []):
        kwargs = {"description": group.get("description", ""), "precedence": group.get("precedence")}
        current = existing_groups.get(group["name"])
        if current and (current.description, current.precedence) != (kwargs["description"], kwargs["precedence"]):
            # Group writes are capped at 5 per second per pool: only write a change.
            cognito.update_group(group["name"], **kwargs)
            changes.append(f"updated group {group['name']}")
        elif not current:
            cognito.create_group(group["name"], **kwargs)
            changes.append(f"created group {group['name']}")

    # The identity pool last: it federates with the pool and the client, and gives groups their roles.
    identity_pool = None
    if spec.get("identity_pool"):
        identity_pool = identity_pool_provision(
            spec=spec, user_pool_id=pool_id, client_id=client.id, region=region, cognito=cognito
        )
        changes.extend(identity_pool.changes)
    # After the groups (PostConfirmation adds people to one); the custom attribute before the token trigger reads it.
    custom_attributes_provision(spec=spec, cognito=cognito, changes=changes)
    # Messages link to the declared site URL, else to the first origin given on top of the file's (the real site's).
    site_url = spec.get("triggers", {}).get("site_url") or (list(extra_site_urls) + spec["client"]["site_urls"])[0]
    changes.extend(triggers_provision(spec=spec, cognito=cognito, functions=functions, site_url=site_url).changes)

    return ProvisionResult(
        region=region,
        pool_id=pool_id,
        client_id=client.id,
        client_secret=client.secret,
        domain=domain,
        identity_providers=providers.names,
        changes=changes,
        api_identifier=identifier,
        m2m_client_id=machine.id if machine else "",
        m2m_client_secret=machine.secret if machine else "",
        identity_pool=identity_pool,
    )


# The simulated providers speak OpenID Connect, so their claims keep OIDC's names.
_SIMULATED_ATTRIBUTE_MAPPING = {
    attribute: attribute for attribute in ("email", "email_verified", "given_name", "family_name", "name", "picture")
}


@dataclass
class ProvidersResult:
    names: list = field(default_factory=list)
    changes: list = field(default_factory=list)


def _provider_declaration(provider, *, is_local, environ, simulated_issuers):
    """Return (type, details, attribute mapping) for one declared provider, or a reason to skip it."""
    name = provider["name"]
    if is_local:
        issuer = simulated_issuers.get(name)
        if not issuer:
            return None, f"skipped identity provider {name}: no simulated provider is running for it"
        details = {
            "client_id": f"local-{name.lower()}",
            "client_secret": "local-simulation-not-secret",
            "authorize_scopes": provider["local_scopes"],
            "oidc_issuer": issuer,
            "attributes_request_method": "GET",
        }
        return ("OIDC", details, _SIMULATED_ATTRIBUTE_MAPPING), ""
    missing = [var for var in provider["details_from_env"].values() if not environ.get(var)]
    if missing:
        return None, f"skipped identity provider {name}: set {', '.join(missing)}"
    details = {key: environ[var] for key, var in provider["details_from_env"].items()}
    if "private_key" in details:
        # A PEM key in one environment variable often arrives with literal \n.
        details["private_key"] = details["private_key"].replace("\\n", "\n")
    details["authorize_scopes"] = provider["scopes"]
    return (name, details, dict(provider["attribute_mapping"])), ""


def identity_providers_provision(*, spec, cognito, environ, simulated_issuers):
    """Create or update the pool's identity providers declared in ``spec``; return their names.

    On AWS each provider's type is its name (``Google``, ``Facebook``,
    ``SignInWithApple``) and its credentials come from ``environ``; a provider
    whose credentials are not all set is skipped. On the local stack each is an
    OIDC provider pointing at ``simulated_issuers[name]``. Providers the file
    does not declare are left alone (the app client stops offering them).
    """
    result = ProvidersResult()
    existing = {p.name: p for p in cognito.list_identity_providers()}
    for provider in spec.get("identity_providers", []):
        name = provider["name"]
        declaration, skipped = _provider_declaration(
            provider, is_local=cognito.is_local, environ=environ, simulated_issuers=simulated_issuers
        )
        if declaration is None:
            result.changes.append(skipped)
            continue
        type_, details, mapping = declaration
        current = existing.get(name)
        if current and current.type != type_:
            raise CognitoError(f"identity provider {name} has type {current.type}, not {type_}; delete it first")
        if current:
            # Cognito adds discovered endpoints to the stored details, so they
            # never compare equal to the declaration: always write.
            cognito.update_identity_provider(name, details=details, attribute_mapping=mapping)
            result.changes.append(f"updated identity provider {name}")
        else:
            cognito.create_identity_provider(name, type=type_, details=details, attribute_mapping=mapping)
            result.changes.append(f"created identity provider {name}")
        result.names.append(name)
    return result
