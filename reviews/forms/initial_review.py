from django import forms
from django.utils.translation import gettext_lazy as _

from institutes.models import Application, IndustryField

from ..services.initial_review import DEFAULT_REVISION_WORKING_DAYS


class ManagerQueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)
    industry_field = forms.ChoiceField(label=_("Industry field"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All my programs"))] + [(p.code, p.name) for p in programs]
        self.fields["industry_field"].choices = [("", _("All fields"))] + list(
            IndustryField.objects.values_list("code", "name")
        )
        self.fields["state"].choices = [("", _("Awaiting my review"))] + [
            choice for choice in Application.State.choices if choice[0] != Application.State.DRAFT
        ]


class InitialReviewPartForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result"), widget=forms.RadioSelect, coerce=lambda value: value == "yes",
        choices=[("yes", _("Passed")), ("no", _("Not passed"))],
    )
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("passed") is False and not data.get("findings", "").strip():
            self.add_error("findings", _("Write down the findings when a part does not pass."))
        return data


class InitialReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("pass", _("Passed: on to the next stage")),
        ("revise", _("Request revision")),
        ("reject", _("Reject")),
    ])
    working_days = forms.IntegerField(
        label=_("Working days to revise"), min_value=1, max_value=60, initial=DEFAULT_REVISION_WORKING_DAYS,
        help_text=_("Counted on the official calendar from tomorrow; the deadline is shown to the applicant."),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("revise", "reject") and not data.get("comment", "").strip():
            self.add_error("comment", _("Please give the reason; the applicant will read it."))
        return data
