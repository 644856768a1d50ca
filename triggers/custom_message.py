"""CustomMessage: the site's name and a link to it in invitations, verification and reset messages.

Event: the user-pool custom message trigger, version 1 (``triggerSource``
``CustomMessage_SignUp``, ``_AdminCreateUser``, ``_ResendCode``, ``_ForgotPassword``,
``_UpdateUserAttribute``, ``_VerifyUserAttribute``, ``_Authentication``).
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html

Cognito replaces ``request.codeParameter`` (and, for invitations,
``request.usernameParameter``) in the message with the code and the user name;
a message without them is refused, so the placeholders come from the event,
never written out here.
"""

import os

#: triggerSource -> (email subject, email body, SMS). {site}/{url} are the site's; {code}/{username} Cognito's.
MESSAGES = {
    # Ends as Cognito's own invitation does ("... temporary password is {####}."), which people and tests read.
    "CustomMessage_AdminCreateUser": (
        "Your invitation to {site}",
        "You have been invited to {site} ({url}). You will choose your own password when you first sign in.\n\n"
        "Your username is {username} and your temporary password is {code}.",
        "{site}: your username is {username} and your temporary password is {code}.",
    ),
    "CustomMessage_SignUp": (
        "Your {site} verification code",
        "Welcome to {site} ({url}).\n\nYour verification code is {code}.",
        "Your {site} verification code is {code}",
    ),
    "CustomMessage_ResendCode": (
        "Your {site} verification code",
        "Your new {site} verification code is {code}.\n\n{url}",
        "Your {site} verification code is {code}",
    ),
    "CustomMessage_ForgotPassword": (
        "Reset your {site} password",
        "Your {site} password reset code is {code}.\n\nIf you did not ask to reset your password at {url}, "
        "ignore this message: your password stays as it is.",
        "Your {site} password reset code is {code}",
    ),
    "CustomMessage_UpdateUserAttribute": (
        "Confirm your new {site} email address",
        "Your {site} verification code is {code}. Enter it on your account page at {url} to confirm this address.",
        "Your {site} verification code is {code}",
    ),
    "CustomMessage_VerifyUserAttribute": (
        "Confirm your {site} email address",
        "Your {site} verification code is {code}. Enter it on your account page at {url}.",
        "Your {site} verification code is {code}",
    ),
    "CustomMessage_Authentication": (
        "Your {site} sign-in code",
        "Your {site} sign-in code is {code}.\n\nIf you are not signing in at {url}, change your password.",
        "Your {site} sign-in code is {code}",
    ),
}


def custom_message(event, *, site_name, site_url):
    """Return ``event`` with the site's subject and messages for its ``triggerSource``.

    An unknown source, a missing ``codeParameter`` (or ``usernameParameter`` for an
    invitation) or no site name leaves the response as it came, so Cognito sends
    its own default message rather than one it would refuse.
    """
    texts = MESSAGES.get(event.get("triggerSource"))
    request = event.get("request") or {}
    code, username = request.get("codeParameter"), request.get("usernameParameter")
    if not texts or not site_name or not (isinstance(code, str) and code):
        return event
    if "{username}" in "".join(texts) and not (isinstance(username, str) and username):
        return event
    values = {"site": site_name, "url": site_url or "", "code": code, "username": username or ""}
    subject, email, sms = (text.format(**values) for text in texts)
    response = {**(event.get("response") or {}), "emailSubject": subject, "emailMessage": email, "smsMessage": sms}
    return {**event, "response": response}


def handler(event, context):
    return custom_message(event, site_name=os.environ.get("SITE_NAME", ""), site_url=os.environ.get("SITE_URL", ""))
