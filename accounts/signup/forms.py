"""The sign-up and recovery forms: sizes Cognito accepts, checked before any call."""

from django import forms

# Cognito's limits: a password of at most 256 characters, attribute values of at most 2048,
# a confirmation code of at most 2048 (in practice six digits).
# https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
PASSWORD_MAX = 256
NAME_MAX = 150  # the site's first_name / last_name columns
CODE_MAX = 16


def _password(label):
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _code():
    return forms.RegexField(
        label="Code from the email",
        regex=r"^\s*[0-9A-Za-z]{1,16}\s*$",
        max_length=CODE_MAX + 8,
        error_messages={"invalid": "Type the code from the email: digits only."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="Email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class SignUpForm(EmailForm):
    given_name = forms.CharField(label="First name", max_length=NAME_MAX)
    family_name = forms.CharField(label="Last name", max_length=NAME_MAX)
    password = _password("Password")


class CodeForm(forms.Form):
    code = _code()

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class ResetForm(CodeForm):
    password = _password("New password")
