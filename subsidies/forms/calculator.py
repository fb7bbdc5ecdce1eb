"""The public calculator: pick a rule (grouped by document), the date of the event, what was already
paid in the period, and the facts the rule reads (built from its rule type)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .facts import FactFields, money_field


def rule_choices(groups) -> list:
    """Select options grouped by document: (document, [(code, "code article title"), …])."""
    return [("", _("(choose a rule)"))] + [
        (group.document, [
            (entry.code, f"{entry.code} {entry.latest.article} {entry.latest.display_title}") for entry in group.rules
        ])
        for group in groups
    ]


class RuleChoiceForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"))

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = rule_choices(groups)


class CalculatorForm(RuleChoiceForm):
    date = forms.DateField(
        label=_("Date of the event"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The version of the rule in force on this day applies."),
    )
    paid_in_period = money_field(
        _("Already received in the same period (yuan)"), required=False,
        help_text=_("What the payee already received under the same cap: this year, or ever for one-off awards."),
    )

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fact_fields = FactFields(self, version)

    def payload(self) -> dict:
        data = self.cleaned_data
        payload = {"rule": data["rule"], "date": data["date"], "facts": self.fact_fields.payload()}
        if data.get("paid_in_period") is not None:
            payload["paid_in_period"] = str(data["paid_in_period"])
        return payload
