import pytest
from django.core.management.utils import get_random_secret_key

from accounts.checks import check_cognito_settings, check_secret_key


@pytest.fixture
def aws(settings):
    settings.COGNITO_REGION = "eu-west-1"
    settings.COGNITO_USER_POOL_ID = "eu-west-1_AbC123dEf"
    settings.COGNITO_CLIENT_ID = "client"
    settings.COGNITO_CLIENT_SECRET = "secret"
    settings.COGNITO_DOMAIN = "https://myapp.auth.eu-west-1.amazoncognito.com"
    settings.COGNITO_ENDPOINT_URL = ""
    return settings


def ids():
    return sorted(error.id for error in check_cognito_settings(None))


def test_a_complete_configuration_passes(aws):
    assert ids() == []


@pytest.mark.parametrize("name", ["COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_CLIENT_SECRET"])
def test_missing_values_fail(aws, name):
    setattr(aws, name, "")
    assert "accounts.E001" in ids()


def test_pool_in_another_region_fails(aws):
    aws.COGNITO_REGION = "us-east-1"
    assert ids() == ["accounts.E003"]


def test_malformed_pool_id_fails(aws):
    aws.COGNITO_USER_POOL_ID = "not a pool"
    assert ids() == ["accounts.E002"]


def test_missing_domain_on_aws_fails(aws):
    aws.COGNITO_DOMAIN = ""
    assert ids() == ["accounts.E004"]


@pytest.mark.parametrize("domain", ["http://myapp.auth.eu-west-1.amazoncognito.com", "https://x.example/path"])
def test_domain_must_be_an_https_origin(aws, domain):
    aws.COGNITO_DOMAIN = domain
    assert ids() == ["accounts.E005"]


@pytest.mark.parametrize("algorithm", ["HS256", "none", "ES256"])
def test_signing_algorithm_other_than_rs256_fails(aws, algorithm):
    aws.OIDC_RP_SIGN_ALGO = algorithm
    assert ids() == ["accounts.E006"]


def test_cookie_sessions_fail(aws):
    aws.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert ids() == ["accounts.E007"]


def test_pkce_off_fails(aws):
    aws.OIDC_USE_PKCE = False
    assert ids() == ["accounts.E008"]


def test_a_malformed_encryption_key_fails(aws):
    aws.COGNITO_TOKEN_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    assert ids() == ["accounts.E010"]


@pytest.mark.parametrize(
    "key",
    ["", "short-but-varied-0123456789", "x" * 50, "abab" * 20],
    ids=["empty", "shorter-than-50", "one-character", "four-characters"],
)
def test_a_weak_secret_key_is_refused_outside_debug(settings, key):
    settings.DEBUG = False
    settings.SECRET_KEY = key
    errors = check_secret_key(None)
    assert [error.id for error in errors] == ["accounts.E011"]
    assert "get_random_secret_key" in errors[0].hint


def test_a_random_secret_key_passes(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = get_random_secret_key()
    assert check_secret_key(None) == []


def test_debug_allows_a_development_key(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = "django-insecure-local-development-only"
    assert check_secret_key(None) == []


def test_an_unknown_issuer_format_fails(aws, settings):
    settings.COGNITO_ISSUER_FORMAT = "newest"
    assert ids() == ["accounts.E012"]
