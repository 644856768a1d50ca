"""PreSignUp: refuse a sign-up whose email is outside the allowed domains.

Event: the user-pool PreSignUp trigger, version 1 (``triggerSource``
``PreSignUp_SignUp``, ``PreSignUp_AdminCreateUser`` or ``PreSignUp_ExternalProvider``).
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
"""

import os

#: Raised to refuse: Cognito answers SignUp with UserLambdaValidationException and this message.
REFUSAL = "Sign-up is open to email addresses at {domains} only. Please use an address there."


class SignUpRefused(Exception):
    """The sign-up is refused; the message is a sentence the sign-up page shows as it is."""


def allowed_domains_from(value):
    """Return the lower-cased domains of a comma-separated ``ALLOWED_EMAIL_DOMAINS`` value."""
    return tuple(d.strip().lower().lstrip("@") for d in (value or "").split(",") if d.strip())


def pre_sign_up(event, *, allowed_domains):
    """Return ``event`` unchanged, or raise SignUpRefused when its email is outside ``allowed_domains``.

    No allowed domains means everyone may sign up. A federated sign-up
    (``PreSignUp_ExternalProvider``) is left to the site's connect-your-account
    flow, and one with no email, or no ``request`` at all, is refused while a list
    is declared: an address that cannot be checked is not an allowed one.
    """
    if not allowed_domains or event.get("triggerSource") == "PreSignUp_ExternalProvider":
        return event
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    email = attributes.get("email")
    domain = email.rpartition("@")[2].strip().lower() if isinstance(email, str) and "@" in email else ""
    if domain not in allowed_domains:
        raise SignUpRefused(REFUSAL.format(domains=", ".join(allowed_domains)))
    return event


def handler(event, context):
    return pre_sign_up(event, allowed_domains=allowed_domains_from(os.environ.get("ALLOWED_EMAIL_DOMAINS")))
