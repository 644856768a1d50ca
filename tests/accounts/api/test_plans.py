"""/api/v1/me/plan: the plan claim the PreTokenGeneration trigger adds, required by HasPlan.

Hostile tokens are signed with the fake pool's real RSA key (tests/fakes.py), so
the signature, issuer and token_use checks run first; the real claim from the
local stack is tested in tests/triggers/test_local_stack.py and below.
"""

import pytest
import requests
from django.contrib.auth import get_user_model

from accounts.models import UserSession
from accounts.sessions import encryption
from tests import fakes
from tests.flows import hosted_ui_sign_in

pytestmark = pytest.mark.django_db
PLAN = "/api/v1/me/plan"


def _get(client, token):
    return client.get(PLAN, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("plan", ["pro", "team"])
def test_a_paid_plan_is_admitted(api_client, fake_api, plan):
    response = _get(api_client, fake_api.keys[0].sign(fakes.access_claims(plan=plan)))
    assert (response.status_code, response.json()) == (200, {"plan": plan})


@pytest.mark.parametrize(
    "plan",
    [None, "free", "PRO", "pro ", ["pro"], {"plan": "pro"}, 1, "p" * 33, "pro\n"],
    ids=["none", "free", "upper case", "trailing space", "list", "object", "number", "too long", "newline"],
)
def test_any_other_plan_claim_is_refused_with_a_sentence(api_client, fake_api, plan):
    claims = fakes.access_claims(**({} if plan is None else {"plan": plan}))
    response = _get(api_client, fake_api.keys[0].sign(claims))
    assert response.status_code == 403
    assert response.json()["error_description"] == (
        "This endpoint needs an access token with one of these plans: team, pro"
    )


def test_a_plan_in_the_id_token_does_not_count(api_client, fake_api):
    response = _get(api_client, fake_api.keys[0].sign(fakes.id_claims(plan="pro")))
    assert response.status_code == 401


def test_the_plans_are_a_setting(api_client, fake_api, settings):
    settings.COGNITO_PAID_PLANS = ["free"]
    assert _get(api_client, fake_api.keys[0].sign(fakes.access_claims(plan="free"))).status_code == 200
    assert _get(api_client, fake_api.keys[0].sign(fakes.access_claims(plan="pro"))).status_code == 403


def test_a_browser_session_is_asked_for_a_bearer_token(fake_api):
    from rest_framework.test import APIClient

    user = get_user_model().objects.create(username="sub-pat", cognito_sub="sub-pat")
    client = APIClient()
    client.force_login(user)
    response = client.get(PLAN)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_demo_users_real_tokens(api_client, client, local_stack, cognito_api, demo):
    """The local stack runs the deployed trigger: the admin (pro) is admitted, the member (free) refused."""
    answers = {}
    for email in ("admin@example.com", "member@example.com"):
        client.logout()
        assert hosted_ui_sign_in(client, email, demo["password"]).status_code == 302
        record = UserSession.objects.get(session_key=client.session.session_key)
        answers[email] = _get(api_client, encryption.decrypt(record.access_token))
    assert (answers["admin@example.com"].status_code, answers["admin@example.com"].json()) == (200, {"plan": "pro"})
    assert answers["member@example.com"].status_code == 403
    machine = requests.post(
        f"{local_stack.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(cognito_api.m2m_client_id, cognito_api.m2m_client_secret),
        timeout=10,
    ).json()["access_token"]
    assert _get(api_client, machine).status_code == 403
