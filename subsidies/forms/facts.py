"""The facts of a rule as form fields, built from the rule type's own description of its facts
(`RuleType.facts(params)`): the calculator page and the claim form ask exactly what the engine reads.

Field names are `fact_<name>`; `FactFields.payload()` gives the engine's `facts` object: money and
rates as decimal strings, flags as true/false, year indexes as integers; empty optional fields and
fields of another option (`when`) are left out."""
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.calculator.labels import FACT_LABELS, VALUE_LABELS, fact_label, value_label  # noqa: F401 (re-exported)
from subsidies.calculator.money import MAX_AMOUNT

PREFIX = "fact_"


def money_field(label, required=True, help_text=""):
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal(0), max_value=MAX_AMOUNT - Decimal("0.01"),
        max_digits=17, decimal_places=2, help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _field(fact, staff_flags: bool, rule: str | None = None):
    label = fact_label(fact.name)
    if fact.kind == "money":
        return money_field(label, required=fact.required)
    if fact.kind == "rate":
        return forms.DecimalField(
            label=label, required=fact.required, min_value=fact.low, max_value=fact.high, max_digits=6,
            decimal_places=4, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            help_text=_("From %(low)s to %(high)s.") % {"low": fact.low, "high": fact.high},
        )
    if fact.kind == "year":
        return forms.IntegerField(label=label, required=fact.required, min_value=1)
    if fact.kind == "choice":
        empty = [("", _("(choose)") if fact.required else _("(default)"))]
        return forms.ChoiceField(
            label=label, required=fact.required, choices=empty + [(v, value_label(v, fact.name, rule)) for v in fact.options]
        )
    if fact.kind == "flag":
        if fact.name == "staff_override" and not staff_flags:
            return None
        return forms.BooleanField(label=label, required=False)
    raise ValueError(fact.kind)


class FactFields:
    """Adds the fact fields of one rule version to a form, and reads them back."""

    def __init__(self, form: forms.Form, version, *, staff_flags: bool = True):
        self.form = form
        self.facts = [] if version is None else version.kind.facts(version.params)
        self.names = []
        for fact in self.facts:
            field = _field(fact, staff_flags, None if version is None else version.code)
            if field is None:
                continue
            if fact.when:
                field.help_text = _("Only when %(fact)s is “%(value)s”.") % {
                    "fact": fact_label(fact.when[0]), "value": value_label(fact.when[1], fact.when[0])}
            form.fields[PREFIX + fact.name] = field
            self.names.append(fact.name)

    def payload(self) -> dict:
        data = self.form.cleaned_data
        chosen = {fact.name: data.get(PREFIX + fact.name) for fact in self.facts if fact.kind == "choice"}
        facts = {}
        for fact in self.facts:
            if fact.name not in self.names:
                continue
            if fact.when and chosen.get(fact.when[0]) not in ("", None, fact.when[1]):
                continue
            value = data.get(PREFIX + fact.name)
            if fact.kind == "flag":
                facts[fact.name] = bool(value)
            elif value in (None, ""):
                continue
            elif fact.kind in ("money", "rate"):
                facts[fact.name] = str(value)
            elif fact.kind == "year":
                facts[fact.name] = int(value)
            else:
                facts[fact.name] = value
        return facts

    def initial_from(self, facts: dict) -> dict:
        return {PREFIX + name: value for name, value in (facts or {}).items()}

    def bound_fields(self):
        return [self.form[PREFIX + name] for name in self.names]
