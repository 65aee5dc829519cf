from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Administration, AuditAction, AuditOutcome, Role, User
from .regions import region_of


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class OTPEnrolForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from the app"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Enter the 6-digit code shown by your authenticator app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class LanguageForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language"]


def _role_choices(actor: User) -> list[tuple[str, str]]:
    roles = Role.choices
    if not actor.is_wco_staff:
        roles = [choice for choice in roles if choice[0] != Role.WCO_STAFF]
    return roles


class UserCreateForm(forms.ModelForm):
    """For national admins the administration is their own and not shown."""

    class Meta:
        model = User
        fields = ["email", "full_name", "administration", "role", "language"]

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor)
        if actor.is_wco_staff:
            self.fields["administration"].queryset = Administration.objects.filter(is_active=True)
        else:
            del self.fields["administration"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email


class UserUpdateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "role", "language"]

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor)
        if self.instance.pk == actor.pk:
            # Nobody changes their own role.
            self.fields["role"].disabled = True
            self.fields["role"].choices = Role.choices


class AdministrationForm(forms.ModelForm):
    class Meta:
        model = Administration
        fields = ["name", "country", "region", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_secretariat:
            del self.fields["country"]
            del self.fields["region"]
            del self.fields["is_active"]  # the Secretariat cannot be switched off
        else:
            self.fields["country"].required = True
            self.fields["region"].required = False
            self.fields["region"].help_text = _("Left empty: the WCO region of the country.")

    def clean(self):
        data = super().clean()
        if "region" in self.fields and not data.get("region") and data.get("country"):
            data["region"] = region_of(str(data["country"])) or ""
            self.instance.region = data["region"]
        return data


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or e-mail"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Any role")), *Role.choices], required=False
    )
    administration = forms.ModelChoiceField(
        label=_("Administration"), queryset=Administration.objects.all(), required=False
    )
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), ("1", _("Active")), ("0", _("Disabled"))],
        required=False,
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *AuditAction.choices], required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *AuditOutcome.choices], required=False
    )
    user = forms.CharField(label=_("User e-mail"), required=False)
    administration = forms.ModelChoiceField(
        label=_("Administration"), queryset=Administration.objects.all(), required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("The system that will use the key, e.g. “National seizure database”."),
    )
