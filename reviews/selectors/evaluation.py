"""Reads behind the annual evaluation pages and the dashboards: scoped per user, aggregates in the
database, a constant number of queries whatever the number of institutes."""
from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from institutes.cycles import cycle_ending
from institutes.models import AnnualGrade, AnnualReport, Grade, IndustryField, Institute, Program

from ..models import AnnualEvaluation, EvaluationEntry, Panel
from ..models.panels import PANEL_ITEM_KINDS
from ..grading_rules import grading_for

# The annual report figures an evaluation shows (names of institutes.models.AnnualReport fields).
REPORT_FIGURES = (
    ("rd_spending", _("R&D spending"), "money"),
    ("funding_input", _("Funding input"), "money"),
    ("new_achievements", _("New S&T achievements"), "count"),
    ("technologies_transferred", _("Technologies transferred"), "count"),
    ("invention_patents", _("Invention patents"), "count"),
    ("standards", _("Standards"), "count"),
    ("spin_offs", _("Spin-off enterprises"), "count"),
    ("talents_introduced", _("Talents introduced"), "count"),
)
MEASURE_LABELS = {code: label for code, label, _kind in REPORT_FIGURES} | {
    "report": _("Accepted annual report"),
}
GRADE_ORDER = [g.value for g in Grade]


# ---- who is due -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    institute_id: int
    industry_field_id: int
    year_of_institute: int


def due_institutes(program: Program, year: int, grading: dict | None = None) -> list[Due]:
    """The recognised institutes of the program (active, or rectifying after a failed HN23 yearly
    assessment) due for `year`: recognised at least
    `first_evaluated_year − 1` years before, and `year` closes one of its evaluation cycles
    (`institutes.cycles.cycle_ending`: SJZ22's 3-year cycles count from the recognition year, so an
    institute recognised in 2022 is due for 2024, 2027, …). One query."""
    rules = grading or grading_for(program.code)
    first_offset = int(rules.get("first_evaluated_year", 2)) - 1
    cycle = max(int(rules.get("cycle_years", 1)), 1)
    rows = (
        Institute.objects.filter(**PANEL_ITEM_KINDS[Panel.Purpose.ANNUAL_EVALUATION].filters(), program=program,
                                 recognized_on__year__lte=year - first_offset)
        .order_by("pk").values_list("pk", "industry_field_id", "recognized_on")
    )
    due = []
    for pk, field_id, recognized_on in rows:
        offset = year - recognized_on.year
        if offset >= first_offset and cycle_ending(recognized_on.year, year, cycle) is not None:
            due.append(Due(pk, field_id, offset + 1))
    return due


def accepted_reports(institute_ids, year: int) -> dict:
    """institute id → its accepted annual report for `year` (one query)."""
    reports = AnnualReport.objects.accepted().filter(institute_id__in=list(institute_ids), year=year)
    return {report.institute_id: report for report in reports}


def shortfalls(report, targets: dict) -> list[dict]:
    """The targets the report does not reach; no accepted report misses them all."""
    if report is None:
        return [{"measure": "report", "target": None, "actual": None}]
    missed = []
    for measure, target in targets.items():
        actual = getattr(report, measure, None) or 0
        if actual < target:
            missed.append({"measure": measure, "target": target, "actual": actual})
    return missed


def shortfall_rows(entry_shortfalls: list[dict]) -> list[dict]:
    return [{**row, "label": MEASURE_LABELS.get(row["measure"], row["measure"])} for row in entry_shortfalls]


# ---- lists and the grading page -----------------------------------------------------------------

def evaluation_list(user) -> QuerySet[AnnualEvaluation]:
    return (
        AnnualEvaluation.objects.for_user(user).select_related("program")
        .annotate(
            entry_count=Count("entries"),
            on_panel=Count("entries", filter=Q(entries__panel_item__isnull=False)),
            ties=Count("entries", filter=Q(entries__is_tie=True, entries__tie_settled=False)),
        )
        .order_by("-year", "program__code")
    )


def evaluation_for_user(user, pk: int) -> AnnualEvaluation:
    return AnnualEvaluation.objects.for_user(user).select_related("program").get(pk=pk)


@dataclass
class GradingPage:
    evaluation: AnnualEvaluation
    page: Page  # of entries, best average first
    total: int
    panels: list
    distribution: list  # (grade value, label, count)
    quota: int | None
    excellent: int
    tie_slots: int
    unsettled_ties: list
    undrawn_fields: list  # (field, count) of entries not yet on a panel
    reports: dict = field(default_factory=dict)  # institute id → accepted report, for the page's entries


GRADING_PAGE_SIZE = 100


def grading_page(evaluation: AnnualEvaluation, page_number=None) -> GradingPage:
    """Everything the evaluation page shows, in a constant number of queries and time: one page of
    entries (and their reports) is loaded; the distribution, the quota and the undrawn fields are
    counted in the database."""
    entries = evaluation.entries.select_related(
        "institute__lead_unit", "institute__industry_field", "panel_item__panel",
    ).order_by("-average_score", "institute__name", "pk")
    counts = evaluation.entries.aggregate(
        total=Count("pk"),
        settled_excellent=Count("pk", filter=Q(final_grade=Grade.EXCELLENT, is_tie=False)),
        **{grade: Count("pk", filter=Q(final_grade=grade)) for grade in evaluation.grades},
    )
    paginator = Paginator(entries, GRADING_PAGE_SIZE)
    paginator.count = counts["total"]  # counted above: no second COUNT
    page = paginator.get_page(page_number)
    on_page = list(page.object_list)
    panels = list(
        Panel.objects.filter(pk__in=evaluation.entries.filter(panel_item__isnull=False).values("panel_item__panel_id"))
        .select_related("industry_field").annotate(item_count=Count("items")).order_by("pk")
    )
    quota = evaluation.quota_for(counts["total"])
    labels = dict(Grade.choices)
    return GradingPage(
        evaluation=evaluation, page=page, total=counts["total"], panels=panels,
        distribution=[(g, labels[g], counts[g]) for g in evaluation.grades],
        quota=quota, excellent=counts.get(Grade.EXCELLENT, 0),
        tie_slots=max((quota or 0) - counts["settled_excellent"], 0),
        unsettled_ties=list(entries.filter(is_tie=True, tie_settled=False)),
        undrawn_fields=undrawn_fields(evaluation),
        reports=accepted_reports([e.institute_id for e in on_page], evaluation.year) if on_page else {},
    )


def undrawn_fields(evaluation: AnnualEvaluation) -> list:
    """(industry field, number of entries) of the entries not on a panel yet, by field code."""
    rows = (evaluation.entries.filter(panel_item__isnull=True)
            .values("institute__industry_field").annotate(n=Count("pk")).order_by())
    counts = {row["institute__industry_field"]: row["n"] for row in rows}
    if not counts:
        return []
    return [(f, counts[f.pk]) for f in IndustryField.objects.filter(pk__in=counts).order_by("code")]


def entry_for_update(evaluation: AnnualEvaluation, pk: int) -> EvaluationEntry:
    return evaluation.entries.select_related("institute").get(pk=pk)


# ---- what an expert sees of an institute item ------------------------------------------------------

def institute_item_context(item) -> dict:
    """The evaluation entry behind an annual-evaluation panel item and the institute's accepted
    annual report for the evaluated year (two queries); empty for other items."""
    if item.panel.purpose != Panel.Purpose.ANNUAL_EVALUATION or not item.institute_id:
        return {}
    entry = EvaluationEntry.objects.filter(panel_item=item).select_related("evaluation").first()
    if entry is None:
        return {}
    report = accepted_reports([item.institute_id], entry.evaluation.year).get(item.institute_id)
    figures = [(label, getattr(report, name, None), kind) for name, label, kind in REPORT_FIGURES] if report else []
    return {"evaluation_entry": entry, "annual_report": report, "report_figures": figures,
            "shortfalls": shortfall_rows(entry.shortfalls)}


# ---- the institute's own grades --------------------------------------------------------------------

def my_grades(user) -> QuerySet[AnnualGrade]:
    """Published grades of the institutes the user's organisation leads; nothing before publication."""
    if not user.is_authenticated or not user.organization_id:
        return AnnualGrade.objects.none()
    return (
        AnnualGrade.objects.published().filter(institute__lead_unit_id=user.organization_id)
        .select_related("institute__program").order_by("-year", "institute__name")
    )


# ---- dashboards -----------------------------------------------------------------------------------

GRADE_COLOURS = {"excellent": "#198754", "good": "#0d6efd", "pass": "#fd7e14", "fail": "#dc3545"}
CHART = {"width": 640, "height": 240, "left": 40, "bottom": 30, "top": 10, "bar": 36}


@dataclass
class Dashboard:
    program: Program
    year: int
    by_status: list  # (state, label, count)
    institutes: int
    reports: dict
    distribution: list  # (grade, label, count, colour)
    chart: dict
    evaluation: AnnualEvaluation | None = None


def dashboard(program: Program, year: int, institute_scope: Q) -> Dashboard:
    """Institutes by status, the year's reports filed/accepted/overdue, the year's published grade
    distribution and the grades of every year, for the institutes `institute_scope` selects
    (a Q over Institute): five queries whatever the number of institutes."""
    institutes = Institute.objects.filter(institute_scope, program=program)
    states = dict(institutes.order_by().values_list("state").annotate(n=Count("pk")))
    labels = dict(Institute.State.choices)
    reports = AnnualReport.objects.filter(year=year, institute__in=institutes).aggregate(
        filed=Count("pk", filter=Q(state__in=AnnualReport.FILED_STATES)),
        accepted=Count("pk", filter=Q(state=AnnualReport.State.ACCEPTED)),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        drafts=Count("pk", filter=Q(state__in=AnnualReport.EDITABLE_STATES)),
    )
    grades = AnnualGrade.objects.published().filter(institute__in=institutes)
    history = list(grades.order_by().values_list("year", "grade").annotate(n=Count("pk")))
    this_year = Counter({grade: n for y, grade, n in history if y == year})
    grade_labels = dict(Grade.choices)
    evaluation = AnnualEvaluation.objects.filter(program=program, year=year).first()
    return Dashboard(
        program=program, year=year,
        by_status=[(s, labels[s], states.get(s, 0)) for s in labels],
        institutes=sum(states.values()), reports=reports,
        distribution=[(g, grade_labels[g], this_year.get(g, 0), GRADE_COLOURS[g]) for g in GRADE_ORDER],
        chart=grade_chart(history), evaluation=evaluation,
    )


def grade_chart(history: list[tuple[int, str, int]]) -> dict:
    """Stacked bars, one per year, of the published grades: coordinates for an inline SVG."""
    per_year: dict[int, Counter] = {}
    for year, grade, n in history:
        per_year.setdefault(year, Counter())[grade] += n
    years = sorted(per_year)
    top = max((sum(c.values()) for c in per_year.values()), default=0)
    w, h, left, bottom, top_pad, bar = (CHART[k] for k in ("width", "height", "left", "bottom", "top", "bar"))
    plot_h = h - bottom - top_pad
    step = (w - left) / max(len(years), 1)
    labels = dict(Grade.choices)
    bars = []
    for i, year in enumerate(years):
        x = left + i * step + (step - bar) / 2
        y_cursor = h - bottom
        segments = []
        for grade in GRADE_ORDER:
            n = per_year[year].get(grade, 0)
            if not n:
                continue
            height = plot_h * n / top
            y_cursor -= height
            segments.append({"grade": grade, "label": labels[grade], "count": n, "y": round(y_cursor, 1),
                             "height": round(height, 1), "colour": GRADE_COLOURS[grade]})
        bars.append({"year": year, "x": round(x, 1), "label_x": round(x + bar / 2, 1), "segments": segments,
                     "total": sum(per_year[year].values())})
    return {"bars": bars, "max": top, "width": w, "height": h, "bar": bar, "axis_y": h - bottom,
            "left": left, "label_y": h - bottom + 18,
            "legend": [(labels[g], GRADE_COLOURS[g]) for g in GRADE_ORDER]}
