"""accounts.pooladmin.validation: one rule, one wording, whether a form or a service refuses.

No Cognito is needed: every refusal here comes before the first call.
"""

import pytest

from accounts import policy
from accounts.cognito.types import PasswordPolicy, PoolAttribute
from accounts.exceptions import InputRefused
from accounts.pooladmin import validation
from accounts.pooladmin.forms import AttributesForm, GroupChoiceForm, GroupForm, SetPasswordForm, UserCreateForm
from accounts.pooladmin.services import groups as group_services
from accounts.pooladmin.services import users as user_services

POOL_POLICY = PasswordPolicy(
    minimum_length=12, require_uppercase=True, require_lowercase=True, require_numbers=True, require_symbols=True
)
SYSTEM = policy.SYSTEM


def _refused(service, **kwargs):
    """Return the words a service refuses with."""
    with pytest.raises(InputRefused) as caught:
        service(**kwargs)
    return caught.value.plain


def test_a_phone_number_is_refused_in_one_wording():
    words = "Write the phone number as +, country code and number, e.g. +14155550123."
    create = UserCreateForm({"email": "ada@example.com", "phone": "020 1234", "password_choice": "invite"})
    attributes = AttributesForm({"phone_number": "020 1234"}, schema=[PoolAttribute(name="phone_number")])
    assert create.errors["phone"] == [words]
    assert attributes.errors["phone_number"] == [words]
    assert _refused(user_services.user_create, actor=SYSTEM, email="ada@example.com", phone="020 1234") == words
    assert "+, country code and number" in create.fields["phone"].help_text  # the format, said the same way


def test_an_email_address_is_refused_in_one_wording():
    words = "'not-an-email' is not a valid email address."
    create = UserCreateForm({"email": "not-an-email", "password_choice": "invite"})
    attributes = AttributesForm({"email": "not-an-email"}, schema=[PoolAttribute(name="email")])
    assert create.errors["email"] == [words]
    assert attributes.errors["email"] == [words]
    assert _refused(user_services.user_create, actor=SYSTEM, email="not-an-email") == words


@pytest.mark.parametrize("name", ["two words", "x" * 129])
def test_a_group_name_is_refused_in_one_wording(name):
    words = f"{name!r} is not a group name Cognito accepts (1-128 characters, no spaces)."
    assert GroupForm({"name": name}).errors["name"] == [words]
    assert GroupChoiceForm({"group": name}).errors["group"] == [words]
    assert _refused(group_services.group_create, actor=SYSTEM, name=name) == words
    assert _refused(user_services.user_create, actor=SYSTEM, email="ada@example.com", groups=[name]) == words


@pytest.mark.parametrize(
    ("password", "words"),
    [
        (
            "short",
            "The password needs at least 12 characters, an upper-case letter, a number, a symbol such as ! or #.",
        ),
        ("Long-Enough-1" * 20, "The password needs at most 256 characters."),
    ],
)
def test_a_password_is_refused_in_one_wording(password, words):
    create = UserCreateForm(
        {"email": "ada@example.com", "password_choice": "set", "temporary_password": password}, policy=POOL_POLICY
    )
    assert create.errors["temporary_password"][0] == words
    assert SetPasswordForm({"password": password}, policy=POOL_POLICY).errors["password"] == [words]
    refused = _refused(
        user_services.user_password_set,
        actor=SYSTEM,
        username="anyone",
        password=password,
        permanent=True,
        policy=POOL_POLICY,
    )
    assert refused == words


def test_without_the_pools_policy_a_form_still_holds_cognitos_limit():
    form = SetPasswordForm({"password": "x" * 257})
    assert form.errors["password"] == ["The password needs at most 256 characters."]
    assert SetPasswordForm({"password": "x" * 256}).is_valid()


def test_a_group_description_and_precedence_are_refused_in_one_wording():
    too_long = "x" * 2049
    assert GroupForm({"name": "ok", "description": too_long}).errors["description"] == [
        "A description has at most 2048 characters."
    ]
    assert _refused(group_services.group_create, actor=SYSTEM, name="ok", description=too_long) == (
        "A description has at most 2048 characters."
    )
    words = "Precedence is a whole number, 0 or more (lower wins)."
    assert GroupForm({"name": "ok", "precedence": "-1"}).errors["precedence"] == [words]
    assert _refused(group_services.group_create, actor=SYSTEM, name="ok", precedence=-1) == words


def test_the_form_offers_exactly_the_attributes_the_service_lets_change():
    schema = [
        PoolAttribute(name="sub", mutable=False),
        PoolAttribute(name="email"),
        PoolAttribute(name="email_verified"),
        PoolAttribute(name="given_name"),
        PoolAttribute(name="custom:tenant", mutable=False),
    ]
    form = AttributesForm(schema=schema, may_verify=False)
    assert list(form.fields) == validation.changeable_attributes(schema) == ["email", "given_name"]


def test_the_forms_keep_their_length_limits_in_the_page():
    """The limits moved from max_length into the rules; the browser still stops the typing."""
    assert 'maxlength="256"' in str(SetPasswordForm()["password"])
    assert 'maxlength="128"' in str(GroupForm()["name"])
    assert 'maxlength="2048"' in str(GroupForm()["description"])
    assert 'min="0"' in str(GroupForm()["precedence"])
