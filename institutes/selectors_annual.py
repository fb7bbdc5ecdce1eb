"""Reads behind the registry, the institute page and the annual report queues: scoped per user, a
constant number of queries per page (select_related + one prefetch)."""
import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import ExtractYear

from .models import AnnualGrade, AnnualReport, AnnualReportReview, Grade, Institute


def visible_grades(user):
    """Applicants see published grades only; staff also the ones awaiting publication."""
    grades = AnnualGrade.objects.order_by("-year")
    if user.has_role("applicant") and not (
        user.has_role("program_manager") or user.has_role("district") or user.has_role("finance")
    ):
        grades = grades.published()
    return grades


def registry_page_rows(user, ids: list[int]) -> list[Institute]:
    """The institutes of one registry page, in the order of `ids`, with their grade history: two
    queries whatever the page (the rows, one prefetch)."""
    rows = (
        Institute.objects.filter(pk__in=ids).with_list_data()
        .prefetch_related(Prefetch("grades", queryset=visible_grades(user).only(
            "pk", "institute_id", "year", "grade", "published_on"), to_attr="grade_history"))
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def registry(user, *, q="", program="", state="", field="", region="", year=None):
    """The ids of the institutes the user sees, filtered and in registry order. The page is cut from
    these ids (count, then LIMIT/OFFSET on the (name, id) index) before any join is made."""
    rows = Institute.objects.for_user(user)
    if program:
        rows = rows.filter(program__code=program)
    if state:
        rows = rows.filter(state=state)
    if field:
        rows = rows.filter(industry_field__code=field)
    if region:
        rows = rows.filter(lead_unit__region__path__contains=f"{region}/")
    if year:
        rows = rows.filter(recognized_on__year=year)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(lead_unit__name__icontains=q) | Q(lead_unit__uscc=q))
    return rows.order_by("name", "pk").values_list("pk", flat=True)


def region_choices() -> list[tuple[str, str]]:
    """Cities and districts as (code, "城市 区县") for the registry filter, in one query."""
    from portal.accounts.models import Region

    regions = list(Region.objects.exclude(level=Region.Level.PROVINCE).only("pk", "code", "name", "level", "parent_id"))
    names = {r.pk: r.name for r in regions}
    return [
        (r.code, r.name if r.level == Region.Level.CITY else f"{names.get(r.parent_id, '')}{r.name}")
        for r in sorted(regions, key=lambda r: r.code)
    ]


def recognition_years():
    return list(
        Institute.objects.annotate(y=ExtractYear("recognized_on")).order_by("-y").values_list("y", flat=True).distinct()
    )


def institute_for_detail(user, pk: int) -> Institute:
    return (
        Institute.objects.for_user(user)
        .select_related("program__region", "lead_unit__region__parent__parent", "industry_field", "application")
        .get(pk=pk)
    )


def institute_revocation(institute):
    from .models import Revocation

    return Revocation.objects.filter(institute=institute).select_related("decided_by", "proposed_by").first()


def institute_reports(user, institute):
    return AnnualReport.objects.for_user(user).filter(institute=institute).order_by("-year")


def institute_grades(user, institute):
    return visible_grades(user).filter(institute=institute)


def my_reports(user):
    return AnnualReport.objects.for_user(user).filter(
        institute__lead_unit_id=user.organization_id
    ).with_list_data().order_by("-year", "institute__name")


def my_institutes(user):
    if not user.organization_id:
        return Institute.objects.none()
    return Institute.objects.filter(lead_unit_id=user.organization_id).select_related("program").order_by("name")


def report_for_detail(user, pk: int) -> AnnualReport:
    return (
        AnnualReport.objects.for_user(user).with_list_data()
        .prefetch_related("attachments", "reviews__reviewer")
        .get(pk=pk)
    )


def report_queue(user, *, q="", program="", state="", year=None):
    """District: filed reports of its regions, with whether its department has decided this round;
    manager: filed reports of its programs. Oldest first (days waiting)."""
    rows = AnnualReport.objects.none()
    if user.has_role("district") and user.department in AnnualReport.REVIEWING_DEPARTMENTS:
        mine = AnnualReportReview.objects.filter(
            report=OuterRef("pk"), round=OuterRef("submission_round"), department=user.department
        )
        rows = (
            AnnualReport.objects.filter(user.region_scope("institute__lead_unit__region"))
            .exclude(state=AnnualReport.State.DRAFT)
            .annotate(decided_by_me=Exists(mine))
        )
        default_states = [AnnualReport.State.SUBMITTED]
    elif user.has_role("program_manager"):
        rows = AnnualReport.objects.filter(institute__program__in=user.managed_programs.all()).exclude(
            state=AnnualReport.State.DRAFT
        )
        default_states = [AnnualReport.State.DISTRICT_PASSED]
    else:
        return rows
    rows = rows.with_list_data()
    if state:
        rows = rows.filter(state=state)
    elif state is not None:
        rows = rows.filter(state__in=default_states)
    if program:
        rows = rows.filter(institute__program__code=program)
    if year:
        rows = rows.filter(year=year)
    if q:
        rows = rows.filter(Q(institute__name__icontains=q) | Q(institute__lead_unit__name__icontains=q))
    return rows.order_by("submitted_at", "pk")


def days_waiting(report, today: datetime.date) -> int | None:
    if report.submitted_at is None:
        return None
    return (today - report.submitted_at.date()).days


# ---- read by the subsidies app -------------------------------------------------------------------

def fiscal_support_barred(organization_ids, year: int) -> set[int]:
    """Organisations that may claim no fiscal support in `year`: an institute of theirs was graded
    不合格 for `year - 1` (published; ZZ23 第十三条), or was revoked on or before the end of `year`."""
    ids = list(organization_ids)
    if not ids:
        return set()
    failed = AnnualGrade.objects.published().filter(year=year - 1, grade=Grade.FAIL).values("institute_id")
    return set(
        Institute.objects.filter(lead_unit_id__in=ids)
        .filter(Q(pk__in=failed) | Q(state=Institute.State.REVOKED, revoked_on__lte=datetime.date(year, 12, 31)))
        .values_list("lead_unit_id", flat=True)
        .distinct()
    )
