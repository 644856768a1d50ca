"""Forms of the Cognito user and group admin: they check input before any call to Cognito."""

from django import forms

from . import validation

INVITE, SET_NOW = "invite", "set"


class PasswordPolicyMixin:
    """Check a password field against the pool's policy (given as ``policy``) before any call."""

    def check_password(self, name):
        password = self.cleaned_data.get(name, "")
        if password and self.policy is not None:
            problems = validation.password_problems(password=password, policy=self.policy)
            if problems:
                raise forms.ValidationError("The password needs " + ", ".join(problems) + ".")
        return password


class UserCreateForm(PasswordPolicyMixin, forms.Form):
    email = forms.EmailField()
    phone = forms.RegexField(
        regex=validation.E164,
        required=False,
        label="Phone (optional)",
        help_text="E.164: +, country code and number, e.g. +14155550123.",
        error_messages={"invalid": "Write the phone number as +, country code and number, e.g. +14155550123."},
    )
    given_name = forms.CharField(required=False, max_length=150)
    family_name = forms.CharField(required=False, max_length=150)
    groups = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    password_choice = forms.ChoiceField(
        label="Password",
        choices=[
            (INVITE, "Cognito generates a temporary password and emails the invitation"),
            (SET_NOW, "Set a temporary password now (it is emailed with the invitation too)"),
        ],
        initial=INVITE,
        widget=forms.RadioSelect,
    )
    temporary_password = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False), max_length=256
    )

    def __init__(self, *args, groups=(), policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["groups"].choices = [(g, g) for g in groups]

    def clean_temporary_password(self):
        return self.check_password("temporary_password")

    def clean(self):
        data = super().clean()
        if data.get("password_choice") == SET_NOW and not data.get("temporary_password"):
            self.add_error("temporary_password", "Type the temporary password, or let Cognito generate one.")
        if data.get("password_choice") == INVITE:
            data["temporary_password"] = ""
        return data


class SetPasswordForm(PasswordPolicyMixin, forms.Form):
    password = forms.CharField(strip=False, widget=forms.PasswordInput, max_length=256)
    permanent = forms.BooleanField(
        required=False, help_text="Unticked: the user must choose a new password at their next sign-in."
    )

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy

    def clean_password(self):
        return self.check_password("password")


def _group_name(value):
    name = value.strip()
    if not validation.GROUP_NAME.match(name):
        raise forms.ValidationError("A group name has 1 to 128 characters and no spaces.")
    return name


class GroupChoiceForm(forms.Form):
    group = forms.CharField(max_length=128)

    def clean_group(self):
        return _group_name(self.cleaned_data["group"])


class AttributesForm(forms.Form):
    """One field per mutable attribute of the pool's schema, plus the email-verified choice."""

    mark_email_verified = forms.BooleanField(
        required=False,
        label="Mark a changed email as verified",
        help_text="Unticked: Cognito keeps the old address until the user confirms the new one.",
    )

    def __init__(self, *args, schema=(), current=None, may_verify=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current or {}
        if not may_verify:
            # Only superusers vouch for an address (accounts.policy): linking trusts it.
            del self.fields["mark_email_verified"]
        for attribute in schema:
            if attribute.mutable and attribute.name not in validation.READ_ONLY_ATTRIBUTES:
                self.fields[attribute.name] = forms.CharField(
                    required=False, max_length=2048, initial=self.current.get(attribute.name, "")
                )
        self.order_fields([f for f in self.fields if f != "mark_email_verified"] + ["mark_email_verified"])

    @property
    def verify_email(self):
        return bool(self.cleaned_data.get("mark_email_verified"))

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        if email:
            forms.EmailField().clean(email)
        return email

    def clean_phone_number(self):
        phone = self.cleaned_data.get("phone_number", "")
        if phone and not validation.E164.match(phone):
            raise forms.ValidationError("Write the phone number as +, country code and number, e.g. +14155550123.")
        return phone

    def changed_attributes(self):
        """Return the attributes whose value differs from the user's current one."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "mark_email_verified" and value != self.current.get(name, "")
        }


class GroupForm(forms.Form):
    name = forms.CharField(max_length=128)
    description = forms.CharField(required=False, max_length=2048, widget=forms.Textarea(attrs={"rows": 3}))
    precedence = forms.IntegerField(required=False, min_value=0, help_text="Lower wins; empty means lowest.")

    def clean_name(self):
        return _group_name(self.cleaned_data["name"])
