"""The program manager's form for a new rule version (or a new HN23 rule), made for the rule type:
each parameter is its own typed field, amounts in 万元 (converted to yuan exactly), shares in %
(10 → 0.10), years as whole numbers, levels and grades with their Chinese labels. The structure
(levels, grades, thresholds, options and the fact names they read) comes from the version being
superseded, whose values prefill the fields; a new rule starts from the type's skeleton
(`SKELETONS`, `rule_rows.NESTED_SKELETONS`). The nested types (fixed_by_level, milestones,
by_choice) are edited as rows (`rule_rows`): one row per level, stage or milestone. Either way the
engine validates the result (services.rules)."""
import copy
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.calculator import CAP_PERIODS, PAYEES, RULE_TYPES
from subsidies.calculator.labels import RULE_TYPE_LABELS, fact_label, parameter_label
from subsidies.calculator.money import MAX_AMOUNT
from subsidies.services.rules import VersionData

from .rule_rows import Section, check_payees, nested_editor, nested_structure

WAN = Decimal(10000)
HUNDRED = Decimal(100)
RATE_KEYS = {"rate", "rate_min", "rate_max", "input_share"}
YEAR_KEYS = {"years"}
NAME_KEYS = {"fact", "rate_fact", "previous_fact", "override_fact", "default", "rule_type"}
OPTIONAL_MONEY = {"cap", "minimum", "maximum"}
# Where a new rule of a flat type starts (None: optional, left empty).
SKELETONS = {
    "fixed": {"amount": "0"},
    "fixed_per_year": {"amount": "0", "years": 3},
    "percentage": {"fact": "", "rate": "0", "cap": None, "minimum": None, "minimum_inclusive": True},
    "rate_in_range": {"fact": "", "rate_fact": "rate", "rate_min": "0", "rate_max": "0", "cap": None,
                      "minimum": None, "minimum_inclusive": True},
    "approved_amount": {"fact": "approved_amount", "cap": None},
    "tiered_by_grade": {"tiers": {"excellent": "0", "good": "0", "pass": "0", "fail": "0"},
                        "input_share": "0.5", "years": 3},
}
NESTED_TYPES = {"fixed_by_level", "milestones", "by_choice"}


def _leaves(value, path=()):
    """(path, leaf) for every leaf of a parameters structure (empty objects are structure, not leaves)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _set(structure, path, value):
    for key in path[:-1]:
        structure = structure[key]
    structure[path[-1]] = value


def _kind(path, value) -> str:
    key = next((part for part in reversed(path) if isinstance(part, str)), "")
    if key in NAME_KEYS or "requires" in path:
        return "name"
    if isinstance(value, bool):
        return "flag"
    if key in YEAR_KEYS:
        return "year"
    if key in RATE_KEYS:
        return "rate"
    return "money"


def _label(path, kind):
    unit = {"money": _("万元"), "rate": "%"}.get(kind)
    text = parameter_label(path)
    return f"{text}（{unit}）" if unit else text


def skeleton_for(rule_type: str, params: dict | None):
    """The structure the typed fields of a flat type follow: the superseded version's parameters (with
    the type's optional amounts added empty) or, for a new rule, the type's skeleton."""
    if params is None:
        return copy.deepcopy(SKELETONS[rule_type])
    structure = copy.deepcopy(params)
    for key, value in SKELETONS.get(rule_type, {}).items():
        if key in OPTIONAL_MONEY and value is None:
            structure.setdefault(key, None)
    return structure


class ParamFields:
    """The typed fields of one parameters structure on a form, and the parameters read back in yuan
    and decimal shares. Field names are `param__<path with __>`."""

    PREFIX = "param__"

    def __init__(self, form: forms.Form, structure: dict, *, names_fixed: bool):
        self.form, self.structure, self.items = form, structure, []
        for path, value in _leaves(structure):
            kind = _kind(path, value)
            name = self.PREFIX + "__".join(str(part) for part in path)
            field = self._field(path, kind, value, names_fixed)
            form.fields[name] = field
            form.initial.setdefault(name, self._initial(kind, value))
            self.items.append((path, kind, name))

    @staticmethod
    def _field(path, kind, value, names_fixed):
        label = _label(path, kind)
        key = path[-1]
        if kind == "name" and names_fixed:
            return forms.ChoiceField(label=label, required=False, disabled=True,
                                     choices=[(value, fact_label(value) if value else "—")],
                                     help_text=_("Part of the rule's structure: the facts the claim form asks for."))
        if kind == "name":
            return forms.CharField(label=label, required=value is not None and key != "default")
        if kind == "flag":
            return forms.BooleanField(label=label, required=False)
        if kind == "year":
            return forms.IntegerField(label=label, min_value=1, help_text=_("A whole number from 1."))
        if kind == "rate":
            return forms.DecimalField(
                label=label, min_value=Decimal(0), max_value=HUNDRED, max_digits=8, decimal_places=4,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                help_text=_("In per cent, from 0 to 100: 10 means 10 %."),
                error_messages={"max_value": _("A rate is at most 100 %%; %(limit_value)s %% would pay more than "
                                               "the whole base.")},
            )
        return forms.DecimalField(
            label=label, required=key not in OPTIONAL_MONEY, min_value=Decimal(0),
            max_value=(MAX_AMOUNT - Decimal("0.01")) / WAN, max_digits=16, decimal_places=6,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            help_text=_("In 万元 (10,000 yuan); leave empty for none.") if key in OPTIONAL_MONEY else
            _("In 万元 (10,000 yuan), e.g. 800 for 8,000,000 yuan."),
        )

    @staticmethod
    def _initial(kind, value):
        if value is None or kind in ("name", "flag", "year"):
            return value
        number = Decimal(str(value))
        shown = number * HUNDRED if kind == "rate" else number / WAN
        return format(shown.normalize(), "f")

    def params(self) -> dict:
        data = self.form.cleaned_data
        params = copy.deepcopy(self.structure)
        for path, kind, name in self.items:
            value = data.get(name)
            if kind == "name" and self.form.fields[name].disabled:
                value = _leaf(self.structure, path)
            elif kind == "money" and value is not None:
                value = str((value * WAN).quantize(Decimal("0.01")))
            elif kind == "rate" and value is not None:
                value = str((value / HUNDRED).normalize())
            elif kind == "name" and value == "":
                value = None
            _set(params, path, value)
        return _drop_empty(params)


def _leaf(structure, path):
    for key in path:
        structure = structure[key]
    return structure


def _drop_empty(value):
    if isinstance(value, dict):
        return {key: _drop_empty(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_empty(item) for item in value]
    return value


class RuleVersionForm(forms.Form):
    code = forms.CharField(label=_("Rule code"), max_length=16)
    document = forms.CharField(label=_("Document"), max_length=200)
    article = forms.CharField(label=_("Article"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=200)
    rule_type = forms.ChoiceField(label=_("Rule type"), choices=[(name, name) for name in RULE_TYPES])
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
        label=_("Reason for the proposal (document issued, amounts changed …)"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *args, fixed_code: str | None = None, rule_type: str, superseded=None,
                 choice_fact: str | None = None, **kwargs):
        """`rule_type` is fixed for the form (a new version keeps its rule's type; a new rule's type
        is chosen first); `superseded` is the version whose structure and values prefill it;
        `choice_fact` the shape a new by_choice rule starts from (`rule_rows.BY_CHOICE_SKELETONS`)."""
        super().__init__(data, *args, **kwargs)
        if fixed_code:
            self.fields["code"].initial = fixed_code
            self.fields["code"].disabled = True
        self.fields["rule_type"].initial = rule_type
        self.fields["rule_type"].disabled = True
        self.fields["rule_type"].choices = [(rule_type, RULE_TYPE_LABELS.get(rule_type, rule_type))]
        params = superseded.params if superseded is not None else None
        self.param_fields, self.nested = None, None
        if rule_type in NESTED_TYPES:
            columns = tuple(superseded.payees) if superseded is not None else tuple(PAYEES)
            self.nested = nested_editor(
                self, rule_type, nested_structure(rule_type, params, choice_fact), data=data, columns=columns,
                names_fixed=superseded is not None, rule=fixed_code,
                flat_fields=lambda form, structure: ParamFields(form, structure, names_fixed=superseded is not None))
        else:
            self.param_fields = ParamFields(self, skeleton_for(rule_type, params), names_fixed=superseded is not None)
        head = ["code", "document", "article", "title", "rule_type"]
        self.order_fields(head + [name for name in self.fields
                                  if name not in head and name.startswith(ParamFields.PREFIX)])

    @property
    def sections(self) -> list[Section]:
        """The rows of a nested rule type, shown below the fields (none for a flat type)."""
        return self.nested.sections() if self.nested else []

    def is_valid(self) -> bool:
        """The fields and every row: nothing is proposed unless all of them are right."""
        valid = super().is_valid()
        if self.nested is None:
            return valid
        rows_valid = self.nested.is_valid()  # the rows are checked even when a field is wrong: every error at once
        return valid and rows_valid and check_payees(self.nested, self.cleaned_data["payees"])

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
            rule_type=data["rule_type"],
            params=self.nested.params() if self.nested else self.param_fields.params(), payees=list(data["payees"]),
            cap_period=data["cap_period"], effective_from=data["effective_from"],
            effective_to=data.get("effective_to"), note=data["note"],
        )

    @staticmethod
    def initial_from(row) -> dict:
        return {
            "code": row.code, "document": row.document, "article": row.article, "title": row.display_title,
            "payees": list(row.payees),
            "cap_period": row.cap_period,
        }


class DecisionForm(forms.Form):
    """One four-eyes step: the action, its reason (required where the service requires it:
    rejecting, proposing a retirement, keeping a version) and, for a retirement, the version's
    last day (the service checks it: today or later, inside the version's window)."""

    action = forms.ChoiceField(choices=[(name, name) for name in (
        "approve", "reject", "withdraw", "propose_retirement", "confirm_retirement", "keep")])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    last_day = forms.DateField(label=_("Last day the version applies"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
