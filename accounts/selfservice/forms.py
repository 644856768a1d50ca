"""The self-service forms: what a person types, checked for shape before Cognito is asked."""

from django import forms
from django.core.validators import RegexValidator

from .services import NAME_MAX_LENGTH


def code_input(label="Code", *, required=True):
    """Return a field for one of Cognito's codes, emailed or from an authenticator app: six digits."""
    return forms.CharField(
        label=label,
        required=required,
        min_length=6,
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", "Type the six digits of the code.")],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": r"\d{6}"}),
    )


def password_input(label, *, autocomplete="current-password"):
    """Return a password field: kept as typed (no stripping), at most Cognito's 256 characters."""
    return forms.CharField(
        label=label, strip=False, max_length=256, widget=forms.PasswordInput(attrs={"autocomplete": autocomplete})
    )


code_field = code_input()


class ProfileForm(forms.Form):
    given_name = forms.CharField(label="First name", max_length=NAME_MAX_LENGTH, required=False, strip=True)
    family_name = forms.CharField(label="Last name", max_length=NAME_MAX_LENGTH, required=False, strip=True)


class EmailForm(forms.Form):
    """A new address, proven by the current password (and the authenticator's code when it is on).

    A session alone must not move the account's email: the password resets follow it.
    """

    email = forms.EmailField(label="New email address", max_length=254)
    password = password_input("Your password")
    code = code_input("Code from your authenticator app (if you set one up)", required=False)

    def __init__(self, *args, current="", **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.lower() == self.current.lower():
            raise forms.ValidationError("That is already your email address.")
        return email


class CodeForm(forms.Form):
    code = code_field


class PasswordChangeForm(forms.Form):
    current = password_input("Current password")
    proposed = password_input("New password", autocomplete="new-password")
    again = password_input("New password again", autocomplete="new-password")

    def clean(self):
        data = super().clean()
        if data.get("proposed") and data.get("again") and data["proposed"] != data["again"]:
            self.add_error("again", "The two new passwords are not the same.")
        return data


class TotpOffForm(forms.Form):
    password = password_input("Your password")
    code = code_field


class DeleteForm(forms.Form):
    email = forms.CharField(label="Type your email address to confirm", max_length=254)

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = email

    def clean_email(self):
        typed = self.cleaned_data["email"].strip()
        if not self.expected or typed.lower() != self.expected.lower():
            raise forms.ValidationError("That is not your email address; your account was not deleted.")
        return typed
