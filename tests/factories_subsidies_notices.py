"""Builders for the PDF-notice tests: institutes with published grades and entitlements, paid payout
lines, and notices issued without rendering (for list and permission tests)."""
import datetime
import itertools
from decimal import Decimal

from institutes.models import AnnualGrade, Grade
from portal.accounts.models import Region
from subsidies.models import Entitlement, Notice, PayoutBatch, PayoutLine
from subsidies.services import notices as service
from tests.factories import OrganizationFactory, UserFactory, institute, program

_keys = itertools.count(1)


def recognised(organization=None, code="ZZ23", **kwargs):
    return institute(organization or OrganizationFactory(), code=code, **kwargs)


def published_grade(unit, year=2025, grade=Grade.EXCELLENT, score="92.50"):
    return AnnualGrade.objects.create(
        institute=unit, year=year, grade=grade, score=Decimal(score), published_on=datetime.date(year + 1, 3, 31),
    )


def entitlement(unit, year=2025, amount="1000000.00", rule_code="ZZ23-1", state=Entitlement.State.APPROVED):
    return Entitlement.objects.create(
        program=unit.program, rule_code=rule_code, source=Entitlement.Source.YEARLY, institute=unit,
        payee=unit.lead_unit, payee_role="institute", year=year, event_date=datetime.date(year + 1, 3, 31),
        amount=Decimal(amount), key=f"notice-test-{next(_keys)}", state=state,
    )


def finance_user(**kwargs):
    """A finance officer of 郑州市财政局 (serves the city region 410100) unless `region_codes` says otherwise."""
    kwargs.setdefault("region_codes", ["410100"])
    return UserFactory(role="finance", department="finance", **kwargs)


def batch(built_by=None):
    return PayoutBatch.objects.create(
        reference=f"PB-T{next(_keys):05d}", built_by=built_by or finance_user(), state=PayoutBatch.State.APPROVED,
        authority=Region.objects.get(code="410100"),
    )


def paid_line(organization, amount="500000.00", *, code="ZZ23", in_batch=None, year=2025,
              state=PayoutLine.State.PAID, settled_on=datetime.date(2026, 11, 30)):
    return PayoutLine.objects.create(
        batch=in_batch, program=program(code), payee=organization, district=organization.region,
        rule_code=f"{code}-1", year=year, amount=Decimal(amount), state=state,
        settled_on=settled_on if state == PayoutLine.State.PAID else None,
    )


def pending_notice(organization=None, code="ZZ23") -> Notice:
    """A recognition notice issued but not rendered (the render job is queued on commit, which a
    test transaction never reaches)."""
    return service.issue_recognition_notice(recognised(organization, code=code))


def rendered(notice: Notice) -> Notice:
    service.render_notice(notice.pk)
    notice.refresh_from_db()
    return notice

