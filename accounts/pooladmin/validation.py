"""The rules input must meet before Cognito is asked to take it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.views.decorators.debug import sensitive_variables

from ..cognito.types import PasswordPolicy
from ..exceptions import InputRefused

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# Cognito's group-name pattern is [\p{L}\p{M}\p{S}\p{N}\p{P}]+: no spaces or control characters.
GROUP_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,128}$")
# The symbols Cognito's password policy counts as "special characters".
PASSWORD_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# Attributes the admin never writes: Cognito owns them (sub) or the verify choice sets them.
READ_ONLY_ATTRIBUTES = {"sub", "email_verified", "phone_number_verified", "updated_at", "identities"}


@sensitive_variables("password")
def password_problems(*, password: str, policy: PasswordPolicy) -> list[str]:
    """Return what is wrong with ``password`` under the pool's ``policy``, in plain words; [] if nothing."""
    problems = []
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
    if len(password) > 256:
        problems.append("at most 256 characters")
    return problems


@sensitive_variables("password")
def check_password(password: str, policy: PasswordPolicy) -> None:
    problems = password_problems(password=password, policy=policy)
    if problems:
        raise InputRefused("The password needs " + ", ".join(problems) + ".")


def check_user_fields(*, email: str | None = None, phone: str | None = None, groups: Iterable[str] = ()) -> None:
    if email is not None:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InputRefused(f"{email!r} is not a valid email address.") from exc
    if phone and not E164.match(phone):
        raise InputRefused("Phone numbers are written +, country code, number, e.g. +14155550123.")
    for name in groups:
        check_group_name(name)


def check_group_name(name: str) -> None:
    if not GROUP_NAME.match(name or ""):
        message = f"{name!r} is not a group name Cognito accepts (1-128 characters, no spaces)."
        raise InputRefused(message)


def check_group(name: str, description: str, precedence: int | None) -> None:
    check_group_name(name)
    if len(description or "") > 2048:
        raise InputRefused("A description has at most 2048 characters.")
    if precedence is not None and precedence < 0:
        raise InputRefused("Precedence is a whole number, 0 or more (lower wins).")
