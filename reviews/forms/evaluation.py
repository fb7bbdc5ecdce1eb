"""Forms of the annual evaluation and the dashboards."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutes.models import Grade, IndustryField, Program

from ..services.draw import SIZES


def _years():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, 2016, -1)]


class OpenEvaluationForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    year = forms.TypedChoiceField(label=_("Evaluated year"), coerce=int, choices=())

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["year"].choices = _years()
        self.fields["year"].initial = timezone.localdate().year - 1


class DrawEvaluationPanelForm(forms.Form):
    industry_field = forms.ModelChoiceField(label=_("Industry field"), queryset=IndustryField.objects.none())
    size = forms.TypedChoiceField(label=_("Number of experts"), coerce=int, choices=[(n, n) for n in SIZES], initial=5)
    name = forms.CharField(label=_("Panel name"), required=False, max_length=200)

    def __init__(self, *args, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry_field"].queryset = IndustryField.objects.filter(pk__in=[f.pk for f in fields])
        if fields:
            self.fields["industry_field"].initial = fields[0].pk


class AgreementForm(forms.Form):
    targets = forms.CharField(
        label=_("Annual construction agreement targets"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
    )


class SettleTiesForm(forms.Form):
    excellent = forms.MultipleChoiceField(
        label=_("Graded 优秀"), required=False, widget=forms.CheckboxSelectMultiple, choices=(),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tied, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["excellent"].choices = [(e.pk, e.institute.name) for e in tied]


class ChangeGradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=())
    reason = forms.CharField(label=_("Reason"), max_length=2000)

    def __init__(self, *args, grades, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Grade.choices)
        self.fields["grade"].choices = [(g, labels[g]) for g in grades]


class DashboardForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none(), required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=(), required=False)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["year"].choices = _years()
