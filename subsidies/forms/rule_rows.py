"""The typed editor of the nested rule types (fixed_by_level, milestones, by_choice): rows instead of
JSON. Levels, stages and thresholds are formsets, one row each: the key is chosen among the values
the rule's fact may take (`labels.FACT_VALUES`, plus the keys of the version being superseded) with
their Chinese labels, amounts are in 万元 with two decimals (converted to yuan exactly, in Decimal),
shares in %. The rows are read back into the very parameters the calculator reads
(`subsidies.calculator.rule_types`), which the engine then validates as for any version.

Checked here, per row where a row is at fault: amounts not negative, a key at most once, keys the
fact knows, the levels of the superseded version all present (a level is never dropped: claims and
caps name it; leaving its amounts empty keeps it as a level that pays nothing), stages of a level
not adding up to more than its total, and amounts only for the version's payees. Extra blank rows
stand in for an "add row" button (no script)."""
import copy
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from subsidies.calculator import PAYEES
from subsidies.calculator.labels import (
    FACT_VALUES, FLAG_FACTS, MONEY_FACTS, PARAM_LABELS, fact_label, parameter_label, value_label,
)
from subsidies.calculator.money import MAX_AMOUNT

WAN = Decimal(10000)
FEN = Decimal("0.01")
LEVEL_FACTS = ("board", "level", "grade")
CHOICE_FACTS = ("first_unit", "role")
MILESTONE_FACTS = tuple(sorted(MONEY_FACTS - {"paid_in_period"}))
EXTRA_ROWS = 3

# Where a new rule of a nested type starts. A by_choice rule starts from the shape of its choice fact:
# the first completing unit (XX22 四（五）) or the role in instrument sharing (ZZ17 三（三）11).
NESTED_SKELETONS = {
    "fixed_by_level": {"fact": "level", "amounts": {}},
    "milestones": {"fact": "revenue", "previous_fact": "previous_peak_revenue", "thresholds": []},
}
BY_CHOICE_SKELETONS = {
    "first_unit": {"fact": "first_unit", "default": "institute", "options": {
        payee: {"rule_type": "fixed_by_level", "params": {"fact": "level", "amounts": {}}}
        for payee in ("institute", "enterprise")}},
    "role": {"fact": "role", "options": {
        "user": {"rule_type": "rate_in_range", "params": {
            "fact": "fees", "rate_fact": "rate", "rate_min": "0", "rate_max": "0", "cap": None}},
        "owner": {"rule_type": "approved_amount", "params": {"fact": "approved_amount", "cap": None}}}},
}


def wan_field(label, required=False):
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal(0), max_value=(MAX_AMOUNT / WAN) - FEN,
        max_digits=13, decimal_places=2, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
        error_messages={
            "min_value": gettext_lazy("An amount cannot be negative; enter 0 or leave it empty."),
            "max_decimal_places": gettext_lazy("Amounts are in 万元 with at most two decimals (100 yuan)."),
        },
    )


def shown_wan(yuan) -> str:
    """Yuan as the 万元 a field shows: 10000000 → "1000", 123400 → "12.34"."""
    return format((Decimal(str(yuan)) / WAN).normalize(), "f")


def to_yuan(wan: Decimal) -> str:
    return str((wan * WAN).quantize(FEN))


def _choices(values, fact, rule):
    return [(value, value_label(value, fact, rule)) for value in values]


def _row_number(form) -> int:
    return int(form.prefix.rsplit("-", 1)[1]) + 1


class PayeeColumns(forms.Form):
    """A row with one amount (万元) per payee column."""

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = tuple(columns)
        for payee in self.columns:
            self.fields[f"amount_{payee}"] = wan_field(f"{PARAM_LABELS['amount']} · {PAYEES[payee]}（{_('万元')}）")

    def amounts(self) -> dict:
        return {payee: self.cleaned_data[f"amount_{payee}"] for payee in self.columns
                if self.cleaned_data.get(f"amount_{payee}") is not None}


class LevelRow(PayeeColumns):
    """One level (grade, board, award level) of a fixed_by_level rule: its amount per payee (all
    empty: a known level that pays nothing) and the true/false fact it requires, if any."""

    def __init__(self, *args, key_choices=(), requires=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"key": forms.ChoiceField(
            label=_("Level"), required=False,
            choices=[("", "—")] + list(key_choices),
            error_messages={"invalid_choice": _("“%(value)s” is not a level this rule knows; choose one of the "
                                                "listed levels.")}), **self.fields}
        if requires:
            self.fields["requires"] = forms.ChoiceField(
                label=PARAM_LABELS["requires"], required=False,
                choices=[("", "—")] + [(flag, fact_label(flag)) for flag in FLAG_FACTS])

    def clean(self):
        data = super().clean()
        if not data.get("key") and "key" not in self.errors and (self.amounts() or data.get("requires")):
            raise ValidationError(_("Choose the level this row is for, or clear the row."))
        return data


class ThresholdRow(PayeeColumns):
    """One milestone of a milestones rule: the amount the fact must exceed (万元) and what is paid
    to each payee the first time it does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"key": wan_field(f"{PARAM_LABELS['above']}（{_('万元')}）"), **self.fields}

    def clean(self):
        data = super().clean()
        if data.get("key") is None and "key" not in self.errors and self.amounts():
            self.add_error("key", _("Give the amount the fact must exceed for this milestone, or clear the row."))
        elif data.get("key") is not None and not self.amounts():
            raise ValidationError(_("Give what the milestone pays (万元) to at least one payee."))
        return data


class StageRow(forms.Form):
    """One stage of a level paid in stages (ZZ23 五（四）“奖励按照有关规定分阶段实施”)."""

    def __init__(self, *args, key_choices=(), stage_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"] = forms.ChoiceField(
            label=_("Level"), required=False, choices=[("", "—")] + list(key_choices),
            error_messages={"invalid_choice": _("“%(value)s” is not a level this rule knows; choose one of the "
                                                "listed levels.")})
        self.fields["key"] = forms.ChoiceField(
            label=PARAM_LABELS["stages"], required=False, choices=[("", "—")] + list(stage_choices),
            error_messages={"invalid_choice": _("“%(value)s” is not a stage this rule knows; choose one of the "
                                                "listed stages.")})
        self.fields["label"] = forms.CharField(label=PARAM_LABELS["label"], required=False, max_length=60)
        self.fields["amount"] = wan_field(f"{PARAM_LABELS['amount']}（{_('万元')}）")

    def clean(self):
        data = super().clean()
        given = [name for name in ("level", "key", "amount") if data.get(name) not in (None, "")]
        if given and len(given) < 3:
            raise ValidationError(_("A stage needs its level, the stage and its amount; complete the row or clear it."))
        if given and not data.get("label"):
            data["label"] = value_label(data["key"], "stage")
        return data


class KeyedRows(forms.BaseFormSet):
    """Rows keyed by `key`: each key at most once, among `allowed` (set before validation, since a
    new rule's fact is chosen on the same form), the `required` keys all present, at least one row."""

    allowed: set | None = None
    required: tuple = ()
    fact: str | None = None
    what = pgettext_lazy("row key", "level")

    def used(self):
        return [form for form in self.forms if form.is_valid() and form.cleaned_data.get("key") not in (None, "")]

    def clean(self):
        seen = {}
        # every row whose key is readable, even if another of its cells is wrong: all errors at once
        for form in self.forms:
            key = getattr(form, "cleaned_data", {}).get("key")
            if key in (None, ""):
                continue
            shown = self.shown(key)
            if self.allowed is not None and key not in self.allowed:
                form.add_error("key", _("“%(key)s” is not a %(what)s of the fact this rule reads; choose one of "
                                        "its own.") % {"key": shown, "what": self.what})
            elif key in seen:
                form.add_error("key", _("%(what)s “%(key)s” is already given in row %(row)s; give each %(what)s "
                                        "once.") % {"key": shown, "what": self.what, "row": seen[key]})
            else:
                seen[key] = _row_number(form)
        missing = [key for key in self.required if key not in seen]
        if missing:
            raise ValidationError(_(
                "The superseded version has %(keys)s; a new version keeps every level (claims name them). To "
                "stop paying one, leave its amounts empty: it stays a level that pays nothing.")
                % {"keys": "、".join(self.shown(key) for key in missing)})
        if not seen:
            raise ValidationError(_("Give at least one row."))

    def shown(self, key):
        return value_label(key, self.fact)


class ThresholdRows(KeyedRows):
    what = pgettext_lazy("row key", "milestone")

    def shown(self, key):
        return f"{key.normalize():f} {_('万元')}"


class StageRows(forms.BaseFormSet):
    def clean(self):
        seen = {}
        for form in self.forms:
            data = form.cleaned_data if form.is_valid() else {}
            if not data.get("key"):
                continue
            pair = (data["level"], data["key"])
            if pair in seen:
                form.add_error("key", _("This stage of this level is already given in row %(row)s.")
                               % {"row": seen[pair]})
            else:
                seen[pair] = _row_number(form)

    def used(self):
        return [form for form in self.forms if form.is_valid() and form.cleaned_data.get("key")]


def _formset(row, rows, *, prefix, data, initial, extra=EXTRA_ROWS, **kwargs):
    factory = forms.formset_factory(row, formset=rows, extra=extra)
    return factory(data, prefix=prefix, initial=initial, form_kwargs=kwargs)


def _table_helper():
    helper = FormHelper()
    helper.template = "bootstrap5/table_inline_formset.html"
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class Section:
    """A formset on the page: its title, what it is for, and the crispy helper that renders it."""

    def __init__(self, title, formset, help_text=""):
        self.title, self.formset, self.help_text, self.helper = title, formset, help_text, _table_helper()


class LevelEditor:
    """The levels (and, for one payee, the stages) of one fixed_by_level structure, at `path` in the
    version's parameters (() for the rule itself, ("options", key, "params") inside a by_choice)."""

    def __init__(self, form, path, structure, *, data, columns, names_fixed, stages, rule):
        self.form, self.path, self.rule = form, path, rule
        self.fact_name = "param__" + "__".join((*path, "fact"))
        own = list(structure.get("amounts", {}))
        fact = structure.get("fact") or "level"
        facts = list(dict.fromkeys([*([fact] if names_fixed else LEVEL_FACTS), fact]))
        form.fields[self.fact_name] = forms.ChoiceField(
            label=parameter_label((*path, "fact")), choices=[(name, fact_label(name)) for name in facts],
            disabled=names_fixed, initial=fact,
            help_text=_("Part of the rule's structure: the facts the claim form asks for.") if names_fixed else
            _("The fact whose value chooses the level; the levels below must be values of it."))
        self.own = own
        if names_fixed:  # the fact's values and the superseded version's own keys
            key_choices = _choices(list(dict.fromkeys([*FACT_VALUES.get(fact, ()), *own])), fact, rule)
        else:  # a new rule: the values of every level fact, grouped; the chosen fact's are checked
            key_choices = [(fact_label(name), _choices(FACT_VALUES[name], name, rule)) for name in LEVEL_FACTS]
        requires = structure.get("requires", {})
        prefix = "-".join(("levels", *path[1:2])) if path else "levels"
        self.levels = _formset(LevelRow, KeyedRows, prefix=prefix, data=data, columns=columns,
                               key_choices=key_choices, requires=not path, initial=[
                                   {"key": level, "requires": requires.get(level, ""),
                                    **{f"amount_{payee}": shown_wan(amount) for payee, amount in due.items()}}
                                   for level, due in structure.get("amounts", {}).items()])
        self.levels.required = tuple(own) if names_fixed else ()
        self.stages = None
        if stages:
            stage_keys = [key for level in structure.get("stages", {}).values() for key in level]
            self.stages = _formset(
                StageRow, StageRows, prefix="stages", data=data, extra=2, key_choices=key_choices,
                stage_choices=_choices(list(dict.fromkeys([*FACT_VALUES["stage"], *stage_keys])), "stage", rule),
                initial=[{"level": level, "key": key, "label": stage["label"], "amount": shown_wan(stage["amount"])}
                         for level, level_stages in structure.get("stages", {}).items()
                         for key, stage in level_stages.items()])

    def sections(self):
        title = parameter_label((*self.path, "amounts"), self.rule) if self.path else _("Levels and amounts")
        sections = [Section(title, self.levels, _(
            "One row per level; amounts in 万元. A level with no amount is known but pays nothing; a level with a "
            "requirement pays only when it holds. Blank rows are ignored."))]
        if self.stages is not None:
            sections.append(Section(_("Stages (a level paid in stages)"), self.stages, _(
                "Optional: a level's amount paid in stages, each claimed on its own; together at most the "
                "level's amount. The name is what claimants read; left empty, the stage's own name.")))
        return sections

    def is_valid(self) -> bool:
        fact = self.form.cleaned_data.get(self.fact_name)
        self.levels.fact = fact
        self.levels.allowed = None if fact is None else set(FACT_VALUES.get(fact, ())) | set(self.own)
        valid = self.levels.is_valid()
        if self.stages is not None:
            valid = self.stages.is_valid() and valid
            if valid:
                valid = self._check_stages()
        return valid

    def _check_stages(self) -> bool:
        totals = {form.cleaned_data["key"]: form.amounts() for form in self.levels.used()}
        staged, ok = {}, True
        for form in self.stages.used():
            level = form.cleaned_data["level"]
            if level not in totals:
                form.add_error("level", _("“%(level)s” is not among the levels above; add the level first.")
                               % {"level": value_label(level, self.levels.fact, self.rule)})
                ok = False
                continue
            staged.setdefault(level, []).append(form)
        for level, rows in staged.items():
            due = totals[level]
            if len(due) != 1:
                for form in rows:
                    form.add_error("level", _("Only a level paid to one payee can be paid in stages."))
                ok = False
                continue
            total = next(iter(due.values()))
            added = sum((form.cleaned_data["amount"] for form in rows), Decimal(0))
            if added > total:
                for form in rows:
                    form.add_error("amount", _(
                        "The stages of “%(level)s” add up to %(added)s 万元, more than its amount of %(total)s 万元; "
                        "lower a stage or raise the amount.") % {
                        "level": value_label(level, self.levels.fact, self.rule),
                        "added": f"{added.normalize():f}", "total": f"{total.normalize():f}"})
                ok = False
        return ok

    def rows(self):
        return list(self.levels.used())

    def params(self) -> dict:
        params = {"fact": self.form.cleaned_data[self.fact_name], "amounts": {}}
        requires = {}
        for form in self.levels.used():
            key = form.cleaned_data["key"]
            params["amounts"][key] = {payee: to_yuan(amount) for payee, amount in form.amounts().items()}
            if form.cleaned_data.get("requires"):
                requires[key] = form.cleaned_data["requires"]
        if requires:
            params["requires"] = requires
        if self.stages is not None:
            stages = {}
            for form in self.stages.used():
                data = form.cleaned_data
                stages.setdefault(data["level"], {})[data["key"]] = {
                    "label": data["label"], "amount": to_yuan(data["amount"])}
            if stages:
                params["stages"] = stages
        return params


class MilestoneEditor:
    def __init__(self, form, structure, *, data, columns, names_fixed, rule):
        self.form, self.rule = form, rule
        for key in ("fact", "previous_fact"):
            name = structure.get(key)
            facts = [name] if names_fixed else list(dict.fromkeys([name, *MILESTONE_FACTS]))
            form.fields[f"param__{key}"] = forms.ChoiceField(
                label=parameter_label((key,)), choices=[(fact, fact_label(fact)) for fact in facts],
                initial=name, disabled=names_fixed)
        self.thresholds = _formset(ThresholdRow, ThresholdRows, prefix="thresholds", data=data, columns=columns,
                                   initial=[{"key": shown_wan(item["above"]),
                                             **{f"amount_{payee}": shown_wan(amount)
                                                for payee, amount in item["amounts"].items()}}
                                            for item in structure.get("thresholds", [])])

    def sections(self):
        return [Section(_("Milestones"), self.thresholds, _(
            "One row per milestone: the amount the fact must exceed for the first time (超过, strictly) and what "
            "each payee is paid once, in 万元. Blank rows are ignored."))]

    def is_valid(self) -> bool:
        valid = self.thresholds.is_valid()
        data = self.form.cleaned_data
        if data.get("param__fact") and data.get("param__fact") == data.get("param__previous_fact"):
            self.form.add_error("param__previous_fact", _("The previous peak must be another fact than the value."))
            valid = False
        return valid

    def rows(self):
        return list(self.thresholds.used())

    def params(self) -> dict:
        rows = sorted(self.thresholds.used(), key=lambda form: form.cleaned_data["key"])
        data = self.form.cleaned_data
        return {"fact": data["param__fact"], "previous_fact": data["param__previous_fact"],
                "thresholds": [{"above": to_yuan(form.cleaned_data["key"]),
                                "amounts": {payee: to_yuan(amount) for payee, amount in form.amounts().items()}}
                               for form in rows]}


class ChoiceEditor:
    """A by_choice rule: its choice fact and options are its structure (each option has its own rule
    type and facts, which the claim form asks for); the default option is chosen among them; each
    option's parameters are typed: levels as rows, flat types as the flat form's fields."""

    def __init__(self, form, structure, *, data, columns, names_fixed, rule, flat_fields):
        self.form, self.structure, self.rule = form, structure, rule
        fact = structure["fact"]
        form.fields["param__fact"] = forms.ChoiceField(
            label=parameter_label(("fact",)), choices=[(fact, fact_label(fact))], initial=fact, disabled=True,
            help_text=_("Part of the rule's structure: the facts the claim form asks for."))
        options = list(structure["options"])
        form.fields["param__default"] = forms.ChoiceField(
            label=parameter_label(("default",)), required=False, initial=structure.get("default") or "",
            choices=[("", _("(none: the claim must say)"))] + _choices(options, fact, rule))
        self.levels, flat = {}, {}
        for key, option in structure["options"].items():
            if option["rule_type"] == "fixed_by_level":
                self.levels[key] = LevelEditor(form, ("options", key, "params"), option["params"], data=data,
                                               columns=columns, names_fixed=names_fixed, stages=False, rule=rule)
            else:
                flat[key] = {"params": option["params"]}
        self.flat = flat_fields(form, {"options": flat}) if flat else None

    def sections(self):
        return [section for editor in self.levels.values() for section in editor.sections()]

    def is_valid(self) -> bool:
        results = [editor.is_valid() for editor in self.levels.values()]
        return all(results)

    def rows(self):
        return [row for editor in self.levels.values() for row in editor.rows()]

    def params(self) -> dict:
        flat = self.flat.params()["options"] if self.flat else {}
        options = {}
        for key, option in self.structure["options"].items():
            inner = self.levels[key].params() if key in self.levels else flat[key]["params"]
            options[key] = {"rule_type": option["rule_type"], "params": inner}
        params = {"fact": self.structure["fact"], "options": options}
        if self.form.cleaned_data.get("param__default"):
            params["default"] = self.form.cleaned_data["param__default"]
        return params


def nested_structure(rule_type: str, params: dict | None, choice_fact: str | None = None) -> dict:
    """The structure the rows start from: the superseded version's parameters or the type's skeleton."""
    if params is not None:
        return copy.deepcopy(params)
    if rule_type == "by_choice":
        return copy.deepcopy(BY_CHOICE_SKELETONS.get(choice_fact) or BY_CHOICE_SKELETONS["first_unit"])
    return copy.deepcopy(NESTED_SKELETONS[rule_type])


def nested_editor(form, rule_type, structure, *, data, columns, names_fixed, rule, flat_fields):
    if rule_type == "fixed_by_level":
        return LevelEditor(form, (), structure, data=data, columns=columns, names_fixed=names_fixed,
                           stages=len(columns) == 1, rule=rule)
    if rule_type == "milestones":
        return MilestoneEditor(form, structure, data=data, columns=columns, names_fixed=names_fixed, rule=rule)
    return ChoiceEditor(form, structure, data=data, columns=columns, names_fixed=names_fixed, rule=rule,
                        flat_fields=flat_fields)


def check_payees(editor, payees) -> bool:
    """Amounts only for the version's payees: a row giving one to another payee is refused on that cell."""
    ok = True
    for form in editor.rows():
        for payee in form.amounts():
            if payee not in payees:
                form.add_error(f"amount_{payee}", _(
                    "%(payee)s is not among the version's payees: tick it under Payees or leave this amount empty.")
                    % {"payee": PAYEES[payee]})
                ok = False
    return ok
