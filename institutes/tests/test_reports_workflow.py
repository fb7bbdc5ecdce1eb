"""The annual report from draft to accepted (ZZ23 第十一条), reminders and overdue marking."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from institutes import services_annual as services
from institutes.models import AnnualReport, AnnualReportReview, Institute
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from tests.factories import applicant, district_user, program, program_manager
from tests.factories_institutes_annual import recognised, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    institute = recognised()
    return {
        "institute": institute,
        "owner": applicant(institute.lead_unit),
        "industry": district_user(department="industry"),
        "finance": district_user(department="finance"),
        "manager": program_manager("ZZ23"),
    }


def test_full_path_needs_both_district_departments_then_the_manager(people, django_capture_on_commit_callbacks):
    owner = people["owner"]
    draft = services.start_report(owner, people["institute"], 2024, today=datetime.date(2025, 2, 1))
    AnnualReport.objects.filter(pk=draft.pk).update(
        summary="总结", plan="计划", budget=Decimal("1"), rd_spending=Decimal("2"), funding_input=Decimal("3")
    )
    draft.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_report(draft, owner)
    assert draft.state == AnnualReport.State.SUBMITTED and draft.submission_round == 1
    assert Notification.objects.filter(recipient=people["industry"]).exists()

    services.record_district_decision(draft, people["industry"], "pass", comment="")
    assert draft.state == AnnualReport.State.SUBMITTED  # finance has not passed it yet
    with pytest.raises(TransitionRefused):
        services.record_district_decision(draft, people["industry"], "pass", comment="")
    services.record_district_decision(draft, people["finance"], "pass", comment="")
    assert draft.state == AnnualReport.State.DISTRICT_PASSED

    services.record_manager_decision(draft, people["manager"], "accept", comment="")
    assert draft.state == AnnualReport.State.ACCEPTED
    assert AnnualReport.objects.accepted().filter(pk=draft.pk).exists()
    actions = list(AuditEvent.objects.for_object(draft).values_list("action", flat=True))
    assert {"create", "submit", "district_pass", "accept"} <= set(actions)


def test_returned_report_is_revised_and_resubmitted_in_a_new_round(people):
    filed = report(people["institute"], state=AnnualReport.State.SUBMITTED)
    with pytest.raises(TransitionRefused):
        services.record_district_decision(filed, people["finance"], "return", comment="  ")
    services.record_district_decision(filed, people["finance"], "return", comment="预算不完整")
    assert filed.state == AnnualReport.State.RETURNED
    services.submit_report(filed, people["owner"])
    assert filed.state == AnnualReport.State.SUBMITTED and filed.submission_round == 2
    services.record_district_decision(filed, people["finance"], "pass", comment="")
    services.record_district_decision(filed, people["industry"], "pass", comment="")
    assert filed.state == AnnualReport.State.DISTRICT_PASSED
    services.record_manager_decision(filed, people["manager"], "return", comment="请补充成果证明")
    assert filed.state == AnnualReport.State.RETURNED
    assert AnnualReportReview.objects.filter(report=filed).count() == 3


def test_incomplete_report_and_double_submit_are_refused(people):
    empty = report(people["institute"], filled=False)
    with pytest.raises(TransitionRefused):
        services.submit_report(empty, people["owner"])
    filed = report(people["institute"], year=2023, state=AnnualReport.State.SUBMITTED)
    with pytest.raises(TransitionRefused):
        services.submit_report(filed, people["owner"])


def test_only_the_lead_unit_files_and_only_from_the_year_of_recognition(people):
    institute = people["institute"]  # recognised 2022-06-01
    today = datetime.date(2025, 1, 10)
    assert services.reportable_years(institute, today) == [2024, 2023, 2022]
    with pytest.raises(TransitionRefused):
        services.start_report(people["owner"], institute, 2021, today=today)
    with pytest.raises(TransitionRefused):
        services.start_report(people["owner"], institute, 2025, today=today)
    with pytest.raises(PermissionDenied):
        services.start_report(applicant(), institute, 2024, today=today)
    unit = recognised(code="HN23", state=Institute.State.CULTIVATING, is_cultivation_unit=True,
                      cultivation_deadline=datetime.date(2026, 1, 1))
    assert services.reportable_years(unit, today) == []


def test_reminders_30_7_1_days_before_the_deadline_are_sent_once(people, django_capture_on_commit_callbacks):
    owner = people["owner"]
    deadline = program("ZZ23").annual_report_deadline(2025)
    assert deadline == datetime.date(2025, 3, 31)
    for days in (30, 30, 29, 8, 7, 7, 1, 1):
        with django_capture_on_commit_callbacks(execute=True):
            services.send_report_reminders(deadline - datetime.timedelta(days=days))
    assert Notification.objects.filter(recipient=owner).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.send_report_reminders(deadline - datetime.timedelta(days=40))
        services.send_report_reminders(deadline)
    assert Notification.objects.filter(recipient=owner).count() == 3


def test_no_reminder_once_the_report_is_filed(people, django_capture_on_commit_callbacks):
    report(people["institute"], year=2024, state=AnnualReport.State.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_report_reminders(datetime.date(2025, 3, 1)) == 0
    assert not Notification.objects.filter(recipient=people["owner"]).exists()


def test_overdue_marking_after_the_deadline_is_idempotent(people, django_capture_on_commit_callbacks):
    institute = people["institute"]
    filed_one = recognised()
    report(filed_one, year=2024, state=AnnualReport.State.SUBMITTED)
    returned = recognised()
    report(returned, year=2024, state=AnnualReport.State.RETURNED)
    started = recognised()
    draft = report(started, year=2024)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_overdue_reports(datetime.date(2025, 3, 31)) == 0  # deadline day: not yet
        assert services.mark_overdue_reports(datetime.date(2025, 4, 1)) == 2
        assert services.mark_overdue_reports(datetime.date(2025, 4, 2)) == 0
    created = AnnualReport.objects.get(institute=institute, year=2024)
    assert created.is_overdue and created.state == AnnualReport.State.DRAFT
    assert created.overdue_since == datetime.date(2025, 4, 1)
    draft.refresh_from_db()
    assert draft.is_overdue
    assert not AnnualReport.objects.get(institute=filed_one).is_overdue
    assert not AnnualReport.objects.get(institute=returned).is_overdue
    assert Notification.objects.filter(recipient=people["owner"]).count() == 1
    assert AuditEvent.objects.for_object(created).filter(action="overdue").count() == 1


def test_the_deadline_is_program_data():
    zz23 = program("ZZ23")
    zz23.annual_report_deadline_month, zz23.annual_report_deadline_day = 2, 30
    assert zz23.annual_report_deadline(2025) == datetime.date(2025, 2, 28)
    assert zz23.annual_report_deadline(2024) == datetime.date(2024, 2, 29)


def test_management_command_runs_the_jobs(people, capsys):
    from django.core.management import call_command

    call_command("run_annual_report_jobs", "--today", "2025-04-01")
    assert "1 reports marked overdue" in capsys.readouterr().out
