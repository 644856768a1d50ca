"""The [signup] table of config/cognito.toml, and the system check that keeps sign-ups out of privileged groups."""

from accounts.checks import check_sign_up_group
from accounts.signup.options import signup_options


def test_the_declared_defaults_are_self_sign_up_into_members():
    options = signup_options()
    assert (options.allow_self_sign_up, options.default_group) == (True, "members")


def test_a_privileged_default_group_stops_the_site(settings, tmp_path):
    spec = tmp_path / "cognito.toml"
    spec.write_text('[signup]\nallow_self_sign_up = true\ndefault_group = "admins"\n')
    settings.COGNITO_PROVISION_FILE = spec
    assert [error.id for error in check_sign_up_group(None)] == ["accounts.E020"]
    spec2 = tmp_path / "closed.toml"
    spec2.write_text('[signup]\nallow_self_sign_up = false\ndefault_group = "admins"\n')
    settings.COGNITO_PROVISION_FILE = spec2
    assert check_sign_up_group(None) == []
