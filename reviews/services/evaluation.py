"""Annual evaluation use cases: open a program-year, draw its panels, start scoring, propose the
grades (cut-offs and the 优秀 quota, ties at the boundary flagged), settle ties and change grades
with a reason, confirm, publish. State changes go through portal.workflow.transition; the other
steps write the audit trail with record_event."""
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutes import consequences
from institutes.lifecycle import members_by_organization
from institutes.models import AnnualGrade, Grade, IndustryField, Program
from portal.audit.services import record_event
from portal.notify.services import notify_each
from portal.workflow import TransitionRefused, transition

from ..grading_rules import grading_for
from ..models import AnnualEvaluation, EvaluationEntry, Panel, PanelItem, PanelMember, ScoreSheet
from ..selectors import evaluation as selectors
from . import draw

CENT = Decimal("0.01")
PUBLISHED_MESSAGE = gettext_lazy("The %(year)s annual evaluation grade of %(institute)s has been published.")


# ---- grading: a pure function ----------------------------------------------------------------

@dataclass(frozen=True)
class Scored:
    key: int
    score_sum: Decimal | None
    sheets: int

    @property
    def mean(self) -> Fraction | None:
        return None if not self.sheets or self.score_sum is None else Fraction(self.score_sum) / self.sheets


@dataclass(frozen=True)
class Proposal:
    key: int
    average: Decimal | None
    cut_off_grade: str
    grade: str
    is_tie: bool


def grade_by_cut_offs(row: Scored, cut_offs: list[tuple[str, Decimal]], lowest: str) -> str:
    """The best grade whose minimum the exact mean reaches (sum ≥ n × minimum: no rounding)."""
    if row.mean is None:
        return ""
    for grade, minimum in cut_offs:
        if row.score_sum >= row.sheets * minimum:
            return grade
    return lowest


def propose(rows: list[Scored], cut_offs: list[tuple[str, Decimal]], grades: list[str],
            quota: int | None) -> list[Proposal]:
    """Sort by mean, apply the cut-offs, then keep 优秀 to at most `quota`: those above the
    quota boundary keep it, those below it get the next grade, and institutes tied *at* the
    boundary, when not all of them fit, get the next grade flagged as a tie for the manager."""
    lowest = grades[-1]
    below_excellent = grades[1] if len(grades) > 1 else lowest
    ordered = sorted(rows, key=lambda r: (r.mean is None, -(r.mean or 0), r.key))
    cut = {r.key: grade_by_cut_offs(r, cut_offs, lowest) for r in ordered}
    excellent = [r for r in ordered if cut[r.key] == Grade.EXCELLENT]
    keep, tied = {r.key for r in excellent}, set()
    if quota is not None and len(excellent) > quota:
        boundary = excellent[quota - 1].mean if quota > 0 else None
        above = [r for r in excellent if boundary is not None and r.mean > boundary]
        at = [r for r in excellent if boundary is not None and r.mean == boundary]
        keep = {r.key for r in above}
        if len(above) + len(at) <= quota:
            keep |= {r.key for r in at}
        else:
            tied = {r.key for r in at}
    proposals = []
    for r in ordered:
        grade = cut[r.key]
        if grade == Grade.EXCELLENT and r.key not in keep:
            grade = below_excellent
        average = None if r.mean is None else (Decimal(r.score_sum) / r.sheets).quantize(CENT, rounding=ROUND_DOWN)
        proposals.append(Proposal(r.key, average, cut[r.key], grade, r.key in tied))
    return proposals


# ---- opening and the panels ---------------------------------------------------------------------

def _check(user, permission, obj):
    if not user.has_perm(permission, obj):
        raise PermissionDenied


@transaction.atomic
def open_evaluation(program: Program, year: int, user, request=None) -> AnnualEvaluation:
    """Open the program's evaluation of `year` with every institute due as an entry; XX22 entries
    carry the targets their accepted report misses."""
    _check(user, "reviews.open_evaluation", program)
    if year > timezone.localdate().year:
        raise TransitionRefused(_("A year can be evaluated only once it has begun."))
    if AnnualEvaluation.objects.filter(program=program, year=year).exists():
        raise TransitionRefused(_("The %(year)s evaluation of this program is already open.") % {"year": year})
    grading = grading_for(program.code)
    due = selectors.due_institutes(program, year, grading)
    if not due:
        raise TransitionRefused(_("No institute of this program is due for evaluation in %(year)s.") % {"year": year})
    evaluation = AnnualEvaluation.objects.create(program=program, year=year, grading=grading, opened_by=user)
    entries = EvaluationEntry.objects.bulk_create([
        EvaluationEntry(evaluation=evaluation, institute_id=d.institute_id, year_of_institute=d.year_of_institute)
        for d in due
    ])
    _refresh_shortfalls(evaluation, entries)
    record_event(evaluation, action="open", action_label=_("Evaluation opened"), actor=user,
                 to_state=evaluation.state, data={"institutes": len(entries)}, request=request)
    return evaluation


def _refresh_shortfalls(evaluation: AnnualEvaluation, entries: list[EvaluationEntry]) -> None:
    targets = evaluation.grading.get("targets") or {}
    from_year = evaluation.grading.get("targets_from_year") or 1
    checked = [e for e in entries if targets and e.year_of_institute >= from_year]
    if not checked:
        return
    reports = selectors.accepted_reports([e.institute_id for e in checked], evaluation.year)
    for entry in checked:
        entry.shortfalls = selectors.shortfalls(reports.get(entry.institute_id), targets)
    EvaluationEntry.objects.bulk_update(checked, ["shortfalls"], batch_size=500)


def _lock(evaluation: AnnualEvaluation) -> AnnualEvaluation:
    return AnnualEvaluation.objects.select_for_update(of=("self",)).select_related("program").get(pk=evaluation.pk)


def draw_evaluation_panel(evaluation: AnnualEvaluation, user, *, industry_field: IndustryField, size: int,
                          name: str = "", seed: str | None = None, request=None) -> Panel:
    """Draw a panel (the existing draw, purpose annual evaluation) for the entries of one field that
    are not on a panel yet, and link each entry to its panel item."""
    _check(user, "reviews.manage_evaluation", evaluation)
    with transaction.atomic():
        evaluation = _lock(evaluation)
        if evaluation.state != AnnualEvaluation.State.OPEN:
            raise TransitionRefused(_("Panels are drawn while the evaluation is open."))
        entries = list(evaluation.entries.filter(panel_item__isnull=True, institute__industry_field=industry_field)
                       .select_related("institute"))
        if not entries:
            raise TransitionRefused(_("No institute of this field is waiting for a panel."))
        _refresh_shortfalls(evaluation, entries)
        panel = draw.draw_panel(
            program=evaluation.program, industry_field=industry_field, purpose=Panel.Purpose.ANNUAL_EVALUATION,
            items=[e.institute for e in entries], size=size, user=user, seed=seed, request=request,
            name=name or _("%(program)s %(year)s annual evaluation · %(field)s") % {
                "program": evaluation.program.code, "year": evaluation.year, "field": industry_field.name},
        )
        items = dict(PanelItem.objects.filter(panel=panel).values_list("institute_id", "pk"))
        for entry in entries:
            entry.panel_item_id = items[entry.institute_id]
        EvaluationEntry.objects.bulk_update(entries, ["panel_item"], batch_size=500)
    return panel


@transaction.atomic
def record_agreement(entry: EvaluationEntry, user, targets: str, request=None) -> EvaluationEntry:
    """HN23: the targets of the centre's annual construction agreement it is assessed against."""
    evaluation = entry.evaluation
    _check(user, "reviews.manage_evaluation", evaluation)
    if not evaluation.grading.get("agreement"):
        raise TransitionRefused(_("This program has no annual construction agreement."))
    if evaluation.state not in (AnnualEvaluation.State.OPEN, AnnualEvaluation.State.SCORING):
        raise TransitionRefused(_("The agreement targets can be recorded until the grades are proposed."))
    if not targets.strip():
        raise TransitionRefused(_("Enter the targets of the annual construction agreement."))
    entry.agreement_targets = targets.strip()
    entry.save(update_fields=["agreement_targets"])
    record_event(evaluation, action="record_agreement", action_label=_("Agreement targets recorded"), actor=user,
                 data={"entry": entry.pk, "institute": entry.institute_id}, request=request)
    return entry


def start_scoring(evaluation: AnnualEvaluation, user, request=None) -> None:
    transition(evaluation, "start_scoring", user, request=request)


# ---- proposing, settling, changing ------------------------------------------------------------

def averages(evaluation: AnnualEvaluation) -> list[Scored]:
    """Each entry's submitted sheets (of seated members) and their sum: one aggregate query."""
    counted = Q(panel_item__sheets__state=ScoreSheet.State.SUBMITTED,
                panel_item__sheets__member__status__in=PanelMember.SEATED_STATUSES)
    rows = (
        EvaluationEntry.objects.filter(evaluation=evaluation).order_by()
        .annotate(n=Count("panel_item__sheets", filter=counted), total=Sum("panel_item__sheets__total", filter=counted))
        .values_list("pk", "n", "total")
    )
    return [Scored(pk, total, n) for pk, n, total in rows]


def propose_grades(evaluation: AnnualEvaluation, user, request=None) -> list[Proposal]:
    """Close the scoring of the evaluation and propose every grade (bulk: one aggregate query, one
    bulk update, whatever the number of institutes)."""
    with transaction.atomic():
        transition(evaluation, "propose", user, request=request, proposed_at=timezone.now())
        rows = averages(evaluation)
        proposals = propose(rows, evaluation.cut_offs, evaluation.grades, evaluation.quota_for(len(rows)))
        _write_proposals(proposals, _in_order(rows, proposals))
    return proposals


PROPOSAL_COLUMNS = ("sheet_count", "score_sum", "average_score", "cut_off_grade", "proposed_grade", "final_grade",
                    "is_tie", "tie_settled", "override_reason")


def _write_proposals(proposals: list[Proposal], rows: list[Scored]) -> None:
    """One parametrised UPDATE run for every entry (cursor.executemany): bulk_update's CASE
    expressions cost seconds of Python for 2,000 rows; this costs milliseconds on SQLite and
    PostgreSQL alike."""
    fields = [EvaluationEntry._meta.get_field(name) for name in PROPOSAL_COLUMNS]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(EvaluationEntry._meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields), quote("id"),
    )
    params = []
    for p, row in zip(proposals, rows):
        values = (row.sheets, row.score_sum, p.average, p.cut_off_grade, p.grade, p.grade, p.is_tie, False, "")
        params.append([f.get_db_prep_save(v, connection) for f, v in zip(fields, values)] + [p.key])
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _in_order(rows: list[Scored], proposals: list[Proposal]) -> list[Scored]:
    by_key = {r.key: r for r in rows}
    return [by_key[p.key] for p in proposals]


def _editable(evaluation: AnnualEvaluation, user) -> AnnualEvaluation:
    _check(user, "reviews.manage_evaluation", evaluation)
    evaluation = _lock(evaluation)
    if evaluation.state != AnnualEvaluation.State.PROPOSED:
        raise TransitionRefused(_("Grades can be changed only while they are proposed."))
    return evaluation


@transaction.atomic
def settle_ties(evaluation: AnnualEvaluation, user, excellent_ids, reason: str, request=None) -> list:
    """The manager decides which of the institutes tied at the quota boundary are 优秀 (at most
    the places the quota leaves), with a reason kept on every tied entry."""
    evaluation = _editable(evaluation, user)
    reason = reason.strip()
    if not reason:
        raise TransitionRefused(_("Give the reason for settling the tie; it is kept with the grades."))
    tied = list(evaluation.entries.filter(is_tie=True).select_related("institute"))
    if not tied:
        raise TransitionRefused(_("There is no tie to settle."))
    chosen = {int(pk) for pk in excellent_ids}
    if not chosen <= {e.pk for e in tied}:
        raise TransitionRefused(_("Only institutes tied at the boundary can be chosen."))
    others = evaluation.entries.filter(final_grade=Grade.EXCELLENT, is_tie=False).count()
    quota = evaluation.quota_for(evaluation.entries.count()) or 0
    if others + len(chosen) > quota:
        raise TransitionRefused(_("At most %(n)d of the tied institutes can be 优秀.") % {"n": max(quota - others, 0)})
    for entry in tied:
        entry.final_grade = Grade.EXCELLENT if entry.pk in chosen else entry.proposed_grade
        entry.tie_settled = True
        entry.override_reason = reason
    EvaluationEntry.objects.bulk_update(tied, ["final_grade", "tie_settled", "override_reason"])
    record_event(evaluation, action="settle_ties", action_label=_("Tie at the quota settled"), actor=user,
                 comment=reason, data={"excellent": sorted(chosen), "tied": [e.pk for e in tied]}, request=request)
    return tied


@transaction.atomic
def change_grade(entry: EvaluationEntry, user, grade: str, reason: str, request=None) -> EvaluationEntry:
    """The manager changes one proposed grade, with a reason, never beyond the 优秀 quota."""
    evaluation = _editable(entry.evaluation, user)
    entry = evaluation.entries.select_for_update(of=("self",)).select_related("institute").get(pk=entry.pk)
    reason = reason.strip()
    if grade not in evaluation.grades:
        raise TransitionRefused(_("This program does not give that grade."))
    if not reason:
        raise TransitionRefused(_("Give the reason for changing the proposed grade."))
    if entry.is_tie and not entry.tie_settled:
        raise TransitionRefused(_("Settle the tie at the quota boundary first."))
    if grade == Grade.EXCELLENT and entry.final_grade != Grade.EXCELLENT:
        quota = evaluation.quota_for(evaluation.entries.count())
        if quota is not None and evaluation.entries.filter(final_grade=Grade.EXCELLENT).count() + 1 > quota:
            raise TransitionRefused(_("No more than %(n)d institutes may be 优秀 in this evaluation.") % {"n": quota})
    previous = entry.final_grade
    entry.final_grade = grade
    entry.override_reason = reason
    entry.save(update_fields=["final_grade", "override_reason"])
    record_event(evaluation, action="change_grade", action_label=_("Grade changed"), actor=user, comment=reason,
                 data={"entry": entry.pk, "institute": entry.institute_id, "from": previous, "to": grade},
                 request=request)
    return entry


def confirm_grades(evaluation: AnnualEvaluation, user, request=None) -> None:
    transition(evaluation, "confirm", user, request=request, confirmed_at=timezone.now())


# ---- publishing ---------------------------------------------------------------------------------

def publish_grades(evaluation: AnnualEvaluation, user, request=None) -> list[AnnualGrade]:
    """Write each institute's `AnnualGrade` (published today), hand the grades to the consequences
    (两年不合格, HN23 rectification…) and tell the lead units. Publishing a published evaluation
    changes nothing and returns its grades."""
    _check(user, "reviews.manage_evaluation", evaluation)
    evaluation.refresh_from_db()
    if evaluation.state == AnnualEvaluation.State.PUBLISHED:
        return list(_grades_of(evaluation))
    with transaction.atomic():
        today = timezone.localdate()
        transition(evaluation, "publish", user, request=request, published_on=today)
        entries = EvaluationEntry.objects.filter(evaluation=evaluation).values_list(
            "institute_id", "final_grade", "average_score", "override_reason")
        AnnualGrade.objects.bulk_create(
            [AnnualGrade(institute_id=institute_id, year=evaluation.year, grade=grade, score=score, reason=reason,
                         published_on=today) for institute_id, grade, score, reason in entries],
            update_conflicts=True, unique_fields=["institute", "year"],
            update_fields=["grade", "score", "reason", "published_on"], batch_size=1000,
        )
        grades = list(_grades_of(evaluation))
        consequences.apply_published_grades(grades, user)
        _tell_lead_units(evaluation, grades)
    return grades


def _grades_of(evaluation: AnnualEvaluation):
    return AnnualGrade.objects.filter(
        year=evaluation.year, institute__evaluation_entries__evaluation=evaluation
    ).select_related("institute").order_by("pk")


def _tell_lead_units(evaluation: AnnualEvaluation, grades: list[AnnualGrade]) -> None:
    by_org = {}
    for grade in grades:
        by_org.setdefault(grade.institute.lead_unit_id, grade.institute)
    members = members_by_organization(by_org, role="applicant")
    url = reverse("reviews:my_grades")
    with translation.override(settings.LANGUAGE_CODE):
        notify_each([
            (members[org_id], str(PUBLISHED_MESSAGE) % {"year": evaluation.year, "institute": by_org[org_id]}, url)
            for org_id in members
        ])
