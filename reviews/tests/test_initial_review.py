"""The program manager's initial review, revision requests with a working-day deadline, and the
job that cancels applications not revised in time."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from institutes.models import Application
from institutes.services import cancel_overdue_revisions, submit_application
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from reviews.models import InitialReviewRecord
from reviews.services import initial_review as service
from tests.factories import (
    ApplicationFactory, OrganizationFactory, UserFactory, applicant, complete_zz23, district_user, program,
    program_manager, submitted_applications,
)

pytestmark = pytest.mark.django_db
S = Application.State


def recommended(code="ZZ23", **kwargs):
    application = ApplicationFactory(program=program(code), **kwargs)
    Application.objects.filter(pk=application.pk).update(state=S.RECOMMENDED, submission_round=1)
    application.refresh_from_db()
    return application


def reviewing(code="ZZ23", **kwargs):
    application = recommended(code, **kwargs)
    service.start_initial_review(application, program_manager(code))
    return application


def test_hn23_has_three_parts_and_zz23_one():
    assert [p.value for p in service.parts_for(program("HN23"))] == ["form", "content", "legal"]
    assert [p.value for p in service.parts_for(program("ZZ23"))] == ["form"]


def test_hn23_passes_only_when_form_content_and_legal_all_passed():
    application = reviewing("HN23")
    manager = program_manager("HN23")
    service.record_part(application, manager, part="form", passed=True, findings="")
    service.record_part(application, manager, part="content", passed=True, findings="")
    with pytest.raises(TransitionRefused) as refusal:
        service.pass_initial_review(application, manager)
    assert "Legal review" in refusal.value.message or "法务审查" in refusal.value.message
    service.record_part(application, manager, part="legal", passed=True, findings="")
    service.pass_initial_review(application, manager)
    application.refresh_from_db()
    assert application.state == S.EXPERT_REVIEW


def test_a_failed_part_needs_findings_and_blocks_passing():
    application = reviewing("HN23")
    manager = program_manager("HN23")
    with pytest.raises(TransitionRefused):
        service.record_part(application, manager, part="legal", passed=False, findings=" ")
    assert not InitialReviewRecord.objects.exists()
    service.record_part(application, manager, part="legal", passed=False, findings="近三年有环保处罚")
    assert [p.value for p in service.outstanding_parts(application)] == ["form", "content", "legal"]


def test_a_part_can_be_corrected_within_the_round_and_each_record_is_audited():
    application = reviewing()
    manager = program_manager()
    service.record_part(application, manager, part="form", passed=False, findings="缺审计报告")
    service.record_part(application, manager, part="form", passed=True, findings="已补正")
    assert InitialReviewRecord.objects.get().passed is True
    assert AuditEvent.objects.filter(action="initial_review_part").count() == 2


def test_sjz22_without_a_panel_passes_straight_to_the_decision():
    application = reviewing("SJZ22")
    manager = program_manager("SJZ22")
    service.record_part(application, manager, part="form", passed=True, findings="")
    service.pass_initial_review(application, manager)
    application.refresh_from_db()
    assert application.state == S.AWAITING_DECISION


def test_parts_cannot_be_recorded_outside_the_initial_review():
    application = recommended()
    with pytest.raises(TransitionRefused):
        service.record_part(application, program_manager(), part="form", passed=True, findings="")


@pytest.mark.parametrize(("today", "working_days", "deadline"), [
    (datetime.date(2025, 11, 3), 5, datetime.date(2025, 11, 10)),  # Tue 4th … Mon 10th
    (datetime.date(2025, 9, 26), 5, datetime.date(2025, 10, 10)),  # Sun 28 Sep works, 29, 30; 1–8 Oct off; 9, 10
    (datetime.date(2026, 2, 13), 3, datetime.date(2026, 2, 25)),  # Sat 14 Feb works; 15–23 Feb off; 24, 25
])
def test_revision_deadline_counts_working_days_from_tomorrow(today, working_days, deadline):
    assert service.revision_deadline(working_days, today=today) == deadline


def test_request_revision_sets_deadline_tells_the_applicant_and_goes_back_through_the_district(
    django_capture_on_commit_callbacks,
):
    user = applicant()
    application = complete_zz23(ApplicationFactory(organization=user.organization, created_by=user))
    Application.objects.filter(pk=application.pk).update(state=S.RECOMMENDED, submission_round=1)
    application.refresh_from_db()
    manager = program_manager()
    service.start_initial_review(application, manager)
    with django_capture_on_commit_callbacks(execute=True):
        deadline = service.request_revision(application, manager, working_days=10, comment="请补充知识产权证明")
    application.refresh_from_db()
    assert application.state == S.REVISION_REQUESTED and application.revision_deadline == deadline
    assert deadline.isoformat() in Notification.objects.get(recipient=user).message
    submit_application(application, user)
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.revision_deadline is None


def test_revision_and_rejection_need_a_reason():
    application = reviewing()
    manager = program_manager()
    with pytest.raises(TransitionRefused):
        service.request_revision(application, manager, working_days=5, comment="")
    with pytest.raises(TransitionRefused):
        service.reject_application(application, manager, comment=" ")
    application.refresh_from_db()
    assert application.state == S.INITIAL_REVIEW


def test_overdue_revisions_are_cancelled_once_with_notice_to_the_applicant(django_capture_on_commit_callbacks):
    user = applicant()
    late = reviewing(organization=user.organization, created_by=user)
    on_time = reviewing()
    manager = program_manager()
    service.request_revision(late, manager, working_days=1, comment="补正")
    service.request_revision(on_time, manager, working_days=1, comment="补正")
    Application.objects.filter(pk=late.pk).update(revision_deadline=timezone.localdate() - datetime.timedelta(days=1))
    Application.objects.filter(pk=on_time.pk).update(revision_deadline=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        assert cancel_overdue_revisions() == 1
    assert cancel_overdue_revisions() == 0
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.state, on_time.state) == (S.CANCELLED, S.REVISION_REQUESTED)
    event = AuditEvent.objects.for_object(late).get(action="cancel_overdue")
    assert event.actor is None
    assert Notification.objects.filter(recipient=user).exists()


def test_the_system_may_not_take_ordinary_transitions():
    from django.core.exceptions import PermissionDenied

    from portal.workflow import transition

    with pytest.raises(PermissionDenied):
        transition(recommended(), "start_initial_review", None)


# ---- views -----------------------------------------------------------------------------------

def roles(application):
    return {
        "manager": program_manager(application.program.code),
        "other_manager": program_manager("HN23" if application.program.code != "HN23" else "ZZ23"),
        "applicant": UserFactory(role="applicant", organization=application.organization),
        "district": district_user(),
        "expert": UserFactory(role="expert"),
        "finance": UserFactory(role="finance", organization=OrganizationFactory()),
    }


@pytest.mark.parametrize(("role", "queue", "detail"), [
    ("manager", 200, 200), ("other_manager", 200, 404), ("applicant", 403, 404), ("district", 403, 404),
    ("expert", 403, 404), ("finance", 403, 404),
])
def test_who_sees_the_queue_and_the_review_page(as_user, role, queue, detail):
    application = recommended()
    client = as_user(roles(application)[role])
    assert client.get(reverse("reviews:manager_queue")).status_code == queue
    assert client.get(reverse("reviews:initial_review", args=[application.pk])).status_code == detail


@pytest.mark.parametrize("name", ["initial_review_start", "initial_review_decide"])
@pytest.mark.parametrize(("role", "status"), [
    ("manager", 302), ("other_manager", 404), ("applicant", 404), ("district", 404), ("expert", 404),
    ("finance", 404),
])
def test_who_may_post_review_actions(as_user, name, role, status):
    application = recommended()
    client = as_user(roles(application)[role])
    response = client.post(reverse(f"reviews:{name}", args=[application.pk]), {"decision": "pass"})
    assert response.status_code == status
    if status == 404:
        application.refresh_from_db()
        assert application.state == S.RECOMMENDED


def test_anonymous_is_sent_to_login(client):
    application = recommended()
    for url in (reverse("reviews:manager_queue"), reverse("reviews:initial_review", args=[application.pk])):
        assert client.get(url).url.startswith(reverse("login"))
    response = client.post(reverse("reviews:initial_review_part", args=[application.pk, "form"]), {"passed": "yes"})
    assert response.url.startswith(reverse("login"))


def test_the_whole_review_through_the_pages(as_user):
    application = recommended("HN23")
    client = as_user(program_manager("HN23"))
    client.post(reverse("reviews:initial_review_start", args=[application.pk]))
    for part in ("form", "content", "legal"):
        client.post(reverse("reviews:initial_review_part", args=[application.pk, part]), {f"{part}-passed": "yes"})
    response = client.post(reverse("reviews:initial_review_decide", args=[application.pk]), {
        "decision": "pass", "working_days": "10", "comment": ""})
    assert response.url == reverse("reviews:manager_queue")
    application.refresh_from_db()
    assert application.state == S.EXPERT_REVIEW


def test_a_failed_part_without_findings_is_refused_on_the_page(as_user):
    application = reviewing("HN23")
    client = as_user(program_manager("HN23"))
    response = client.post(reverse("reviews:initial_review_part", args=[application.pk, "legal"]),
                           {"legal-passed": "no", "legal-findings": ""}, follow=True)
    assert not InitialReviewRecord.objects.exists()
    assert "findings" in response.content.decode() or "情况" in response.content.decode()


@pytest.mark.parametrize("n", [2, 40])
def test_manager_queue_costs_the_same_at_2_and_40(as_user, django_assert_num_queries, n):
    manager = program_manager("ZZ23")
    rows = submitted_applications(n)
    Application.objects.filter(pk__in=[a.pk for a in rows]).update(state=S.RECOMMENDED)
    client = as_user(manager)
    client.get(reverse("reviews:manager_queue"))  # warm up: the unread count is cached from the first page on
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("reviews:manager_queue"), {"program": "ZZ23", "q": "批量"})
    assert response.status_code == 200
    assert len(response.context["page"]) == min(n, 25)


# user + groups (session and unread count cached) + managed programs (filter choices and scope)
# + industry fields (filter choices) + count + page rows
QUEUE_QUERIES = 6
