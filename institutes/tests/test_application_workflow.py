"""The application state machine through the one door: allowed and forbidden transitions,
joint recommendation, optimistic locking and the audit trail."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from institutes import services
from institutes.models import Application
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import StaleObject, TransitionRefused, transition
from tests.factories import ApplicationFactory, applicant, complete_zz23, district_user, program, program_manager

pytestmark = pytest.mark.django_db
S = Application.State


@pytest.fixture
def filed(django_capture_on_commit_callbacks):
    """A complete ZZ23 application, submitted by its applicant."""
    user = applicant()
    application = complete_zz23(ApplicationFactory(organization=user.organization, created_by=user))
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application, user)
    application.refresh_from_db()
    return application, user


def force_state(application, state):
    Application.objects.filter(pk=application.pk).update(state=state)
    application.refresh_from_db()
    return application


def test_submit_records_report_audit_and_notifies_district(filed, django_capture_on_commit_callbacks):
    application, user = filed
    assert application.state == S.SUBMITTED
    assert application.eligibility_report["passed"] is True
    assert application.submission_round == 1
    event = AuditEvent.objects.for_object(application).get(action="submit")
    assert (event.from_state, event.to_state, event.actor) == (S.DRAFT, S.SUBMITTED, user)


def test_district_reviewer_of_the_region_is_notified_on_submit(django_capture_on_commit_callbacks):
    reviewer = district_user()
    elsewhere = district_user(region_codes=["410103"])
    user = applicant()
    application = complete_zz23(ApplicationFactory(organization=user.organization, created_by=user))
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application, user)
    assert Notification.objects.filter(recipient=reviewer).count() == 1
    assert not Notification.objects.filter(recipient=elsewhere).exists()


def test_incomplete_application_cannot_be_submitted_and_stays_draft():
    user = applicant()
    application = ApplicationFactory(organization=user.organization, created_by=user)
    with pytest.raises(TransitionRefused) as refusal:
        services.submit_application(application, user)
    assert "cannot be submitted" in str(refusal.value.message) or "不能提交" in str(refusal.value.message)
    application.refresh_from_db()
    assert application.state == S.DRAFT
    assert not AuditEvent.objects.filter(action="submit").exists()


def test_submitting_twice_is_refused(filed):
    application, user = filed
    with pytest.raises(TransitionRefused):
        services.submit_application(application, user)
    assert AuditEvent.objects.filter(action="submit").count() == 1


def test_another_organisation_cannot_submit(filed):
    application, _ = filed
    force_state(application, S.DRAFT)
    with pytest.raises(PermissionDenied):
        services.submit_application(application, applicant())


def test_district_recommend_moves_zz23_on(filed):
    application, _ = filed
    services.record_district_decision(application, district_user(), "recommend", checklist={}, comment="")
    application.refresh_from_db()
    assert application.state == S.RECOMMENDED


def test_return_needs_a_comment_and_changes_nothing_without_it(filed):
    application, _ = filed
    with pytest.raises(TransitionRefused):
        services.record_district_decision(application, district_user(), "return", checklist={}, comment=" ")
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    assert not application.district_reviews.exists()


def test_returned_application_is_revised_and_resubmitted(filed):
    application, user = filed
    services.record_district_decision(application, district_user(), "return", checklist={}, comment="补充审计报告")
    application.refresh_from_db()
    assert application.state == S.RETURNED and application.is_editable
    services.submit_application(application, user)
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    assert application.submission_round == 2


def test_reject_at_district_is_final(filed):
    application, user = filed
    services.record_district_decision(application, district_user(), "reject", checklist={}, comment="不符合条件")
    application.refresh_from_db()
    assert application.state == S.REJECTED
    with pytest.raises(TransitionRefused):
        services.submit_application(application, user)


def test_district_of_another_region_may_not_decide(filed):
    application, _ = filed
    with pytest.raises(PermissionDenied):
        services.record_district_decision(
            application, district_user(region_codes=["410103"]), "recommend", checklist={}, comment=""
        )


def test_hn23_needs_industry_and_finance_before_the_recommendation_counts():
    user = applicant()
    application = ApplicationFactory(program=program("HN23"), organization=user.organization, created_by=user)
    force_state(application, S.SUBMITTED)
    Application.objects.filter(pk=application.pk).update(submission_round=1)
    application.refresh_from_db()
    industry, finance = district_user(department="industry"), district_user(department="finance")

    services.record_district_decision(application, industry, "recommend", checklist={}, comment="")
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    with pytest.raises(TransitionRefused):
        services.record_district_decision(application, industry, "recommend", checklist={}, comment="")

    services.record_district_decision(application, finance, "recommend", checklist={}, comment="")
    application.refresh_from_db()
    assert application.state == S.RECOMMENDED
    assert AuditEvent.objects.for_object(application).filter(action="recommend").count() == 2


def test_science_department_is_not_asked_for_zz23(filed):
    application, _ = filed
    with pytest.raises(PermissionDenied):
        services.record_district_decision(
            application, district_user(department="science"), "recommend", checklist={}, comment=""
        )


def test_concurrent_clicks_make_one_transition_and_one_audit_event(filed):
    application, _ = filed
    first = Application.objects.get(pk=application.pk)
    second = Application.objects.get(pk=application.pk)
    reviewer = district_user()
    services.record_district_decision(first, reviewer, "recommend", checklist={}, comment="")
    with pytest.raises((StaleObject, TransitionRefused)):
        services.record_district_decision(second, district_user(), "recommend", checklist={}, comment="")
    assert AuditEvent.objects.filter(action="recommend").count() == 1
    assert application.district_reviews.count() == 1


def test_stale_object_is_refused_by_the_door_with_a_clear_message(filed):
    application, _ = filed
    stale = Application.objects.get(pk=application.pk)
    Application.objects.filter(pk=application.pk).update(version=stale.version + 1)
    with pytest.raises(StaleObject) as refusal:
        transition(stale, "recommend", district_user())
    assert refusal.value.message
    application.refresh_from_db()
    assert application.state == S.SUBMITTED


def test_withdraw_from_submitted(filed):
    application, user = filed
    services.withdraw_application(application, user)
    application.refresh_from_db()
    assert application.state == S.WITHDRAWN


# ---- the whole machine: every allowed and forbidden transition -------------------------------

ALLOWED = {
    "submit": {S.DRAFT, S.RETURNED, S.REVISION_REQUESTED},
    "withdraw": {S.DRAFT, S.SUBMITTED, S.RETURNED, S.REVISION_REQUESTED},
    "recommend": {S.SUBMITTED},
    "return_for_revision": {S.SUBMITTED},
    "reject_at_district": {S.SUBMITTED},
    "start_initial_review": {S.RECOMMENDED},
    "request_revision": {S.INITIAL_REVIEW},
    "cancel_overdue": {S.REVISION_REQUESTED},
    "pass_initial_review": {S.INITIAL_REVIEW},
    "pass_to_decision": {S.INITIAL_REVIEW},
    "list_for_site_inspection": {S.EXPERT_REVIEW},
    "conclude_expert_review": {S.EXPERT_REVIEW},
    "conclude_site_inspection": {S.SITE_INSPECTION},
    "open_publicity": {S.AWAITING_DECISION},
    "approve": {S.PUBLICITY},
    "approve_without_publicity": {S.AWAITING_DECISION},
    "reject": {S.RECOMMENDED, S.INITIAL_REVIEW, S.EXPERT_REVIEW, S.SITE_INSPECTION, S.AWAITING_DECISION, S.PUBLICITY},
}


def test_the_declared_machine_is_exactly_the_table():
    declared = {}
    for trans in Application._meta.get_field("state").get_all_transitions(Application):
        declared.setdefault(trans.name, set()).add(trans.source)
    assert declared == ALLOWED


FORBIDDEN = [(action, state) for action in sorted(ALLOWED) for state, _ in S.choices if state not in ALLOWED[action]]


@pytest.mark.parametrize(("action", "state"), FORBIDDEN)
def test_transition_is_refused_from_every_state_not_in_the_table(action, state):
    application = force_state(ApplicationFactory(), state)
    manager = program_manager("ZZ23")
    with pytest.raises(TransitionRefused):
        transition(application, action, manager)
    application.refresh_from_db()
    assert application.state == state


def _manager_walk(code, steps, deadline=None):
    manager = program_manager(code)
    application = force_state(ApplicationFactory(program=program(code)), S.RECOMMENDED)
    for action in steps:
        kwargs = {"deadline": deadline} if action == "request_revision" else {}
        transition(application, action, manager, **kwargs)
    return application


def test_zz23_full_path_to_approval():
    application = _manager_walk("ZZ23", [
        "start_initial_review", "pass_initial_review", "list_for_site_inspection", "conclude_site_inspection",
        "open_publicity", "approve",
    ])
    assert application.state == S.APPROVED
    assert AuditEvent.objects.for_object(application).count() == 6


def test_sjz22_skips_panel_site_inspection_and_notice():
    application = _manager_walk("SJZ22", ["start_initial_review", "pass_to_decision", "approve_without_publicity"])
    assert application.state == S.APPROVED


@pytest.mark.parametrize(("code", "action"), [
    ("SJZ22", "pass_initial_review"), ("ZZ23", "pass_to_decision"), ("ZZ23", "approve_without_publicity"),
])
def test_program_configuration_decides_the_path(code, action):
    manager = program_manager(code)
    state = S.AWAITING_DECISION if action == "approve_without_publicity" else S.INITIAL_REVIEW
    application = force_state(ApplicationFactory(program=program(code)), state)
    with pytest.raises(TransitionRefused):
        transition(application, action, manager)


def test_overdue_revision_is_cancelled_only_after_the_deadline():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    application = _manager_walk("ZZ23", ["start_initial_review", "request_revision"], deadline=timezone.localdate())
    with pytest.raises(TransitionRefused):
        transition(application, "cancel_overdue", program_manager("ZZ23"))
    Application.objects.filter(pk=application.pk).update(revision_deadline=yesterday)
    application.refresh_from_db()
    transition(application, "cancel_overdue", program_manager("ZZ23"))
    assert application.state == S.CANCELLED


def test_manager_of_another_program_may_not_act():
    application = force_state(ApplicationFactory(), S.RECOMMENDED)
    with pytest.raises(PermissionDenied):
        transition(application, "start_initial_review", program_manager("HN23"))


def test_applicant_may_not_take_manager_actions():
    user = applicant()
    application = force_state(ApplicationFactory(organization=user.organization), S.RECOMMENDED)
    with pytest.raises(PermissionDenied):
        transition(application, "start_initial_review", user)


def test_audit_events_are_append_only(filed):
    from portal.audit.models import AppendOnlyError

    event = AuditEvent.objects.first()
    event.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
