"""The demo hook: published grades for the year before last within the quota, last year's
evaluation open with the institutes due; running it twice changes nothing."""
import pytest
from django.utils import timezone

from demo import data, evaluation
from institutes.models import AnnualGrade, Grade
from reviews.models import AnnualEvaluation

pytestmark = pytest.mark.django_db


def test_the_demo_has_published_grades_and_an_open_evaluation():
    users = data.seed()  # runs the annual reports' and the evaluation's demo hooks
    year = timezone.localdate().year
    opened = AnnualEvaluation.objects.get(year=year - 1)

    published = AnnualGrade.objects.published().filter(year=year - 2)
    assert published.count() == 6 and published.filter(grade=Grade.EXCELLENT).count() == 1
    assert opened.year == year - 1 and opened.state == AnnualEvaluation.State.OPEN
    assert opened.entries.count() >= 6
    assert AnnualEvaluation.objects.get(year=year - 2).state == AnnualEvaluation.State.PUBLISHED

    assert evaluation.seed(users) is None
    assert AnnualGrade.objects.count() == 6 and AnnualEvaluation.objects.count() == 2
