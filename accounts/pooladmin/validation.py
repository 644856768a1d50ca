"""The rules input must meet before Cognito is asked to take it: one set, for the forms and the services.

Each rule is a Django validator raising ValidationError in the words staff
read, so a form field takes it as it is (``validators=[...]``), and a service
runs the very same one through :func:`refuse_invalid`, which raises
InputRefused in the same words. Whichever door the input came through, a rule
is checked once, in one place, and worded one way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.views.decorators.debug import sensitive_variables

from ..claims import is_provider_group
from ..cognito.types import PasswordPolicy, PoolAttribute
from ..exceptions import InputRefused
from ..federation.providers import IDP_GROUPS_ATTRIBUTE

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
#: How a phone number is written, for a form's help text and a refusal alike.
PHONE_FORMAT = "+, country code and number, e.g. +14155550123"
GROUP_NAME_MAX = 128
# Cognito's group-name pattern is [\p{L}\p{M}\p{S}\p{N}\p{P}]+: no spaces or control characters.
GROUP_NAME = re.compile(rf"^[^\s\x00-\x1f\x7f]{{1,{GROUP_NAME_MAX}}}$")
DESCRIPTION_MAX = 2048
#: Cognito's own limit, whatever the pool's policy.
PASSWORD_MAX = 256
# The symbols Cognito's password policy counts as "special characters".
PASSWORD_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# Attributes the admin never writes: Cognito owns them (sub) or the verify choice sets them.
READ_ONLY_ATTRIBUTES = {"sub", "email_verified", "phone_number_verified", "updated_at", "identities"}
# Attributes only a superuser writes: the company groups a SAML sign-in asserted, which the next company
# sign-in maps to Cognito groups (staff, where declared). An assertion without the groups claim keeps
# the stored value, so a staff member who could write it could make someone staff.
SUPERUSER_ONLY_ATTRIBUTES = {IDP_GROUPS_ATTRIBUTE}


def validate_email_address(value: str) -> None:
    """Reject what is not an email address."""
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(f"{value!r} is not a valid email address.", code="email") from exc


def validate_phone_number(value: str) -> None:
    """Reject a phone number not written in E.164, the only form Cognito stores."""
    if not E164.match(value):
        raise ValidationError(f"Write the phone number as {PHONE_FORMAT}.", code="phone_number")


def validate_group_name(value: str) -> None:
    """Reject a name Cognito would refuse for a group, or one of the groups Cognito manages itself."""
    if not GROUP_NAME.match(value or ""):
        message = f"{value!r} is not a group name Cognito accepts (1-{GROUP_NAME_MAX} characters, no spaces)."
        raise ValidationError(message, code="group_name")
    if is_provider_group(value):
        message = f"Cognito manages the {value} group itself: it holds the users who sign in with that provider."
        raise ValidationError(message, code="provider_group")


def validate_group_description(value: str) -> None:
    """Reject a group description longer than Cognito keeps."""
    if len(value or "") > DESCRIPTION_MAX:
        raise ValidationError(f"A description has at most {DESCRIPTION_MAX} characters.", code="description")


def validate_precedence(value: int | None) -> None:
    """Reject a negative group precedence (None, for none, is fine)."""
    if value is not None and value < 0:
        raise ValidationError("Precedence is a whole number, 0 or more (lower wins).", code="precedence")


@sensitive_variables("password")
def password_problems(*, password: str, policy: PasswordPolicy | None) -> list[str]:
    """Return what is wrong with ``password`` under the pool's ``policy``, in plain words; [] if nothing.

    Without a ``policy`` only Cognito's own limit, PASSWORD_MAX characters, is checked.
    """
    problems = []
    if policy is not None:
        if len(password) < policy.minimum_length:
            problems.append(f"at least {policy.minimum_length} characters")
        if policy.require_uppercase and not any(c.isupper() for c in password):
            problems.append("an upper-case letter")
        if policy.require_lowercase and not any(c.islower() for c in password):
            problems.append("a lower-case letter")
        if policy.require_numbers and not any(c.isdigit() for c in password):
            problems.append("a number")
        if policy.require_symbols and not any(c in PASSWORD_SYMBOLS for c in password):
            problems.append("a symbol such as ! or #")
    if len(password) > PASSWORD_MAX:
        problems.append(f"at most {PASSWORD_MAX} characters")
    return problems


@sensitive_variables("value")
def validate_password(value: str, *, policy: PasswordPolicy | None) -> None:
    """Reject a password the pool's ``policy`` would refuse, saying everything it lacks at once."""
    problems = password_problems(password=value, policy=policy)
    if problems:
        raise ValidationError("The password needs " + ", ".join(problems) + ".", code="password")


def changeable_attributes(schema: Iterable[PoolAttribute], *, superuser: bool = False) -> list[str]:
    """Return the names of the attributes of the pool's ``schema`` the admin (a ``superuser`` or not) may write."""
    refused = READ_ONLY_ATTRIBUTES if superuser else READ_ONLY_ATTRIBUTES | SUPERUSER_ONLY_ATTRIBUTES
    return [a.name for a in schema if a.mutable and a.name not in refused]


@sensitive_variables("value")
def refuse_invalid(validator: Callable[..., None], value: object, **kwargs: object) -> None:
    """Run ``validator`` for a service: raise InputRefused, in the validator's words, if it rejects ``value``."""
    try:
        validator(value, **kwargs)
    except ValidationError as exc:
        raise InputRefused(" ".join(exc.messages)) from exc
