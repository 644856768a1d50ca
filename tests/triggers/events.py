"""Cognito's trigger events as AWS documents them, for the handlers' unit tests.

Shapes from the Cognito developer guide's trigger pages (the "event parameters"
and example events) and the example events AWS publishes with its Lambda tools
(aws-powertools' tests/events/cognito*.json, aws-lambda-go's testdata): strings
for attribute values, ``response`` empty or with null members as Cognito sends it.
Each function returns a fresh dict, so a test may change it.
"""

POOL_ID = "us-east-1_EXAMPLE1"
CLIENT_ID = "4ab8bhtvoq6sd1example"


def _base(trigger_source, user_name="a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", version="1"):
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": "us-east-1",
        "userPoolId": POOL_ID,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
    }


def pre_sign_up(email="ada@example.com", trigger_source="PreSignUp_SignUp"):
    """A sign-up through the SignUp API (``PreSignUp_SignUp``), or as ``trigger_source`` says."""
    return {
        **_base(trigger_source),
        "request": {
            "userAttributes": {"email": email, "given_name": "Ada"},
            "validationData": {},
            "clientMetadata": {},
        },
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


def pre_sign_up_external(email="ada@gmail.com"):
    """A first sign-in through an identity provider: Cognito names the user ``{Provider}_{id}``."""
    event = pre_sign_up(email=email, trigger_source="PreSignUp_ExternalProvider")
    event["userName"] = "Google_111122223333444455556"
    event["request"]["userAttributes"]["cognito:email_alias"] = ""
    return event


def post_confirmation(trigger_source="PostConfirmation_ConfirmSignUp"):
    return {
        **_base(trigger_source),
        "request": {
            "userAttributes": {
                "sub": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
                "email": "ada@example.com",
                "email_verified": "true",
                "cognito:user_status": "CONFIRMED",
            }
        },
        "response": {},
    }


def pre_token_generation(trigger_source="TokenGeneration_HostedAuth", plan="pro", groups=None):
    """A V2_0 event: one request for both tokens, with the scopes and the groups Cognito would put in them."""
    attributes = {
        "sub": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "email": "ada@example.com",
        "email_verified": "true",
        "cognito:user_status": "CONFIRMED",
    }
    if plan is not None:
        attributes["custom:plan"] = plan
    return {
        **_base(trigger_source, version="2"),
        "request": {
            "userAttributes": attributes,
            "scopes": ["openid", "email", "aws.cognito.signin.user.admin"],
            "groupConfiguration": {
                "groupsToOverride": ["members"] if groups is None else groups,
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
            "clientMetadata": {},
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def pre_token_generation_client_credentials():
    """A V3_0 event for a machine client: no user, ``userName`` ``ClientCredentials``, no attributes."""
    return {
        **_base("TokenGeneration_ClientCredentials", user_name="ClientCredentials", version="3"),
        "request": {
            "userAttributes": {},
            "scopes": ["https://api.example.com/users.read"],
            "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }


#: Every CustomMessage source the guide lists.
MESSAGE_SOURCES = (
    "CustomMessage_SignUp",
    "CustomMessage_AdminCreateUser",
    "CustomMessage_ResendCode",
    "CustomMessage_ForgotPassword",
    "CustomMessage_UpdateUserAttribute",
    "CustomMessage_VerifyUserAttribute",
    "CustomMessage_Authentication",
)


def custom_message(trigger_source="CustomMessage_AdminCreateUser"):
    event = {
        **_base(trigger_source),
        "request": {
            "userAttributes": {"sub": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "email": "ada@example.com"},
            "codeParameter": "{####}",
            "linkParameter": "{##Click Here##}",
            "clientMetadata": {},
        },
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }
    if trigger_source == "CustomMessage_AdminCreateUser":
        event["request"]["usernameParameter"] = "{username}"
    return event
