"""Identity-pool credentials and My files against the local stack: real GetId, credentials, STS and S3.

What MiniStack ignores (role mapping, ServerSideTokenCheck, policy variables,
developer identities) is tested at the seam in test_seam.py.
"""

import copy
from datetime import timedelta

import boto3
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.cognito.identity import IdentityClient, site_client
from accounts.cognito.storage import SiteStorage
from accounts.credentials import encryption
from accounts.models import SessionCredentials, UserSession
from accounts.provisioning.identity_pool import identity_pool_provision
from accounts.provisioning.pool import load_spec
from tests.flows import REGION, hosted_ui_sign_in

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def identity_calls(cognito, settings):
    """Count the site's calls to the identity pool (a spy on the seam's client: the calls still go through)."""
    client = site_client(
        "cognito-identity", settings.COGNITO_REGION, settings.COGNITO_ENDPOINT_URL, settings.COGNITO_TIMEOUT
    )
    calls = []

    def spy(model, **kwargs):
        calls.append(model.name)

    client.meta.events.register("before-call.cognito-identity", spy)
    yield calls
    client.meta.events.unregister("before-call.cognito-identity", spy)


def signed_in(demo, email="member@example.com"):
    client = Client()
    response = hosted_ui_sign_in(client, email, demo["password"])
    assert response.status_code == 302, response
    return client


def upload(client, name, body=b"hello"):
    return client.post(reverse("file_upload"), {"file": SimpleUploadedFile(name, body, content_type="text/plain")})


def names(client):
    response = client.get(reverse("files"))
    assert response.status_code == 200, response.content[:500]
    return [f.name for f in response.context["folder"].files]


def test_my_files_fetches_credentials_once_and_then_uses_the_cache(cognito, demo, identity_calls):
    client = signed_in(demo)
    assert names(client) == []
    # First time: GetId (once per person ever) and GetCredentialsForIdentity.
    assert identity_calls == ["GetId", "GetCredentialsForIdentity"]
    user = User.objects.get(email="member@example.com")
    assert user.aws_identity_id
    assert user.aws_identity_id.startswith(f"{REGION}:")
    assert user.aws_identity_id != user.cognito_sub

    identity_calls.clear()
    assert names(client) == []
    client.get(reverse("aws_access"))
    assert identity_calls == [], "fresh credentials must not be fetched again"


def test_stale_credentials_are_fetched_again_without_a_second_getid(cognito, demo, identity_calls):
    client = signed_in(demo)
    names(client)
    row = SessionCredentials.objects.get()
    # At most 50 of their 60 minutes, and never within 5 minutes of their expiry.
    assert row.fresh_until <= row.fetched_at + timedelta(minutes=50)
    assert row.fresh_until <= row.expires_at - timedelta(minutes=5)
    SessionCredentials.objects.update(fresh_until=timezone.now() - timedelta(seconds=1))
    identity_calls.clear()
    names(client)
    assert identity_calls == ["GetCredentialsForIdentity"]
    assert SessionCredentials.objects.get().fresh_until > timezone.now()


def test_the_cached_credentials_are_encrypted_and_go_with_the_session(cognito, demo):
    client = signed_in(demo)
    response = client.post(reverse("aws_credentials_export"))
    secret = _export(response)["AWS_SECRET_ACCESS_KEY"]
    row = SessionCredentials.objects.get()
    assert secret not in row.secret
    assert encryption.decrypt(row.secret)["secret_key"] == secret
    # A renewal that fails deletes the session's record, and the credentials with it.
    UserSession.objects.filter(pk=row.session_id).delete()
    assert not SessionCredentials.objects.exists()


def test_signing_out_forgets_the_credentials(cognito, demo):
    client = signed_in(demo)
    names(client)
    assert SessionCredentials.objects.count() == 1
    client.post(reverse("sign_out"))
    assert not SessionCredentials.objects.exists()


def test_upload_list_download_delete_with_the_persons_own_credentials(cognito, demo):
    client = signed_in(demo)
    response = upload(client, "notes.txt", b"my notes")
    assert response.status_code == 302
    assert names(client) == ["notes.txt"]
    download = client.get(reverse("file_download"), {"name": "notes.txt"})
    assert download.status_code == 200
    assert download.content == b"my notes"
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    assert "no-store" in download["Cache-Control"]
    # Deleting asks first, then deletes on POST.
    confirm = client.get(reverse("file_delete"), {"name": "notes.txt"})
    assert b"cannot be undone" in confirm.content
    assert names(client) == ["notes.txt"]
    client.post(reverse("file_delete"), {"name": "notes.txt"})
    assert names(client) == []


def test_the_file_lands_under_the_persons_identity_id(cognito, demo):
    client = signed_in(demo)
    upload(client, "where.txt")
    user = User.objects.get(email="member@example.com")
    s3 = site_client("s3", REGION, django_settings.COGNITO_ENDPOINT_URL, 3.0)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=django_settings.COGNITO_FILES_BUCKET).get("Contents", [])]
    assert f"private/{user.aws_identity_id}/where.txt" in keys
    client.post(reverse("file_delete"), {"name": "where.txt"})


def test_a_second_person_never_sees_the_first_persons_files(cognito, demo):
    member = signed_in(demo)
    upload(member, "member-only.txt", b"secret of the member")
    staff = signed_in(demo, "staff@example.com")
    assert "member-only.txt" not in names(staff)
    download = staff.get(reverse("file_download"), {"name": "member-only.txt"})
    assert download.status_code == 404
    assert b"secret of the member" not in download.content
    staff.post(reverse("file_delete"), {"name": "member-only.txt"})
    assert names(member) == ["member-only.txt"]
    member.post(reverse("file_delete"), {"name": "member-only.txt"})


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../other/x.txt", "cannot hold /"),
        ("..", 'cannot hold ".."'),
        ("a..b", 'cannot hold ".."'),
        ("a\\b", "cannot hold /"),
        ("bell\x07.txt", "control characters"),
        ("x" * 256, "too long"),
    ],
)
def test_a_name_outside_the_folder_is_refused_before_aws_is_asked(cognito, demo, name, words, identity_calls):
    client = signed_in(demo)
    identity_calls.clear()
    response = client.get(reverse("file_download"), {"name": name})
    assert response.status_code == 400
    assert words in response.context["error"]
    assert identity_calls == []


def test_an_upload_with_a_bad_name_is_refused_with_a_sentence(cognito, demo):
    client = signed_in(demo)
    # Django's upload parser keeps "..": the site's own name check must refuse it.
    response = upload(client, "a..b.txt")
    assert response.status_code == 302
    page = client.get(reverse("files"))
    assert "cannot hold &quot;..&quot;" in page.content.decode()
    assert names(client) == []


def _export(response):
    assert response.status_code == 200, response.content[:300]
    assert "no-store" in response["Cache-Control"]
    values = {}
    for line in response.context["export"].splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        values[key] = value.strip("'")
    return values


def test_the_export_lines_answer_the_assumed_role(cognito, demo):
    client = signed_in(demo)
    access = client.get(reverse("aws_access"))
    role = access.context["role_arn"]
    assert ":assumed-role/django-cognito-site-authenticated/" in role
    values = _export(client.post(reverse("aws_credentials_export")))
    sts = boto3.client(
        "sts",
        region_name=values["AWS_REGION"],
        endpoint_url=values["AWS_ENDPOINT_URL"],
        aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=values["AWS_SESSION_TOKEN"],
    )
    assert sts.get_caller_identity()["Arn"] == role
    # The account page names the identity id and the role (from the session's cache, without asking AWS).
    account = client.get(reverse("account")).content.decode()
    assert User.objects.get(email="member@example.com").aws_identity_id in account
    assert role in account


def test_the_export_lines_need_a_post(cognito, demo):
    client = signed_in(demo)
    assert client.get(reverse("aws_credentials_export")).status_code == 405


def _second_pool(spec, *, name, role, allow_classic_flow):
    """Return a copy of the [identity_pool] declaration under other names (so the session's pool is untouched)."""
    spec = copy.deepcopy(spec)
    declared = spec["identity_pool"]
    declared.update(name=name, allow_classic_flow=allow_classic_flow)
    declared["developer_provider_name"] = ""
    declared["authenticated_role"] = {"name": role}
    declared["group_roles"] = {}
    return spec


@pytest.fixture(scope="module")
def classic_pools(local_stack, provisioned):
    """Two more identity pools on the session's user pool: one allowing the basic flow, one foreign."""
    from accounts.cognito.client import CognitoClient

    spec = load_spec(django_settings.COGNITO_PROVISION_FILE)
    cognito = CognitoClient(region=REGION, endpoint_url=local_stack.url, pool_id=provisioned.pool_id)
    made = {}
    for key, name, role, classic in [
        ("classic", "site_classic_flow", "site-classic-role", True),
        ("foreign", "foreign_pool", "foreign-role", True),
    ]:
        made[key] = identity_pool_provision(
            spec=_second_pool(spec, name=name, role=role, allow_classic_flow=classic),
            user_pool_id=provisioned.pool_id,
            client_id=provisioned.client_id,
            region=REGION,
            cognito=cognito,
            identity=IdentityClient(region=REGION, endpoint_url=local_stack.url),
            storage=SiteStorage(region=REGION, endpoint_url=local_stack.url),
            environ={},
        )
    return made


def test_the_basic_flow_gives_the_roles_credentials(cognito, demo, settings, classic_pools):
    pool = classic_pools["classic"]
    settings.COGNITO_CREDENTIALS_FLOW = "basic"
    settings.COGNITO_IDENTITY_POOL_ID = pool.identity_pool_id
    settings.COGNITO_AUTHENTICATED_ROLE_ARN = pool.authenticated_role_arn
    client = signed_in(demo)
    access = client.get(reverse("aws_access"))
    assert access.status_code == 200, access.content[:500]
    assert access.context["aws"].flow == "basic"
    # STS names the session after the identity (AssumeRoleWithWebIdentity's RoleSessionName).
    assert ":assumed-role/site-classic-role/site-" in access.context["role_arn"]


def test_the_basic_flow_is_refused_by_the_trust_policy_of_another_pools_role(cognito, demo, settings, classic_pools):
    """The role trusts only its own pool (cognito-identity.amazonaws.com:aud): a foreign pool's token is refused."""
    settings.COGNITO_CREDENTIALS_FLOW = "basic"
    settings.COGNITO_IDENTITY_POOL_ID = classic_pools["foreign"].identity_pool_id
    settings.COGNITO_AUTHENTICATED_ROLE_ARN = classic_pools["classic"].authenticated_role_arn
    client = signed_in(demo)
    access = client.get(reverse("aws_access"))
    assert access.status_code == 403
    assert access.context["error"] == "AWS refused: your role does not allow this."
    assert not SessionCredentials.objects.exists()


def test_aws_out_of_reach_is_a_sentence(cognito, demo, settings):
    client = signed_in(demo)
    names(client)  # credentials cached
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"  # the discard port: nothing listens
    response = client.get(reverse("files"))
    assert response.status_code == 503
    assert response.context["error"].startswith("AWS could not be reached")


def test_no_identity_pool_configured_is_a_sentence(cognito, demo, settings, identity_calls):
    settings.COGNITO_IDENTITY_POOL_ID = ""
    client = signed_in(demo)
    for url in (reverse("files"), reverse("aws_access")):
        response = client.get(url)
        assert response.status_code == 503
        assert "no identity pool configured" in response.context["error"]
    assert identity_calls == []


def test_the_credentials_never_reach_the_logs(cognito, demo, caplog):
    caplog.set_level("DEBUG")
    client = signed_in(demo)
    names(client)
    values = _export(client.post(reverse("aws_credentials_export")))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Showed AWS credentials to user" in logged
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert values[name] not in logged
