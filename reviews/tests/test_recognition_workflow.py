"""HN23 cultivation → recognition (规程 第七条; 实施方案 三(三)): the unit applies before its
deadline, the acceptance on seven points passes (→ its own notice → recognised) or fails (→ 6 months
of rectification; failing again → cancelled); the daily job cancels units that let a deadline pass.
SJZ22: the third party's recognition result approves or rejects the application."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from institutes.lifecycle import add_months
from institutes.models import Application, Institute, RecognitionRequest
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from reviews.models import NoticeItem, Objection, PublicNotice
from reviews.models.inspections import AcceptanceCheck, AcceptancePoint, AcceptanceReview
from reviews.models.publicity import ThirdPartyRecognition
from reviews.services import publicity, recognition
from reviews.tasks import cancel_lapsed_cultivation
from tests.factories import PDF_BYTES, applicant, program_manager
from tests.factories_reviews_publicity import (
    application_in, cultivation_unit, freeze_today, objection, recognition_request, scored_acceptance_panel,
)

pytestmark = pytest.mark.django_db
I = Institute.State
RS = RecognitionRequest.State
ALL_PASS = {point: (True, "") for point in AcceptancePoint.values}


@pytest.fixture
def unit():
    return cultivation_unit()


@pytest.fixture
def member(unit):
    return applicant(organization=unit.lead_unit)


@pytest.fixture
def manager():
    return program_manager("HN23")


def filed(unit, member, **kwargs):
    return recognition.file_recognition_request(unit, user=member, summary="七项任务均已完成", **kwargs)


def accept(request, manager, results=ALL_PASS, *, held_on=None, panel_total=85):
    recognition.start_acceptance(request, user=manager)
    request.refresh_from_db()
    scored_acceptance_panel(request, total=panel_total)
    return recognition.record_acceptance(request, user=manager, held_on=held_on or timezone.localdate(),
                                         results=results, report="专家组考核验收报告")


def failing(point="alliance"):
    return {**ALL_PASS, point: (False, "产业联盟尚未成立")}


def reload(*objects):
    for obj in objects:
        obj.refresh_from_db()


# ---- filing ---------------------------------------------------------------------------------------

def test_a_member_of_the_unit_files_and_the_managers_hear(unit, member, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = filed(unit, member, materials=SimpleUploadedFile("验收材料.pdf", PDF_BYTES))
    assert (made.state, made.filed_by, made.during_rectification) == (RS.SUBMITTED, member, False)
    assert made.materials_content_type == "application/pdf" and made.materials.read() == PDF_BYTES
    assert Notification.objects.filter(recipient=manager, url__endswith=f"/recognition/{made.pk}/").exists()
    assert AuditEvent.objects.for_object(made).get(action="file").actor == member


def test_only_the_units_own_applicants_file(unit):
    for outsider in (applicant(), program_manager("HN23")):
        with pytest.raises(PermissionDenied):
            filed(unit, outsider)
    assert not RecognitionRequest.objects.exists()


def test_filing_is_possible_on_the_deadline_and_not_after(unit, member, monkeypatch):
    freeze_today(monkeypatch, unit.cultivation_deadline + datetime.timedelta(days=1))
    with pytest.raises(TransitionRefused) as refusal:
        filed(unit, member)
    assert unit.cultivation_deadline.isoformat() in refusal.value.message
    freeze_today(monkeypatch, unit.cultivation_deadline)
    assert filed(unit, member).pk


def test_one_application_at_a_time_and_only_for_a_cultivation_unit(unit, member):
    filed(unit, member)
    with pytest.raises(TransitionRefused):
        filed(unit, member)
    active = Institute.objects.create(program=unit.program, lead_unit=unit.lead_unit, name="已认定中心",
                                      industry_field=unit.industry_field, recognized_on=timezone.localdate())
    with pytest.raises(TransitionRefused):
        filed(active, member)
    with pytest.raises(TransitionRefused):
        recognition.file_recognition_request(cultivation_unit(unit.lead_unit), user=member, summary=" ")
    assert RecognitionRequest.objects.count() == 1


def test_materials_are_checked_by_their_content(unit, member):
    with pytest.raises(ValidationError):
        filed(unit, member, materials=SimpleUploadedFile("材料.pdf", b"#!/bin/sh\necho not a pdf"))
    assert not RecognitionRequest.objects.exists()


# ---- acceptance -----------------------------------------------------------------------------------

def test_a_pass_on_all_seven_points_goes_to_its_notice_and_then_recognition(
        unit, member, manager, monkeypatch, django_capture_on_commit_callbacks):
    request = filed(unit, member)
    with django_capture_on_commit_callbacks(execute=True):
        review = accept(request, manager)
    reload(request, unit)
    assert review.passed and request.state == RS.ACCEPTED and unit.state == I.CULTIVATING
    assert AcceptanceCheck.objects.filter(review=review, passed=True).count() == 7
    assert Notification.objects.filter(recipient=member, url__endswith=f"/recognition/{request.pk}/").exists()

    freeze_today(monkeypatch, datetime.date(2025, 11, 3))
    notice = publicity.open_recognition_notice(request, user=manager, title="认定公示", body="公示5个工作日",
                                               starts_on=datetime.date(2025, 11, 3))
    assert (notice.purpose, notice.ends_on) == (PublicNotice.Purpose.RECOGNITION, datetime.date(2025, 11, 7))
    item = notice.items.get()
    assert (item.institute, item.published_name, item.published_lead_unit) == (unit, unit.name, unit.lead_unit.name)
    with pytest.raises(TransitionRefused):  # already on notice
        publicity.open_recognition_notice(request, user=manager, title="再次", body="内容",
                                          starts_on=datetime.date(2025, 11, 3))

    freeze_today(monkeypatch, datetime.date(2025, 11, 10))
    publicity.close_notice(notice, user=manager)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = publicity.decide_notice(notice, user=manager, published_on=datetime.date(2025, 11, 10),
                                          document_number="豫工信联创新〔2025〕9号")
    assert outcome == {"approved": 1, "not_approved": 0}
    reload(unit, request)
    assert (unit.state, unit.is_cultivation_unit, unit.recognized_on, unit.recognition_document) == (
        I.ACTIVE, False, datetime.date(2025, 11, 10), "豫工信联创新〔2025〕9号")
    assert unit.cultivation_started_on is not None  # the history stays
    assert request.state == RS.ACCEPTED
    assert AuditEvent.objects.for_object(unit).get(action="recognise").actor == manager


def test_a_first_failure_opens_six_months_of_rectification(unit, member, manager, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    freeze_today(monkeypatch, datetime.date(2025, 8, 31))
    request = filed(unit, member)
    RecognitionRequest.objects.filter(pk=request.pk).update(
        filed_at=datetime.datetime(2025, 8, 1, 9, tzinfo=datetime.UTC))
    request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        review = accept(request, manager, failing())
    reload(request, unit)
    assert not review.passed and request.state == RS.FAILED
    assert (unit.state, unit.rectification_deadline) == (I.RECTIFYING, datetime.date(2026, 2, 28))
    assert unit.is_cultivation_unit
    assert Notification.objects.filter(recipient=member, message__contains="2026-02-28").exists()
    assert AcceptanceCheck.objects.get(review=review, point="alliance").notes == "产业联盟尚未成立"


def test_failing_again_during_rectification_cancels_the_cultivation_status(unit, member, manager):
    accept(filed(unit, member), manager, failing())
    unit.refresh_from_db()
    second = filed(unit, member)
    assert second.during_rectification
    accept(second, manager, failing("rd_team"))
    unit.refresh_from_db()
    assert (unit.state, unit.cancelled_on, unit.is_cultivation_unit) == (I.CANCELLED, timezone.localdate(), False)
    with pytest.raises(TransitionRefused):
        filed(unit, member)


def test_passing_after_rectification_leads_to_recognition(unit, member, manager):
    accept(filed(unit, member), manager, failing())
    unit.refresh_from_db()
    second = filed(unit, member)
    accept(second, manager)
    second.refresh_from_db()
    assert second.state == RS.ACCEPTED
    today = timezone.localdate()
    notice = publicity.open_recognition_notice(second, user=manager, title="认定公示", body="内容", starts_on=today)
    PublicNotice.objects.filter(pk=notice.pk).update(
        state=PublicNotice.State.CLOSED, starts_on=today - datetime.timedelta(days=9),
        ends_on=today - datetime.timedelta(days=2))
    notice.refresh_from_db()
    publicity.decide_notice(notice, user=manager, published_on=today, document_number="文号")
    unit.refresh_from_db()
    assert (unit.state, unit.rectification_deadline) == (I.ACTIVE, None)


def test_an_upheld_objection_to_the_recognition_notice_counts_as_a_failure(unit, member, manager):
    request = filed(unit, member)
    accept(request, manager)
    request.refresh_from_db()
    today = timezone.localdate()
    notice = publicity.open_recognition_notice(request, user=manager, title="认定公示", body="内容", starts_on=today)
    objection(notice, item=notice.items.get(), state=Objection.State.UPHELD)
    PublicNotice.objects.filter(pk=notice.pk).update(
        state=PublicNotice.State.CLOSED, starts_on=today - datetime.timedelta(days=9),
        ends_on=today - datetime.timedelta(days=2))
    notice.refresh_from_db()
    assert publicity.decide_notice(notice, user=manager, published_on=today, document_number="文号") == {
        "approved": 0, "not_approved": 1}
    reload(request, unit)
    assert request.state == RS.FAILED
    assert (unit.state, unit.rectification_deadline) == (I.RECTIFYING, add_months(today, 6))
    assert notice.items.get().outcome == NoticeItem.Outcome.NOT_APPROVED


@pytest.mark.parametrize("problem", ["missing_point", "failed_without_notes", "no_report", "future", "not_started"])
def test_an_incomplete_acceptance_is_refused_and_nothing_changes(unit, member, manager, problem):
    request = filed(unit, member)
    if problem != "not_started":
        recognition.start_acceptance(request, user=manager)
        request.refresh_from_db()
        scored_acceptance_panel(request)
    results, report, held_on = dict(ALL_PASS), "报告", timezone.localdate()
    if problem == "missing_point":
        del results["plan"]
    elif problem == "failed_without_notes":
        results["plan"] = (False, " ")
    elif problem == "no_report":
        report = " "
    elif problem == "future":
        held_on += datetime.timedelta(days=1)
    with pytest.raises(TransitionRefused):
        recognition.record_acceptance(request, user=manager, held_on=held_on, results=results, report=report)
    assert not AcceptanceReview.objects.exists()
    reload(unit)
    assert unit.state == I.CULTIVATING


def test_only_a_manager_of_the_program_runs_the_acceptance(unit, member):
    request = filed(unit, member)
    with pytest.raises(PermissionDenied):
        recognition.start_acceptance(request, user=program_manager("ZZ23"))
    recognition.start_acceptance(request, user=program_manager("HN23"))
    request.refresh_from_db()
    with pytest.raises(PermissionDenied):
        recognition.record_acceptance(request, user=program_manager("ZZ23"), held_on=timezone.localdate(),
                                      results=ALL_PASS, report="报告")


# ---- the daily job --------------------------------------------------------------------------------

def test_no_application_by_the_cultivation_deadline_cancels_the_unit_once(
        member, monkeypatch, django_capture_on_commit_callbacks):
    listed_on = datetime.date(2023, 11, 14)
    lapsed = cultivation_unit(member.organization, listed_on=listed_on)
    pending = cultivation_unit(listed_on=listed_on)
    recognition_request(pending)
    on_time = cultivation_unit(listed_on=listed_on)
    freeze_today(monkeypatch, datetime.date(2025, 11, 14))  # the deadline day itself: not yet lapsed
    assert cancel_lapsed_cultivation.delay().get() == 0

    freeze_today(monkeypatch, datetime.date(2025, 11, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert cancel_lapsed_cultivation.delay().get() == 2  # lapsed and on_time; pending has an application
    reload(lapsed, pending, on_time)
    assert (lapsed.state, lapsed.cancelled_on) == (I.CANCELLED, datetime.date(2025, 11, 15))
    assert (pending.state, on_time.state) == (I.CULTIVATING, I.CANCELLED)
    event = AuditEvent.objects.for_object(lapsed).get(action="cancel_lapsed")
    assert event.actor is None and "2025-11-14" in event.comment
    assert Notification.objects.filter(recipient=member).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert cancel_lapsed_cultivation.delay().get() == 0
    assert AuditEvent.objects.filter(action="cancel_lapsed").count() == 2
    assert Notification.objects.filter(recipient=member).count() == 1


def test_a_rectification_past_its_deadline_without_a_pending_application_is_cancelled(monkeypatch):
    today = timezone.localdate()
    lapsed = cultivation_unit(state=I.RECTIFYING, rectification_deadline=today - datetime.timedelta(days=1))
    waiting = cultivation_unit(state=I.RECTIFYING, rectification_deadline=today - datetime.timedelta(days=1))
    recognition_request(waiting, state=RS.UNDER_ACCEPTANCE)
    running = cultivation_unit(state=I.RECTIFYING, rectification_deadline=today)
    assert cancel_lapsed_cultivation.delay().get() == 1
    reload(lapsed, waiting, running)
    assert (lapsed.state, waiting.state, running.state) == (I.CANCELLED, I.RECTIFYING, I.RECTIFYING)
    assert cancel_lapsed_cultivation.delay().get() == 0


def test_recognised_institutes_are_never_touched_by_the_job():
    Institute.objects.create(
        program=cultivation_unit().program, lead_unit=applicant().organization, name="已认定",
        industry_field=cultivation_unit().industry_field, recognized_on=datetime.date(2020, 1, 1),
        cultivation_started_on=datetime.date(2018, 1, 1), cultivation_deadline=datetime.date(2020, 1, 1),
    )
    assert cancel_lapsed_cultivation.delay().get() == 0


# ---- SJZ22: third-party recognition ------------------------------------------------------------------

def record_third_party(application, *, recognised=True, user=None, evidence=PDF_BYTES, concluded_on=None):
    return recognition.record_third_party_recognition(
        application, user=user or program_manager("SJZ22"), agency="河北某评估中心",
        concluded_on=concluded_on or timezone.localdate(), recognised=recognised, summary="符合认定条件",
        evidence=SimpleUploadedFile("认定报告.pdf", evidence),
    )


def test_a_recognised_sjz22_application_becomes_an_institute_from_the_date_of_the_result():
    application = application_in(Application.State.AWAITING_DECISION, "SJZ22")
    concluded_on = timezone.localdate() - datetime.timedelta(days=5)
    record = record_third_party(application, concluded_on=concluded_on)
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    assert AuditEvent.objects.for_object(application).get(action="approve_without_publicity").comment.startswith(
        "河北某评估中心")
    made = Institute.objects.get(application=application)
    assert (made.state, made.recognized_on, made.is_cultivation_unit) == (I.ACTIVE, concluded_on, False)
    assert record.evidence.read() == PDF_BYTES and record.evidence_content_type == "application/pdf"
    assert not PublicNotice.objects.exists()


def test_a_sjz22_application_the_third_party_does_not_recognise_is_rejected_with_its_reasons():
    application = application_in(Application.State.AWAITING_DECISION, "SJZ22")
    record_third_party(application, recognised=False)
    application.refresh_from_db()
    assert application.state == Application.State.REJECTED
    assert "符合认定条件" in AuditEvent.objects.for_object(application).get(action="reject").comment
    assert not Institute.objects.exists()


@pytest.mark.parametrize("problem", ["zz23", "not_awaiting", "bad_evidence", "future", "twice", "other_manager"])
def test_third_party_recognition_refusals(problem):
    application = application_in(Application.State.AWAITING_DECISION, "ZZ23" if problem == "zz23" else "SJZ22")
    kwargs = {}
    expected = TransitionRefused
    if problem == "not_awaiting":
        application = application_in(Application.State.INITIAL_REVIEW, "SJZ22")
    elif problem == "bad_evidence":
        kwargs["evidence"], expected = b"plain text, not a report", ValidationError
    elif problem == "future":
        kwargs["concluded_on"] = timezone.localdate() + datetime.timedelta(days=1)
    elif problem == "twice":
        record_third_party(application, recognised=False)
        application = Application.objects.get(pk=application.pk)
        Application.objects.filter(pk=application.pk).update(state=Application.State.AWAITING_DECISION)
        application.refresh_from_db()
    elif problem == "other_manager":
        kwargs["user"], expected = program_manager("ZZ23"), PermissionDenied
    user = kwargs.pop("user", program_manager("ZZ23", "SJZ22"))
    before = ThirdPartyRecognition.objects.count()
    with pytest.raises(expected):
        record_third_party(application, user=user, **kwargs)
    assert ThirdPartyRecognition.objects.count() == before
    assert not Institute.objects.exists()


# ---- the acceptance reads the acceptance panel's scores (the one scoring engine) -------------------

def test_a_panel_average_below_the_pass_mark_fails_even_when_every_point_passes(unit, member, manager):
    request = filed(unit, member)
    review = accept(request, manager, panel_total=Decimal("79.99"))
    assert review.passed is False
    reload(unit)
    assert unit.state == I.RECTIFYING


def test_exactly_the_pass_mark_passes(unit, member, manager):
    request = filed(unit, member)
    assert accept(request, manager, panel_total=Decimal("80")).passed is True


def test_the_acceptance_cannot_be_recorded_before_the_panel_has_scored(unit, member, manager):
    request = filed(unit, member)
    recognition.start_acceptance(request, user=manager)
    request.refresh_from_db()
    with pytest.raises(TransitionRefused):
        recognition.record_acceptance(request, user=manager, held_on=timezone.localdate(), results=ALL_PASS,
                                      report="报告")
    assert not AcceptanceReview.objects.exists()
