"""The system checks of the identity-pool settings (accounts.checks.check_identity_pool_settings)."""

from accounts.checks import check_identity_pool_settings


def ids(errors):
    return [error.id for error in errors]


def test_the_default_settings_pass(settings):
    assert check_identity_pool_settings(None) == []


def test_an_unknown_flow_is_an_error(settings):
    settings.COGNITO_CREDENTIALS_FLOW = "classic"
    assert ids(check_identity_pool_settings(None)) == ["accounts.E131"]


def test_the_basic_flow_needs_a_role(settings):
    settings.COGNITO_CREDENTIALS_FLOW = "basic"
    settings.COGNITO_IDENTITY_POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"
    settings.COGNITO_AUTHENTICATED_ROLE_ARN = ""
    assert ids(check_identity_pool_settings(None)) == ["accounts.E132"]


def test_a_prefix_that_is_no_folder_is_an_error(settings):
    settings.COGNITO_FILES_PREFIX = "../"
    assert ids(check_identity_pool_settings(None)) == ["accounts.E133"]
