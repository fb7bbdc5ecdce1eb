"""Reads behind the registry, the institute page and the annual report queues: scoped per user, a
constant number of queries per page (select_related + one prefetch)."""
import datetime

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

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
        .only("name", "is_cultivation_unit", "state", "recognized_on", "program__code", "lead_unit__name",
              "lead_unit__region__name", "industry_field__name")  # what the registry shows, no more
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
        .select_related("program__region", "lead_unit__region__parent__parent", "industry_field", "application",
                        "legal_entity")
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

@dataclass(frozen=True)
class SupportBar:
    """Why one institute may not receive its program's fiscal support in `year`, and until when.

    ZZ23 第十三条 "考核结果为不合格的，下一年度不得申请相应财政支持": a published 不合格 for year N bars
    that institute's support under its own program in year N+1 only — not the lead unit's other
    institutes, not other programs, not later years."""

    institute_id: int
    institute_name: str
    program_code: str
    graded_year: int
    year: int

    ground = "fail"

    @property
    def ends_on(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    def message(self) -> str:
        return _(
            "%(institute)s was graded 不合格 (fail) for %(graded)s, so it may not receive %(program)s fiscal "
            "support in %(year)s (ZZ23 第十三条); the bar ends on %(ends)s. Claims dated or filed from %(next)s "
            "on are not affected."
        ) % {
            "institute": self.institute_name, "graded": self.graded_year, "program": self.program_code,
            "year": self.year, "ends": self.ends_on.isoformat(), "next": self.year + 1,
        }


def support_bars(institute_ids, year: int) -> dict[int, SupportBar]:
    """{institute id: its bar} for the institutes whose program support is barred in `year`: graded
    不合格 (published) for `year - 1`. One query."""
    ids = list(institute_ids)
    if not ids:
        return {}
    rows = (
        AnnualGrade.objects.published().filter(institute_id__in=ids, year=year - 1, grade=Grade.FAIL)
        .values_list("institute_id", "institute__name", "institute__program__code")
    )
    return {pk: SupportBar(pk, name, code, year - 1, year) for pk, name, code in rows}


def claim_support_bars(program, organization_ids, year: int, institute_id=None) -> list[SupportBar]:
    """The bars that refuse a claim under `program` in `year`: the claim's own institute when it names
    one (and it belongs to `program`), otherwise the claimant's institutes in `program` (those it
    leads or that are the organisation itself, `Institute.legal_entity`). One query."""
    program_id = getattr(program, "pk", program)
    institutes = Institute.objects.filter(program_id=program_id)
    if institute_id:
        institutes = institutes.filter(pk=institute_id)
    else:
        ids = list(organization_ids)
        institutes = institutes.filter(Q(lead_unit_id__in=ids) | Q(legal_entity_id__in=ids))
    failed = AnnualGrade.objects.published().filter(year=year - 1, grade=Grade.FAIL).values("institute_id")
    rows = institutes.filter(pk__in=failed).order_by("pk").values_list("pk", "name", "program__code")
    return [SupportBar(pk, name, code, year - 1, year) for pk, name, code in rows]
