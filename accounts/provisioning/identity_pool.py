"""Create or update the identity pool, its roles and the files bucket from config/cognito.toml ``[identity_pool]``.

AWS-shaped calls only, each resource found by name first, so re-running is
safe. On AWS the authenticated role gets the standard per-identity policy
(``private/${cognito-identity.amazonaws.com:sub}/*``). The local stack does not
substitute IAM policy variables, so there the role gets the whole ``private/``
prefix instead and the output says so; the site's own key rule
(accounts.credentials.files) still keeps each person inside their folder.
"""

import os
from dataclasses import dataclass, field

from ..cognito.identity import IdentityClient, user_pool_login_key
from ..cognito.storage import SiteStorage
from ..exceptions import CognitoError, InputRefused, NotAvailable

#: Said in the provisioning output and the README: where the local stack differs.
LOCAL_POLICY_NOTE = (
    "local stack: the authenticated role's policy allows the whole {prefix} prefix of {bucket}, "
    "because MiniStack does not substitute ${{cognito-identity.amazonaws.com:sub}}; "
    "on AWS each person's role allows only {prefix}<their identity id>/. "
    "The site still builds keys only under the person's own folder."
)
SUB_VARIABLE = "${cognito-identity.amazonaws.com:sub}"


@dataclass
class IdentityPoolResult:
    identity_pool_id: str = ""
    bucket: str = ""
    prefix: str = ""
    authenticated_role_arn: str = ""
    group_role_arns: dict = field(default_factory=dict)
    developer_provider_name: str = ""
    changes: list = field(default_factory=list)


def trust_policy(identity_pool_id):
    """Return the trust policy of a role for this identity pool's signed-in identities only.

    https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                },
            }
        ],
    }


def files_policy(*, bucket, prefix, is_local):
    """Return the authenticated role's S3 policy: the person's own folder (AWS), or the whole prefix (local)."""
    folder = f"{prefix}*" if is_local else f"{prefix}{SUB_VARIABLE}/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListOwnFolder",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": [folder]}},
            },
            {
                "Sid": "ReadWriteOwnFolder",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": f"arn:aws:s3:::{bucket}/{folder}",
            },
        ],
    }


def broad_files_policy(*, bucket):
    """Return a group role's S3 policy: the whole bucket."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
            {
                "Sid": "ReadWriteBucket",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
        ],
    }


def identity_pool_spec_check(declared):
    """Refuse a declaration AWS would refuse, before any call."""
    name = declared.get("name", "")
    if not name or not all(c.isalnum() or c in " _" for c in name) or len(name) > 128:
        raise InputRefused("[identity_pool] name may hold letters, digits, spaces and _ only (at most 128)")
    if declared.get("ambiguous_role_resolution", "AuthenticatedRole") not in {"AuthenticatedRole", "Deny"}:
        raise InputRefused('[identity_pool] ambiguous_role_resolution is "AuthenticatedRole" or "Deny"')
    prefix = declared.get("bucket", {}).get("prefix", "")
    if not prefix.endswith("/") or prefix.startswith("/") or ".." in prefix:
        raise InputRefused('[identity_pool.bucket] prefix must be a folder such as "private/"')


def _pool_params(declared, *, provider_name, client_id, existing_developer_name):
    params = {
        "IdentityPoolName": declared["name"],
        "AllowUnauthenticatedIdentities": bool(declared.get("allow_unauthenticated", False)),
        "AllowClassicFlow": bool(declared.get("allow_classic_flow", False)),
        "CognitoIdentityProviders": [
            {
                "ProviderName": provider_name,
                "ClientId": client_id,
                "ServerSideTokenCheck": bool(declared.get("server_side_token_check", True)),
            }
        ],
    }
    # The developer provider name can be set once and never changed (UpdateIdentityPool refuses a new one).
    developer = existing_developer_name or declared.get("developer_provider_name", "")
    if developer:
        params["DeveloperProviderName"] = developer
    return params


def _role_upsert(identity, *, name, description, trust, policy, changes):
    role = identity.find_role(name)
    if role is None:
        role = identity.create_role(name, trust_policy=trust, description=description)
        changes.append(f"created IAM role {role.arn}")
    elif role.trust_policy != trust:
        identity.update_trust_policy(name, trust)
        changes.append(f"updated the trust policy of IAM role {role.arn}")
    # PutRolePolicy replaces the inline policy of that name: always safe to write.
    identity.put_role_policy(name, "files", policy)
    return role.arn


def identity_pool_provision(
    *, spec, user_pool_id, client_id, region, cognito, identity=None, storage=None, environ=None
):
    """Bring the identity pool, its roles, role mapping, group roles and bucket in line with ``spec``.

    ``cognito`` is the user-pool client bound to ``user_pool_id`` (the groups get
    their role ARNs through it). Only AWS is written; a failure part-way leaves
    what was made, and running again goes on from there.
    """
    declared = spec["identity_pool"]
    identity_pool_spec_check(declared)
    environ = os.environ if environ is None else environ
    identity = identity or IdentityClient(region=region, endpoint_url=cognito.endpoint_url or "")
    storage = storage or SiteStorage(region=region, endpoint_url=cognito.endpoint_url or "")
    result = IdentityPoolResult(prefix=declared["bucket"]["prefix"])
    changes = result.changes
    provider_name = user_pool_login_key(region=region, user_pool_id=user_pool_id)

    found = identity.find_identity_pools(declared["name"])
    if len(found) > 1:
        raise CognitoError(f"{len(found)} identity pools are named {declared['name']!r}; remove the extras first")
    if found:
        current = identity.describe_identity_pool(found[0])
        params = _pool_params(
            declared,
            provider_name=provider_name,
            client_id=client_id,
            existing_developer_name=current.developer_provider_name,
        )
        pool = identity.update_identity_pool(found[0], **params)
        changes.append(f"updated identity pool {pool.id}")
    else:
        params = _pool_params(declared, provider_name=provider_name, client_id=client_id, existing_developer_name="")
        pool = identity.create_identity_pool(**params)
        changes.append(f"created identity pool {pool.id}")
    result.identity_pool_id = pool.id
    result.developer_provider_name = params.get("DeveloperProviderName", "")

    bucket = environ.get("COGNITO_FILES_BUCKET") or declared["bucket"]["name"]
    result.bucket = bucket
    if not storage.bucket_exists(bucket):
        storage.create_bucket(bucket)
        changes.append(f"created S3 bucket {bucket}")
    try:
        storage.block_public_access(bucket)
    except NotAvailable:
        changes.append(f"local stack: no S3 Block Public Access for {bucket} (set on AWS)")

    trust = trust_policy(pool.id)
    role = declared["authenticated_role"]
    result.authenticated_role_arn = _role_upsert(
        identity,
        name=role["name"],
        description=role.get("description", ""),
        trust=trust,
        policy=files_policy(bucket=bucket, prefix=result.prefix, is_local=identity.is_local),
        changes=changes,
    )
    for group, group_role in declared.get("group_roles", {}).items():
        result.group_role_arns[group] = _role_upsert(
            identity,
            name=group_role["name"],
            description=group_role.get("description", ""),
            trust=trust,
            policy=broad_files_policy(bucket=bucket),
            changes=changes,
        )

    # The role mapping: the role the ID token prefers (cognito:preferred_role, from the groups' role ARNs),
    # else the declared fallback. https://docs.aws.amazon.com/cognito/latest/developerguide/role-based-access-control.html
    mapping = {
        f"{provider_name}:{client_id}": {
            "Type": "Token",
            "AmbiguousRoleResolution": declared.get("ambiguous_role_resolution", "AuthenticatedRole"),
        }
    }
    identity.set_identity_pool_roles(
        pool.id, roles={"authenticated": result.authenticated_role_arn}, role_mappings=mapping
    )
    fallback = declared.get("ambiguous_role_resolution", "AuthenticatedRole")
    changes.append(f"set the roles of identity pool {pool.id} (the token's preferred role, else {fallback})")

    groups = {group.name: group for group in cognito.list_groups()}
    for name, arn in result.group_role_arns.items():
        group = groups.get(name)
        if group is None or group.role_arn == arn:
            continue
        try:
            # UpdateGroup resets what it is not given: the description and precedence go along.
            cognito.update_group(name, description=group.description, precedence=group.precedence, role_arn=arn)
            changes.append(f"gave group {name} the role {arn}")
        except NotAvailable:
            changes.append(
                f"local stack: no UpdateGroup, so group {name} has no role ARN (MiniStack ignores role mapping anyway)"
            )

    if identity.is_local:
        changes.append(LOCAL_POLICY_NOTE.format(prefix=result.prefix, bucket=bucket))
    return result
