"""Company sign-in's rules at the site: the groups claim, the declared mapping through the policy, the domains."""

import pytest

from accounts import policy
from accounts.exceptions import CognitoUnavailable, FederationRefused
from accounts.federation import providers
from accounts.federation.saml import saml_groups_sync, saml_sign_in_check
from tests.factories import linked_user_create

MAPPING = {"engineering": "members", "it-admins": "staff", "root": "admins"}


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        ("[engineering, it-admins]", ["engineering", "it-admins"]),
        ("engineering", ["engineering"]),
        ("", []),
        (["engineering"], []),  # not what Cognito sends: ignored
        ("x" * 2049, []),
    ],
)
def test_the_groups_claim_is_read_as_cognito_stores_it(value, groups):
    assert providers.idp_groups({"custom:idp_groups": value}) == groups


def test_only_mapped_groups_grant_and_privileged_ones_only_when_declared():
    granted = policy.declared_group_grants(
        asserted=["engineering", "it-admins", "root", "finance"],
        mapping=MAPPING,
        privileged_declared={"staff"},
        source="ExampleCorp",
    )
    assert granted == {"members", "staff"}
    assert (
        policy.declared_group_grants(
            asserted=["it-admins"], mapping=MAPPING, privileged_declared=set(), source="ExampleCorp"
        )
        == set()
    )


def _claims(settings, email):
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google", "ExampleCorp"]
    return {
        "sub": "s",
        "email": email,
        "identities": [{"providerName": "ExampleCorp", "userId": email, "primary": "true"}],
    }


def test_a_company_may_speak_only_for_its_own_domains(settings):
    saml_sign_in_check(_claims(settings, "erin@CORP.example"))
    with pytest.raises(FederationRefused) as refused:
        saml_sign_in_check(_claims(settings, "mallory@gmail.example"))
    assert "named mallory@gmail.example, which is not at one of its domains (corp.example)" in (
        refused.value.user_message
    )
    # A social sign-in is not the company's to check.
    saml_sign_in_check(
        {"sub": "s", "email": "x@gmail.example", "identities": [{"providerName": "Google", "primary": "true"}]}
    )


def test_provider_facts_for_the_connect_your_account_flow(settings):
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google", "Facebook", "LoginWithAmazon", "ExampleCorp"]
    assert [providers.verifies_email(n) for n in ("Google", "Facebook", "LoginWithAmazon", "ExampleCorp")] == [
        True,
        False,
        False,
        True,
    ]
    assert providers.provider_label("ExampleCorp") == "Example Corp"
    assert providers.provider_label("LoginWithAmazon") == "Amazon"
    assert providers.username_provider("ExampleCorp_erin@corp.example") == "ExampleCorp"
    assert providers.username_provider("LoginWithAmazon_amzn1.account.X") == "LoginWithAmazon"
    # The company is offered through its own form, not as a button.
    assert [p.name for p in providers.configured_providers()] == ["Google", "Facebook", "LoginWithAmazon"]


class _CognitoDown:
    """The seam answering AdminAddUserToGroup with an outage (the local stack never has one)."""

    def __init__(self):
        self.calls = []

    def add_user_to_group(self, username, group):
        self.calls.append((username, group))
        raise CognitoUnavailable("AdminAddUserToGroup: Cognito could not be reached")

    remove_user_from_group = add_user_to_group


@pytest.mark.django_db
def test_an_outage_while_mapping_groups_refuses_the_sign_in_and_grants_nothing_here(settings):
    claims = {
        **_claims(settings, "erin@corp.example"),
        "cognito:username": "ExampleCorp_erin@corp.example",
        "cognito:groups": [],
        "custom:idp_groups": "[it-admins]",
    }
    user = linked_user_create("ExampleCorp_erin@corp.example", "erin@corp.example")
    cognito = _CognitoDown()
    with pytest.raises(CognitoUnavailable):
        saml_groups_sync(user=user, claims=claims, cognito=cognito)
    assert cognito.calls == [("ExampleCorp_erin@corp.example", "staff")]
    user.refresh_from_db()
    assert (user.is_staff, user.groups.count()) == (False, 0)


def test_a_company_the_site_does_not_offer_is_still_held_to_its_domains(settings):
    """Provisioning adds every declared company to the app client, so the hosted UI can reach one the site's
    COGNITO_IDENTITY_PROVIDERS leaves out; its sign-ins must not skip the domain check (review of the merged work)."""
    claims = _claims(settings, "mallory@gmail.example")
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google"]
    with pytest.raises(FederationRefused):
        saml_sign_in_check(claims)
