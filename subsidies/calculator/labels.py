"""One registry of what people read for the calculator's vocabulary: the names of facts and inputs,
the values of choice facts (grades, boards, award and standard levels, roles, payee roles), and any
stored value shown on a page, trace or PDF (true/false, amounts, empty values, lists, objects).

Each label is an English msgid translated in the catalogue (zh_Hans is the default), so a Chinese
page never shows a raw code (`excellent`, `neeq`, `qianqi`) or a Python value (`None`, `True`,
`Decimal(…)`, `{…}`). A value whose meaning depends on the rule (ZZ17-10B's `national` is a
national demonstration agency, ZZ23-9A's a national standard) is looked up for that rule first.
Unknown names and values are shown as they are: staff may add rules with facts of their own."""
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.formatting import yuan_wan

from .money import as_decimal

FACT_LABELS = {
    "investment": gettext_lazy("Cash investment entered in registered capital (yuan)"),
    "board": gettext_lazy("Board"),
    "qianqi": gettext_lazy("The 千企展翼 conditions hold"),
    "raised": gettext_lazy("Funds raised (yuan)"),
    "sales": gettext_lazy("Best annual sales of the patent product within 2 years (yuan)"),
    "award_amount": gettext_lazy("National or provincial first-set award (yuan)"),
    "level": gettext_lazy("Level"),
    "grade": gettext_lazy("Evaluation grade"),
    "funding_input": gettext_lazy("Funding input of the institute (yuan)"),
    "year_index": gettext_lazy("Year of support (1 = first year)"),
    "first_unit": gettext_lazy("First completing unit"),
    "revenue": gettext_lazy("Operating revenue of the year (yuan)"),
    "previous_peak_revenue": gettext_lazy("Highest operating revenue of earlier years (yuan)"),
    "transaction_amount": gettext_lazy("Technology transaction amount (yuan)"),
    "funds_received": gettext_lazy("Project funds actually received (yuan)"),
    "rate": gettext_lazy("Rate (decimal, e.g. 0.25)"),
    "contract_amount": gettext_lazy("Technology contract amount (yuan)"),
    "international_amount": gettext_lazy("International technology transaction amount (yuan)"),
    "role": gettext_lazy("Role in instrument sharing"),
    "fees": gettext_lazy("Sharing fees paid (yuan)"),
    "approved_amount": gettext_lazy("Approved amount (yuan)"),
    "staff_override": gettext_lazy("Staff approve an amount above the usual maximum"),
    # Inputs the yearly run and claims keep on an entitlement (services.entitlements).
    "grade_published_on": gettext_lazy("grade published on"),
    "listed_on": gettext_lazy("listed on"),
    "recognized_on": gettext_lazy("recognised on"),
    "cycle": gettext_lazy("evaluation cycle"),
    "facts": gettext_lazy("facts"),
    "subject": gettext_lazy("subject of the claim"),
    "claim": gettext_lazy("claim"),
    "paid_in_period": gettext_lazy("Already received in the same period (yuan)"),
}

# Facts whose values are amounts in yuan (shown in 元 and 万元).
MONEY_FACTS = frozenset({
    "investment", "raised", "sales", "award_amount", "funding_input", "revenue", "previous_peak_revenue",
    "transaction_amount", "funds_received", "contract_amount", "international_amount", "fees",
    "approved_amount", "paid_in_period",
})

VALUE_LABELS = {
    # ZZ23 五（四） boards, in the document's words
    "star": gettext_lazy("STAR Market"), "domestic": gettext_lazy("Other domestic listing"),
    "overseas": gettext_lazy("Overseas main market"),
    "neeq": gettext_lazy("NEEQ (New Third Board)"), "regional": gettext_lazy("Zhongyuan regional equity exchange"),
    "main": gettext_lazy("Main boards (SSE/SZSE/BSE, HKEX, US exchanges)"),
    # award levels
    "gold": gettext_lazy("Gold award"), "silver": gettext_lazy("Silver award"),
    "excellence": gettext_lazy("Award of excellence"), "organization": gettext_lazy("Excellent organisation award"),
    "special": gettext_lazy("Special prize"), "first": gettext_lazy("First prize"),
    "second": gettext_lazy("Second prize"), "third": gettext_lazy("Third prize"),
    # standard levels (ZZ23 五（九）)
    "international": gettext_lazy("International standard"), "national": gettext_lazy("National standard"),
    "industry": gettext_lazy("Industry standard"),
    # evaluation grades
    "excellent": gettext_lazy("Excellent"), "good": gettext_lazy("Good"),
    "pass": pgettext_lazy("grade", "Pass"), "fail": pgettext_lazy("grade", "Fail"),
    # first completing unit (XX22 四（五）) and payee roles
    "institute": gettext_lazy("Institute"), "enterprise": gettext_lazy("Spin-off enterprise"),
    "unit": gettext_lazy("Unit"), "patentee": gettext_lazy("Patentee"), "agency": gettext_lazy("Agency"),
    # ZZ17 三（三）11 roles
    "user": gettext_lazy("User of the instrument"), "owner": gettext_lazy("Owner of the instrument"),
    # ZZ17 三（三）10 demonstration agencies
    "municipal": gettext_lazy("Municipal"), "provincial": gettext_lazy("Provincial"),
    # stages of an award paid in stages (ZZ23 五（四）"奖励按照有关规定分阶段实施")
    "filing": pgettext_lazy("stage", "Tutoring filed"), "accepted": pgettext_lazy("stage", "Application accepted"),
    "listed": pgettext_lazy("stage", "Listed"),
}

# The values a choice fact may take in a rule version made in the staff form: the keys of its levels
# (fixed_by_level), options (by_choice) and stages. A version's own keys stay allowed for it (a rule
# staff made with keys of their own keeps them).
FACT_VALUES = {
    "board": ("star", "domestic", "overseas", "neeq", "regional", "main"),
    "level": ("gold", "silver", "excellence", "organization", "special", "first", "second", "third",
              "international", "national", "industry", "municipal", "provincial"),
    "grade": ("excellent", "good", "pass", "fail"),
    "first_unit": ("institute", "enterprise"),
    "role": ("user", "owner"),
    "stage": ("filing", "accepted", "listed"),
}
# True/false facts a level may require (ZZ23 五（四）: NEEQ and regional listings only with 千企展翼).
FLAG_FACTS = ("qianqi",)

RULE_TYPE_LABELS = {
    "fixed": gettext_lazy("Fixed amount"),
    "fixed_by_level": gettext_lazy("Fixed amount by level"),
    "tiered_by_grade": gettext_lazy("Up to a maximum by evaluation grade"),
    "fixed_per_year": gettext_lazy("Fixed amount per year"),
    "percentage": gettext_lazy("Share of an amount"),
    "rate_in_range": gettext_lazy("Share of an amount, rate within a range"),
    "approved_amount": gettext_lazy("Approved amount"),
    "milestones": gettext_lazy("Milestones (thresholds first exceeded)"),
    "by_choice": gettext_lazy("By choice"),
}

# The parts of a rule version's parameters as people read them (forms, the rule page's diff).
PARAM_LABELS = {
    "amount": gettext_lazy("Amount"), "years": gettext_lazy("Years of support"), "rate": gettext_lazy("Rate"),
    "cap": gettext_lazy("Cap"), "minimum": gettext_lazy("Minimum (threshold)"),
    "minimum_inclusive": gettext_lazy("Reaching the minimum counts (达到…以上)"),
    "rate_min": gettext_lazy("Lowest rate"), "rate_max": gettext_lazy("Highest rate"),
    "tiers": gettext_lazy("Maximum for grade"), "input_share": gettext_lazy("Share of the funding input"),
    "maximum": gettext_lazy("Usual maximum"), "amounts": gettext_lazy("Amount"),
    "thresholds": gettext_lazy("Threshold"), "above": gettext_lazy("Exceeds"), "options": gettext_lazy("Option"),
    "params": "", "fact": gettext_lazy("Fact read"), "rate_fact": gettext_lazy("Fact giving the rate"),
    "previous_fact": gettext_lazy("Fact of the previous peak"), "override_fact": gettext_lazy("Fact allowing more"),
    "default": gettext_lazy("Default option"), "rule_type": gettext_lazy("Rule type"),
    "requires": gettext_lazy("Requires"), "stages": gettext_lazy("Stage"), "label": gettext_lazy("Name of the stage"),
    "payees": gettext_lazy("Payees"), "cap_period": gettext_lazy("Cap period"),
    "effective_to": gettext_lazy("Applies to events until"),
}
RATE_PARAMS = frozenset({"rate", "rate_min", "rate_max", "input_share"})
NAME_PARAMS = frozenset({"fact", "rate_fact", "previous_fact", "override_fact", "default"})

# (rule code, fact, value) → label, where a value means something else under that rule.
RULE_VALUE_LABELS = {
    ("ZZ17-10B", "level", "municipal"): gettext_lazy("Municipal demonstration agency"),
    ("ZZ17-10B", "level", "provincial"): gettext_lazy("Provincial demonstration agency"),
    ("ZZ17-10B", "level", "national"): gettext_lazy("National demonstration agency"),
    ("XX22-3", "board", "neeq"): gettext_lazy("NEEQ (New Third Board)"),
}


def fact_label(name: str) -> str:
    """The name of a fact or input as people read it; an unknown name as it is."""
    return str(FACT_LABELS.get(name, name))


def value_label(value, fact: str | None = None, rule: str | None = None) -> str:
    """A choice value (grade, board, level, role…) as people read it, for `rule` when given."""
    if not isinstance(value, str):
        return shown_value(value, fact)
    label = RULE_VALUE_LABELS.get((rule, fact, value)) if rule else None
    return str(label if label is not None else VALUE_LABELS.get(value, value))


def shown_value(value, fact: str | None = None, rule: str | None = None) -> str:
    """Any stored value of a fact or input, in words: 是/否, amounts in 元 and 万元 for money facts,
    "—" for nothing, lists and objects item by item; never a Python or JSON representation."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return "; ".join(f"{fact_label(key)}: {shown_value(item, key, rule)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(shown_value(item, fact, rule) for item in value)
    if fact in MONEY_FACTS:
        number = as_decimal(value)
        if number is not None:
            return yuan_wan(number)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
    if isinstance(value, str):
        return value_label(value, fact, rule)
    return str(value)


def labelled_facts(values: dict, rule: str | None = None) -> list[tuple[str, str]]:
    """[(label, value in words)] of a facts or inputs object, in its own order."""
    return [(fact_label(name), shown_value(value, name, rule)) for name, value in (values or {}).items()]


def labelled_inputs(inputs: dict, rule: str | None = None) -> list[tuple[str, str]]:
    """[(label, value in words)] of what an entitlement was computed from: a claim's facts one row
    each (its `facts` object flattened), then the other inputs (grade, cycle, dates, subject…)."""
    inputs = inputs if isinstance(inputs, dict) else {}
    facts = inputs.get("facts") if isinstance(inputs.get("facts"), dict) else {}
    others = {name: value for name, value in inputs.items() if not (name == "facts" and isinstance(value, dict))}
    return labelled_facts(facts, rule) + labelled_facts(others, rule)


def parameter_kind(path) -> str:
    """What a leaf of a version's parameters holds, by its path: `name` (a fact, option or type),
    `flag`, `year`, `rate` (a share), `label` (text) or `money` (yuan)."""
    key = next((part for part in reversed(path) if isinstance(part, str)), "")
    if key in NAME_PARAMS or key == "rule_type" or "requires" in path:
        return "name"
    if key == "minimum_inclusive":
        return "flag"
    if key == "years":
        return "year"
    if key in RATE_PARAMS:
        return "rate"
    if key == "label":
        return "label"
    return "money"


def parameter_label(path, rule: str | None = None) -> str:
    """A parameter's path (("amounts", "neeq", "enterprise"), or "params.amounts.neeq.enterprise" as
    the audit diff names it) in words: 金额 · 新三板 · 企业; list positions as 第 N 项."""
    if isinstance(path, str):
        path = tuple(int(part) if part.isdigit() else part for part in path.split("."))
        path = path[1:] if path[:1] == ("params",) else path
    from .rule_types import PAYEES

    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append(_("no. %(number)s") % {"number": part + 1})
        elif part in PARAM_LABELS:
            if PARAM_LABELS[part]:
                parts.append(str(PARAM_LABELS[part]))
        elif part in PAYEES and part not in VALUE_LABELS:
            parts.append(str(PAYEES[part]))
        else:
            parts.append(value_label(part, rule=rule))
    return " · ".join(parts)


def parameter_value(path, value, rule: str | None = None) -> str:
    """A stored parameter value in words: amounts in 元 and 万元, shares in %, fact names, options,
    payees, cap periods and rule types by their labels, "—" for none."""
    if isinstance(path, str):
        path = tuple(path.split("."))
    key = path[-1] if path else ""
    if value is None or value == "":
        return "—"
    if key == "payees":
        from .rule_types import PAYEES

        return "、".join(str(PAYEES.get(name.strip(), name.strip())) for name in str(value).split(","))
    if key == "cap_period":
        from .versions import CAP_PERIODS

        return str(CAP_PERIODS.get(value, value))
    if key == "rule_type":
        return str(RULE_TYPE_LABELS.get(value, value))
    if key == "effective_to":
        return str(value)
    kind = parameter_kind(path)
    if kind == "name":
        return str(FACT_LABELS[value]) if value in FACT_LABELS else value_label(value, rule=rule)
    if kind == "flag" or isinstance(value, bool):
        return shown_value(value)
    number = as_decimal(value)
    if kind == "rate" and number is not None:
        return f"{(number * 100).normalize():f}%"
    if kind == "money" and number is not None:
        return yuan_wan(number)
    return shown_value(value, rule=rule)


def same_value(old, new) -> bool:
    """Old and new equal as values (amounts compared as numbers: "1000000" is "1000000.00")."""
    left, right = as_decimal(old), as_decimal(new)
    if left is not None and right is not None:
        return left == right
    return old == new
