from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Region
from portal.accounts.validators import normalize_uscc, validate_uscc

from .models import AnnualReport, AnnualReportAttachment, IndustryField, Institute, Program, Revocation

MONEY_WIDGET = {"step": "0.01", "min": "0", "inputmode": "decimal"}
COUNT_WIDGET = {"step": "1", "min": "0", "inputmode": "numeric"}
FIGURES = ("rd_spending", "funding_input", "new_achievements", "technologies_transferred", "invention_patents",
           "standards", "spin_offs", "talents_introduced")


class AnnualReportForm(forms.ModelForm):
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = AnnualReport
        fields = ["summary", "plan", "budget", "budget_notes", *FIGURES]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "plan": forms.Textarea(attrs={"rows": 5}),
            "budget_notes": forms.Textarea(attrs={"rows": 3}),
            "budget": forms.NumberInput(attrs=MONEY_WIDGET),
            "rd_spending": forms.NumberInput(attrs=MONEY_WIDGET),
            "funding_input": forms.NumberInput(attrs=MONEY_WIDGET),
            **{name: forms.NumberInput(attrs=COUNT_WIDGET) for name in FIGURES[2:]},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Work summary of the reported year"), "seen_version", "summary"),
            Fieldset(_("This year's work plan and budget"), "plan", "budget", "budget_notes"),
            Fieldset(_("Figures of the reported year"), *FIGURES),
        )


class ReportAttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AnnualReportAttachment.Kind.choices)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, JPEG/PNG, Word or Excel; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}),
    )


class StartReportForm(forms.Form):
    institute = forms.ModelChoiceField(label=_("Institute"), queryset=Institute.objects.none())
    year = forms.IntegerField(label=_("Reported year"), min_value=2000, max_value=2100)

    def __init__(self, *args, institutes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institute"].queryset = institutes if institutes is not None else Institute.objects.none()


class DistrictReportDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("pass", _("Pass the report")), ("return", _("Return to the institute for revision")),
    ])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning; the institute reads it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("comment", "").strip():
            self.add_error("comment", _("Please give the reason; the institute will read it."))
        return data


class ManagerReportDecisionForm(DistrictReportDecisionForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("accept", _("Accept the report")), ("return", _("Return to the institute for revision")),
    ])


class ReportQueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)
    year = forms.IntegerField(label=_("Reported year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All programs"))] + [(p.code, p.name) for p in programs]
        self.fields["state"].choices = [("", _("Awaiting my decision"))] + [
            c for c in AnnualReport.State.choices if c[0] != AnnualReport.State.DRAFT
        ]


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)
    field = forms.ChoiceField(label=_("Industry field"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    year = forms.IntegerField(label=_("Year recognised"), required=False, min_value=1990, max_value=2100)

    def __init__(self, *args, programs=(), fields=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All programs"))] + [(p.code, p.name) for p in programs]
        self.fields["state"].choices = [("", _("All statuses"))] + list(Institute.State.choices)
        self.fields["field"].choices = [("", _("All fields"))] + [(f.code, f.name) for f in fields]
        self.fields["region"].choices = [("", _("All regions"))] + list(regions)


class ProvincialRegistrationForm(forms.Form):
    """XX22: an institute recognised by the province, located in Xinxiang."""

    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    name = forms.CharField(label=_("Institute name"), max_length=200)
    uscc = forms.CharField(label=_("Lead unit unified social credit code"), max_length=18, validators=[validate_uscc])
    unit_name = forms.CharField(
        label=_("Lead unit name"), max_length=200, required=False,
        help_text=_("Needed only when the lead unit has no account in the portal yet."),
    )
    region = forms.ModelChoiceField(label=_("Located in"), queryset=Region.objects.none())
    industry_field = forms.ModelChoiceField(label=_("Industry field"), queryset=IndustryField.objects.all())
    document_number = forms.CharField(label=_("Provincial recognition document number"), max_length=64)
    recognized_on = forms.DateField(label=_("Date of the provincial recognition"),
                                    widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        programs = programs if programs is not None else Program.objects.none()
        self.fields["program"].queryset = programs
        paths = [p.region.path for p in programs]
        regions = Region.objects.none()
        for path in paths:
            regions = regions | Region.objects.filter(path__startswith=path, level=Region.Level.DISTRICT)
        self.fields["region"].queryset = regions.order_by("path")
        if len(programs) == 1:
            self.fields["program"].initial = programs[0].pk

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()

    def clean_recognized_on(self):
        day = self.cleaned_data["recognized_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        program, region = data.get("program"), data.get("region")
        if program and region and not region.path.startswith(program.region.path):
            self.add_error("region", _("The institute must be located in %(region)s.") % {"region": program.region.name})
        return data


class LegalEntityForm(forms.Form):
    """ZZ23 五（一）"产业研究院（法人形式）": the institute's own legal person, which the yearly subsidy pays.
    An empty code records that the institute has none (it is paid through its lead unit)."""

    uscc = forms.CharField(
        label=_("Institute's unified social credit code"), max_length=24, required=False,
        help_text=_("Only where the institute is a legal person of its own. Leave empty when it is not: "
                    "it is then paid through its lead unit."),
    )
    name = forms.CharField(
        label=_("Registered name of the legal person"), max_length=200, required=False,
        help_text=_("Needed only when the legal person has no account in the portal yet."),
    )

    def clean_uscc(self):
        code = normalize_uscc(self.cleaned_data["uscc"]).upper()
        if code:
            validate_uscc(code)
        return code


class ConfirmRevocationForm(forms.Form):
    document_reference = forms.CharField(label=_("Document reference"), max_length=64)
    decided_on = forms.DateField(label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class DismissRevocationForm(forms.Form):
    comment = forms.CharField(label=_("Reason for dismissing"), widget=forms.Textarea(attrs={"rows": 2}))


class ManualRevocationForm(ConfirmRevocationForm):
    grounds = forms.ChoiceField(
        label=_("Grounds (article 14)"),
        choices=[(g.value, g.label) for g in Revocation.MANUAL_GROUNDS],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label=_("Evidence"), help_text=_("PDF, JPEG/PNG, Word or Excel; at most 20 MB."))
    funds_obtained_by_fraud = forms.BooleanField(
        label=_("Funds were obtained by fraud (finance records their recovery)"), required=False,
    )
    comment = None
    field_order = ["grounds", "reason", "evidence", "funds_obtained_by_fraud", "document_reference", "decided_on"]
