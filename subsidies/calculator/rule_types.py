"""Rule types: the arithmetic of a subsidy rule is code, its parameters are data.

Each type checks and normalises its parameters (`validate`), names the facts it reads
(`fact_names`) and turns facts into shares (`evaluate`): what each payee is due from the
event, and the cap that amount counts against. The engine applies the cap and rounds.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.formatting import percent, yuan_wan

from .errors import QuoteInputError, RuleDefinitionError
from .facts import Facts
from .labels import fact_label, value_label
from .money import ZERO, as_decimal

PAYEES = {
    "institute": gettext_lazy("institute"),
    "enterprise": gettext_lazy("enterprise"),
    "unit": gettext_lazy("unit"),
    "patentee": gettext_lazy("patentee"),
    "agency": gettext_lazy("agency"),
}


@dataclass(frozen=True)
class Share:
    """What one payee is due from one event, and the cap it counts against over the version's
    cap period (a rule without a cap of its own counts the amount against itself)."""

    payee: str
    amount: Decimal
    cap: Decimal


@dataclass(frozen=True)
class Fact:
    """What a form needs to ask for one fact: its name, kind (`money` yuan, `rate` decimal within
    [low, high], `choice` among `options`, `flag` true/false, `year` whole number from 1), whether the
    rule cannot quote without it, and `when` = (choice fact, value) for facts only one option reads."""

    name: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = True
    low: Decimal | None = None
    high: Decimal | None = None
    when: tuple[str, str] | None = None


class Ineligible(Exception):
    """The event earns nothing under the rule; the message says why."""


def _expect_keys(params, required, optional=()):
    if not isinstance(params, dict):
        raise RuleDefinitionError(_("Rule parameters must be an object."))
    missing = sorted(set(required) - params.keys())
    unknown = sorted(params.keys() - set(required) - set(optional))
    if missing or unknown:
        raise RuleDefinitionError(
            _("Rule parameters: missing %(missing)s, unknown %(unknown)s.")
            % {"missing": ", ".join(missing) or "-", "unknown": ", ".join(unknown) or "-"}
        )


def _amount(value, what: str) -> Decimal:
    number = as_decimal(value)
    if number is None or number < 0:
        raise RuleDefinitionError(
            _("%(what)s must be a non-negative decimal amount; got %(value)r.") % {"what": what, "value": value}
        )
    return number


def _rate(value, what: str) -> Decimal:
    """A share of something: from 0 to 1 (0 % to 100 %); a rate of 1.5 would pay 150 %."""
    number = _amount(value, what)
    if number > 1:
        raise RuleDefinitionError(
            _("%(what)s is a share from 0 to 1 (0 %% to 100 %%); got %(value)s, which would pay %(percent)s.")
            % {"what": what, "value": value, "percent": percent(number)}
        )
    return number


def _optional_amount(params, key: str) -> Decimal | None:
    return None if params.get(key) is None else _amount(params[key], key)


def _name(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise RuleDefinitionError(
            _("%(what)s must be a non-empty name; got %(value)r.") % {"what": what, "value": value}
        )
    return value


def _whole(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RuleDefinitionError(
            _("%(what)s must be a whole number from 1; got %(value)r.") % {"what": what, "value": value}
        )
    return value


def _mapping(value, what: str) -> dict:
    if not isinstance(value, dict) or not value:
        raise RuleDefinitionError(_("%(what)s must be a non-empty object.") % {"what": what})
    return value


def _payee_amounts(value, payees, what: str) -> dict[str, Decimal]:
    """{payee: amount}; empty means "known, but pays nothing"."""
    if not isinstance(value, dict) or not set(value) <= set(payees):
        raise RuleDefinitionError(
            _("%(what)s must map payees among %(payees)s to amounts; got %(value)r.")
            % {"what": what, "payees": ", ".join(payees), "value": value}
        )
    return {payee: _amount(amount, f"{what}.{payee}") for payee, amount in value.items()}


def _single_payee(payees) -> None:
    if len(payees) != 1:
        raise RuleDefinitionError(_("This rule type pays exactly one payee; got %(payees)s.") % {"payees": ", ".join(payees)})


def _within_years(year: int, years: int, trace: list) -> None:
    if year > years:
        raise Ineligible(_("support lasts %(years)s years; this is year %(year)s.") % {"years": years, "year": year})
    trace.append(_("Year %(year)s of %(years)s.") % {"year": year, "years": years})


class RuleType(ABC):
    """A kind of subsidy rule."""

    name: str

    @abstractmethod
    def validate(self, params, payees: tuple[str, ...]) -> dict:
        """The parameters checked and normalised (amounts as Decimal), or RuleDefinitionError."""

    @abstractmethod
    def fact_names(self, params: dict) -> frozenset[str]:
        """Every fact this rule may read."""

    def facts(self, params: dict) -> list[Fact]:
        """The facts in the order a form asks for them (every name of `fact_names`)."""
        return []

    @abstractmethod
    def evaluate(self, params: dict, payees: tuple[str, ...], facts: Facts, trace: list) -> list[Share]:
        """The shares due, appending the steps to `trace`; Ineligible when nothing is due."""


class FixedAmount(RuleType):
    """One amount to one payee; the amount is also its cap."""

    name = "fixed"

    def validate(self, params, payees):
        _expect_keys(params, {"amount"})
        _single_payee(payees)
        return {"amount": _amount(params["amount"], "amount")}

    def fact_names(self, params):
        return frozenset()

    def evaluate(self, params, payees, facts, trace):
        amount = params["amount"]
        trace.append(_("Fixed amount: %(amount)s.") % {"amount": yuan_wan(amount)})
        return [Share(payees[0], amount, amount)]


class FixedByLevel(RuleType):
    """A fixed amount per payee chosen by a level fact (award level, board, grade).

    `amounts` maps each level to {payee: amount}; an empty mapping is a known level that pays
    nothing. `requires` maps a level to a true/false fact that must be true for it to pay.
    `stages` (optional, one payee) splits a level's amount into stages paid one at a time
    (ZZ23 五（四）"奖励按照有关规定分阶段实施"): {level: {stage: {"label": text, "amount": yuan}}};
    a claim names its `stage`, is due that stage's amount, and the level's amount stays the cap of
    all its stages together.
    """

    name = "fixed_by_level"

    def validate(self, params, payees):
        _expect_keys(params, {"fact", "amounts"}, {"requires", "stages"})
        amounts = _mapping(params["amounts"], "amounts")
        requires = params.get("requires", {})
        if not isinstance(requires, dict) or not set(requires) <= set(amounts):
            raise RuleDefinitionError(_("requires must map levels to the name of a true/false fact."))
        checked = {
            "fact": _name(params["fact"], "fact"),
            "amounts": {level: _payee_amounts(due, payees, f"amounts.{level}") for level, due in amounts.items()},
            "requires": {level: _name(flag, f"requires.{level}") for level, flag in requires.items()},
        }
        stages = params.get("stages") or {}
        if stages:
            _single_payee(payees)
            if not isinstance(stages, dict) or not set(stages) <= set(amounts):
                raise RuleDefinitionError(_("stages must map levels of this rule to their stages."))
            checked["stages"] = {
                level: _stages(level_stages, checked["amounts"][level].get(payees[0], ZERO), level)
                for level, level_stages in stages.items()
            }
        return checked

    def fact_names(self, params):
        return frozenset({params["fact"], *params["requires"].values(), *(["stage"] if params.get("stages") else [])})

    def facts(self, params):
        flags = dict.fromkeys(params["requires"].values())
        stage_names = tuple(dict.fromkeys(name for stages in params.get("stages", {}).values() for name in stages))
        return [Fact(params["fact"], "choice", tuple(params["amounts"]))] + [
            Fact(flag, "flag", required=False) for flag in flags
        ] + ([Fact("stage", "choice", stage_names, required=False)] if stage_names else [])

    def evaluate(self, params, payees, facts, trace):
        fact = params["fact"]
        level = facts.choice(fact, params["amounts"])
        flag = params["requires"].get(level)
        values = {"fact": fact_label(fact), "level": value_label(level, fact, facts.rule), "flag": fact_label(flag)}
        if flag and not facts.flag(flag):
            raise Ineligible(_('%(fact)s "%(level)s" pays only when %(flag)s is true.') % values)
        due = params["amounts"][level]
        if not any(due.values()):
            raise Ineligible(_('%(fact)s "%(level)s" earns nothing under this rule.') % values)
        for payee, amount in due.items():
            trace.append(
                _('%(fact)s "%(level)s": %(amount)s for the %(payee)s.')
                % {**values, "amount": yuan_wan(amount), "payee": PAYEES[payee]}
            )
        stages = params.get("stages", {}).get(level)
        if stages:
            return [_stage_share(stages, facts, payees[0], due[payees[0]], trace)]
        return [Share(payee, amount, amount) for payee, amount in due.items()]


def _stages(stages, total: Decimal, level: str) -> dict:
    """{stage: {"label", "amount"}} checked: labels named, amounts together within the level's total."""
    stages = _mapping(stages, f"stages.{level}")
    checked = {}
    for name, stage in stages.items():
        _expect_keys(stage, {"label", "amount"})
        checked[_name(name, f"stages.{level}")] = {
            "label": _name(stage["label"], f"stages.{level}.{name}.label"),
            "amount": _amount(stage["amount"], f"stages.{level}.{name}.amount"),
        }
    staged = sum((stage["amount"] for stage in checked.values()), ZERO)
    if staged > total:
        raise RuleDefinitionError(
            _("The stages of %(level)s add up to %(staged)s, more than its total %(total)s.")
            % {"level": level, "staged": yuan_wan(staged), "total": yuan_wan(total)}
        )
    return checked


def _stage_share(stages: dict, facts: Facts, payee: str, total: Decimal, trace: list) -> Share:
    """One stage of a level paid in stages: the stage's amount, the level's total as the cap."""
    stage = stages[facts.choice("stage", stages)]
    trace.append(
        _("Paid in stages: stage “%(stage)s” %(amount)s, within the total of %(total)s.")
        % {"stage": stage["label"], "amount": yuan_wan(stage["amount"]), "total": yuan_wan(total)}
    )
    return Share(payee, stage["amount"], total)


class TieredByGrade(RuleType):
    """Up to a maximum per evaluation grade, never more than a share of the funding input,
    for the first N years; the grade's maximum is the yearly cap."""

    name = "tiered_by_grade"

    def validate(self, params, payees):
        _expect_keys(params, {"tiers", "input_share", "years"})
        _single_payee(payees)
        tiers = _mapping(params["tiers"], "tiers")
        return {
            "tiers": {grade: _amount(amount, f"tiers.{grade}") for grade, amount in tiers.items()},
            "input_share": _rate(params["input_share"], "input_share"),
            "years": _whole(params["years"], "years"),
        }

    def fact_names(self, params):
        return frozenset({"grade", "funding_input", "year_index"})

    def facts(self, params):
        return [Fact("grade", "choice", tuple(params["tiers"])), Fact("funding_input", "money"), Fact("year_index", "year")]

    def evaluate(self, params, payees, facts, trace):
        grade = facts.choice("grade", params["tiers"])
        funding_input = facts.money("funding_input")
        _within_years(facts.year_index("year_index"), params["years"], trace)
        tier = params["tiers"][grade]
        if not tier:
            raise Ineligible(_('grade "%(grade)s" earns no subsidy.') % {"grade": value_label(grade, "grade")})
        limit = funding_input * params["input_share"]
        amount = min(tier, limit)
        trace.append(
            _(
                'Grade "%(grade)s": at most %(tier)s; %(share)s of the funding input %(input)s is %(limit)s;'
                " due: %(amount)s."
            )
            % {
                "grade": value_label(grade, "grade"),
                "tier": yuan_wan(tier),
                "share": percent(params["input_share"]),
                "input": yuan_wan(funding_input),
                "limit": yuan_wan(limit),
                "amount": yuan_wan(amount),
            }
        )
        return [Share(payees[0], amount, tier)]


class FixedPerYear(RuleType):
    """The same amount each year for the first N years; the amount is the yearly cap."""

    name = "fixed_per_year"

    def validate(self, params, payees):
        _expect_keys(params, {"amount", "years"})
        _single_payee(payees)
        return {"amount": _amount(params["amount"], "amount"), "years": _whole(params["years"], "years")}

    def fact_names(self, params):
        return frozenset({"year_index"})

    def facts(self, params):
        return [Fact("year_index", "year")]

    def evaluate(self, params, payees, facts, trace):
        _within_years(facts.year_index("year_index"), params["years"], trace)
        amount = params["amount"]
        trace.append(_("Yearly amount: %(amount)s.") % {"amount": yuan_wan(amount)})
        return [Share(payees[0], amount, amount)]


class Percentage(RuleType):
    """A fixed rate of a money fact, up to a cap; optionally only from a minimum amount
    (`minimum_inclusive` true: "达到…以上", reaching it counts; false: "超过", must exceed it)."""

    name = "percentage"
    keys = ({"fact", "rate"}, {"cap", "minimum", "minimum_inclusive"})

    def validate(self, params, payees):
        _expect_keys(params, *self.keys)
        _single_payee(payees)
        minimum_inclusive = params.get("minimum_inclusive", True)
        if not isinstance(minimum_inclusive, bool):
            raise RuleDefinitionError(_("minimum_inclusive must be true or false."))
        return {
            "fact": _name(params["fact"], "fact"),
            "cap": _optional_amount(params, "cap"),
            "minimum": _optional_amount(params, "minimum"),
            "minimum_inclusive": minimum_inclusive,
            **self._rate_params(params),
        }

    def _rate_params(self, params) -> dict:
        return {"rate": _rate(params["rate"], "rate")}

    def _rate(self, params, facts: Facts) -> Decimal:
        return params["rate"]

    def fact_names(self, params):
        return frozenset({params["fact"]})

    def facts(self, params):
        return [Fact(params["fact"], "money")]

    def evaluate(self, params, payees, facts, trace):
        fact = params["fact"]
        base = facts.money(fact)
        rate = self._rate(params, facts)
        if params["minimum"] is not None:
            _check_minimum(fact, base, params["minimum"], params["minimum_inclusive"], trace)
        amount = base * rate
        trace.append(
            _("%(rate)s of %(fact)s %(base)s: %(amount)s.")
            % {"rate": percent(rate), "fact": fact_label(fact), "base": yuan_wan(base), "amount": yuan_wan(amount)}
        )
        return [Share(payees[0], amount, amount if params["cap"] is None else params["cap"])]


def _check_minimum(fact: str, base: Decimal, minimum: Decimal, inclusive: bool, trace: list) -> None:
    values = {"fact": fact_label(fact), "base": yuan_wan(base), "minimum": yuan_wan(minimum)}
    if inclusive and base < minimum:
        raise Ineligible(_("%(fact)s %(base)s does not reach %(minimum)s.") % values)
    if not inclusive and base <= minimum:
        raise Ineligible(_("%(fact)s %(base)s does not exceed %(minimum)s.") % values)
    trace.append(_("%(fact)s %(base)s meets the threshold of %(minimum)s.") % values)


class RateInRange(Percentage):
    """Like `percentage`, but the rate is a fact that must lie within [rate_min, rate_max]."""

    name = "rate_in_range"
    keys = ({"fact", "rate_fact", "rate_min", "rate_max"}, {"cap", "minimum", "minimum_inclusive"})

    def _rate_params(self, params):
        low, high = _rate(params["rate_min"], "rate_min"), _rate(params["rate_max"], "rate_max")
        if low > high:
            raise RuleDefinitionError(_("rate_min must not be above rate_max."))
        return {"rate_fact": _name(params["rate_fact"], "rate_fact"), "rate_min": low, "rate_max": high}

    def _rate(self, params, facts):
        return facts.rate(params["rate_fact"], params["rate_min"], params["rate_max"])

    def fact_names(self, params):
        return frozenset({params["fact"], params["rate_fact"]})

    def facts(self, params):
        return [
            Fact(params["fact"], "money"),
            Fact(params["rate_fact"], "rate", low=params["rate_min"], high=params["rate_max"]),
        ]


class ApprovedAmount(RuleType):
    """The amount approved by staff, at most `maximum` unless the override fact is true,
    counted against `cap` (or, without a cap, against itself: paid once)."""

    name = "approved_amount"

    def validate(self, params, payees):
        _expect_keys(params, {"fact"}, {"maximum", "override_fact", "cap"})
        _single_payee(payees)
        if ("maximum" in params) != ("override_fact" in params):
            raise RuleDefinitionError(_("maximum and override_fact go together."))
        override_fact = params.get("override_fact")
        return {
            "fact": _name(params["fact"], "fact"),
            "maximum": _optional_amount(params, "maximum"),
            "override_fact": None if override_fact is None else _name(override_fact, "override_fact"),
            "cap": _optional_amount(params, "cap"),
        }

    def fact_names(self, params):
        return frozenset({params["fact"], params["override_fact"]} - {None})

    def facts(self, params):
        override = [] if params["override_fact"] is None else [Fact(params["override_fact"], "flag", required=False)]
        return [Fact(params["fact"], "money")] + override

    def evaluate(self, params, payees, facts, trace):
        fact, maximum = params["fact"], params["maximum"]
        amount = facts.money(fact)
        trace.append(_("Approved amount: %(amount)s.") % {"amount": yuan_wan(amount)})
        if maximum is not None and amount > maximum:
            _allow_above_maximum(facts, fact, amount, maximum, params["override_fact"], trace)
        return [Share(payees[0], amount, amount if params["cap"] is None else params["cap"])]


def _allow_above_maximum(facts: Facts, fact: str, amount, maximum, override_fact: str, trace: list) -> None:
    values = {
        "fact": fact_label(fact),
        "amount": yuan_wan(amount),
        "maximum": yuan_wan(maximum),
        "override": fact_label(override_fact),
        "rule": facts.rule,
    }
    if not facts.flag(override_fact, default=False):
        raise QuoteInputError(
            _(
                '"%(fact)s" %(amount)s is above the guide amount %(maximum)s of rule %(rule)s;'
                ' only staff may approve more, by ticking "%(override)s".'
            )
            % values
        )
    trace.append(_('Above the guide amount %(maximum)s: approved by staff ("%(override)s").') % values)


class Milestones(RuleType):
    """Fixed amounts, once each, for every threshold the fact now exceeds (strictly: "超过")
    and the previous peak did not."""

    name = "milestones"

    def validate(self, params, payees):
        _expect_keys(params, {"fact", "previous_fact", "thresholds"})
        thresholds = params["thresholds"]
        if not isinstance(thresholds, list) or not thresholds:
            raise RuleDefinitionError(_("thresholds must be a non-empty list."))
        return {
            "fact": _name(params["fact"], "fact"),
            "previous_fact": _name(params["previous_fact"], "previous_fact"),
            "thresholds": [_threshold(item, payees) for item in thresholds],
        }

    def fact_names(self, params):
        return frozenset({params["fact"], params["previous_fact"]})

    def facts(self, params):
        return [Fact(params["fact"], "money"), Fact(params["previous_fact"], "money")]

    def evaluate(self, params, payees, facts, trace):
        fact, previous_fact = params["fact"], params["previous_fact"]
        value, previous = facts.money(fact), facts.money(previous_fact)
        crossed = [t for t in params["thresholds"] if previous <= t["above"] < value]
        values = {
            "fact": fact_label(fact),
            "value": yuan_wan(value),
            "previous_fact": fact_label(previous_fact),
            "previous": yuan_wan(previous),
        }
        if not crossed:
            raise Ineligible(
                _("%(fact)s %(value)s exceeds no threshold that %(previous_fact)s %(previous)s had not.") % values
            )
        due = dict.fromkeys(payees, ZERO)
        for threshold in crossed:
            values["above"] = yuan_wan(threshold["above"])
            trace.append(_("%(fact)s %(value)s exceeds %(above)s for the first time.") % values)
            for payee, amount in threshold["amounts"].items():
                due[payee] += amount
        return [Share(payee, amount, amount) for payee, amount in due.items() if amount]


def _threshold(item, payees) -> dict:
    _expect_keys(item, {"above", "amounts"})
    return {
        "above": _amount(item["above"], "above"),
        "amounts": _payee_amounts(item["amounts"], payees, "amounts"),
    }


class ByChoice(RuleType):
    """Another rule type chosen by a fact (e.g. `role`: user or owner); `default` is used
    when the fact is absent."""

    name = "by_choice"

    def validate(self, params, payees):
        _expect_keys(params, {"fact", "options"}, {"default"})
        options = _mapping(params["options"], "options")
        default = params.get("default")
        if default is not None and default not in options:
            raise RuleDefinitionError(_("default must be one of the options."))
        return {
            "fact": _name(params["fact"], "fact"),
            "default": default,
            "options": {key: _option(option, payees) for key, option in options.items()},
        }

    def fact_names(self, params):
        names = {params["fact"]}
        for option in params["options"].values():
            names |= RULE_TYPES[option["rule_type"]].fact_names(option["params"])
        return frozenset(names)

    def facts(self, params):
        fact = params["fact"]
        readers: dict[str, tuple[Fact, list[str]]] = {}
        for value, option in params["options"].items():
            for item in RULE_TYPES[option["rule_type"]].facts(option["params"]):
                readers.setdefault(item.name, (item, []))[1].append(value)
        asked = [Fact(fact, "choice", tuple(params["options"]), required=params["default"] is None)]
        for item, values in readers.values():
            if len(values) == len(params["options"]):  # every option reads it
                asked.append(item)
            else:
                asked.append(replace(item, required=False, when=(fact, values[0]) if len(values) == 1 else None))
        return asked

    def evaluate(self, params, payees, facts, trace):
        fact = params["fact"]
        chosen = facts.choice(fact, params["options"], default=params["default"])
        trace.append(_('%(fact)s: "%(value)s".') % {"fact": fact_label(fact), "value": value_label(chosen, fact, facts.rule)})
        option = params["options"][chosen]
        return RULE_TYPES[option["rule_type"]].evaluate(option["params"], payees, facts, trace)


def _option(option, payees) -> dict:
    _expect_keys(option, {"rule_type", "params"})
    rule_type = rule_type_named(option["rule_type"])
    return {"rule_type": rule_type.name, "params": rule_type.validate(option["params"], payees)}


RULE_TYPES: dict[str, RuleType] = {
    rule_type.name: rule_type
    for rule_type in (
        FixedAmount(),
        FixedByLevel(),
        TieredByGrade(),
        FixedPerYear(),
        Percentage(),
        RateInRange(),
        ApprovedAmount(),
        Milestones(),
        ByChoice(),
    )
}


def rule_type_named(name) -> RuleType:
    if name not in RULE_TYPES:
        raise RuleDefinitionError(
            _("Unknown rule type %(name)r; known: %(known)s.") % {"name": name, "known": ", ".join(RULE_TYPES)}
        )
    return RULE_TYPES[name]
