"""accounts.cognito.types: the pool's password policy in plain words."""

from accounts.cognito.types import PasswordPolicy, password_policy_words


def test_the_declared_policy_in_words():
    policy = PasswordPolicy(
        minimum_length=12, require_uppercase=True, require_lowercase=True, require_numbers=True, require_symbols=True
    )
    assert password_policy_words(policy) == (
        "At least 12 characters, with an uppercase letter, a lowercase letter, a number and a symbol."
    )


def test_one_rule_and_none():
    assert password_policy_words(PasswordPolicy(minimum_length=8, require_numbers=True)) == (
        "At least 8 characters, with a number."
    )
    assert password_policy_words(PasswordPolicy(minimum_length=6)) == "At least 6 characters."


def test_an_unread_policy_is_cognitos_default_length():
    assert password_policy_words(None) == "At least 8 characters."
