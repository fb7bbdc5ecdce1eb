"""Decision meetings, public notices (公示) and objections, and the decision that follows a notice.

A notice lasts the program's number of *working* days on the Chinese official calendar (HN23: 公示
5 个工作日); anyone may object while it is open; once it has ended it is closed (by the manager or
the daily job), and once every objection is handled the manager decides it: an item with an upheld
objection is rejected, the others approved — an application becomes an institute or an HN23
cultivation unit, a cultivation unit is recognised."""
import base64
import datetime
import secrets

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from institutes import lifecycle
from institutes.models import Application, Institute, Program, RecognitionRequest
from institutes.uploads import inspect_upload
from portal.accounts.models import User
from portal.audit.services import record_event
from portal.notify.services import notify
from portal.workdays import working_period_end
from portal.workflow import StaleObject, TransitionRefused, transition

from ..models import DecisionMeeting, NoticeItem, Objection, PublicNotice

OBJECTIONS_PER_ADDRESS = 5
OBJECTION_WINDOW_SECONDS = 60 * 60
REFERENCE_ATTEMPTS = 5


def program_managers(program: Program):
    return User.objects.filter(managed_programs=program, is_active=True, groups__name="program_manager")


# ---- decision meeting --------------------------------------------------------------------------

@transaction.atomic
def record_decision_meeting(
    program: Program, *, user, held_on: datetime.date, document_number: str, minutes: str,
    approved: list[Application], not_approved: list[Application], request=None,
) -> DecisionMeeting:
    """Record the meeting that decides applications awaiting a decision: those it approves go on to
    the public notice, those it does not approve are rejected."""
    if not user.has_perm("reviews.manage_notice", program):
        raise PermissionDenied
    _ensure_decidable(program, held_on, minutes, approved, not_approved)
    meeting = DecisionMeeting.objects.create(
        program=program, held_on=held_on, document_number=document_number.strip(), minutes=minutes.strip(),
        recorded_by=user,
    )
    meeting.applications.set(approved)
    meeting.not_approved.set(not_approved)
    reference = " ".join(filter(None, [held_on.isoformat(), meeting.document_number]))
    for application in approved:
        record_event(
            application, action="decision_meeting", action_label=_("Approved by the decision meeting"),
            actor=user, comment=reference, request=request, data={"meeting": meeting.pk},
        )
    for application in not_approved:
        transition(
            application, "reject", user, request=request, data={"meeting": meeting.pk},
            comment=_("Not approved by the decision meeting (%(meeting)s).") % {"meeting": reference},
        )
    return meeting


def _ensure_decidable(program, held_on, minutes, approved, not_approved) -> None:
    if not program.has_publicity:
        raise TransitionRefused(
            _("This program has no decision meeting and public notice; record the recognition result instead."))
    if held_on > timezone.localdate():
        raise TransitionRefused(_("The meeting cannot be in the future."))
    if not minutes.strip():
        raise TransitionRefused(_("Enter the minutes of the meeting."))
    if not approved and not not_approved:
        raise TransitionRefused(_("Choose the applications the meeting decided."))
    if {a.pk for a in approved} & {a.pk for a in not_approved}:
        raise TransitionRefused(_("An application cannot be both approved and not approved."))
    for application in [*approved, *not_approved]:
        if application.program_id != program.pk or application.state != Application.State.AWAITING_DECISION:
            raise TransitionRefused(_("%(application)s is not awaiting a decision in this program.") % {
                "application": application})
    if DecisionMeeting.objects.filter(applications__in=[a.pk for a in [*approved, *not_approved]]).exists():
        raise TransitionRefused(_("A decision meeting has already approved one of these applications."))


def undecided_applications(program: Program):
    """Applications of the program awaiting a decision that no meeting has approved yet."""
    return (
        Application.objects.filter(program=program, state=Application.State.AWAITING_DECISION)
        .exclude(decision_meetings__isnull=False)
        .select_related("organization", "program")
        .order_by("reference", "pk")
    )


# ---- opening a notice --------------------------------------------------------------------------

def notice_end(program: Program, starts_on: datetime.date) -> datetime.date:
    """The last day of a notice that starts on `starts_on`: the program's number of working days."""
    return working_period_end(starts_on, program.publicity_working_days)


@transaction.atomic
def open_notice(meeting: DecisionMeeting, *, user, title: str, body: str, starts_on: datetime.date,
                request=None) -> PublicNotice:
    """Open the public notice of the applications a decision meeting approved."""
    if not user.has_perm("reviews.manage_notice", meeting):
        raise PermissionDenied
    applications = list(
        meeting.applications.filter(state=Application.State.AWAITING_DECISION)
        .select_related("organization", "program").order_by("pk")
    )
    if not applications:
        raise TransitionRefused(_("None of the meeting's applications is waiting for its public notice."))
    notice = _create_notice(
        meeting.program, PublicNotice.Purpose.LISTING, user=user, title=title, body=body, starts_on=starts_on,
        meeting=meeting, request=request,
    )
    NoticeItem.objects.bulk_create([
        NoticeItem(notice=notice, application=application, published_name=application.title or str(application),
                   published_lead_unit=application.organization.name)
        for application in applications
    ])
    for application in applications:
        transition(
            application, "open_publicity", user, request=request, data={"notice": notice.pk},
            comment=_("Public notice from %(start)s to %(end)s.") % {
                "start": notice.starts_on.isoformat(), "end": notice.ends_on.isoformat()},
        )
    return notice


@transaction.atomic
def open_recognition_notice(recognition: RecognitionRequest, *, user, title: str, body: str,
                            starts_on: datetime.date, request=None) -> PublicNotice:
    """Open the public notice of a cultivation unit that passed its acceptance (HN23 规程 第七条 第三步)."""
    if not user.has_perm("reviews.manage_notice", recognition):
        raise PermissionDenied
    if recognition.state != RecognitionRequest.State.ACCEPTED:
        raise TransitionRefused(_("Only a unit that passed its acceptance goes on public notice."))
    institute = recognition.institute
    if NoticeItem.objects.filter(institute=institute, notice__state__in=[
            PublicNotice.State.OPEN, PublicNotice.State.CLOSED]).exists():
        raise TransitionRefused(_("This unit is already on a public notice."))
    notice = _create_notice(
        institute.program, PublicNotice.Purpose.RECOGNITION, user=user, title=title, body=body,
        starts_on=starts_on, request=request,
    )
    NoticeItem.objects.create(
        notice=notice, institute=institute, published_name=institute.name,
        published_lead_unit=institute.lead_unit.name,
    )
    record_event(
        institute, action="recognition_notice", action_label=_("Recognition put on public notice"), actor=user,
        request=request, comment=_("Until %(end)s") % {"end": notice.ends_on.isoformat()}, data={"notice": notice.pk},
    )
    return notice


def _create_notice(program, purpose, *, user, title, body, starts_on, meeting=None, request=None) -> PublicNotice:
    if starts_on < timezone.localdate():
        raise TransitionRefused(_("A public notice cannot start in the past."))
    if not title.strip() or not body.strip():
        raise TransitionRefused(_("The notice needs a title and a text."))
    notice = PublicNotice.objects.create(
        program=program, purpose=purpose, meeting=meeting, title=title.strip(), body=body.strip(),
        starts_on=starts_on, working_days=program.publicity_working_days, ends_on=notice_end(program, starts_on),
        opened_by=user,
    )
    record_event(
        notice, action="open", action_label=_("Notice opened"), actor=user, to_state=notice.state, request=request,
        data={"starts_on": notice.starts_on.isoformat(), "ends_on": notice.ends_on.isoformat()},
    )
    return notice


# ---- objections --------------------------------------------------------------------------------

def new_reference(today: datetime.date) -> str:
    """YY-<year>-<8 random base32 characters> (异议 reference numbers, 40 random bits)."""
    token = base64.b32encode(secrets.token_bytes(5)).decode("ascii")
    return f"YY-{today.year}-{token}"


def _rate_key(ip_address: str | None) -> str:
    return f"reviews:objections:{ip_address or 'unknown'}"


def file_objection(
    notice: PublicNotice, *, name: str, contact: str, text: str, item: NoticeItem | None = None,
    attachment=None, ip_address: str | None = None,
) -> Objection:
    """Anyone may object while the notice is open — at most OBJECTIONS_PER_ADDRESS objections an
    hour from one address; returns the objection with its reference number."""
    today = timezone.localdate()
    if not notice.accepts_objections(today):
        raise TransitionRefused(_("This notice does not accept objections: it was open from %(start)s to %(end)s.") % {
            "start": notice.starts_on.isoformat(), "end": notice.ends_on.isoformat()})
    if item is not None and item.notice_id != notice.pk:
        raise TransitionRefused(_("That item is not on this notice."))
    if cache.get(_rate_key(ip_address), 0) >= OBJECTIONS_PER_ADDRESS:
        raise TransitionRefused(_(
            "Too many objections were sent from your network in the last hour. Please try again later, "
            "or contact the bureau named in the notice."))
    objection = Objection(
        notice=notice, item=item, name=name.strip(), contact=contact.strip(), text=text.strip(), ip_address=ip_address,
    )
    if attachment is not None:
        _attach(objection, attachment)
    with transaction.atomic():
        _save_with_reference(objection, today)
        record_event(objection, action="file", action_label=_("Objection filed"), to_state=objection.state,
                     data={"notice": notice.pk})
        notify(program_managers(notice.program),
               _("Objection %(reference)s to the notice “%(title)s”") % {
                   "reference": objection.reference, "title": notice.title},
               reverse("reviews:objection_detail", args=[objection.pk]))
    _count_objection(_rate_key(ip_address))
    return objection


def _attach(objection: Objection, uploaded_file) -> None:
    inspected = inspect_upload(uploaded_file)
    objection.attachment_name = uploaded_file.name[:255]
    objection.attachment_content_type = inspected.content_type
    objection.attachment_sha256 = inspected.sha256
    objection.attachment.save(uploaded_file.name, uploaded_file, save=False)


def _save_with_reference(objection: Objection, today: datetime.date) -> None:
    for attempt in range(REFERENCE_ATTEMPTS):
        objection.reference = new_reference(today)
        try:
            with transaction.atomic():
                objection.save()
            return
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise


def _count_objection(key: str) -> None:
    if cache.add(key, 1, timeout=OBJECTION_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=OBJECTION_WINDOW_SECONDS)


@transaction.atomic
def handle_objection(
    objection: Objection, *, user, uphold: bool, response: str, item: NoticeItem | None = None, request=None,
) -> Objection:
    """Uphold or dismiss an objection, with the response given to the objector. An upheld objection
    names the item it concerns: that item is not approved when the notice is decided."""
    if not user.has_perm("reviews.handle_objection", objection):
        raise PermissionDenied
    objection = Objection.objects.select_for_update(of=("self",)).select_related("notice__program", "item").get(pk=objection.pk)
    if objection.is_handled:
        raise TransitionRefused(_("This objection has already been handled."))
    if objection.notice.state == PublicNotice.State.DECIDED:
        raise TransitionRefused(_("The notice has been decided; its objections can no longer change."))
    if not response.strip():
        raise TransitionRefused(_("Write the response to the objector."))
    item = item or objection.item or _only_item(objection.notice)
    if item is not None and item.notice_id != objection.notice_id:
        raise TransitionRefused(_("That item is not on this notice."))
    if uphold and item is None:
        raise TransitionRefused(_("Say which item of the notice the upheld objection concerns."))
    before = objection.state
    objection.state = Objection.State.UPHELD if uphold else Objection.State.DISMISSED
    objection.item, objection.response = item, response.strip()
    objection.handled_by, objection.handled_at = user, timezone.now()
    objection.save()
    label = _("Objection upheld") if uphold else _("Objection dismissed")
    record_event(objection, action="uphold" if uphold else "dismiss", action_label=label, actor=user,
                 from_state=before, to_state=objection.state, comment=objection.response, request=request)
    if uphold:
        record_event(item.application or item.institute, action="objection_upheld", action_label=label,
                     actor=user, comment=objection.reference, request=request)
    return objection


def _only_item(notice: PublicNotice) -> NoticeItem | None:
    items = list(notice.items.all()[:2])
    return items[0] if len(items) == 1 else None


# ---- closing and deciding ----------------------------------------------------------------------

def close_notice(notice: PublicNotice, *, user, request=None) -> None:
    transition(notice, "close", user, request=request)


def close_ended_notices() -> int:
    """The daily job: close every open notice whose period has ended, and tell its program managers
    that it waits for their decision. Only closing: the decision needs the publication date and
    document and the objections handled, so it stays the manager's. Idempotent."""
    ended = PublicNotice.objects.filter(state=PublicNotice.State.OPEN, ends_on__lt=timezone.localdate())
    closed = 0
    for notice in ended.select_related("program"):
        try:
            _close_as_system(notice)
        except StaleObject:  # a manager closed it a moment ago
            continue
        closed += 1
    return closed


@transaction.atomic
def _close_as_system(notice: PublicNotice) -> None:
    transition(notice, "close", None, comment=_("The notice period ended on %(end)s.") % {
        "end": notice.ends_on.isoformat()})
    pending = notice.objections.filter(state=Objection.State.RECEIVED).count()
    notify(
        program_managers(notice.program),
        ngettext(
            "The notice “%(title)s” has ended (%(pending)d objection to handle); it waits for your decision.",
            "The notice “%(title)s” has ended (%(pending)d objections to handle); it waits for your decision.",
            pending,
        ) % {"title": notice.title, "pending": pending},
        reverse("reviews:notice_detail", args=[notice.pk]),
    )


@transaction.atomic
def decide_notice(notice: PublicNotice, *, user, published_on: datetime.date, document_number: str,
                  request=None) -> dict[str, int]:
    """Decide a closed notice whose objections are all handled: each item with an upheld objection is
    not approved, the others are approved; returns the count of each outcome."""
    if not user.has_perm("reviews.manage_notice", notice):
        raise PermissionDenied
    if not notice.ends_on < published_on <= timezone.localdate():
        raise TransitionRefused(_("The result is published after the notice period, and not in the future."))
    if not document_number.strip():
        raise TransitionRefused(_("Enter the document number that publishes the result."))
    transition(notice, "decide", user, request=request, published_on=published_on,
               document_number=document_number.strip(), comment=document_number.strip())
    upheld = set(notice.objections.filter(state=Objection.State.UPHELD).values_list("item_id", flat=True))
    items = list(notice.items.select_related(
        "application__program", "application__organization", "institute__program", "institute__lead_unit",
    ))
    for item in items:
        decide = _decide_application if item.application_id else _decide_institute
        item.outcome = decide(item, upheld=item.pk in upheld, user=user, published_on=published_on,
                              document_number=document_number.strip(), request=request)
    NoticeItem.objects.bulk_update(items, ["outcome"])
    outcomes = [item.outcome for item in items]
    return {outcome: outcomes.count(outcome) for outcome in NoticeItem.Outcome.values}


def _decide_application(item, *, upheld, user, published_on, document_number, request) -> str:
    application = item.application
    if application.state != Application.State.PUBLICITY:
        return ""
    if upheld:
        transition(application, "reject", user, request=request,
                   comment=_("An objection to the public notice was upheld."))
        return NoticeItem.Outcome.NOT_APPROVED
    transition(application, "approve", user, request=request, comment=document_number)
    lifecycle.recognise_application(application, user=user, recognized_on=published_on,
                                    document_number=document_number, request=request)
    return NoticeItem.Outcome.APPROVED


def _decide_institute(item, *, upheld, user, published_on, document_number, request) -> str:
    institute = item.institute
    recognition = RecognitionRequest.objects.filter(
        institute=institute, state=RecognitionRequest.State.ACCEPTED).first()
    if recognition is None or institute.state not in Institute.CULTIVATION_STATES:
        return ""
    url = reverse("reviews:recognition_detail", args=[recognition.pk])
    if upheld:
        reason = _("An objection to the public notice was upheld.")
        transition(recognition, "overturn", user, request=request, comment=reason, decided_on=published_on)
        deadline = lifecycle.apply_failed_acceptance(
            institute, user=user, failed_on=published_on, reason=reason, request=request)
        notify(lifecycle.members_of(institute.lead_unit_id), failure_message(institute, deadline), url)
        return NoticeItem.Outcome.NOT_APPROVED
    lifecycle.recognise_institute(institute, user=user, recognized_on=published_on,
                                  document_number=document_number, request=request)
    notify(lifecycle.members_of(institute.lead_unit_id), _("%(name)s is recognised.") % {"name": institute.name}, url)
    return NoticeItem.Outcome.APPROVED


def failure_message(institute: Institute, rectification_deadline: datetime.date | None) -> str:
    if rectification_deadline is not None:
        return _("%(name)s is not recognised; rectify and apply again by %(deadline)s.") % {
            "name": institute.name, "deadline": rectification_deadline.isoformat()}
    return _("%(name)s failed again; its cultivation status is cancelled.") % {"name": institute.name}
