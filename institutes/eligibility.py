"""Eligibility rules of the programs (POLICY.md §2). Which criteria a program runs, and their
parameters, are data (Program.eligibility_rules); what each criterion means is code here.

Each criterion returns a `CriterionResult` carrying the numbers it looked at, so the applicant
reads e.g. “近3年研发投入占比 2.71% < 3%”, not just “failed”.
"""
import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.formatting import percent, yuan_wan

from .vocabulary import Qualification

BAN_YEARS = 3
# ZZ23 管理办法 第十四条 "被撤销资格的…3年内不得再次申请": the ban is ZZ23's own; the other documents
# contain none, so it is read only for ZZ23 applications and only ZZ23 revocations start it.
BAN_PROGRAMS = ("ZZ23",)


@dataclass
class CriterionResult:
    code: str
    label: str
    passed: bool
    detail: str
    blocking: bool = True


@dataclass
class EligibilityReport:
    results: list[CriterionResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results if r.blocking)

    @property
    def failures(self) -> list[CriterionResult]:
        return [r for r in self.results if r.blocking and not r.passed]

    def as_dict(self) -> dict:
        return {
            "passed": self.passed,
            "checked_at": timezone.now().isoformat(),
            "results": [asdict(r) for r in self.results],
            "warnings": self.warnings,
        }


CRITERIA = {}


def criterion(code):
    def register(func):
        CRITERIA[code] = func
        return func

    return register


def evaluate(application, today: datetime.date | None = None) -> EligibilityReport:
    today = today or timezone.localdate()
    report = EligibilityReport()
    for rule in application.program.eligibility_rules:
        params = {key: value for key, value in rule.items() if key != "criterion"}
        report.results.append(CRITERIA[rule["criterion"]](application, today=today, **params))
    if application.program.code in BAN_PROGRAMS:
        report.results.append(_not_banned(application, today))
    report.warnings.extend(_field_warnings(application))
    return report


@criterion("complete")
def _complete(app, today, **_params):
    missing = missing_fields(app)
    return CriterionResult(
        "complete", _("Application complete"), not missing,
        _("Missing: %(fields)s") % {"fields": "、".join(missing)} if missing else _("All required sections are filled in."),
    )


def missing_fields(app) -> list[str]:
    checks = [
        (app.title, _("proposed institute name")),
        (app.industry_field_id, _("industry field")),
        (app.contact_name, _("contact person")),
        (app.contact_phone, _("contact phone")),
        (app.direction, _("research direction")),
        (app.targets, _("construction targets")),
        (app.roadmap, _("technology roadmap")),
        (app.budget is not None, _("construction budget")),
    ]
    plan_fields = {
        "rd_staff_count": _("R&D staff"),
        "registered_capital": _("carrier registered capital"),
    }
    checks += [(getattr(app, name) is not None, plan_fields[name]) for name in app.program.required_plan_fields]
    if app.program.lead_unit_categories:
        checks.append((app.categories, _("lead-unit category")))
    if len(financial_years(app)) < 3:
        checks.append((False, _("three years of finances")))
    return [str(label) for ok, label in checks if not ok]


def financial_years(app):
    return sorted(app.years.all(), key=lambda y: y.year)


@criterion("category")
def _category(app, today, **_params):
    allowed = set(app.program.lead_unit_categories)
    chosen = [code for code in app.categories if code in allowed]
    return CriterionResult(
        "category", _("Lead-unit category"), bool(chosen),
        ngettext("%(n)d qualifying category declared.", "%(n)d qualifying categories declared.", len(chosen))
        % {"n": len(chosen)} if chosen
        else _("No qualifying lead-unit category is declared."),
    )


@criterion("qualifications")
def _qualifications(app, today, required=(), any_of=(), **_params):
    """All of `required`, and at least one of `any_of`, of the declared yes/no qualifications."""
    missing = [Qualification(code).label for code in required if not getattr(app, code)]
    if any_of and not any(getattr(app, code) for code in any_of):
        missing.append(_("one of: %(list)s") % {"list": "；".join(str(Qualification(c).label) for c in any_of)})
    return CriterionResult(
        "qualifications", _("Qualifications"), not missing,
        _("Not met: %(list)s") % {"list": "；".join(str(m) for m in missing)} if missing
        else _("All required qualifications are declared."),
    )


@criterion("rd_intensity")
def _rd_intensity(app, today, revenue_threshold, min_ratio, min_cumulative_rd, **_params):
    """ZZ23 第八条(三): 上年度营业收入 1亿元及以上 → 近3年研发经费占累计营业收入 ≥ 3%;
    1亿元以下 → 近3年研发经费累计 ≥ 500万元, 不含财政支持经费."""
    years = financial_years(app)
    label = _("R&D intensity over the last three years")
    if len(years) < 3:
        return CriterionResult("rd_intensity", label, False, _("Three years of finances are needed."))
    years = years[-3:]
    last_revenue = years[-1].operating_revenue
    total_revenue = sum((y.operating_revenue for y in years), Decimal(0))
    total_rd = sum((y.rd_spending for y in years), Decimal(0))
    if last_revenue >= Decimal(revenue_threshold):
        ratio = total_rd / total_revenue if total_revenue else Decimal(0)
        passed = ratio >= Decimal(min_ratio)
        detail = _("Previous-year revenue %(revenue)s ≥ %(threshold)s: 3-year R&D ratio %(ratio)s %(op)s %(min)s") % {
            "revenue": yuan_wan(last_revenue), "threshold": yuan_wan(Decimal(revenue_threshold)),
            "ratio": percent(ratio), "op": "≥" if passed else "<", "min": percent(Decimal(min_ratio)),
        }
    else:
        own_rd = total_rd - sum((y.fiscal_support for y in years), Decimal(0))
        passed = own_rd >= Decimal(min_cumulative_rd)
        detail = _(
            "Previous-year revenue %(revenue)s < %(threshold)s: 3-year R&D excluding fiscal support %(rd)s %(op)s %(min)s"
        ) % {
            "revenue": yuan_wan(last_revenue), "threshold": yuan_wan(Decimal(revenue_threshold)),
            "rd": yuan_wan(own_rd), "op": "≥" if passed else "<", "min": yuan_wan(Decimal(min_cumulative_rd)),
        }
    return CriterionResult("rd_intensity", label, passed, detail)


@criterion("ip_held")
def _ip_held(app, today, **_params):
    count = sum(1 for asset in app.ip_assets.all() if asset.in_field)
    return CriterionResult(
        "ip_held", _("Intellectual property in the field"), count > 0,
        ngettext(
            "%(n)d item of intellectual property in the field.", "%(n)d items of intellectual property in the field.",
            count,
        ) % {"n": count},
    )


@criterion("not_dishonest")
def _not_dishonest(app, today, **_params):
    listed = app.organization.on_dishonesty_list
    declared = app.declares_not_dishonest
    if listed:
        detail = _("The lead unit is on the dishonesty list.")
    elif not declared:
        detail = _("The no-dishonesty declaration has not been made.")
    else:
        detail = _("Declared not on the dishonesty list.")
    return CriterionResult("not_dishonest", _("Credit standing"), declared and not listed, detail)


@criterion("minimum")
def _minimum(app, today, field, minimum, **_params):
    """A plan figure at or above a minimum (HN23: R&D staff ≥ 30, registered capital ≥ 1000万元)."""
    value = getattr(app, field)
    labels = {"rd_staff_count": _("R&D staff"), "registered_capital": _("Carrier registered capital")}
    shown = (lambda v: yuan_wan(Decimal(v))) if field == "registered_capital" else str
    passed = value is not None and Decimal(value) >= Decimal(minimum)
    detail = _("%(label)s %(value)s %(op)s %(min)s") % {
        "label": labels[field], "value": shown(value) if value is not None else "—",
        "op": "≥" if passed else "<", "min": shown(minimum),
    }
    return CriterionResult(f"minimum:{field}", labels[field], passed, detail)


@criterion("registered_in_region")
def _registered_in_region(app, today, **_params):
    region = app.organization.region
    program_region = app.program.region
    passed = region.path.startswith(program_region.path)
    return CriterionResult(
        "registered_in_region", _("Registered in the program's region"), passed,
        _("Registered in %(region)s; the program covers %(program_region)s.") % {
            "region": region.name, "program_region": program_region.name,
        },
    )


@dataclass(frozen=True)
class ReapplicationBan:
    """ZZ23 第十四条: after a revocation the unit may not apply again for a ZZ23 institute for 3 years."""

    institute_name: str
    revoked_on: datetime.date

    ground = "revoked"

    @property
    def ends_on(self) -> datetime.date:
        """The last day of the ban; the unit may apply again the day after."""
        return _years_after(self.revoked_on, BAN_YEARS) - datetime.timedelta(days=1)

    def message(self) -> str:
        return _("%(institute)s of this unit was revoked on %(date)s: under ZZ23 第十四条 the unit may not apply for a "
                 "ZZ23 institute until %(ends)s and may apply again from %(until)s. Other programs are not affected.") % {
            "institute": self.institute_name, "date": self.revoked_on.isoformat(), "ends": self.ends_on.isoformat(),
            "until": _years_after(self.revoked_on, BAN_YEARS).isoformat(),
        }


def reapplication_ban(organization_id, program_code: str, today: datetime.date) -> ReapplicationBan | None:
    """The 3-year ban on applying to `program_code` that a revocation put on the organisation, if it runs
    on `today` (ZZ23 applications only; only a revoked ZZ23 institute starts it). One query."""
    from .models import Institute

    if program_code not in BAN_PROGRAMS or not organization_id:
        return None
    revoked = (
        Institute.objects.filter(
            lead_unit_id=organization_id, program__code=program_code, state=Institute.State.REVOKED,
            revoked_on__gt=_years_before(today, BAN_YEARS),
        )
        .order_by("-revoked_on").values_list("name", "revoked_on").first()
    )
    return ReapplicationBan(*revoked) if revoked else None


def _not_banned(app, today) -> CriterionResult:
    """ZZ23 第十四条: a unit whose ZZ23 institute was revoked cannot apply again for a ZZ23 institute for 3 years."""
    ban = reapplication_ban(app.organization_id, app.program.code, today)
    detail = ban.message() if ban else _("No revocation in the last %(n)d years.") % {"n": BAN_YEARS}
    return CriterionResult("not_banned", _("No revocation in the last 3 years"), ban is None, detail)


def _field_warnings(app) -> list[str]:
    from .models import Institute

    if not app.industry_field_id:
        return []
    existing = Institute.objects.filter(
        program=app.program, industry_field_id=app.industry_field_id, state__in=Institute.OPERATING_STATES
    ).values_list("name", flat=True)[:5]
    return [
        _("The field “%(field)s” already has an active institute: %(name)s (one institute per field in principle).")
        % {"field": app.industry_field.name, "name": name}
        for name in existing
    ]


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
