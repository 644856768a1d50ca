"""accounts.exceptions: one table of errors, each class with its Cognito codes and its plain words."""

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from django.contrib.admin.models import LogEntry

from accounts import exceptions
from accounts.cognito import client
from accounts.exceptions import CognitoError, InputRefused, LinkRefused, NotAllowed, errors_by_code
from accounts.pooladmin.services import users as user_services
from tests import fakes

pytestmark = pytest.mark.django_db
GENERIC = CognitoError.default_detail


def _translated(code, message="Bad value"):
    error = ClientError({"Error": {"Code": code, "Message": message}}, "AdminGetUser")
    return client._translate(error, "AdminGetUser")


@pytest.mark.parametrize("code", sorted(client._ERRORS_BY_CODE))
def test_the_error_table_covers_every_code_the_seam_maps(code):
    cls = client._ERRORS_BY_CODE[code]
    assert code in cls.__dict__["codes"]
    exc = _translated(code)
    assert type(exc) is cls
    assert exc.code == code
    assert exc.plain
    assert exc.plain != GENERIC.format(detail=exc.detail), f"{code} has no words of its own"


@pytest.mark.parametrize(
    "code",
    # Both had plain words in the admin but no class at the seam: the two tables had drifted apart.
    ["GroupExistsException", "NotAuthorizedException"],
)
def test_codes_the_admin_has_words_for_have_a_class_at_the_seam(code):
    assert client._ERRORS_BY_CODE[code] is not CognitoError
    assert type(_translated(code)) is client._ERRORS_BY_CODE[code]


def test_a_code_nobody_claims_is_a_cognito_error_in_cognitos_words():
    exc = _translated("AliasExistsException", "An account with the email already exists.")
    assert type(exc) is CognitoError
    assert exc.plain == "Cognito refused: An account with the email already exists."


def test_one_code_belongs_to_one_class():
    class Root:
        codes = ()

    class First(Root):
        codes = ("SameException",)

    class Second(Root):
        codes = ("SameException",)

    with pytest.raises(TypeError, match="SameException is claimed by both First and Second"):
        errors_by_code(Root)


def test_a_subclass_does_not_inherit_its_parents_codes():
    assert client._ERRORS_BY_CODE["InternalErrorException"] is exceptions.CognitoUnavailable
    assert client._ERRORS_BY_CODE["TooManyRequestsException"] is exceptions.TooManyRequests


@pytest.mark.parametrize("cls", [InputRefused, NotAllowed, LinkRefused, exceptions.LinkingUnavailable])
def test_the_sites_own_refusals_are_their_own_words(cls):
    """No code, and the message is the words, colons and all (Cognito's messages lose their operation)."""
    exc = cls("Cannot invite ada@example.com again: another user has the same email address.")
    assert exc.code == ""
    assert exc.plain == "Cannot invite ada@example.com again: another user has the same email address."
    assert isinstance(exc, CognitoError)  # what every admin page catches


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("UserNotFoundException", "That user is not in the pool (any more)."),
        ("UsernameExistsException", "A user with that email address already exists."),
        ("InvalidPasswordException", "The password does not meet the pool's password policy."),
        ("LimitExceededException", "Cognito's limit for this was reached; try again later."),
        ("TooManyRequestsException", "Cognito is throttling requests right now; try again in a moment."),
        ("InvalidParameterException", "Cognito refused a value: Bad value"),
        (
            "InternalErrorException",
            "Cognito could not be reached or failed; nothing was changed. Try again in a moment.",
        ),
    ],
)
def test_every_cognito_error_has_plain_words(cognito, provisioned, superuser_actor, code, expected):
    """Faked with botocore's Stubber: the local stack cannot produce LimitExceeded, throttling or internal errors."""
    with Stubber(cognito._client) as stub:
        fakes.stub_target(stub, "someone")
        stub.add_client_error("admin_enable_user", code, "Bad value", 400)
        with pytest.raises(CognitoError) as caught:
            user_services.user_enable(actor=superuser_actor, username="someone")
    assert caught.value.plain == expected
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("message", "sentence"),
    [
        # AWS's wording around the function's message.
        (
            "SignUp: PreSignUp failed with error Sign-up is open to email addresses at example.com only. "
            "Please use an address there..",
            "Sign-up is open to email addresses at example.com only. Please use an address there.",
        ),
        # The local stack's: the function's error object as JSON text.
        (
            'SignUp: {"errorMessage": "Sign-up is open to example.com only.", "errorType": "SignUpRefused"}',
            "Sign-up is open to example.com only.",
        ),
        # The local stack's: Python's repr of the error object.
        (
            "SignUp: {'errorMessage': 'Sign-up is open to example.com only.', 'errorType': 'Runtime.HandlerError'}",
            "Sign-up is open to example.com only.",
        ),
        # A crash, markup or a long text is never shown.
        ("SignUp: PreSignUp failed with error 'NoneType' object is not subscriptable.", ""),
        ("SignUp: PreSignUp failed with error KeyError: 'email'", ""),
        ('SignUp: {"errorMessage": "<script>alert(1)</script>.", "errorType": "X"}', ""),
        ("SignUp: PreSignUp failed with error " + "A" * 300 + ".", ""),
        ('SignUp: {"errorMessage": ["A list."]}', ""),
    ],
)
def test_a_trigger_refusal_is_shown_only_as_one_plain_sentence(message, sentence):
    from accounts.exceptions import TriggerRefused, errors_by_code

    assert errors_by_code()["UserLambdaValidationException"] is TriggerRefused
    assert TriggerRefused(message, code="UserLambdaValidationException").sentence == sentence
