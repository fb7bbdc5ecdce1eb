"""Decision meetings, public notices counted in working days, objections (only while open,
rate-limited, with unique reference numbers), closing by the daily job, and the decision: upheld
objection → rejected; otherwise approved, making a ZZ23 institute or an HN23 cultivation unit."""
import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext

from institutes.models import Application, Institute
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from reviews.models import NoticeItem, Objection, PublicNotice
from reviews.services import publicity as service
from reviews.tasks import close_ended_notices
from tests.factories import PDF_BYTES, applicant, program, program_manager
from tests.factories_reviews_publicity import (
    application_in, ended_notice, freeze_today, meeting, notice, objection,
)

pytestmark = pytest.mark.django_db
S = Application.State
D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def opened_notice(code="ZZ23", n=1, *, starts_on=None, monkeypatch=None):
    """A notice opened through the service for n decided applications, starting today."""
    applications = [application_in(S.AWAITING_DECISION, code) for _ in range(n)]
    manager = program_manager(code)
    decided = meeting(code, applications, user=manager)
    opened = service.open_notice(decided, user=manager, title="公示", body="内容",
                                 starts_on=starts_on or timezone.localdate())
    return opened, applications, manager


# ---- working days -----------------------------------------------------------------------------

@pytest.mark.parametrize(("starts_on", "ends_on"), [
    (D(2025, 11, 3), D(2025, 11, 7)),    # Monday → Friday of the same week
    (D(2025, 11, 7), D(2025, 11, 13)),   # Friday: the weekend does not count
    (D(2025, 1, 24), D(2025, 2, 6)),     # Spring Festival 2025: 26 Jan (Sunday) is worked, 28 Jan–4 Feb off
    (D(2025, 1, 29), D(2025, 2, 10)),    # opened on a holiday: 5–7 Feb, 8 Feb (Saturday, worked), 10 Feb
    (D(2025, 9, 26), D(2025, 10, 9)),    # National Day 2025: 28 Sep (Sunday) worked, 1–8 Oct off
    (D(2025, 10, 1), D(2025, 10, 14)),   # opened on National Day: 9, 10, 11 (Saturday, worked), 13, 14 Oct
    (D(2026, 2, 12), D(2026, 2, 25)),    # Spring Festival 2026: 14 Feb (Saturday) worked, 15–23 Feb off
    (D(2026, 2, 16), D(2026, 2, 28)),    # opened during it: 24–27 Feb and 28 Feb (Saturday, worked)
    (D(2026, 9, 28), D(2026, 10, 9)),    # National Day 2026: 1–7 Oct off
    (D(2026, 9, 24), D(2026, 10, 8)),    # 25 Sep 2026 is Mid-Autumn (off); 28–30 Sep, 8 Oct
])
def test_a_notice_lasts_five_working_days_on_the_official_calendar(monkeypatch, starts_on, ends_on):
    freeze_today(monkeypatch, starts_on)
    opened, applications, _manager = opened_notice(starts_on=starts_on)
    assert (opened.starts_on, opened.ends_on, opened.working_days) == (starts_on, ends_on, 5)
    assert service.notice_end(program("ZZ23"), starts_on) == ends_on


def test_the_number_of_working_days_is_the_programs(monkeypatch):
    freeze_today(monkeypatch, D(2025, 11, 3))
    hn23 = program("HN23")
    hn23.publicity_working_days = 7
    hn23.save()
    opened, _apps, _manager = opened_notice("HN23", starts_on=D(2025, 11, 3))
    assert opened.ends_on == D(2025, 11, 11)


# ---- decision meeting and opening ---------------------------------------------------------------

def test_meeting_approves_some_and_rejects_the_others_with_its_reference():
    manager = program_manager("ZZ23")
    chosen, dropped = application_in(S.AWAITING_DECISION), application_in(S.AWAITING_DECISION)
    recorded = service.record_decision_meeting(
        program("ZZ23"), user=manager, held_on=timezone.localdate(), document_number="市政府常务会〔2025〕3号",
        minutes="审定名单", approved=[chosen], not_approved=[dropped],
    )
    chosen.refresh_from_db()
    dropped.refresh_from_db()
    assert list(recorded.applications.all()) == [chosen]
    assert (chosen.state, dropped.state) == (S.AWAITING_DECISION, S.REJECTED)
    rejection = AuditEvent.objects.for_object(dropped).get(action="reject")
    assert "市政府常务会〔2025〕3号" in rejection.comment
    assert AuditEvent.objects.for_object(chosen).filter(action="decision_meeting").exists()
    assert list(service.undecided_applications(program("ZZ23"))) == []


@pytest.mark.parametrize("problem", ["future", "no_minutes", "both_lists", "not_awaiting", "other_program", "sjz22"])
def test_a_meeting_with_bad_input_is_refused_and_nothing_is_saved(problem):
    code = "SJZ22" if problem == "sjz22" else "ZZ23"
    manager = program_manager("ZZ23", "HN23", "SJZ22")
    application = application_in(S.AWAITING_DECISION, code)
    kwargs = {"held_on": timezone.localdate(), "document_number": "", "minutes": "纪要",
              "approved": [application], "not_approved": []}
    if problem == "future":
        kwargs["held_on"] = timezone.localdate() + datetime.timedelta(days=1)
    elif problem == "no_minutes":
        kwargs["minutes"] = "  "
    elif problem == "both_lists":
        kwargs["not_approved"] = [application]
    elif problem == "not_awaiting":
        kwargs["approved"] = [application_in(S.SITE_INSPECTION)]
    elif problem == "other_program":
        kwargs["approved"] = [application_in(S.AWAITING_DECISION, "HN23")]
    with pytest.raises(TransitionRefused):
        service.record_decision_meeting(program(code), user=manager, **kwargs)
    assert not program(code).decision_meetings.exists()


def test_only_a_manager_of_the_program_records_a_meeting():
    application = application_in(S.AWAITING_DECISION)
    with pytest.raises(PermissionDenied):
        service.record_decision_meeting(
            program("ZZ23"), user=program_manager("HN23"), held_on=timezone.localdate(), document_number="",
            minutes="纪要", approved=[application], not_approved=[])


def test_opening_puts_each_decided_application_on_notice_through_the_door():
    opened, applications, manager = opened_notice(n=2)
    items = list(opened.items.order_by("pk"))
    assert [item.application for item in items] == applications
    assert [(i.published_name, i.published_lead_unit) for i in items] == [
        (a.title, a.organization.name) for a in applications]
    for application in applications:
        application.refresh_from_db()
        assert application.state == S.PUBLICITY
        event = AuditEvent.objects.for_object(application).get(action="open_publicity")
        assert event.actor == manager and opened.ends_on.isoformat() in event.comment
    assert AuditEvent.objects.for_object(opened).filter(action="open").exists()


def test_a_notice_cannot_start_in_the_past_and_needs_a_title():
    applications = [application_in(S.AWAITING_DECISION)]
    manager = program_manager("ZZ23")
    decided = meeting("ZZ23", applications, user=manager)
    with pytest.raises(TransitionRefused):
        service.open_notice(decided, user=manager, title="公示", body="内容",
                            starts_on=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(TransitionRefused):
        service.open_notice(decided, user=manager, title=" ", body="内容", starts_on=timezone.localdate())
    assert not PublicNotice.objects.exists()
    applications[0].refresh_from_db()
    assert applications[0].state == S.AWAITING_DECISION


def test_a_meeting_opens_one_notice_only():
    opened, _apps, manager = opened_notice()
    with pytest.raises(TransitionRefused):
        service.open_notice(opened.meeting, user=manager, title="再次", body="内容", starts_on=timezone.localdate())
    assert PublicNotice.objects.count() == 1


# ---- objections -----------------------------------------------------------------------------------

def file(on_notice, ip="198.51.100.7", **kwargs):
    return service.file_objection(on_notice, name="张三", contact="13900000000", text="材料不实", ip_address=ip, **kwargs)


def test_an_objection_gets_a_reference_is_stored_with_its_address_and_tells_the_managers(
        django_capture_on_commit_callbacks):
    opened, applications, manager = opened_notice()
    item = opened.items.get()
    with django_capture_on_commit_callbacks(execute=True):
        filed = file(opened, item=item)
    assert filed.reference.startswith(f"YY-{timezone.localdate().year}-") and len(filed.reference) == 16
    assert (filed.ip_address, filed.item, filed.state) == ("198.51.100.7", item, Objection.State.RECEIVED)
    assert Notification.objects.filter(recipient=manager, message__contains=filed.reference).exists()
    assert AuditEvent.objects.for_object(filed).get(action="file").actor is None


def test_an_objection_may_carry_evidence_checked_by_its_content():
    opened, _apps, _manager = opened_notice()
    filed = file(opened, attachment=SimpleUploadedFile("证据.pdf", PDF_BYTES))
    assert filed.attachment_content_type == "application/pdf"
    assert filed.attachment.read() == PDF_BYTES
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        file(opened, attachment=SimpleUploadedFile("证据.pdf", b"MZ\x90\x00 not a pdf"))
    assert Objection.objects.count() == 1


@pytest.mark.parametrize(("offset", "accepted"), [(-1, False), (0, True), (6, True), (7, False)])
def test_objections_are_accepted_only_from_the_first_to_the_last_day(monkeypatch, offset, accepted):
    start = timezone.localdate()
    opened = notice("ZZ23", [application_in(S.AWAITING_DECISION)], starts_on=start,
                    ends_on=start + datetime.timedelta(days=6))
    freeze_today(monkeypatch, start + datetime.timedelta(days=offset))
    if accepted:
        assert file(opened).pk
    else:
        with pytest.raises(TransitionRefused):
            file(opened)
        assert not Objection.objects.exists()


def test_a_closed_notice_takes_no_objection_even_within_its_dates():
    opened = notice("ZZ23", [application_in(S.AWAITING_DECISION)], state=PublicNotice.State.CLOSED)
    with pytest.raises(TransitionRefused):
        file(opened)


def test_at_most_five_objections_an_hour_from_one_address():
    opened, _apps, _manager = opened_notice()
    for _ in range(service.OBJECTIONS_PER_ADDRESS):
        file(opened, ip="198.51.100.7")
    with pytest.raises(TransitionRefused) as refusal:
        file(opened, ip="198.51.100.7")
    assert refusal.value.message == gettext(
        "Too many objections were sent from your network in the last hour. Please try again later, "
        "or contact the bureau named in the notice.")
    assert file(opened, ip="198.51.100.8").pk  # another address is not affected
    assert Objection.objects.filter(ip_address="198.51.100.7").count() == 5


def test_the_limit_lifts_when_the_hour_is_over():
    opened, _apps, _manager = opened_notice()
    for _ in range(service.OBJECTIONS_PER_ADDRESS):
        file(opened)
    cache.delete(service._rate_key("198.51.100.7"))  # what the cache's one-hour expiry does
    assert file(opened).pk


def test_reference_numbers_are_unique_and_a_collision_draws_again(monkeypatch):
    opened, _apps, _manager = opened_notice()
    references = {file(opened, ip=f"198.51.100.{i}").reference for i in range(20)}
    assert len(references) == 20
    taken = next(iter(references))
    draws = iter([taken, "YY-2099-FRESH001"])
    monkeypatch.setattr(service, "new_reference", lambda today: next(draws))
    assert file(opened, ip="198.51.100.99").reference == "YY-2099-FRESH001"


def test_an_objection_to_an_item_of_another_notice_is_refused():
    opened, _apps, _manager = opened_notice()
    other, _apps2, _m = opened_notice()
    with pytest.raises(TransitionRefused):
        file(opened, item=other.items.get())


# ---- handling objections ---------------------------------------------------------------------------

def test_upholding_names_the_item_records_the_response_and_audits(django_capture_on_commit_callbacks):
    opened, applications, manager = opened_notice()
    filed = objection(opened)
    handled = service.handle_objection(filed, user=manager, uphold=True, response="经核实，情况属实")
    assert (handled.state, handled.item, handled.handled_by) == (Objection.State.UPHELD, opened.items.get(), manager)
    assert AuditEvent.objects.for_object(handled).get(action="uphold").comment == "经核实，情况属实"
    assert AuditEvent.objects.for_object(applications[0]).filter(action="objection_upheld").exists()


def test_an_upheld_objection_on_a_notice_of_several_items_must_say_which():
    opened, _apps, manager = opened_notice(n=2)
    filed = objection(opened)
    with pytest.raises(TransitionRefused):
        service.handle_objection(filed, user=manager, uphold=True, response="属实")
    filed.refresh_from_db()
    assert filed.state == Objection.State.RECEIVED
    service.handle_objection(filed, user=manager, uphold=False, response="不属实")
    filed.refresh_from_db()
    assert (filed.state, filed.item) == (Objection.State.DISMISSED, None)


def test_an_objection_is_handled_once_with_a_response_by_a_manager_of_the_program():
    opened, _apps, manager = opened_notice()
    filed = objection(opened)
    with pytest.raises(PermissionDenied):
        service.handle_objection(filed, user=program_manager("HN23"), uphold=False, response="不属实")
    with pytest.raises(TransitionRefused):
        service.handle_objection(filed, user=manager, uphold=False, response=" ")
    service.handle_objection(filed, user=manager, uphold=False, response="不属实")
    with pytest.raises(TransitionRefused):
        service.handle_objection(filed, user=manager, uphold=True, response="改判")
    filed.refresh_from_db()
    assert filed.state == Objection.State.DISMISSED


# ---- closing: by the manager or the daily job --------------------------------------------------------

def test_a_notice_closes_only_after_its_last_day(monkeypatch):
    opened, _apps, manager = opened_notice()
    with pytest.raises(TransitionRefused) as refusal:
        service.close_notice(opened, user=manager)
    assert refusal.value.message == gettext("the notice period has not ended yet")
    freeze_today(monkeypatch, opened.ends_on + datetime.timedelta(days=1))
    service.close_notice(opened, user=manager)
    opened.refresh_from_db()
    assert opened.state == PublicNotice.State.CLOSED


def test_the_daily_job_closes_ended_notices_once_and_tells_the_managers(django_capture_on_commit_callbacks):
    manager = program_manager("ZZ23")
    ended = ended_notice("ZZ23", [application_in(S.AWAITING_DECISION)], state=PublicNotice.State.OPEN)
    running = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    objection(ended)
    with django_capture_on_commit_callbacks(execute=True):
        assert close_ended_notices.delay().get() == 1
    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.state, running.state) == (PublicNotice.State.CLOSED, PublicNotice.State.OPEN)
    event = AuditEvent.objects.for_object(ended).get(action="close")
    assert event.actor is None
    assert Notification.objects.filter(recipient=manager, url__endswith=f"/notices/{ended.pk}/").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert close_ended_notices.delay().get() == 0
    assert AuditEvent.objects.for_object(ended).filter(action="close").count() == 1
    assert Notification.objects.filter(recipient=manager, url__endswith=f"/notices/{ended.pk}/").count() == 1


def test_the_management_command_runs_the_same_jobs(capsys):
    ended = ended_notice("ZZ23", [application_in(S.AWAITING_DECISION)], state=PublicNotice.State.OPEN)
    call_command("run_daily_jobs")
    ended.refresh_from_db()
    assert ended.state == PublicNotice.State.CLOSED
    assert "1" in capsys.readouterr().out
    call_command("run_daily_jobs")
    assert AuditEvent.objects.for_object(ended).filter(action="close").count() == 1


# ---- deciding ---------------------------------------------------------------------------------------

def decide(on_notice, manager, *, published_on=None, document="郑政文〔2025〕88号"):
    return service.decide_notice(on_notice, user=manager, published_on=published_on or timezone.localdate(),
                                 document_number=document)


def test_an_upheld_objection_rejects_its_item_and_the_others_are_approved_as_institutes():
    manager = program_manager("ZZ23")
    objected, clean = application_in(S.AWAITING_DECISION), application_in(S.AWAITING_DECISION)
    ended = ended_notice("ZZ23", [objected, clean])
    objected_item = ended.items.get(application=objected)
    objection(ended, item=objected_item, state=Objection.State.UPHELD)
    objection(ended, state=Objection.State.DISMISSED)

    assert decide(ended, manager) == {"approved": 1, "not_approved": 1}

    objected.refresh_from_db()
    clean.refresh_from_db()
    assert (objected.state, clean.state) == (S.REJECTED, S.APPROVED)
    assert AuditEvent.objects.for_object(objected).get(action="reject").comment == gettext(
        "An objection to the public notice was upheld.")
    assert not Institute.objects.filter(application=objected).exists()
    made = Institute.objects.get(application=clean)
    assert (made.state, made.recognized_on, made.recognition_document) == (
        Institute.State.ACTIVE, timezone.localdate(), "郑政文〔2025〕88号")
    assert (made.name, made.lead_unit, made.program.code) == (clean.title, clean.organization, "ZZ23")
    assert made.cultivation_deadline is None and not made.is_cultivation_unit
    ended.refresh_from_db()
    assert (ended.state, ended.published_on) == (PublicNotice.State.DECIDED, timezone.localdate())
    assert list(ended.items.order_by("pk").values_list("outcome", flat=True)) == [
        NoticeItem.Outcome.NOT_APPROVED, NoticeItem.Outcome.APPROVED]


@pytest.mark.parametrize(("published_on", "deadline"), [
    (D(2025, 11, 14), D(2027, 11, 14)),
    (D(2024, 2, 29), D(2026, 2, 28)),   # no 29 February in 2026: the last day of that month
])
def test_an_hn23_approval_makes_a_cultivation_unit_due_exactly_two_years_on(monkeypatch, published_on, deadline):
    freeze_today(monkeypatch, published_on)
    manager = program_manager("HN23")
    application = application_in(S.AWAITING_DECISION, "HN23")
    ended = notice("HN23", [application], starts_on=published_on - datetime.timedelta(days=10),
                   ends_on=published_on - datetime.timedelta(days=3), state=PublicNotice.State.CLOSED)
    decide(ended, manager, published_on=published_on)
    unit = Institute.objects.get(application=application)
    assert unit.state == Institute.State.CULTIVATING and unit.is_cultivation_unit
    assert (unit.cultivation_started_on, unit.cultivation_deadline) == (published_on, deadline)
    assert AuditEvent.objects.for_object(unit).get(action="create").data["cultivation_deadline"] == deadline.isoformat()


def test_the_lead_unit_hears_of_its_cultivation_deadline(django_capture_on_commit_callbacks):
    application = application_in(S.AWAITING_DECISION, "HN23")
    member = applicant(organization=application.organization)
    ended = ended_notice("HN23", [application])
    with django_capture_on_commit_callbacks(execute=True):
        decide(ended, program_manager("HN23"))
    deadline = Institute.objects.get(application=application).cultivation_deadline.isoformat()
    assert Notification.objects.filter(recipient=member, message__contains=deadline).exists()


def test_no_decision_while_an_objection_is_unhandled_or_the_notice_is_open():
    manager = program_manager("ZZ23")
    application = application_in(S.AWAITING_DECISION)
    ended = ended_notice("ZZ23", [application])
    objection(ended)
    with pytest.raises(TransitionRefused):
        decide(ended, manager)
    running = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    with pytest.raises(TransitionRefused):
        decide(running, manager)
    application.refresh_from_db()
    assert application.state == S.PUBLICITY
    assert not Institute.objects.exists()


@pytest.mark.parametrize("problem", ["during_notice", "future", "no_document"])
def test_the_publication_date_follows_the_notice_and_a_document_is_needed(problem):
    manager = program_manager("ZZ23")
    application = application_in(S.AWAITING_DECISION)
    ended = ended_notice("ZZ23", [application])
    kwargs = {"published_on": timezone.localdate(), "document": "文号"}
    if problem == "during_notice":
        kwargs["published_on"] = ended.ends_on
    elif problem == "future":
        kwargs["published_on"] = timezone.localdate() + datetime.timedelta(days=1)
    else:
        kwargs["document"] = " "
    with pytest.raises(TransitionRefused):
        decide(ended, manager, **kwargs)
    ended.refresh_from_db()
    assert ended.state == PublicNotice.State.CLOSED
    assert not Institute.objects.exists()


def test_a_decided_notice_cannot_be_decided_again_nor_its_objections_changed():
    manager = program_manager("ZZ23")
    ended = ended_notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    late = objection(ended, state=Objection.State.DISMISSED)
    decide(ended, manager)
    with pytest.raises(TransitionRefused):
        decide(ended, manager)
    assert Institute.objects.count() == 1
    fresh = objection(ended)
    with pytest.raises(TransitionRefused):
        service.handle_objection(fresh, user=manager, uphold=True, response="改判")
    assert late.state == Objection.State.DISMISSED
