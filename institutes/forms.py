from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Department

from .models import Application, ApplicationYear, Attachment, IntellectualProperty, ParticipatingUnit
from .vocabulary import Qualification

MONEY_WIDGET = {"step": "0.01", "min": "0", "inputmode": "decimal"}


class ApplicationForm(forms.ModelForm):
    seen_version = forms.IntegerField(widget=forms.HiddenInput)
    categories = forms.MultipleChoiceField(
        label=_("Lead-unit category"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every category the lead unit belongs to."),
    )

    class Meta:
        model = Application
        fields = [
            "title", "industry_field", "contact_name", "contact_phone", "categories",
            *Qualification.values,
            "direction", "targets", "roadmap", "budget", "rd_staff_count", "registered_capital",
            "experts_to_avoid",
        ]
        widgets = {
            "direction": forms.Textarea(attrs={"rows": 3}),
            "targets": forms.Textarea(attrs={"rows": 3}),
            "roadmap": forms.Textarea(attrs={"rows": 4}),
            "experts_to_avoid": forms.Textarea(attrs={"rows": 2}),
            "budget": forms.NumberInput(attrs=MONEY_WIDGET),
            "registered_capital": forms.NumberInput(attrs=MONEY_WIDGET),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        program = self.instance.program
        self.fields["seen_version"].initial = self.instance.version
        self.fields["categories"].choices = program.category_choices()
        asked = set(program.qualifications)
        for code in Qualification.values:
            if code not in asked:
                del self.fields[code]
        if not program.lead_unit_categories:
            del self.fields["categories"]
        for name in ("rd_staff_count", "registered_capital"):
            if name in program.required_plan_fields:
                self.fields[name].help_text = _("Required by this program.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Lead unit and institute"), "seen_version", "title", "industry_field", "contact_name", "contact_phone"),
            Fieldset(_("Category and qualifications"), *[f for f in ["categories", *Qualification.values] if f in self.fields]),
            Fieldset(
                _("Construction plan"), "direction", "targets", "roadmap", "budget", "rd_staff_count",
                "registered_capital",
            ),
            Fieldset(_("Experts to avoid"), "experts_to_avoid"),
        )


class CompactRowForm(forms.ModelForm):
    """A formset row rendered as a table line: Bootstrap's small controls."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else (
                "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            )
            widget.attrs["class"] = css


class ApplicationYearForm(CompactRowForm):
    class Meta:
        model = ApplicationYear
        fields = ["year", "operating_revenue", "rd_spending", "fiscal_support"]
        widgets = {
            "year": forms.NumberInput(attrs={"min": 2000, "max": 2100}),
            "operating_revenue": forms.NumberInput(attrs=MONEY_WIDGET),
            "rd_spending": forms.NumberInput(attrs=MONEY_WIDGET),
            "fiscal_support": forms.NumberInput(attrs=MONEY_WIDGET),
        }

    def clean_year(self):
        year = self.cleaned_data["year"]
        last_year = timezone.localdate().year - 1
        if not last_year - 2 <= year <= last_year:
            raise forms.ValidationError(
                _("Enter one of the last three completed years (%(first)d–%(last)d)."),
                params={"first": last_year - 2, "last": last_year},
            )
        return year


def _kept_values(formset, field):
    return [
        form.cleaned_data[field] for form in formset.forms
        if form.cleaned_data.get(field) and not form.cleaned_data.get("DELETE")
    ]


class BaseYearFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        """Say it in the portal's words before Django's generic unique-together message."""
        years = _kept_values(self, "year")
        if len(years) != len(set(years)):
            raise forms.ValidationError(_("Each year may appear only once."))
        super().validate_unique()


class IntellectualPropertyForm(CompactRowForm):
    class Meta:
        model = IntellectualProperty
        fields = ["kind", "title", "number", "in_field"]


class ParticipatingUnitForm(CompactRowForm):
    class Meta:
        model = ParticipatingUnit
        fields = ["name", "uscc", "role"]

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()


class BaseParticipantFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        codes = _kept_values(self, "uscc")
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("A participating unit is listed twice."))
        super().validate_unique()

    def clean(self):
        super().clean()
        if self.instance.organization.uscc in _kept_values(self, "uscc"):
            raise forms.ValidationError(_("The lead unit must not be listed as its own participating unit."))


YearFormSet = inlineformset_factory(
    Application, ApplicationYear, form=ApplicationYearForm, formset=BaseYearFormSet, extra=3, max_num=3,
    validate_max=True, can_delete=False,
)
IPFormSet = inlineformset_factory(
    Application, IntellectualProperty, form=IntellectualPropertyForm, extra=1, can_delete=True,
)
ParticipantFormSet = inlineformset_factory(
    Application, ParticipatingUnit, form=ParticipatingUnitForm, formset=BaseParticipantFormSet, extra=1,
    can_delete=True,
)


def application_formsets(application, data=None):
    last_year = timezone.localdate().year - 1
    known = set(application.years.values_list("year", flat=True)) if application.pk else set()
    initial = [{"year": y} for y in range(last_year - 2, last_year + 1) if y not in known]
    return [
        YearFormSet(data, instance=application, prefix="years", initial=initial),
        IPFormSet(data, instance=application, prefix="ip"),
        ParticipantFormSet(data, instance=application, prefix="participants"),
    ]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, JPEG/PNG, Word or Excel; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}),
    )


DISTRICT_CHECKLIST = [
    ("materials_complete", _("The application materials are complete and signed")),
    ("in_region", _("The lead unit is registered and operating in this region")),
    ("figures_match", _("Revenue and R&D figures match the audited statements")),
    ("qualifications_verified", _("Certificates of the declared qualifications were verified")),
    ("credit_checked", _("The credit record was checked (no dishonesty, no violations)")),
]


class DistrictDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("recommend", _("Recommend to the program")),
        ("return", _("Return to the applicant for revision")),
        ("reject", _("Do not recommend (reject)")),
    ])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning or rejecting; the applicant reads it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in DISTRICT_CHECKLIST:
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)
        self.order_fields([f"check_{key}" for key, _label in DISTRICT_CHECKLIST] + ["decision", "comment"])

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("return", "reject") and not data.get("comment", "").strip():
            self.add_error("comment", _("Please give the reason; the applicant will read it."))
        if data.get("decision") == "recommend" and not all(data.get(f"check_{k}") for k, _l in DISTRICT_CHECKLIST):
            self.add_error(None, _("Every checklist item must be confirmed before recommending."))
        return data

    def checklist(self) -> dict:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key, _label in DISTRICT_CHECKLIST}


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All programs"))] + [(p.code, p.name) for p in programs]
        self.fields["state"].choices = [("", _("All statuses"))] + [
            c for c in Application.State.choices if c[0] != Application.State.DRAFT
        ]


DEPARTMENT_LABELS = dict(Department.choices)
