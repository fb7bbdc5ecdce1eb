from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import InspectionAssessment
from ..models.inspections import AcceptancePoint

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def coerce_yes(value) -> bool:
    return value == "yes"


class SiteInspectionForm(forms.Form):
    """The visit and who attended: every accepted member is listed; untick those absent."""

    visited_on = forms.DateField(label=_("Date of the visit"), widget=DATE_WIDGET)
    location = forms.CharField(label=_("Location"), max_length=200)
    present = forms.TypedMultipleChoiceField(
        label=_("Present"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Untick the experts who were absent. At most 2 may be absent, and not both the leader and the deputy."),
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (member.pk, f"{member.expert.name}（{member.get_role_display()}）") for member in members
        ]
        self.fields["present"].initial = [member.pk for member in members]
        self.fields["visited_on"].initial = timezone.localdate()


class AssessmentForm(forms.ModelForm):
    recommend_listing = forms.TypedChoiceField(
        label=_("Recommend listing"), choices=YES_NO, coerce=coerce_yes, widget=forms.RadioSelect,
    )

    class Meta:
        model = InspectionAssessment
        fields = ["strengths", "necessity", "problems", "future_focus", "recommend_listing"]
        labels = {
            "strengths": _("Strengths and distinctive features"),
            "necessity": _("Why it is needed"),
            "problems": _("Problems and shortcomings of the plan"),
            "future_focus": _("Focus and direction for the future"),
        }
        widgets = {
            name: forms.Textarea(attrs={"rows": 3}) for name in ("strengths", "necessity", "problems", "future_focus")
        }


class RejectNotListedForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("The average expert score is below the program's threshold for the site-inspection list."),
        help_text=_("The applicants read it."),
    )


class AcceptanceForm(forms.Form):
    """The acceptance of a cultivation unit: pass or fail, with notes, on each of the seven points."""

    held_on = forms.DateField(label=_("Date of the acceptance"), widget=DATE_WIDGET)
    report = forms.CharField(label=_("Written acceptance report"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        for number, (point, label) in enumerate(AcceptancePoint.choices, start=1):
            self.fields[f"{point}_passed"] = forms.TypedChoiceField(
                label=f"({number}) {label}", choices=[("yes", _("Passed")), ("no", _("Not passed"))], coerce=coerce_yes,
                widget=forms.RadioSelect,
            )
            self.fields[f"{point}_notes"] = forms.CharField(
                label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 1}),
            )
        self.order_fields(["held_on", *self.point_fields(), "report"])

    @staticmethod
    def point_fields() -> list[str]:
        return [name for point in AcceptancePoint.values for name in (f"{point}_passed", f"{point}_notes")]

    def clean(self):
        data = super().clean()
        for point in AcceptancePoint.values:
            if data.get(f"{point}_passed") is False and not data.get(f"{point}_notes", "").strip():
                self.add_error(f"{point}_notes", _("Say why this point did not pass."))
        return data

    def results(self) -> dict[str, tuple[bool, str]]:
        return {
            point: (self.cleaned_data[f"{point}_passed"], self.cleaned_data[f"{point}_notes"])
            for point in AcceptancePoint.values
        }
