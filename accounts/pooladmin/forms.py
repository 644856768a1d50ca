"""Forms of the Cognito user and group admin: they check input before any call to Cognito.

Their rules are accounts.pooladmin.validation's, the ones the services apply
again, so a refusal reads the same on a form as from a service.
"""

from django import forms

from . import validation

INVITE, SET_NOW = "invite", "set"


class EmailAddressField(forms.EmailField):
    """An email field that refuses in validation's words."""

    default_validators = [validation.validate_email_address]


def _password_field(**kwargs):
    # No max_length: the 256-character limit is part of the password rule and worded with it.
    widget = forms.PasswordInput(render_value=False, attrs={"maxlength": validation.PASSWORD_MAX})
    return forms.CharField(strip=False, widget=widget, **kwargs)


def _group_name_field(**kwargs):
    widget = forms.TextInput(attrs={"maxlength": validation.GROUP_NAME_MAX})
    return forms.CharField(widget=widget, validators=[validation.validate_group_name], **kwargs)


class PasswordPolicyMixin:
    """Check a password field against the pool's policy (given as ``policy``) before any call."""

    def check_password(self, name):
        password = self.cleaned_data.get(name, "")
        if password:
            validation.validate_password(password, policy=self.policy)
        return password


class UserCreateForm(PasswordPolicyMixin, forms.Form):
    email = EmailAddressField()
    phone = forms.CharField(
        required=False,
        label="Phone (optional)",
        help_text=f"E.164: {validation.PHONE_FORMAT}.",
        validators=[validation.validate_phone_number],
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
    temporary_password = _password_field(required=False)

    def __init__(self, *args, groups=(), policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["groups"].choices = [(g, g) for g in groups]

    def clean_temporary_password(self):
        return self.check_password("temporary_password")

    def clean(self):
        data = super().clean()
        if (
            data.get("password_choice") == SET_NOW
            and not data.get("temporary_password")
            and not self.has_error("temporary_password")
        ):
            self.add_error("temporary_password", "Type the temporary password, or let Cognito generate one.")
        if data.get("password_choice") == INVITE:
            data["temporary_password"] = ""
        return data


class SetPasswordForm(PasswordPolicyMixin, forms.Form):
    password = _password_field()
    permanent = forms.BooleanField(
        required=False, help_text="Unticked: the user must choose a new password at their next sign-in."
    )

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy

    def clean_password(self):
        return self.check_password("password")


class GroupChoiceForm(forms.Form):
    group = _group_name_field()


class AttributesForm(forms.Form):
    """One field per attribute of the pool's schema the admin may write, plus the email-verified choice."""

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
        # may_verify is "the actor is a superuser": the same rule offers the superuser-only attributes.
        for name in validation.changeable_attributes(schema, superuser=may_verify):
            self.fields[name] = forms.CharField(required=False, max_length=2048, initial=self.current.get(name, ""))
        self.order_fields([f for f in self.fields if f != "mark_email_verified"] + ["mark_email_verified"])

    @property
    def verify_email(self):
        return bool(self.cleaned_data.get("mark_email_verified"))

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        if email:
            validation.validate_email_address(email)
        return email

    def clean_phone_number(self):
        phone = self.cleaned_data.get("phone_number", "")
        if phone:
            validation.validate_phone_number(phone)
        return phone

    def changed_attributes(self):
        """Return the attributes whose value differs from the user's current one."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "mark_email_verified" and value != self.current.get(name, "")
        }


class GroupForm(forms.Form):
    name = _group_name_field()
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": validation.DESCRIPTION_MAX}),
        validators=[validation.validate_group_description],
    )
    precedence = forms.IntegerField(
        required=False,
        widget=forms.NumberInput(attrs={"min": 0}),
        validators=[validation.validate_precedence],
        help_text="Lower wins; empty means lowest.",
    )
