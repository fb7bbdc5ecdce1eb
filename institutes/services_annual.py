"""Use cases of the annual report (ZZ23 第十一条), the registry's XX22 registration and the report
jobs (reminders, overdue marking). State changes go through portal.workflow.transition; the
consequences of published grades and revocations live in `institutes.consequences`."""
import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, Region, User
from portal.audit.services import audit_event, record_event, record_events
from portal.notify.services import notify, notify_each
from portal.workflow import TransitionRefused, transition

from .lifecycle import members_by_organization, members_of
from .models import (
    AnnualReport, AnnualReportAttachment, AnnualReportReview, Institute, Program,
)
from .receivers import _path_prefixes

# Programs that register (not select) institutes the province recognised, located in their region:
# XX22 五 (Xinxiang); ZZ23 管理办法 第十条（二）"已批复的省产业研究院可享受市产业研究院相关扶持政策" (Zhengzhou).
REGISTRATION_PROGRAMS = ("XX22", "ZZ23")
REMINDER_DAYS = (30, 7, 1)
REQUIRED_FOR_SUBMISSION = ("summary", "plan", "budget", "rd_spending", "funding_input")


def report_url(report) -> str:
    return reverse("institutes:report_detail", args=[report.pk])


# ---- which years an institute reports on ---------------------------------------------------------

def may_report(institute: Institute) -> bool:
    """Recognised institutes in operation report every year; cultivation units do not (yet)."""
    return institute.state in (Institute.State.ACTIVE, Institute.State.RECTIFYING) and not institute.is_cultivation_unit


def reportable_years(institute: Institute, today: datetime.date | None = None) -> list[int]:
    """The years the institute may report on now: from its year of recognition (filed the year
    after) up to last year, newest first."""
    today = today or timezone.localdate()
    if not may_report(institute):
        return []
    return list(range(today.year - 1, institute.recognized_on.year - 1, -1))


def due_institutes(program: Program, year: int):
    """Institutes of `program` that owe a report on `year`: recognised (not cultivating) in or
    before `year` and still in operation."""
    return Institute.objects.filter(
        program=program, state__in=(Institute.State.ACTIVE, Institute.State.RECTIFYING),
        is_cultivation_unit=False, recognized_on__year__lte=year,
    )


# ---- the institute files -------------------------------------------------------------------------

@transaction.atomic
def start_report(user, institute: Institute, year: int, today: datetime.date | None = None) -> AnnualReport:
    if not user.has_perm("institutes.file_annual_report", institute):
        raise PermissionDenied
    if year not in reportable_years(institute, today):
        raise TransitionRefused(_("%(name)s does not report on %(year)s.") % {"name": institute.name, "year": year})
    report, created = AnnualReport.objects.get_or_create(
        institute=institute, year=year, defaults={"created_by": user}
    )
    if created:
        record_event(report, action="create", action_label=_("Draft created"), actor=user, to_state=report.state)
    return report


def ensure_editable(report: AnnualReport, user) -> None:
    if not user.has_perm("institutes.change_annual_report", report):
        raise PermissionDenied
    if not report.is_editable:
        raise TransitionRefused(
            _("The report can no longer be changed: its status is “%(state)s”.") % {"state": report.get_state_display()}
        )


@transaction.atomic
def save_report(report: AnnualReport, user, form, *, seen_version: int) -> AnnualReport:
    """Save a validated report form; refused when someone changed the report since it was shown."""
    locked = AnnualReport.objects.select_for_update().get(pk=report.pk)
    ensure_editable(locked, user)
    if locked.version != seen_version:
        raise TransitionRefused(_("Someone else changed this report meanwhile. Reload the page and try again."))
    form.save()
    AnnualReport.objects.filter(pk=report.pk).update(version=F("version") + 1)
    report.version = locked.version + 1
    return report


def missing_for_submission(report: AnnualReport) -> list[str]:
    missing = []
    for name in REQUIRED_FOR_SUBMISSION:
        value = getattr(report, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(str(AnnualReport._meta.get_field(name).verbose_name))
    return missing


def submit_report(report: AnnualReport, user, request=None) -> None:
    missing = missing_for_submission(report)
    if missing:
        raise TransitionRefused(
            _("The report cannot be submitted. Missing: %(fields)s") % {"fields": "、".join(missing)}
        )
    transition(report, "submit", user, request=request, data={"round": report.submission_round + 1})
    _tell(report, district_reviewers(report))


DISTRICT_ACTIONS = {AnnualReportReview.Decision.PASS: "district_pass", AnnualReportReview.Decision.RETURN: "district_return"}
MANAGER_ACTIONS = {"accept": "accept", "return": "manager_return"}


def record_district_decision(report: AnnualReport, user, decision: str, *, comment: str, request=None) -> None:
    """The district industry and finance bureaus each pass or return the report; it moves on to
    the program manager once both have passed the current submission."""
    if decision not in DISTRICT_ACTIONS:
        raise TransitionRefused(_("Unknown decision."))
    if decision == AnnualReportReview.Decision.RETURN and not comment.strip():
        raise TransitionRefused(_("Please give the reason in the comment; the institute will read it."))
    if report.reviews.filter(round=report.submission_round, department=user.department).exists():
        raise TransitionRefused(_("Your department has already recorded its decision on this submission."))
    transition(report, DISTRICT_ACTIONS[decision], user, comment=comment, request=request,
               data={"department": user.department})
    if report.state == AnnualReport.State.DISTRICT_PASSED:
        _tell(report, report.institute.program.managers.filter(is_active=True))
    if report.state != AnnualReport.State.SUBMITTED:
        _tell(report, members_of(report.institute.lead_unit_id), comment)


def record_manager_decision(report: AnnualReport, user, decision: str, *, comment: str, request=None) -> None:
    if decision not in MANAGER_ACTIONS:
        raise TransitionRefused(_("Unknown decision."))
    if decision == "return" and not comment.strip():
        raise TransitionRefused(_("Please give the reason in the comment; the institute will read it."))
    transition(report, MANAGER_ACTIONS[decision], user, comment=comment, request=request)
    _tell(report, members_of(report.institute.lead_unit_id), comment)


def district_reviewers(report: AnnualReport):
    paths = _path_prefixes(report.institute.lead_unit.region.path)
    return User.objects.filter(
        groups__name="district", is_active=True, department__in=AnnualReport.REVIEWING_DEPARTMENTS,
        regions__path__in=paths,
    ).distinct()


def _tell(report: AnnualReport, recipients, comment: str = "") -> None:
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Annual report %(year)s of %(name)s: %(state)s") % {
            "year": report.year, "name": report.institute.name, "state": report.get_state_display()}
    notify(recipients, f"{message} — {comment}" if comment else message, report_url(report))


@transaction.atomic
def add_attachment(report: AnnualReport, user, uploaded_file, kind: str, request=None) -> AnnualReportAttachment:
    ensure_editable(report, user)
    attachment = AnnualReportAttachment.store(uploaded_file, user, report=report, kind=kind)
    record_event(report, action="attach", action_label=_("Attachment added"), actor=user,
                 comment=attachment.original_name, request=request)
    return attachment


@transaction.atomic
def remove_attachment(attachment: AnnualReportAttachment, user, request=None) -> None:
    report = attachment.report
    ensure_editable(report, user)
    name = attachment.original_name
    attachment.delete_with_file_on_commit()
    record_event(report, action="detach", action_label=_("Attachment removed"), actor=user, comment=name,
                 request=request)


# ---- XX22: registering a provincially recognised institute --------------------------------------

def registration_programs(user):
    return user.managed_programs.filter(code__in=REGISTRATION_PROGRAMS).select_related("region")


@transaction.atomic
def register_provincial_institute(
    user, *, program: Program, name: str, uscc: str, unit_name: str, region: Region, industry_field,
    document_number: str, recognized_on: datetime.date, request=None,
) -> Institute:
    """XX22 supports institutes the province recognised that are located in Xinxiang, and ZZ23
    第十条（二） lets approved provincial institutes in Zhengzhou enjoy the municipal policies: the
    program manager registers them with the provincial document number and date."""
    if not user.has_perm("institutes.register_institute") or program.code not in REGISTRATION_PROGRAMS \
            or not program.managers.filter(pk=user.pk).exists():
        raise PermissionDenied
    if not region.path.startswith(program.region.path):
        raise TransitionRefused(_("The institute must be located in %(region)s.") % {"region": program.region.name})
    organization = Organization.objects.filter(uscc=uscc).select_related("region").first()
    if organization is None:
        organization = Organization(name=unit_name or name, uscc=uscc, region=region)
        organization.full_clean()
        organization.save()
    elif not organization.region.path.startswith(program.region.path):
        raise TransitionRefused(_("The lead unit %(unit)s is registered in %(region)s, not in %(program_region)s.") % {
            "unit": organization.name, "region": organization.region.name, "program_region": program.region.name})
    if Institute.objects.filter(program=program, lead_unit=organization, state__in=Institute.OPERATING_STATES).exists():
        raise TransitionRefused(_("%(unit)s already has an institute in this program.") % {"unit": organization.name})
    institute = Institute.objects.create(
        program=program, lead_unit=organization, name=name, industry_field=industry_field,
        state=Institute.State.ACTIVE, recognized_on=recognized_on, recognition_document=document_number,
        registered_from_province=True,
    )
    record_event(
        institute, action="register", action_label=_("Registered from a provincial recognition"), actor=user,
        to_state=institute.state, comment=document_number, request=request,
        data={"document_number": document_number, "recognized_on": recognized_on.isoformat(), "uscc": uscc},
    )
    notify(members_of(organization.pk), _("%(name)s is registered in the program %(program)s.") % {
        "name": name, "program": program.name}, reverse("institutes:institute_detail", args=[institute.pk]))
    return institute


@transaction.atomic
def record_legal_entity(institute: Institute, user, *, uscc: str, name: str = "", request=None) -> Institute:
    """Record (or clear, with an empty `uscc`) the institute's own legal person: ZZ23 五（一）"由市财政给予
    产业研究院（法人形式）或依托牵头单位科研经费补助" — the yearly subsidy pays it instead of the lead unit.
    Audited with the old and new organisation; the next yearly run moves open entitlements to it."""
    if not user.has_perm("institutes.manage_institute", institute):
        raise PermissionDenied
    institute = (
        Institute.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "legal_entity", "program__region").get(pk=institute.pk)
    )
    if institute.state not in Institute.OPERATING_STATES:
        raise TransitionRefused(_("%(name)s is %(state)s; its legal person can no longer be changed.") % {
            "name": institute.name, "state": institute.get_state_display()})
    organization = None
    if uscc:
        if uscc == institute.lead_unit.uscc:
            raise TransitionRefused(_("%(code)s is the lead unit's own code. Give the institute's code if it is a legal "
                                      "person of its own; otherwise leave the field empty and it is paid through its "
                                      "lead unit.") % {"code": uscc})
        organization = Organization.objects.filter(uscc=uscc).first()
        if organization is None:
            name = (name or "").strip()
            if not name:
                raise TransitionRefused(_("No organisation in the portal has the code %(code)s: give the registered "
                                          "name of the legal person so that it can be recorded.") % {"code": uscc})
            organization = Organization(name=name, uscc=uscc, region=institute.lead_unit.region,
                                        kind=Organization.Kind.RESEARCH_INSTITUTE)
            organization.full_clean()
            organization.save()
        other = Institute.objects.filter(legal_entity=organization).exclude(pk=institute.pk).first()
        if other is not None:
            raise TransitionRefused(_("%(unit)s is already recorded as the legal person of %(other)s; one legal person "
                                      "is one institute.") % {"unit": organization.name, "other": other.name})
    old = institute.legal_entity
    if (old and old.pk) == (organization and organization.pk):
        raise TransitionRefused(_("Nothing changed: this is already what is recorded."))
    Institute.objects.filter(pk=institute.pk).update(legal_entity=organization)
    institute.legal_entity = organization

    def shown(org):
        return {"name": org.name, "uscc": org.uscc, "id": org.pk} if org else None

    record_event(
        institute, action="record_legal_entity", action_label=_("Legal person recorded"), actor=user,
        comment=organization.name if organization else str(_("No legal person of its own: paid through the lead unit")),
        data={"old": shown(old), "new": shown(organization)}, request=request,
    )
    return institute


# ---- the scheduled job: reminders and overdue marking -------------------------------------------

def _dedupe_key(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _filed(year: int):
    return AnnualReport.objects.filter(year=year, submission_round__gt=0).values("institute_id")


def send_report_reminders(today: datetime.date | None = None) -> int:
    """Remind institutes that have not filed: 30, 7 and 1 days before the program's deadline.
    A missed run catches up with the nearest reminder; each reminder goes out once (dedupe key)."""
    today = today or timezone.localdate()
    year = today.year - 1
    sent = 0
    for program in Program.objects.all():
        deadline = program.annual_report_deadline(today.year)
        days_left = (deadline - today).days
        due = [n for n in REMINDER_DAYS if 0 < days_left <= n]
        if not due:
            continue
        threshold = min(due)
        institutes = list(due_institutes(program, year).exclude(pk__in=_filed(year)).only("pk", "name", "lead_unit_id"))
        members = members_by_organization({i.lead_unit_id for i in institutes})
        url = reverse("institutes:my_reports")
        notify_each(
            (members.get(institute.lead_unit_id, []),
             _("Reminder: the annual report %(year)s of %(name)s is due by %(deadline)s (%(days)s days left).") % {
                 "year": year, "name": institute.name, "deadline": deadline.isoformat(), "days": days_left},
             url, _dedupe_key("annual-report-reminder", institute.pk, year, threshold))
            for institute in institutes
        )
        sent += len(institutes)
    return sent


@transaction.atomic
def mark_overdue_reports(today: datetime.date | None = None) -> int:
    """After the deadline, the report of each institute that has not filed for last year is marked
    overdue (a draft is created where none was started). Idempotent; returns how many were marked."""
    today = today or timezone.localdate()
    year = today.year - 1
    marked = 0
    for program in Program.objects.all():
        deadline = program.annual_report_deadline(today.year)
        if today <= deadline:
            continue
        institutes = list(due_institutes(program, year).exclude(pk__in=_filed(year)).only("pk", "name", "lead_unit_id"))
        if not institutes:
            continue
        reports = _mark_overdue(institutes, year, since=deadline + datetime.timedelta(days=1))
        members = members_by_organization({report.institute.lead_unit_id for report in reports})
        record_events([
            audit_event(report, action="overdue", action_label=_("Marked overdue"), actor=None,
                        comment=_("Not filed by the deadline %(deadline)s.") % {"deadline": deadline.isoformat()},
                        data={"deadline": deadline.isoformat()})
            for report in reports
        ])
        notify_each(
            (members.get(report.institute.lead_unit_id, []),
             _("The annual report %(year)s of %(name)s was not filed by %(deadline)s and is overdue. File it now.") % {
                 "year": year, "name": report.institute.name, "deadline": deadline.isoformat()},
             reverse("institutes:report_detail", args=[report.pk]),
             _dedupe_key("annual-report-overdue", report.institute_id, year))
            for report in reports
        )
        marked += len(reports)
    return marked


def _mark_overdue(institutes, year: int, *, since: datetime.date) -> list[AnnualReport]:
    """The reports of `institutes` for `year` newly marked overdue (drafts created where none was
    started; reports already overdue left out), in three queries whatever their number."""
    existing = {r.institute_id: r for r in AnnualReport.objects.filter(year=year, institute__in=institutes)}
    to_mark = [existing[i.pk] for i in institutes if i.pk in existing and not existing[i.pk].is_overdue]
    AnnualReport.objects.filter(pk__in=[r.pk for r in to_mark]).update(is_overdue=True, overdue_since=since)
    created = AnnualReport.objects.bulk_create([
        AnnualReport(institute=i, year=year, is_overdue=True, overdue_since=since)
        for i in institutes if i.pk not in existing
    ])
    by_pk = {i.pk: i for i in institutes}
    reports = to_mark + created
    for report in reports:
        report.institute = by_pk[report.institute_id]
    return sorted(reports, key=lambda report: report.institute_id)


def run_annual_report_jobs(today: datetime.date | None = None) -> tuple[int, int]:
    return send_report_reminders(today), mark_overdue_reports(today)

