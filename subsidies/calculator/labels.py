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
}

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
