"""Demo data for the annual evaluation: four more ZZ23 institutes beside the demo's own, their
grades for the year before last published (one 优秀 of six, the 20% quota), and last year's
evaluation open with the institutes due, ready for the manager to draw its panel. Idempotent.

Wire it from demo.data.seed(), after annual_reports.seed():  `evaluation.seed(users, organizations)`."""
import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from institutes.models import AnnualGrade, Grade, IndustryField, Institute, Program
from portal.accounts.models import Organization, Region
from portal.accounts.uscc_factory import make_uscc
from reviews.grading_rules import grading_for
from reviews.models import AnnualEvaluation, EvaluationEntry
from reviews.services.evaluation import open_evaluation

# name, lead unit, district, serial, field, recognised (years before today's year)
INSTITUTES = [
    ("郑州市生物医药产业研究院", "郑州康源生物医药有限公司", "410105", 131, "biomedicine", 4),
    ("郑州市汽车电子产业研究院", "郑州中原汽车电子股份有限公司", "410103", 132, "automotive", 4),
    ("郑州市先进化工材料产业研究院", "郑州化工新材料集团有限公司", "410102", 133, "chemicals", 4),
    ("郑州市高端装备产业研究院", "郑州重型装备制造有限公司", "410105", 134, "advanced-equipment", 4),
]
# grade and average of each institute for the published year, by name; the demo's own institutes first
PUBLISHED = {
    "郑州市智能装备产业研究院": (Grade.EXCELLENT, "92.40"),
    "郑州市新材料产业研究院": (Grade.GOOD, "86.20"),
    "郑州市生物医药产业研究院": (Grade.GOOD, "91.60"),  # ≥ 90 but over the 20% quota: 良好
    "郑州市汽车电子产业研究院": (Grade.GOOD, "78.00"),
    "郑州市先进化工材料产业研究院": (Grade.PASS, "68.50"),
    "郑州市高端装备产业研究院": (Grade.PASS, "61.00"),
}
QUOTA_REASON = "平均分达到优秀线，但优秀比例不超过20%（6家中至多1家），按得分排序评为良好。"


@transaction.atomic
def seed(users: dict, organizations: dict | None = None) -> AnnualEvaluation | None:
    zz23 = Program.objects.get(code="ZZ23")
    this_year = timezone.localdate().year
    for name, unit, district, serial, field, years_ago in INSTITUTES:
        region = Region.objects.get(code=district)
        lead_unit, _ = Organization.objects.get_or_create(
            uscc=make_uscc(district, serial), defaults={"name": unit, "region": region})
        Institute.objects.get_or_create(name=name, defaults={
            "program": zz23, "lead_unit": lead_unit, "industry_field": IndustryField.objects.get(code=field),
            "recognized_on": datetime.date(this_year - years_ago, 5, 1),
            "recognition_document": f"郑工信〔{this_year - years_ago}〕{serial}号",
        })
    _published(zz23, this_year - 2, users["manager"])
    if AnnualEvaluation.objects.filter(program=zz23, year=this_year - 1).exists():
        return None
    return open_evaluation(zz23, this_year - 1, users["manager"])


def _published(program, year, manager) -> None:
    """The year's evaluation as it stands after publication (built directly: the demo has no panel
    history for it)."""
    evaluation, created = AnnualEvaluation.objects.get_or_create(
        program=program, year=year,
        defaults={"grading": grading_for(program.code), "opened_by": manager, "state": AnnualEvaluation.State.PUBLISHED,
                  "published_on": datetime.date(year + 1, 4, 15)},
    )
    if not created:
        return
    institutes = {i.name: i for i in Institute.objects.filter(name__in=PUBLISHED)}
    for name, (grade, average) in PUBLISHED.items():
        institute = institutes.get(name)
        if institute is None:
            continue
        capped = grade == Grade.GOOD and Decimal(average) >= 90
        EvaluationEntry.objects.create(
            evaluation=evaluation, institute=institute, year_of_institute=year - institute.recognized_on.year + 1,
            sheet_count=5, score_sum=Decimal(average) * 5, average_score=Decimal(average),
            cut_off_grade=Grade.EXCELLENT if capped else grade, proposed_grade=grade, final_grade=grade,
        )
        AnnualGrade.objects.get_or_create(institute=institute, year=year, defaults={
            "grade": grade, "score": Decimal(average), "reason": QUOTA_REASON if capped else "",
            "published_on": evaluation.published_on,
        })
