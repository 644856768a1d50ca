from accounts.cognito.endpoints import cognito_endpoints, derive_endpoints


def test_aws_urls_follow_the_domain_and_the_issuer_host():
    urls = derive_endpoints(
        region="eu-west-1", pool_id="eu-west-1_AbC123dEf", domain="https://myapp.auth.eu-west-1.amazoncognito.com/"
    )
    assert urls.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123dEf"
    assert urls.jwks == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123dEf/.well-known/jwks.json"
    assert urls.authorize == "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/authorize"
    assert urls.token == "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/token"
    assert urls.userinfo == "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/userInfo"
    assert urls.revoke == "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/revoke"
    assert urls.logout == "https://myapp.auth.eu-west-1.amazoncognito.com/logout"


def test_local_stack_serves_everything_but_keeps_the_aws_issuer():
    urls = derive_endpoints(
        region="us-east-1", pool_id="us-east-1_Local1", domain="", endpoint_url="http://127.0.0.1:4577/"
    )
    assert urls.issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local1"
    assert urls.jwks == "http://127.0.0.1:4577/us-east-1_Local1/.well-known/jwks.json"
    assert urls.authorize == "http://127.0.0.1:4577/oauth2/authorize"
    assert urls.logout == "http://127.0.0.1:4577/logout"


def test_the_library_settings_are_derived_from_cognito_settings(settings):
    from accounts.signin.oidc import oidc_setting

    settings.COGNITO_REGION = "eu-central-1"
    settings.COGNITO_USER_POOL_ID = "eu-central-1_Xyz"
    settings.COGNITO_DOMAIN = "https://auth.example.com"
    settings.COGNITO_ENDPOINT_URL = ""
    settings.COGNITO_CLIENT_ID = "abc"
    settings.COGNITO_TIMEOUT = 7.5
    assert oidc_setting("OIDC_OP_TOKEN_ENDPOINT") == "https://auth.example.com/oauth2/token"
    assert oidc_setting("OIDC_OP_JWKS_ENDPOINT") == cognito_endpoints().jwks
    assert oidc_setting("OIDC_RP_CLIENT_ID") == "abc"
    assert oidc_setting("OIDC_TIMEOUT") == 7.5
    assert oidc_setting("OIDC_USE_PKCE") is True


def test_the_updated_issuer_format_changes_iss_and_the_aws_jwks_host():
    urls = derive_endpoints(region="eu-west-1", pool_id="eu-west-1_Abc", domain="https://x", issuer_format="updated")
    assert urls.issuer == "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"
    assert urls.jwks == "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json"
