"""Use cases of the PDF notices: issue a notice for a subject (numbered once, in the transaction
that creates it), render it when its content changed, and let a program manager refresh one or
issue the grade-and-subsidy notices of a program-year.

Rendering runs in the Celery job `subsidies.tasks_notices.render_notice`, never in a web request;
every use case here that creates or refreshes a notice queues that job through the outbox (portal.outbox), sent once the transaction commits.
A notice whose content hash is unchanged and whose file is present is not rendered again."""
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from institutes.models import AnnualGrade, Institute, Program
from portal.accounts.models import User
from portal.audit.services import audit_event, record_event, record_events
from portal.notify.services import notify
from portal.outbox.services import enqueue_many
from portal.workflow import TransitionRefused, transition

from ..models import Notice, NoticeSerial
from ..notices import content
from ..notices.authorities import abbreviation, document_number
from ..notices.render import render_pdf

UNCHANGED = "unchanged"
RENDERED = "rendered"


# ---- numbering -----------------------------------------------------------------------------------

def allocate_serials(abbr: str, year: int, count: int = 1) -> range:
    """The next `count` serial numbers of `abbr` in `year`. Call inside the transaction that creates
    the notices: the counter row stays locked until it commits, and a rollback gives the numbers
    back, so the numbers of an authority's year have no gaps."""
    NoticeSerial.objects.get_or_create(abbreviation=abbr, year=year)
    serial = NoticeSerial.objects.select_for_update().get(abbreviation=abbr, year=year)
    first = serial.last_serial + 1
    serial.last_serial += count
    serial.save(update_fields=["last_serial"])
    return range(first, serial.last_serial + 1)


def allocate_serial(abbr: str, year: int) -> int:
    return allocate_serials(abbr, year)[0]


# ---- issuing ---------------------------------------------------------------------------------------

def _unsaved_notice(kind: str, subject_key: str, *, program: Program, organization_id: int, serial: int,
                    issued_on, user=None, institute: Institute | None = None, year: int | None = None,
                    **subject) -> Notice:
    abbr = abbreviation(program)
    return Notice(
        kind=kind, subject_key=subject_key, program=program, organization_id=organization_id,
        institute=institute, year=year, title=content.title_for(kind, program, institute, year),
        authority=program.authority, authority_abbreviation=abbr, document_year=issued_on.year,
        serial=serial, document_number=document_number(abbr, issued_on.year, serial), issued_on=issued_on,
        requested_by=user, **subject,
    )


def _save_new(notices: list[Notice], user=None) -> list[Notice]:
    """Store new notices, audit their issue and queue their rendering, in a constant number of queries."""
    notices = Notice.objects.bulk_create(notices)
    record_events([audit_event(notice, action="create", action_label=_("Notice issued"), actor=user,
                                to_state=notice.state, comment=notice.document_number) for notice in notices])
    queue_renders(notices)
    return notices


def _new_notice(kind: str, subject_key: str, *, user=None, **fields) -> Notice:
    return _save_new([_unsaved_notice(kind, subject_key, user=user, **fields)], user)[0]


def _issue(kind: str, subject_key: str, *, program: Program, **fields) -> tuple[Notice, bool]:
    """The notice about `subject_key`, created (numbered, queued for rendering) if new."""
    existing = Notice.objects.filter(subject_key=subject_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            issued_on = timezone.localdate()
            serial = allocate_serial(abbreviation(program), issued_on.year)
            notice = _new_notice(kind, subject_key, program=program, serial=serial, issued_on=issued_on, **fields)
    except IntegrityError:  # the same subject issued concurrently: its number was rolled back
        return Notice.objects.get(subject_key=subject_key), False
    return notice, True


def queue_render(notice: Notice) -> None:
    queue_renders([notice])


def queue_renders(notices: list[Notice]) -> None:
    """One render job per notice (they run in parallel on the workers), queued once on commit."""
    from ..tasks_notices import render_notice

    notice_ids = [notice.pk for notice in notices]
    if notice_ids:
        enqueue_many(render_notice, [[notice_id] for notice_id in notice_ids])


def issue_recognition_notice(institute: Institute, user=None) -> Notice:
    """The recognition notice to the lead unit of a recognised institute (not a cultivation unit)."""
    if institute.is_cultivation_unit or institute.state != Institute.State.ACTIVE:
        raise TransitionRefused(_("Only a recognised institute receives a recognition notice."))
    notice, _created = _issue(
        Notice.Kind.RECOGNITION, f"recognition:institute:{institute.pk}", program=institute.program,
        organization_id=institute.lead_unit_id, institute=institute, user=user,
    )
    return notice


def grade_subject(institute_id: int, year: int) -> str:
    return f"grade_subsidy:institute:{institute_id}:{year}"


def issue_grade_notice(institute: Institute, year: int, user=None) -> tuple[Notice, bool]:
    """The grade-and-subsidy notice of an institute's published grade for `year`; an existing one
    is queued for a refresh (rendered again only if its grade or entitlements changed)."""
    if not AnnualGrade.objects.published().filter(institute=institute, year=year).exists():
        raise TransitionRefused(_("The grade of %(year)s is not published.") % {"year": year})
    notice, created = _issue(
        Notice.Kind.GRADE_SUBSIDY, grade_subject(institute.pk, year), program=institute.program,
        organization_id=institute.lead_unit_id, institute=institute, year=year, user=user,
    )
    if not created:
        queue_render(notice)
    return notice, created


def request_grade_notices(program: Program, year: int, user) -> dict:
    """Issue (or refresh) the grade-and-subsidy notices of every institute of `program` whose grade
    for `year` is published, numbered as one block in the order of the institutes' names.
    Returns {"created": n, "refreshed": m}. A constant number of reads whatever the count."""
    if not user.has_perm("subsidies.issue_notices", program):
        raise PermissionDenied
    institutes = [grade.institute for grade in
                  AnnualGrade.objects.published().filter(institute__program=program, year=year)
                  .select_related("institute").order_by("institute__name", "pk")]
    keys = [grade_subject(institute.pk, year) for institute in institutes]
    existing = list(Notice.objects.filter(subject_key__in=keys).order_by("pk"))
    issued = {notice.subject_key for notice in existing}
    new = [institute for institute, key in zip(institutes, keys) if key not in issued]
    with transaction.atomic():
        if new:
            issued_on = timezone.localdate()
            serials = allocate_serials(abbreviation(program), issued_on.year, len(new))
            _save_new([
                _unsaved_notice(Notice.Kind.GRADE_SUBSIDY, grade_subject(institute.pk, year), program=program,
                                organization_id=institute.lead_unit_id, institute=institute, year=year, user=user,
                                serial=serial, issued_on=issued_on)
                for institute, serial in zip(new, serials)
            ], user)
        queue_renders(existing)
    return {"created": len(new), "refreshed": len(existing)}


def payout_subject(batch_id: int, program_id: int, payee_id: int) -> str:
    return f"payout:batch:{batch_id}:program:{program_id}:payee:{payee_id}"


def _issue_payout(line, user=None) -> Notice:
    if line.batch_id:
        key = payout_subject(line.batch_id, line.program_id, line.payee_id)
        subject = {"payout_batch_id": line.batch_id}
    else:
        key = f"payout:line:{line.pk}"
        subject = {"payout_line_ids": [line.pk]}
    notice, created = _issue(Notice.Kind.PAYOUT, key, program=line.program, organization_id=line.payee_id,
                             year=line.year, user=user, **subject)
    if not created:
        queue_render(notice)
    return notice


def issue_payout_notice(line, user=None) -> Notice:
    """The payout notice of a paid payout line: one per batch, payee and program (each paid line
    of the batch is listed; the notice is rendered again as more lines are paid)."""
    from ..models import PayoutLine

    if line.kind != PayoutLine.Kind.PAYOUT or line.state != PayoutLine.State.PAID:
        raise TransitionRefused(_("Only a paid payout line receives a payout notice."))
    return _issue_payout(line, user)


def issue_batch_payout_notices(batch_id: int, payee_id: int, user=None) -> list[Notice]:
    """The payout notices of a payee's paid lines in a batch, read in one query: one notice per
    program (each program's authority issues its own document; a batch usually pays one program),
    listing every paid line. An existing notice is queued for a refresh, rendered again only if
    what it shows changed (content hash). No paid line → no notice."""
    from ..models import PayoutLine

    first_per_program = {}
    for line in (PayoutLine.objects.filter(batch_id=batch_id, payee_id=payee_id, kind=PayoutLine.Kind.PAYOUT,
                                           state=PayoutLine.State.PAID)
                 .select_related("program").order_by("pk")):
        first_per_program.setdefault(line.program_id, line)
    return [_issue_payout(line, user) for line in first_per_program.values()]


def regenerate_notice(notice: Notice, user) -> None:
    """A program manager's refresh: the job renders the notice again if its content changed, its
    file is missing or its last rendering failed."""
    if not user.has_perm("subsidies.regenerate_notice", notice):
        raise PermissionDenied
    record_event(notice, action="regenerate", action_label=_("Refresh requested"), actor=user,
                 from_state=notice.state, to_state=notice.state)
    queue_render(notice)


# ---- rendering (the job) -----------------------------------------------------------------------------

def load(notice_id: int) -> Notice:
    return Notice.objects.select_related(
        "program", "organization", "institute__lead_unit", "institute__industry_field",
    ).get(pk=notice_id)


def has_current_file(notice: Notice, digest: str) -> bool:
    return (notice.state == Notice.State.RENDERED and notice.content_hash == digest and bool(notice.file)
            and notice.file.storage.exists(notice.file.name))


def render_notice(notice_id: int) -> str:
    """Render the notice if what it shows changed; returns "rendered" or "unchanged"."""
    notice = load(notice_id)
    context, subject_ids = content.build(notice)
    digest = content.content_hash(context)
    if has_current_file(notice, digest):
        return UNCHANGED
    pdf = render_pdf(context)
    previous = notice.file.name if notice.file else ""
    first = notice.render_count == 0
    with transaction.atomic():
        transition(
            notice, "mark_rendered", None, content_hash=digest, context=context, subject_ids=subject_ids,
            pdf=ContentFile(pdf, name=f"{digest}.pdf"), rendered_at=timezone.now(),
            comment=notice.document_number,
        )
        if previous and previous != notice.file.name:
            storage = notice.file.storage
            transaction.on_commit(lambda: storage.delete(previous))
        message = (_("Notice %(number)s is ready: %(title)s") if first
                   else _("Notice %(number)s was updated: %(title)s")) % {
            "number": notice.document_number, "title": notice.title}
        notify(User.objects.filter(organization_id=notice.organization_id, is_active=True, groups__name="applicant"),
               message, reverse("subsidies:notice_list"))
    return RENDERED


def record_failure(notice_id: int, error: str) -> None:
    notice = Notice.objects.get(pk=notice_id)
    transition(notice, "mark_failed", None, error=error, comment=error[:200])

