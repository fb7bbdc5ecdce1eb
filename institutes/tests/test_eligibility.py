import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from institutes.eligibility import evaluate
from institutes.models import Institute
from tests.factories import ApplicationFactory, complete_zz23, institute, program

pytestmark = pytest.mark.django_db


def result(report, code):
    return next(r for r in report.results if r.code == code)


def zz23(**figures):
    return complete_zz23(ApplicationFactory(), **figures)


def test_complete_zz23_application_passes_every_criterion():
    report = evaluate(zz23())
    assert report.passed, [(r.code, r.detail) for r in report.failures]


@pytest.mark.parametrize(
    ("revenue", "rd", "passes"),
    [
        ("100000000", "3000000", True),  # exactly 1亿 → ratio rule; exactly 3% passes (不低于)
        ("100000000", "2999999.99", False),  # a fen under 3%
        ("100000000", "2710000", False),  # 2.71% < 3%
    ],
)
def test_rd_ratio_rule_applies_from_exactly_one_hundred_million(revenue, rd, passes):
    report = evaluate(zz23(revenue=revenue, rd=rd))
    rd_result = result(report, "rd_intensity")
    assert rd_result.passed is passes
    assert "≥ 100,000,000.00 元" in rd_result.detail


def test_rd_ratio_failure_reports_the_numbers():
    detail = result(evaluate(zz23(revenue="100000000", rd="2710000")), "rd_intensity").detail
    assert "2.71% < 3.00%" in detail


@pytest.mark.parametrize(
    ("rd_per_year", "fiscal_per_year", "passes"),
    [
        ("1666666.67", "0", True),  # 3 × 1,666,666.67 = 5,000,000.01 ≥ 500万
        ("1666666.66", "0", False),  # 4,999,999.98 < 500万
    ],
)
def test_cumulative_rd_rule_below_one_hundred_million(rd_per_year, fiscal_per_year, passes):
    report = evaluate(zz23(revenue="99999999.99", rd=rd_per_year, fiscal=fiscal_per_year))
    assert result(report, "rd_intensity").passed is passes


def test_cumulative_rd_exactly_five_million_passes():
    application = ApplicationFactory()
    complete_zz23(application, revenue="50000000", rd="0")
    figures = [Decimal("2000000"), Decimal("2000000"), Decimal("1000000")]
    for year, rd in zip(application.years.order_by("year"), figures):
        year.rd_spending = rd
        year.save()
    assert result(evaluate(application), "rd_intensity").passed


def test_fiscal_support_is_excluded_from_cumulative_rd():
    # 3 × 2,000,000 = 6,000,000 R&D, of which 3 × 400,000 fiscal support → 4,800,000 own < 5,000,000
    rd_result = result(evaluate(zz23(revenue="80000000", rd="2000000", fiscal="400000")), "rd_intensity")
    assert not rd_result.passed
    assert "4,800,000.00 元" in rd_result.detail


def test_fiscal_support_does_not_count_against_the_ratio_branch():
    assert result(evaluate(zz23(revenue="200000000", rd="6000000", fiscal="5000000")), "rd_intensity").passed


def test_revoked_within_three_years_blocks():
    application = zz23()
    today = timezone.localdate()
    revoked_on = today.replace(year=today.year - 3) + datetime.timedelta(days=1)
    institute(application.organization, state=Institute.State.REVOKED, revoked_on=revoked_on)
    report = evaluate(application, today=today)
    assert not report.passed
    assert not result(report, "not_banned").passed


def test_ban_ends_exactly_three_years_after_revocation():
    application = zz23()
    today = timezone.localdate()
    institute(application.organization, state=Institute.State.REVOKED, revoked_on=today.replace(year=today.year - 3))
    assert result(evaluate(application, today=today), "not_banned").passed


def test_dishonesty_list_blocks_even_with_declaration():
    application = zz23()
    application.organization.on_dishonesty_list = True
    application.organization.save()
    assert not result(evaluate(application), "not_dishonest").passed


def test_missing_qualification_blocks_and_is_named():
    application = zz23()
    application.is_high_tech = False
    application.completed_key_project = False
    application.save()
    qualification = result(evaluate(application), "qualifications")
    assert not qualification.passed
    assert "高新技术企业" in qualification.detail or "high-tech" in qualification.detail


def test_award_project_satisfies_the_either_or_clause():
    application = zz23()
    application.completed_key_project = False
    application.led_award_project = True
    application.save()
    assert result(evaluate(application), "qualifications").passed


def test_active_institute_in_same_field_warns_without_blocking():
    application = zz23(field="new-materials")
    institute(application.organization, field="new-materials")
    report = evaluate(application)
    assert report.passed
    assert len(report.warnings) == 1


def test_organisation_outside_program_region_fails():
    from tests.factories import OrganizationFactory, region

    application = complete_zz23(ApplicationFactory(organization=OrganizationFactory(region=region("130102"))))
    assert not result(evaluate(application), "registered_in_region").passed


def test_hn23_minimums_at_their_edges():
    application = ApplicationFactory(program=program("HN23"))
    application.rd_staff_count = 30
    application.registered_capital = Decimal("10000000")
    application.save()
    report = evaluate(application)
    assert result(report, "minimum:rd_staff_count").passed
    assert result(report, "minimum:registered_capital").passed
    application.rd_staff_count = 29
    application.registered_capital = Decimal("9999999.99")
    application.save()
    report = evaluate(application)
    assert not result(report, "minimum:rd_staff_count").passed
    assert not result(report, "minimum:registered_capital").passed
