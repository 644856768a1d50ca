"""What the site offers for sign-up: the ``[signup]`` table of config/cognito.toml, and what the pool says now."""

import logging
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches

from ..cognito.client import CognitoClient
from ..cognito.types import PasswordPolicy, password_policy_words

logger = logging.getLogger(__name__)

#: How long the pool's answer (self sign-up allowed, password policy) is kept: DescribeUserPool is
#: capped at 5 calls a second per pool, and a sign-up burst must not spend them.
POOL_FACTS_SECONDS = 60


@dataclass(frozen=True)
class SignUpOptions:
    """The ``[signup]`` table: whether provisioning lets people sign themselves up, and their group."""

    allow_self_sign_up: bool = False
    default_group: str = "members"


@dataclass(frozen=True)
class PoolFacts:
    """What the pool says now: whether it takes sign-ups, and its password policy in words."""

    self_sign_up: bool
    password_words: str
    policy: PasswordPolicy


@lru_cache(maxsize=4)
def _declared(path) -> SignUpOptions:
    with open(path, "rb") as fh:
        table = tomllib.load(fh).get("signup", {})
    return SignUpOptions(
        allow_self_sign_up=bool(table.get("allow_self_sign_up", False)),
        default_group=str(table.get("default_group", "members")),
    )


def signup_options() -> SignUpOptions:
    """Return the ``[signup]`` table of COGNITO_PROVISION_FILE (read once per process)."""
    return _declared(str(settings.COGNITO_PROVISION_FILE))


def pool_facts(*, cognito=None) -> PoolFacts:
    """Return whether the pool takes sign-ups and its password policy, from DescribeUserPool, cached a minute.

    The pool decides, not the file: provisioning applies the file's
    ``allow_self_sign_up`` as AdminCreateUserConfig.AllowAdminCreateUserOnly, and
    a pool provisioned otherwise is taken at its word. Raise CognitoError when
    Cognito cannot say.
    """
    cache = caches["default"]
    key = f"signup:pool-facts:{settings.COGNITO_USER_POOL_ID}"
    facts = cache.get(key)
    if facts is None:
        pool = (cognito or CognitoClient()).describe_pool()
        policy = pool.password_policy or PasswordPolicy()
        facts = PoolFacts(
            self_sign_up=not pool.admin_create_user_only and signup_options().allow_self_sign_up,
            password_words=password_policy_words(policy),
            policy=policy,
        )
        cache.set(key, facts, POOL_FACTS_SECONDS)
    return facts
