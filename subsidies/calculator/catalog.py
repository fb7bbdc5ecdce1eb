"""The default rule versions: every rule code of POLICY.md §7, as the documents set them.

Amounts are yuan (the documents give 万元; `from_wan` converts). See docs/policy-calculator.md
for the article behind each version and the reading chosen where the text leaves room.
HN23 has no versions here: its amounts are set by separate funding measures, which staff
enter as versions of these same rule types.
"""
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .money import from_wan
from .versions import RuleVersion

ZZ23 = {"document": "郑政办〔2023〕6号 郑州市支持产业研究院建设实施方案", "effective_from": date(2023, 1, 20)}
XX22 = {
    "document": "新政办〔2022〕9号 新乡市关于大力支持产业研究院建设的实施意见（试行）",
    "effective_from": date(2022, 1, 30),
    "effective_to": date(2024, 12, 31),
}
ZZ17 = {"document": "郑政办〔2017〕61号 郑州市促进科技成果转移转化工作实施方案", "effective_from": date(2017, 3, 17)}
SJZ22 = {
    "document": "石家庄市〔2022〕10 关于加快建设市级产业技术研究院促进主导产业快速发展的实施意见",
    "effective_from": date(2022, 1, 19),
}

GRADES_WITHOUT_AWARD = ("good", "pass", "fail")


def _levels(payee: str, **amounts_in_wan) -> dict:
    """{level: {payee: yuan}} for a fixed-by-level rule with one payee."""
    return {level: {payee: from_wan(amount)} for level, amount in amounts_in_wan.items()}


def _split(**amounts_in_wan) -> dict:
    """{level: {"enterprise": yuan, "institute": yuan}} from level=(enterprise 万元, institute 万元)."""
    return {
        level: {"enterprise": from_wan(enterprise), "institute": from_wan(institute)}
        for level, (enterprise, institute) in amounts_in_wan.items()
    }


def _first_completing_unit(**amounts_in_wan) -> dict:
    """XX22 (五): the institute or its spin-off, whichever is the first completing unit."""
    return {
        "fact": "first_unit",
        "default": "institute",
        "options": {
            payee: {
                "rule_type": "fixed_by_level",
                "params": {"fact": "level", "amounts": _levels(payee, **amounts_in_wan)},
            }
            for payee in ("institute", "enterprise")
        },
    }


def _rule(program: dict, code: str, article: str, title, rule_type: str, params: dict, payees, cap_period: str):
    return RuleVersion(
        code=code,
        article=article,
        title=title,
        rule_type=rule_type,
        params=params,
        payees=payees,
        cap_period=cap_period,
        **program,
    )


ZZ23_VERSIONS = (
    _rule(
        ZZ23, "ZZ23-1", "五（一）", _("Research subsidy by annual evaluation grade"), "tiered_by_grade",
        {
            "tiers": {"excellent": from_wan(800), "good": from_wan(500), "pass": from_wan(100), "fail": Decimal(0)},
            "input_share": Decimal("0.5"),
            "years": 3,
        },
        ("institute",), "year",
    ),
    _rule(
        ZZ23, "ZZ23-3", "五（三）", _("Equity financing of an unlisted spin-off"), "percentage",
        {"fact": "investment", "rate": Decimal("0.10"), "cap": from_wan(100)},
        ("enterprise",), "year",
    ),
    _rule(
        ZZ23, "ZZ23-4", "五（四）", _("Listing award"), "fixed_by_level",
        {
            "fact": "board",
            "amounts": _levels("enterprise", star=1000, domestic=800, overseas=800, neeq=100, regional=10),
            "requires": {"neeq": "qianqi", "regional": "qianqi"},
        },
        ("enterprise",), "once",
    ),
    _rule(
        ZZ23, "ZZ23-4B", "五（四）", _("Bond or note financing"), "percentage",
        {"fact": "raised", "rate": Decimal("0.001"), "cap": from_wan(50)},
        ("enterprise",), "claim",
    ),
    _rule(
        ZZ23, "ZZ23-6A", "五（六）",
        _("Product listed in a green, energy, water, environment or remanufacturing catalogue"), "fixed",
        {"amount": from_wan(50)},
        ("enterprise",), "once",
    ),
    _rule(
        ZZ23, "ZZ23-6B", "五（六）", _("Sales of an invention-patent product"), "percentage",
        {
            "fact": "sales",
            "rate": Decimal("0.02"),
            "cap": from_wan(500),
            "minimum": from_wan(2000),
            "minimum_inclusive": True,
        },
        ("institute",), "once",
    ),
    _rule(
        ZZ23, "ZZ23-7", "五（七）",
        _("1:1 matching of a national or provincial first-set equipment award"), "percentage",
        {"fact": "award_amount", "rate": Decimal(1), "cap": from_wan(1000)},
        ("institute",), "once",
    ),
    _rule(
        ZZ23, "ZZ23-8A", "五（八）", _("China Patent Award"), "fixed_by_level",
        {
            "fact": "level",
            "amounts": {**_levels("patentee", gold=50, silver=30, excellence=20), **_levels("unit", organization=20)},
        },
        ("patentee", "unit"), "once",
    ),
    _rule(
        ZZ23, "ZZ23-8B", "五（八）", _("Henan Patent Award"), "fixed_by_level",
        {"fact": "level", "amounts": _levels("patentee", special=30, first=20, second=10)},
        ("patentee",), "once",
    ),
    _rule(
        ZZ23, "ZZ23-9A", "五（九）", _("Standard published as main drafter"), "fixed_by_level",
        {"fact": "level", "amounts": _levels("institute", international=1000, national=100, industry=80)},
        ("institute",), "once",
    ),
    _rule(
        ZZ23, "ZZ23-9B", "五（九）", _("Standard published as main participant (top three)"), "fixed_by_level",
        {"fact": "level", "amounts": _levels("institute", international=100, national=80, industry=60)},
        ("institute",), "once",
    ),
)

XX22_VERSIONS = (
    _rule(
        XX22, "XX22-1", "四（一）", _("Creation subsidy of a provincial institute"), "fixed_per_year",
        {"amount": from_wan(500), "years": 3},
        ("institute",), "year",
    ),
    _rule(
        XX22, "XX22-3", "四（三）", _("Spin-off listing"), "fixed_by_level",
        {"fact": "board", "amounts": _split(neeq=(100, 25), main=(200, 50))},
        ("enterprise", "institute"), "once",
    ),
    _rule(
        XX22, "XX22-5A", "四（五）", _("National S&T Progress Award"), "by_choice",
        _first_completing_unit(special=200, first=40, second=20),
        ("institute", "enterprise"), "once",
    ),
    _rule(
        XX22, "XX22-5B", "四（五）", _("Provincial S&T Progress Award"), "by_choice",
        _first_completing_unit(first=15, second=5, third=2),
        ("institute", "enterprise"), "once",
    ),
    _rule(
        XX22, "XX22-11", "四（十一）", _("Spin-off revenue milestones"), "milestones",
        {
            "fact": "revenue",
            "previous_fact": "previous_peak_revenue",
            "thresholds": [
                {"above": from_wan(above), "amounts": {"enterprise": from_wan(award), "institute": from_wan(award)}}
                for above, award in ((500, 5), (1000, 10), (10000, 20))
            ],
        },
        ("enterprise", "institute"), "once",
    ),
)

ZZ17_VERSIONS = (
    _rule(
        ZZ17, "ZZ17-5", "三（二）5", _("Introduction of advanced technology"), "percentage",
        {"fact": "transaction_amount", "rate": Decimal("0.20"), "cap": from_wan(100)},
        ("enterprise",), "year",
    ),
    _rule(
        ZZ17, "ZZ17-6", "三（二）6",
        _("University or research institute takes on a Zhengzhou enterprise's R&D project"), "rate_in_range",
        {"fact": "funds_received", "rate_fact": "rate", "rate_min": Decimal(0), "rate_max": Decimal("0.5")},
        ("unit",), "claim",
    ),
    _rule(
        ZZ17, "ZZ17-10A", "三（三）10", _("Newly recognised municipal technology-transfer service agency"), "fixed",
        {"amount": from_wan(30)},
        ("agency",), "once",
    ),
    _rule(
        ZZ17, "ZZ17-10B", "三（三）10",
        _("Newly recognised technology-transfer demonstration agency"), "fixed_by_level",
        {"fact": "level", "amounts": _levels("agency", municipal=50, provincial=100, national=200)},
        ("agency",), "once",
    ),
    _rule(
        ZZ17, "ZZ17-10C", "三（三）10", _("Technology contracts brokered by a transfer agency"), "percentage",
        {"fact": "contract_amount", "rate": Decimal("0.03"), "cap": from_wan(100)},
        ("agency",), "year",
    ),
    _rule(
        ZZ17, "ZZ17-10D", "三（三）10", _("Newly recognised international technology-transfer agency"), "fixed",
        {"amount": from_wan(50)},
        ("agency",), "once",
    ),
    _rule(
        ZZ17, "ZZ17-10E", "三（三）10", _("International technology transactions brokered"), "percentage",
        {"fact": "international_amount", "rate": Decimal("0.10"), "cap": from_wan(100)},
        ("agency",), "year",
    ),
    _rule(
        ZZ17, "ZZ17-11", "三（三）11", _("Large-instrument sharing (owner and user share one cap)"), "by_choice",
        {
            "fact": "role",
            "options": {
                "user": {
                    "rule_type": "rate_in_range",
                    "params": {
                        "fact": "fees",
                        "rate_fact": "rate",
                        "rate_min": Decimal("0.10"),
                        "rate_max": Decimal("0.30"),
                        "cap": from_wan(20),
                    },
                },
                "owner": {"rule_type": "approved_amount", "params": {"fact": "approved_amount", "cap": from_wan(20)}},
            },
        },
        ("unit",), "year",
    ),
)

SJZ22_VERSIONS = (
    _rule(
        SJZ22, "SJZ22-3", "四（三）", _("Newly recognised municipal institute"), "fixed",
        {"amount": from_wan(20)},
        ("institute",), "once",
    ),
    _rule(
        SJZ22, "SJZ22-4", "四（四）", _("Three-year performance cycle graded excellent"), "fixed_by_level",
        {"fact": "grade", "amounts": {**_levels("institute", excellent=50), **dict.fromkeys(GRADES_WITHOUT_AWARD, {})}},
        ("institute",), "once",
    ),
    _rule(
        SJZ22, "SJZ22-5", "四（五）", _("Newly recognised provincial institute"), "fixed",
        {"amount": from_wan(100)},
        ("institute",), "once",
    ),
    _rule(
        SJZ22, "SJZ22-6", "四（六）", _("Joint research project"), "approved_amount",
        {"fact": "approved_amount", "maximum": from_wan(100), "override_fact": "staff_override"},
        ("institute",), "claim",
    ),
)

DEFAULT_VERSIONS: tuple[RuleVersion, ...] = ZZ23_VERSIONS + XX22_VERSIONS + ZZ17_VERSIONS + SJZ22_VERSIONS
