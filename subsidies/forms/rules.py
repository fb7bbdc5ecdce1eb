"""The program manager's form for a new rule version (or a new HN23 rule): the parameters are the
rule type's JSON, read with exact decimals; the engine validates them (services.rules)."""
import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.calculator import CAP_PERIODS, PAYEES, RULE_TYPES
from subsidies.services.rules import VersionData


def _refuse_constant(name):
    raise ValueError(name)


class ParamsField(forms.CharField):
    """A JSON object; numbers are read as Decimal, never float."""

    widget = forms.Textarea(attrs={"rows": 10, "class": "font-monospace", "spellcheck": "false"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return {}
        try:
            parsed = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as error:
            raise forms.ValidationError(_("The parameters are not valid JSON: %(error)s"), params={"error": error})
        if not isinstance(parsed, dict):
            raise forms.ValidationError(_("The parameters must be a JSON object, e.g. {\"amount\": \"500000\"}."))
        return parsed

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=2, default=str)
        return value


class RuleVersionForm(forms.Form):
    code = forms.CharField(label=_("Rule code"), max_length=16)
    document = forms.CharField(label=_("Document"), max_length=200)
    article = forms.CharField(label=_("Article"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=200)
    rule_type = forms.ChoiceField(label=_("Rule type"), choices=[(name, name) for name in RULE_TYPES])
    params = ParamsField(
        label=_("Parameters (JSON)"),
        help_text=_("Amounts in yuan as strings, e.g. \"500000\"; rates as decimals, e.g. \"0.10\". "
                    "See the rule types in the policy calculator documentation."),
    )
    payees = forms.MultipleChoiceField(
        label=_("Payees"), choices=list(PAYEES.items()), widget=forms.CheckboxSelectMultiple
    )
    cap_period = forms.ChoiceField(label=_("Cap period"), choices=list(CAP_PERIODS.items()))
    effective_from = forms.DateField(label=_("Applies to events from"), widget=forms.DateInput(attrs={"type": "date"}))
    effective_to = forms.DateField(
        label=_("Applies to events until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty when the version has no end date."),
    )
    note = forms.CharField(
        label=_("Reason (document issued, amounts changed …)"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, fixed_code: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_code:
            self.fields["code"].initial = fixed_code
            self.fields["code"].disabled = True

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", _("The window ends before it starts."))
        return data

    def version_data(self) -> VersionData:
        data = self.cleaned_data
        return VersionData(
            code=data["code"].strip(), document=data["document"], article=data["article"], title=data["title"],
            rule_type=data["rule_type"], params=data["params"], payees=list(data["payees"]),
            cap_period=data["cap_period"], effective_from=data["effective_from"],
            effective_to=data.get("effective_to"), note=data["note"],
        )

    @staticmethod
    def initial_from(row) -> dict:
        return {
            "code": row.code, "document": row.document, "article": row.article, "title": row.display_title,
            "rule_type": row.rule_type, "params": row.params, "payees": list(row.payees),
            "cap_period": row.cap_period,
        }
