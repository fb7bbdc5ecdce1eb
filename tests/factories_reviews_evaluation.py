"""Factories for the annual evaluation tests: active institutes in bulk, accepted annual reports,
evaluations already scored by a panel (built directly, not through the draw), published grades."""
import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from institutes.models import AnnualGrade, AnnualReport, IndustryField, Institute, Program
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from reviews.grading_rules import grading_for
from reviews.models import AnnualEvaluation, ConflictDeclaration, EvaluationEntry, Panel, PanelItem, ScoreSheet
from tests.factories import program_manager, region
from tests.factories_reviews_scoring import make_panel, members

_serials = itertools.count(600_000)
FIELD = "advanced-equipment"


def institutes(n, code="ZZ23", *, recognized_on=datetime.date(2022, 6, 1), field=FIELD, region_code="410105",
               organization=None, state=Institute.State.ACTIVE, revoked_on=None) -> list[Institute]:
    """n institutes of the program (bulk inserts), each led by its own new organisation unless given."""
    where = region(region_code)
    serials = [next(_serials) for _ in range(n)]
    organizations = [organization] * n if organization else Organization.objects.bulk_create([
        Organization(name=f"评价企业{s}有限公司", region=where, uscc=make_uscc(where.code, s)) for s in serials
    ])
    industry_field = IndustryField.objects.get(code=field)
    program = Program.objects.get(code=code)
    return Institute.objects.bulk_create([
        Institute(program=program, lead_unit=org, name=f"评价研究院{s}", industry_field=industry_field, state=state,
                  recognized_on=recognized_on, revoked_on=revoked_on)
        for s, org in zip(serials, organizations)
    ])


def accepted_report(institute, year, *, new_achievements=12, technologies_transferred=6, **figures) -> AnnualReport:
    return AnnualReport.objects.create(
        institute=institute, year=year, state=AnnualReport.State.ACCEPTED, summary="年度工作总结",
        new_achievements=new_achievements, technologies_transferred=technologies_transferred,
        rd_spending=figures.pop("rd_spending", Decimal("5000000")), funding_input=Decimal("8000000"),
        accepted_on=timezone.localdate(), **figures,
    )


def evaluation(code="ZZ23", year=2024, *, n=0, state=AnnualEvaluation.State.OPEN, manager=None,
               recognized_on=datetime.date(2022, 6, 1)) -> AnnualEvaluation:
    """An evaluation with `n` new institutes as entries (no panel yet)."""
    manager = manager or program_manager(code)
    ev = AnnualEvaluation.objects.create(program=Program.objects.get(code=code), year=year, state=state,
                                         grading=grading_for(code), opened_by=manager)
    if n:
        EvaluationEntry.objects.bulk_create([
            EvaluationEntry(evaluation=ev, institute=i, year_of_institute=year - recognized_on.year + 1)
            for i in institutes(n, code, recognized_on=recognized_on)
        ])
    return ev


def scored_evaluation(averages, code="ZZ23", year=2024, *, manager=None, panel_size=3,
                      state=AnnualEvaluation.State.SCORING) -> AnnualEvaluation:
    """An evaluation of len(averages) institutes on one ranked panel, every member giving each
    institute the total of its average (so the average is exact)."""
    manager = manager or program_manager(code)
    ev = evaluation(code, year, n=len(averages), state=state, manager=manager)
    panel = make_panel(code, Panel.Purpose.ANNUAL_EVALUATION, size=panel_size, state=Panel.State.RANKED,
                       manager=manager)
    entries = list(ev.entries.order_by("pk"))
    items = PanelItem.objects.bulk_create([PanelItem(panel=panel, institute_id=e.institute_id) for e in entries])
    for entry, item in zip(entries, items):
        entry.panel_item = item
    EvaluationEntry.objects.bulk_update(entries, ["panel_item"])
    seats = members(panel)
    now = timezone.now()
    ConflictDeclaration.objects.bulk_create([
        ConflictDeclaration(member=m, item=i, has_conflict=False) for i in items for m in seats
    ])
    ScoreSheet.objects.bulk_create([
        ScoreSheet(member=m, item=i, state=ScoreSheet.State.SUBMITTED, total=Decimal(str(avg)), submitted_at=now)
        for i, avg in zip(items, averages) for m in seats
    ])
    return ev


def published_grades(institute_list, year, grades, *, published_on=datetime.date(2025, 4, 1)):
    return AnnualGrade.objects.bulk_create([
        AnnualGrade(institute=i, year=year, grade=g, score=Decimal("80"), published_on=published_on)
        for i, g in zip(institute_list, grades)
    ])
