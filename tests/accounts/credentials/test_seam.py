"""Identity-pool behaviour the local stack cannot produce, at the one seam (botocore's Stubber).

MiniStack ignores role mapping and ServerSideTokenCheck, issues basic-flow
tokens whatever AllowClassicFlow says, and lacks GetOpenIdTokenForDeveloperIdentity
(see /work/shared/reference/local-stack.md, "Identity pools"). Each test names
the gap it covers; the sign-in itself runs against the fake token endpoint
(tests/fakes.py), so no request leaves the machine.
"""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from botocore.stub import ANY, Stubber
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.cognito.identity import DEVELOPER_LOGIN_KEY, IdentityClient, person_client, site_client, translate
from accounts.cognito.types import AwsCredentials
from accounts.credentials import services
from accounts.exceptions import (
    AccessDenied,
    AwsUnavailable,
    ClassicFlowDisabled,
    CredentialsExpired,
    IdentityPoolMissing,
    NotAvailable,
    RoleDenied,
    TokenRefused,
)
from accounts.models import SessionCredentials
from tests import fakes
from tests.flows import callback_with

pytestmark = pytest.mark.django_db
User = get_user_model()

POOL = "eu-west-1:11111111-2222-3333-4444-555555555555"
IDENTITY = "eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
LOGIN_KEY = f"cognito-idp.{fakes.REGION}.amazonaws.com/{fakes.POOL_ID}"
SESSION = "CognitoIdentityCredentials"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/django-cognito-site-admins"


def aws_credentials(n=1, *, minutes=60):
    return {
        "AccessKeyId": f"ASIAEXAMPLE{n:09d}",
        "SecretKey": f"secret-{n}",
        "SessionToken": f"session-token-{n}",
        "Expiration": datetime.now(UTC) + timedelta(minutes=minutes),
    }


def credentials_of(raw):
    return AwsCredentials(
        access_key_id=raw["AccessKeyId"],
        secret_key=raw["SecretKey"],
        session_token=raw["SessionToken"],
        expiration=raw["Expiration"],
        identity_id=IDENTITY,
    )


@pytest.fixture
def aws(settings, fake_cognito):
    """The site's identity pool settings, with the seam's identity client under a Stubber."""
    settings.COGNITO_IDENTITY_POOL_ID = POOL
    settings.COGNITO_FILES_BUCKET = "site-files"
    settings.COGNITO_DEVELOPER_PROVIDER_NAME = "login.django-cognito-site"
    settings.COGNITO_AUTHENTICATED_ROLE_ARN = "arn:aws:iam::123456789012:role/django-cognito-site-authenticated"
    client = site_client("cognito-identity", fakes.REGION, fake_cognito.url, settings.COGNITO_TIMEOUT)
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def signed_in(fake, **claims):
    client = Client()
    response = callback_with(client, fake, claims=claims)
    assert response.status_code == 302
    return client


def stub_person(service, raw):
    """Return a Stubber on the client the seam builds for these credentials (cached by them)."""
    return Stubber(person_client(service, credentials_of(raw)))


def test_the_group_role_reaches_the_identity_pool_in_the_id_token(aws, fake_cognito):
    """Gap: MiniStack ignores role mapping. AWS picks cognito:preferred_role from the ID token the site sends."""
    client = signed_in(
        fake_cognito,
        **{"cognito:groups": ["admins"], "cognito:roles": [ADMIN_ROLE], "cognito:preferred_role": ADMIN_ROLE},
    )
    aws.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL, "Logins": {LOGIN_KEY: ANY}})
    raw = aws_credentials()
    # No CustomRoleArn: the pool's role mapping (Type Token) decides from the token.
    aws.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": raw},
        {"IdentityId": IDENTITY, "Logins": {LOGIN_KEY: ANY}},
    )
    with stub_person("sts", raw) as sts:
        sts.add_response(
            "get_caller_identity",
            {
                "Arn": "arn:aws:sts::123456789012:assumed-role/django-cognito-site-admins/CognitoIdentityCredentials",
                "Account": "123456789012",
                "UserId": "AROAEXAMPLE:CognitoIdentityCredentials",
            },
        )
        page = client.get(reverse("aws_access"))
    assert page.status_code == 200
    assert "assumed-role/django-cognito-site-admins/" in page.context["role_arn"]


def test_a_role_mapping_that_denies_is_a_sentence(aws, fake_cognito):
    """Gap: MiniStack ignores AmbiguousRoleResolution = Deny; AWS answers InvalidIdentityPoolConfigurationException."""
    client = signed_in(fake_cognito)
    aws.add_response("get_id", {"IdentityId": IDENTITY})
    aws.add_client_error(
        "get_credentials_for_identity",
        service_error_code="InvalidIdentityPoolConfigurationException",
        service_message="Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        http_status_code=400,
    )
    response = client.get(reverse("files"))
    assert response.status_code == 403
    assert response.context["error"] == RoleDenied.default_detail
    assert not SessionCredentials.objects.exists()


def test_a_token_refused_after_a_global_sign_out_drops_the_cached_credentials(aws, fake_cognito):
    """Gap: MiniStack ignores ServerSideTokenCheck; AWS refuses a globally signed-out person's ID token."""
    client = signed_in(fake_cognito)
    aws.add_response("get_id", {"IdentityId": IDENTITY})
    aws.add_response("get_credentials_for_identity", {"IdentityId": IDENTITY, "Credentials": aws_credentials()})
    with stub_person("s3", aws_credentials()) as s3:
        s3.add_response("list_objects_v2", {"KeyCount": 0})
        assert client.get(reverse("files")).status_code == 200
    SessionCredentials.objects.update(fresh_until=timezone.now() - timedelta(seconds=1))
    aws.add_client_error(
        "get_credentials_for_identity",
        service_error_code="NotAuthorizedException",
        service_message="Token is inactive",
        http_status_code=400,
    )
    response = client.get(reverse("files"))
    assert response.status_code == 403
    assert "signed out everywhere" in response.context["error"]
    assert not SessionCredentials.objects.exists()
    # GetId was asked once only, ever: the identity id is the person's.
    assert User.objects.get().aws_identity_id == IDENTITY


def test_credentials_that_expire_at_s3_are_fetched_again_once(aws, fake_cognito):
    """Gap: the local stack's credentials never expire within a test; AWS answers ExpiredToken."""
    client = signed_in(fake_cognito)
    first, second = aws_credentials(1), aws_credentials(2)
    aws.add_response("get_id", {"IdentityId": IDENTITY})
    aws.add_response("get_credentials_for_identity", {"IdentityId": IDENTITY, "Credentials": first})
    aws.add_response("get_credentials_for_identity", {"IdentityId": IDENTITY, "Credentials": second})
    with stub_person("s3", first) as old, stub_person("s3", second) as new:
        old.add_client_error("list_objects_v2", service_error_code="ExpiredToken", http_status_code=400)
        new.add_response(
            "list_objects_v2",
            {
                "Contents": [
                    {"Key": f"private/{IDENTITY}/a.txt", "Size": 3},
                    {"Key": "private/someone-else/b.txt", "Size": 1},
                ]
            },
        )
        response = client.get(reverse("files"))
    assert response.status_code == 200
    # A key outside the person's folder is never shown, whatever S3 answers.
    assert [f.name for f in response.context["folder"].files] == ["a.txt"]
    row = SessionCredentials.objects.get()
    assert services.encryption.decrypt(row.secret)["access_key_id"] == second["AccessKeyId"]


def test_credentials_close_to_their_expiry_are_used_until_five_minutes_before_it(aws, fake_cognito):
    client = signed_in(fake_cognito)
    raw = aws_credentials(minutes=20)
    aws.add_response("get_id", {"IdentityId": IDENTITY})
    aws.add_response("get_credentials_for_identity", {"IdentityId": IDENTITY, "Credentials": raw})
    with stub_person("s3", raw) as s3:
        s3.add_response("list_objects_v2", {"KeyCount": 0})
        client.get(reverse("files"))
    row = SessionCredentials.objects.get()
    assert abs(row.fresh_until - (raw["Expiration"] - timedelta(minutes=5))) < timedelta(seconds=1)


def test_the_basic_flow_refused_by_the_pool_is_a_sentence(aws, fake_cognito, settings):
    """Gap: MiniStack issues GetOpenIdToken with AllowClassicFlow off; AWS refuses it."""
    settings.COGNITO_CREDENTIALS_FLOW = "basic"
    client = signed_in(fake_cognito)
    aws.add_response("get_id", {"IdentityId": IDENTITY})
    aws.add_client_error(
        "get_open_id_token",
        service_error_code="InvalidParameterException",
        service_message="Basic (classic) flow is not enabled, please use enhanced flow.",
        http_status_code=400,
    )
    response = client.get(reverse("aws_access"))
    assert response.status_code == 502
    assert response.context["error"] == ClassicFlowDisabled.default_detail


def test_throttling_is_a_sentence(aws, fake_cognito):
    client = signed_in(fake_cognito)
    aws.add_client_error("get_id", service_error_code="TooManyRequestsException", http_status_code=400)
    response = client.get(reverse("files"))
    assert response.status_code == 503
    assert response.context["error"].startswith("AWS could not be reached")
    assert User.objects.get().aws_identity_id is None


def test_an_identity_id_of_the_wrong_shape_is_refused(aws, fake_cognito):
    """Cognito's answers are input from outside: an identity id that is no region:uuid is not stored."""
    client = signed_in(fake_cognito)
    aws.add_response("get_id", {"IdentityId": "../../etc"})
    response = client.get(reverse("files"))
    assert response.status_code == 502
    assert "cannot read" in response.context["error"]
    assert User.objects.get().aws_identity_id is None


@pytest.mark.parametrize(
    ("code", "cls", "status"),
    [
        ("NotAuthorizedException", TokenRefused, 400),
        ("ResourceNotFoundException", IdentityPoolMissing, 400),
        ("InvalidIdentityPoolConfigurationException", RoleDenied, 400),
        ("AccessDenied", AccessDenied, 403),
        ("ExpiredToken", CredentialsExpired, 400),
        ("TooManyRequestsException", AwsUnavailable, 400),
        ("InternalErrorException", AwsUnavailable, 500),
        ("SomethingNew", AwsUnavailable, 503),
        ("InvalidAction", NotAvailable, 400),
    ],
)
def test_every_error_the_seam_translates_has_plain_words(code, cls, status):
    from botocore.exceptions import ClientError

    error = ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetId"
    )
    exc = translate(error, "GetId", service="Cognito identity")
    assert type(exc) is cls
    assert exc.plain
    assert "{" not in exc.plain


# -- developer-authenticated identities ---------------------------------------------------------


def test_developer_credentials_are_vouched_for_by_the_site(aws, fake_cognito, settings):
    """Gap: MiniStack lacks GetOpenIdTokenForDeveloperIdentity (InvalidAction)."""
    service_account = User.objects.create(username="report-bot", email="bot@example.com")
    raw = aws_credentials()
    aws.add_response(
        "get_open_id_token_for_developer_identity",
        {"IdentityId": IDENTITY, "Token": "developer-openid-token"},
        {
            "IdentityPoolId": POOL,
            "Logins": {"login.django-cognito-site": f"django-user-{service_account.pk}"},
            "TokenDuration": 900,
        },
    )
    aws.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": raw},
        {"IdentityId": IDENTITY, "Logins": {DEVELOPER_LOGIN_KEY: "developer-openid-token"}},
    )
    with stub_person("sts", raw) as sts:
        sts.add_response(
            "get_caller_identity",
            {
                "Arn": f"arn:aws:sts::123456789012:assumed-role/django-cognito-site-authenticated/{SESSION}",
                "Account": "123456789012",
                "UserId": "AROA:x",
            },
        )
        out = StringIO()
        call_command("aws_developer_credentials", "bot@example.com", stdout=out)
    text = out.getvalue()
    assert IDENTITY in text
    assert "django-cognito-site-authenticated" in text
    assert raw["SecretKey"] not in text, "the secret is printed only with --export"
    service_account.refresh_from_db()
    assert service_account.aws_identity_id == IDENTITY  # a Django-only account: this identity is theirs


def test_developer_credentials_leave_a_cognito_users_identity_id_alone(aws, fake_cognito):
    person = User.objects.create(username="p", email="p@example.com", cognito_sub="some-sub")
    aws.add_response("get_open_id_token_for_developer_identity", {"IdentityId": IDENTITY, "Token": "t"})
    aws.add_response("get_credentials_for_identity", {"IdentityId": IDENTITY, "Credentials": aws_credentials()})
    services.developer_credentials(user=person, identity=IdentityClient())
    person.refresh_from_db()
    assert person.aws_identity_id is None


def test_developer_credentials_without_a_provider_name_are_refused(aws, settings):
    settings.COGNITO_DEVELOPER_PROVIDER_NAME = ""
    User.objects.create(username="bot", email="bot@example.com")
    with pytest.raises(CommandError, match="no identity pool configured"):
        call_command("aws_developer_credentials", "bot@example.com", stdout=StringIO())


def test_an_identity_id_another_site_user_holds_is_refused_without_a_500(aws, fake_cognito):
    """The identity id is 1:1 with the sub: one the pool gives a second site user is never shared."""
    User.objects.create(username="earlier", aws_identity_id=IDENTITY)
    client = signed_in(fake_cognito)
    aws.add_response("get_id", {"IdentityId": IDENTITY})
    response = client.get(reverse("files"))
    assert response.status_code == 502
    assert "already belongs to another account" in response.context["error"]
    assert User.objects.get(email="pat@example.com").aws_identity_id is None
