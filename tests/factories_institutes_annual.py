"""Factories for the registry, annual reports and revocations (issue 4)."""
import datetime
import hashlib
import itertools
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from institutes.models import (
    AnnualGrade, AnnualReport, AnnualReportAttachment, Grade, IndustryField, Institute, Revocation,
)
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from tests.factories import PDF_BYTES, OrganizationFactory, program, region

_serials = itertools.count(700000)


def recognised(organization=None, *, code="ZZ23", state=Institute.State.ACTIVE, recognized_on=None,
               field="advanced-equipment", name=None, **extra) -> Institute:
    organization = organization or OrganizationFactory()
    return Institute.objects.create(
        program=program(code), lead_unit=organization, name=name or f"{organization.name}研究院",
        industry_field=IndustryField.objects.get(code=field), state=state,
        recognized_on=recognized_on or datetime.date(2022, 6, 1), **extra,
    )


def many_institutes(n, *, code="ZZ23", region_code="410105", grades_per_institute=2) -> list[Institute]:
    """n institutes of n new organisations, each with published grades, in bulk."""
    where = region(region_code)
    organizations = Organization.objects.bulk_create([
        Organization(name=f"登记企业{serial}有限公司", region=where, uscc=make_uscc(where.code, serial))
        for serial in (next(_serials) for _ in range(n))
    ])
    fields = list(IndustryField.objects.all()[:5])
    prog = program(code)
    institutes = Institute.objects.bulk_create([
        Institute(program=prog, lead_unit=org, name=f"批量研究院{org.pk}", industry_field=fields[i % len(fields)],
                  state=Institute.State.ACTIVE, recognized_on=datetime.date(2020 + i % 4, 3, 1))
        for i, org in enumerate(organizations)
    ])
    AnnualGrade.objects.bulk_create([
        AnnualGrade(institute=inst, year=2021 + k, grade=Grade.GOOD, published_on=datetime.date(2022 + k, 6, 1))
        for inst in institutes for k in range(grades_per_institute)
    ])
    return institutes


FILLED = {
    "summary": "年度工作总结", "plan": "本年度工作计划", "budget": Decimal("2000000.00"),
    "rd_spending": Decimal("5000000.00"), "funding_input": Decimal("3000000.00"), "new_achievements": 12,
    "technologies_transferred": 6, "invention_patents": 3, "standards": 1, "spin_offs": 1, "talents_introduced": 4,
}


def report(institute, *, year=None, state=AnnualReport.State.DRAFT, filled=True, round_=None, **extra) -> AnnualReport:
    """A report put in `state` directly (not through the workflow), for view tests."""
    year = year or timezone.localdate().year - 1
    values = dict(FILLED) if filled else {}
    values.update(extra)
    if state != AnnualReport.State.DRAFT:
        values.setdefault("submitted_at", timezone.now() - datetime.timedelta(days=3))
        values.setdefault("submission_round", round_ or 1)
    if state == AnnualReport.State.ACCEPTED:
        values.setdefault("accepted_on", timezone.localdate())
    return AnnualReport.objects.create(institute=institute, year=year, state=state, **values)


def many_reports(n, *, state=AnnualReport.State.SUBMITTED, code="ZZ23", region_code="410105") -> list[AnnualReport]:
    institutes = many_institutes(n, code=code, region_code=region_code, grades_per_institute=0)
    now = timezone.now()
    year = timezone.localdate().year - 1
    return AnnualReport.objects.bulk_create([
        AnnualReport(institute=inst, year=year, state=state, submission_round=1,
                     submitted_at=now - datetime.timedelta(days=i), **FILLED)
        for i, inst in enumerate(institutes)
    ])


def report_attachment(report, *, user, content=PDF_BYTES, name="研发投入明细.pdf", kind="financial_statement"):
    item = AnnualReportAttachment(
        report=report, kind=kind, original_name=name, content_type="application/pdf", size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user,
    )
    item.file.save(name, ContentFile(content), save=False)
    item.save()
    return item


def grade(institute, year, value=Grade.PASS, *, published=True) -> AnnualGrade:
    return AnnualGrade.objects.create(
        institute=institute, year=year, grade=value,
        published_on=datetime.date(year + 1, 6, 1) if published else None,
    )


def proposal(institute, grounds=Revocation.Grounds.TWO_FAILS, **extra) -> Revocation:
    return Revocation.objects.create(
        institute=institute, grounds=grounds, reason="两年不合格", proposed_on=timezone.localdate(), **extra
    )
