from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import Organization, Region, User
from .validators import normalize_uscc, validate_uscc


class ApplicantRegistrationForm(UserCreationForm):
    """A lead unit's first account: the person and the organisation they represent."""

    organization_name = forms.CharField(label=_("Organisation name"), max_length=200)
    uscc = forms.CharField(
        label=_("Unified social credit code"), max_length=24,
        help_text=_("18 characters, as on the business licence."),
    )
    organization_kind = forms.ChoiceField(label=_("Kind of organisation"), choices=Organization.Kind.choices)
    region = forms.ModelChoiceField(
        label=_("Registered in"), queryset=Region.objects.filter(level=Region.Level.DISTRICT).select_related("parent"),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "email", "phone"]
        labels = {"first_name": _("Your name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["region"].label_from_instance = lambda region: f"{region.parent.name} {region.name}"

    def clean_uscc(self):
        code = normalize_uscc(self.cleaned_data["uscc"]).upper()
        validate_uscc(code)
        if Organization.objects.filter(uscc=code).exists():
            raise forms.ValidationError(
                _("This organisation is already registered. Ask a colleague who has an account to invite you.")
            )
        return code


class InvitationAcceptForm(UserCreationForm):
    """The account is created for the invited address: the email is shown, not editable."""

    class Meta:
        model = User
        fields = ["username", "first_name", "email", "phone"]
        labels = {"first_name": _("Your name")}

    def __init__(self, *args, invited_email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].initial = invited_email


class InviteColleagueForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email"))
