"""Issuing, numbering and refreshing notices; the triggers; the job's retries and failure."""
import datetime
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from institutes.lifecycle import recognise_application
from institutes.models import Application, Institute
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import transition
from subsidies import tasks_notices
from subsidies.models import Notice, NoticeSerial
from subsidies.services import notices as service
from tests.factories import ApplicationFactory, OrganizationFactory, complete_zz23, program_manager
from tests.factories_subsidies_notices import (
    batch, entitlement, finance_user, paid_line, pending_notice, published_grade, recognised, rendered,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


# ---- stored once, rendered again only when the content changes ------------------------------------

def test_same_content_is_not_rendered_again():
    notice = rendered(pending_notice())
    first = (notice.content_hash, notice.file.name, notice.rendered_at)
    with mock.patch("subsidies.services.notices.render_pdf") as render:
        assert service.render_notice(notice.pk) == service.UNCHANGED
        render.assert_not_called()
    notice.refresh_from_db()
    assert (notice.content_hash, notice.file.name, notice.rendered_at) == first
    assert notice.render_count == 1


def test_changed_content_is_rendered_again_with_a_new_hash_and_the_old_file_goes():
    unit = recognised()
    published_grade(unit, 2025)
    money = entitlement(unit, 2025, "1000000.00")
    notice, _ = service.issue_grade_notice(unit, 2025)
    notice = rendered(notice)
    old_hash, old_file = notice.content_hash, notice.file.name
    storage = notice.file.storage
    type(money).objects.filter(pk=money.pk).update(amount="1200000.00")
    with transaction.atomic():
        assert service.render_notice(notice.pk) == service.RENDERED
    notice.refresh_from_db()
    assert notice.content_hash != old_hash and notice.render_count == 2
    assert notice.file.name != old_file and storage.exists(notice.file.name)
    assert "1,200,000.00 元" in str(notice.context["rows"])
    assert notice.document_number.endswith("1号")  # the same document, the same number


def test_missing_file_is_rendered_again():
    notice = rendered(pending_notice())
    notice.file.storage.delete(notice.file.name)
    assert service.render_notice(notice.pk) == service.RENDERED


def test_a_renamed_institute_changes_the_recognition_notice():
    notice = rendered(pending_notice())
    Institute.objects.filter(pk=notice.institute_id).update(name="更名后的研究院")
    assert service.render_notice(notice.pk) == service.RENDERED
    notice.refresh_from_db()
    assert "更名后的研究院" in notice.title


def test_issuing_the_same_subject_twice_gives_the_same_notice():
    unit = recognised()
    first = service.issue_recognition_notice(unit)
    assert service.issue_recognition_notice(unit) == first
    assert Notice.objects.count() == 1
    assert NoticeSerial.objects.get(abbreviation="郑工信", year=YEAR).last_serial == 1


def test_rendering_leaves_an_audit_event():
    notice = rendered(pending_notice())
    actions = list(AuditEvent.objects.filter(object_id=notice.pk, content_type__model="notice")
                   .values_list("action", flat=True))
    assert actions == ["create", "mark_rendered"]


# ---- document numbers -------------------------------------------------------------------------------

def test_document_numbers_are_sequential_per_authority_and_year_without_gaps():
    zz = [pending_notice() for _ in range(5)]
    sjz = [pending_notice(code="SJZ22") for _ in range(2)]
    assert [n.serial for n in zz] == [1, 2, 3, 4, 5]
    assert [n.document_number for n in sjz] == [f"石科〔{YEAR}〕1号", f"石科〔{YEAR}〕2号"]


def test_a_rolled_back_issue_gives_its_number_back():
    pending_notice()
    with pytest.raises(RuntimeError), transaction.atomic():
        pending_notice()
        raise RuntimeError("the request failed after numbering")
    assert pending_notice().serial == 2
    assert sorted(Notice.objects.values_list("serial", flat=True)) == [1, 2]


def test_allocate_serial_counts_from_one_each_year():
    assert [service.allocate_serial("测", 2030) for _ in range(3)] == [1, 2, 3]
    assert service.allocate_serial("测", 2031) == 1


# ---- the job ---------------------------------------------------------------------------------------------

def test_render_job_is_idempotent():
    notice = pending_notice()
    assert tasks_notices.render_notice.delay(notice.pk).get() == "rendered"
    assert tasks_notices.render_notice.delay(notice.pk).get() == "unchanged"


def test_render_job_retries_on_a_worker_and_gives_up_after_the_last_attempt():
    worker = SimpleNamespace(is_eager=False, retries=0)
    assert not tasks_notices.gives_up(worker, tasks_notices.RETRIES)
    assert tasks_notices.gives_up(SimpleNamespace(is_eager=False, retries=3), tasks_notices.RETRIES)
    assert tasks_notices.gives_up(SimpleNamespace(is_eager=True, retries=0), tasks_notices.RETRIES)


def test_render_job_records_the_failure():
    notice = pending_notice()
    with mock.patch("subsidies.services.notices.render_pdf", side_effect=OSError("disk full")):
        result = tasks_notices.render_notice.apply(args=[notice.pk])
    assert result.get() == "failed"
    notice.refresh_from_db()
    assert notice.state == Notice.State.FAILED and "disk full" in notice.error
    assert tasks_notices.render_notice.delay(notice.pk).get() == "rendered"  # a later refresh recovers


def test_render_job_of_a_deleted_notice_does_nothing():
    assert tasks_notices.render_notice.delay(999999).get() == "missing"


# ---- triggers -----------------------------------------------------------------------------------------

def approved_application():
    app = complete_zz23(ApplicationFactory())
    Application.objects.filter(pk=app.pk).update(state=Application.State.APPROVED)
    app.refresh_from_db()
    return app


def test_recognition_on_approval_issues_and_renders_the_notice(django_capture_on_commit_callbacks):
    app = approved_application()
    manager = program_manager("ZZ23")
    with django_capture_on_commit_callbacks(execute=True):
        institute = recognise_application(app, user=manager, recognized_on=datetime.date(2026, 11, 20),
                                          document_number="郑政文〔2026〕9号")
    notice = Notice.objects.get(subject_key=f"recognition:institute:{institute.pk}")
    assert notice.state == Notice.State.RENDERED and notice.organization_id == app.organization_id
    told = Notification.objects.filter(recipient=app.created_by, message__contains=notice.document_number)
    assert told.count() == 1  # the unit's applicants hear that the notice is ready


def test_cultivation_unit_gets_its_notice_when_recognised_not_when_listed(django_capture_on_commit_callbacks):
    from tests.factories_reviews_publicity import cultivation_unit

    unit = cultivation_unit(OrganizationFactory())
    assert not Notice.objects.exists()
    manager = program_manager("HN23")
    with django_capture_on_commit_callbacks(execute=True):
        transition(unit, "recognise", manager, recognized_on=datetime.date(2026, 11, 1), document_number="豫〔2026〕1号")
    assert Notice.objects.get().kind == Notice.Kind.RECOGNITION


def test_factory_institutes_without_application_issue_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recognised()
    assert not Notice.objects.exists()


def test_payout_line_marked_paid_issues_one_notice_per_batch_and_payee(django_capture_on_commit_callbacks):
    org = OrganizationFactory()
    made = batch()
    first = paid_line(org, "100000.00", in_batch=made, state="pending")
    second = paid_line(org, "200000.00", in_batch=made, state="pending")
    clerk = finance_user()
    with django_capture_on_commit_callbacks(execute=True):
        transition(first, "mark_paid", clerk, day=datetime.date(2026, 11, 30))
    notice = Notice.objects.get()
    assert notice.kind == Notice.Kind.PAYOUT and notice.payout_line_ids == [first.pk]
    first_hash = notice.content_hash
    with django_capture_on_commit_callbacks(execute=True):
        transition(second, "mark_paid", clerk, day=datetime.date(2026, 12, 1))
    notice.refresh_from_db()
    assert Notice.objects.count() == 1
    assert notice.payout_line_ids == [first.pk, second.pk] and notice.content_hash != first_hash
    assert notice.render_count == 2


def test_failed_payment_issues_no_notice(django_capture_on_commit_callbacks):
    line = paid_line(OrganizationFactory(), in_batch=batch(), state="pending")
    with django_capture_on_commit_callbacks(execute=True):
        transition(line, "mark_failed", finance_user(), comment="账号错误", day=datetime.date(2026, 12, 1))
    assert not Notice.objects.exists()


# ---- grade notices for a program-year ------------------------------------------------------------------

def test_request_grade_notices_issues_one_per_published_grade_and_refreshes_on_repeat(
        django_capture_on_commit_callbacks):
    manager = program_manager("ZZ23")
    units = [recognised() for _ in range(3)]
    for unit in units[:2]:
        published_grade(unit, 2025)
        entitlement(unit, 2025)
    type(published_grade(units[2], 2025)).objects.filter(institute=units[2]).update(published_on=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert service.request_grade_notices(units[0].program, 2025, manager) == {"created": 2, "refreshed": 0}
    assert Notice.objects.filter(state=Notice.State.RENDERED).count() == 2
    with django_capture_on_commit_callbacks(execute=True), \
            mock.patch("subsidies.services.notices.render_pdf") as render:
        assert service.request_grade_notices(units[0].program, 2025, manager) == {"created": 0, "refreshed": 2}
        render.assert_not_called()


def test_request_grade_notices_needs_a_manager_of_the_program():
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.request_grade_notices(recognised().program, 2025, program_manager("SJZ22"))


def test_grade_notice_needs_a_published_grade():
    from portal.workflow import TransitionRefused

    with pytest.raises(TransitionRefused):
        service.issue_grade_notice(recognised(), 2025)


def test_issuing_a_program_years_grade_notices_costs_the_same_for_2_and_8_institutes():
    def issue(year, n, manager):
        units = [recognised() for _ in range(n)]
        for unit in units:
            published_grade(unit, year)
        with CaptureQueriesContext(connection) as queries:
            assert service.request_grade_notices(units[0].program, year, manager)["created"] == n
        return len(queries)

    manager = program_manager("ZZ23")
    issue(2023, 1, manager)  # the year's serial counter and the caches exist from here on
    assert issue(2024, 2, manager) == issue(2025, 8, manager)
    assert AuditEvent.objects.filter(action="create", object_id__in=Notice.objects.values("pk")).count() == 11
