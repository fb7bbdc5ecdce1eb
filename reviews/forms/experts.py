"""Forms of the expert pool: the expert with former employers and declared ties, the list filters,
the import upload and the validation of one imported row."""
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from institutes.forms import CompactRowForm
from institutes.models import IndustryField
from portal.accounts.models import ROLE_EXPERT
from portal.accounts.validators import normalize_uscc, validate_uscc

from ..models import Expert, ExpertEmployment, ExpertTie

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ExpertForm(forms.ModelForm):
    login = forms.CharField(
        label=_("Login account"), required=False, max_length=150,
        help_text=_("Username of the expert's portal account (role: expert), so they can answer invitations "
                    "and score online. Leave empty for an expert without an account."),
    )

    class Meta:
        model = Expert
        fields = [
            "name", "kind", "pool", "fields", "title", "employer_name", "employer_uscc", "region", "phone", "email",
            "is_active",
        ]
        widgets = {"fields": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.order_by("path")
        self.fields["fields"].queryset = IndustryField.objects.order_by("code")
        if self.instance.user_id:
            self.fields["login"].initial = self.instance.user.username
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Expert"), "name", "kind", "pool", "fields", "title", "is_active"),
            Fieldset(_("Current employer"), "employer_name", "employer_uscc", "region"),
            Fieldset(_("Contact and account"), "phone", "email", "login"),
        )

    def clean_employer_uscc(self):
        return normalize_uscc(self.cleaned_data["employer_uscc"])

    def clean_login(self):
        username = self.cleaned_data["login"].strip()
        if not username:
            return None
        account = get_user_model().objects.filter(username=username).first()
        if account is None or not account.has_role(ROLE_EXPERT):
            raise forms.ValidationError(_("No expert account has the username “%(name)s”."), params={"name": username})
        if Expert.objects.filter(user=account).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This account already belongs to another expert."))
        return account

    def save(self, commit=True):
        self.instance.user = self.cleaned_data["login"]
        return super().save(commit)


class ExistingRowsFormSet(forms.BaseInlineFormSet):
    """Finds each posted row among the rows loaded for the formset (one query in all), instead of
    Django's one query per row to validate its hidden id."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self._pk_field.name
        form.fields[name] = ExistingRowField(self, form.fields[name])


class ExistingRowField(forms.ModelChoiceField):
    def __init__(self, formset, field):
        super().__init__(field.queryset, initial=field.initial, required=False, widget=field.widget)
        self.formset = formset

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            row = self.formset._existing_object(int(value))
        except (TypeError, ValueError):
            row = None
        if row is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return row


class UsccRowForm(CompactRowForm):
    uscc_field = ""

    def clean(self):
        data = super().clean()
        if data.get(self.uscc_field):
            data[self.uscc_field] = normalize_uscc(data[self.uscc_field])
        return data


class EmploymentForm(UsccRowForm):
    uscc_field = "employer_uscc"

    class Meta:
        model = ExpertEmployment
        fields = ["employer_name", "employer_uscc", "started_on", "ended_on"]
        widgets = {"started_on": DATE_WIDGET, "ended_on": DATE_WIDGET}

    def clean(self):
        data = super().clean()
        started, ended = data.get("started_on"), data.get("ended_on")
        if ended and ended > timezone.localdate():
            self.add_error("ended_on", _("A former employment has ended: the date cannot be in the future."))
        if started and ended and started > ended:
            self.add_error("started_on", _("The employment cannot start after it ended."))
        return data


class TieForm(UsccRowForm):
    uscc_field = "organization_uscc"

    class Meta:
        model = ExpertTie
        fields = ["organization_name", "organization_uscc", "description"]


EmploymentFormSet = inlineformset_factory(
    Expert, ExpertEmployment, form=EmploymentForm, formset=ExistingRowsFormSet, extra=1, can_delete=True,
)
TieFormSet = inlineformset_factory(
    Expert, ExpertTie, form=TieForm, formset=ExistingRowsFormSet, extra=1, can_delete=True,
)


def expert_formsets(expert: Expert, data=None) -> list:
    return [
        EmploymentFormSet(data, instance=expert, prefix="employments"),
        TieFormSet(data, instance=expert, prefix="ties"),
    ]


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"placeholder": _("Name, employer, phone or email")}))
    industry_field = forms.ChoiceField(label=_("Field"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *Expert.Kind.choices])
    pool = forms.ChoiceField(label=_("Pool"), required=False, choices=[("", _("All pools")), *Expert.Pool.choices])
    active = forms.ChoiceField(label=pgettext_lazy("expert", "Active"), required=False, choices=[
        ("", _("Active and inactive")), ("yes", pgettext_lazy("expert", "Active")),
        ("no", pgettext_lazy("expert", "Inactive")),
    ])

    def __init__(self, *args, industry_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry_field"].choices = [("", _("All fields"))] + [(f.code, f.name) for f in industry_fields]


class ExpertImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("An .xlsx workbook (first sheet) or a .csv file (UTF-8 or GB18030); at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it into several files."))
        return upload


LIST_SEPARATORS = re.compile(r"[、;；,，]")


class ExpertRowForm(forms.Form):
    """One row of an import file, as text; cleaning maps the words people write to the pool's values."""

    KINDS = {
        "management": Expert.Kind.MANAGEMENT, "管理": Expert.Kind.MANAGEMENT, "管理专家": Expert.Kind.MANAGEMENT,
        "technical": Expert.Kind.TECHNICAL, "技术": Expert.Kind.TECHNICAL, "技术专家": Expert.Kind.TECHNICAL,
        "financial": Expert.Kind.FINANCIAL, "财务": Expert.Kind.FINANCIAL, "财务专家": Expert.Kind.FINANCIAL,
    }
    POOLS = {
        "industry": Expert.Pool.INDUSTRY, "行业": Expert.Pool.INDUSTRY, "行业专家": Expert.Pool.INDUSTRY,
        "工信行业专家": Expert.Pool.INDUSTRY, "工信行业专家管理系统": Expert.Pool.INDUSTRY,
        "financial": Expert.Pool.FINANCIAL, "财务": Expert.Pool.FINANCIAL, "财务专家库": Expert.Pool.FINANCIAL,
    }

    name = forms.CharField(max_length=64)
    kind = forms.CharField()
    pool = forms.CharField(required=False)
    field_names = forms.CharField()
    title = forms.CharField(required=False, max_length=64)
    employer = forms.CharField(max_length=200)
    employer_uscc = forms.CharField(required=False)
    region_code = forms.CharField(required=False)
    phone = forms.CharField(required=False, max_length=32)
    email = forms.EmailField(required=False, max_length=254)

    def __init__(self, data, *, industry_fields: dict, regions: dict):
        super().__init__(data)
        self.industry_fields = industry_fields
        self.regions = regions

    def clean_kind(self):
        return self._one_of(self.KINDS, self.cleaned_data["kind"])

    def clean_pool(self):
        value = self.cleaned_data["pool"]
        return self._one_of(self.POOLS, value) if value else Expert.Pool.INDUSTRY

    def clean_field_names(self):
        names = [part.strip() for part in LIST_SEPARATORS.split(self.cleaned_data["field_names"]) if part.strip()]
        unknown = [name for name in names if name.lower() not in self.industry_fields]
        if unknown:
            raise forms.ValidationError(_("Unknown field(s): %(names)s. Write the field names as in the portal, "
                                          "separated by 、 or ;."), params={"names": "、".join(unknown)})
        return list({self.industry_fields[name.lower()].pk: self.industry_fields[name.lower()] for name in names}.values())

    def clean_employer_uscc(self):
        code = normalize_uscc(self.cleaned_data["employer_uscc"])
        if code:
            validate_uscc(code)
        return code

    def clean_region_code(self):
        code = self.cleaned_data["region_code"]
        if code and code not in self.regions:
            raise forms.ValidationError(_("Unknown region code %(code)s."), params={"code": code})
        return self.regions.get(code)

    @staticmethod
    def _one_of(mapping, value):
        key = value.strip().lower()
        if key not in mapping:
            raise forms.ValidationError(
                _("“%(value)s” is not one of: %(allowed)s."), params={"value": value, "allowed": "、".join(mapping)}
            )
        return mapping[key]
