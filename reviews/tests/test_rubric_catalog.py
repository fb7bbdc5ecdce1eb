"""Rubrics are data: the catalogue loads idempotently, every rubric totals 100 points, and the pass
marks are the documents' (80 where a list or an acceptance depends on it, none for grading)."""
from decimal import Decimal

import pytest
from django.apps import apps as project_apps

from institutes.models import Program
from reviews.models import Panel, Rubric, RubricCriterion
from reviews.rubric_catalog import RUBRICS, load_rubrics, sync_rubrics
from reviews.selectors.scoring import current_rubric

pytestmark = pytest.mark.django_db

P = Panel.Purpose


def rubric(code, purpose):
    return Rubric.objects.prefetch_related("criteria").get(program__code=code, purpose=purpose)


@pytest.mark.parametrize(("code", "purpose", "criteria", "pass_mark"), [
    ("HN23", P.APPLICATION_REVIEW, 5, Decimal(80)),
    ("HN23", P.ACCEPTANCE, 7, Decimal(80)),
    ("ZZ23", P.APPLICATION_REVIEW, 5, Decimal(80)),
    ("ZZ23", P.ANNUAL_EVALUATION, 6, None),
    ("SJZ22", P.ANNUAL_EVALUATION, 4, None),
    ("XX22", P.ANNUAL_EVALUATION, 4, None),
    ("HN23", P.ANNUAL_EVALUATION, 5, Decimal(60)),
])
def test_each_rubric_totals_100_with_its_pass_mark(code, purpose, criteria, pass_mark):
    loaded = rubric(code, purpose)
    assert loaded.total_points == Decimal(100)
    assert loaded.criteria.count() == criteria
    assert loaded.pass_mark == pass_mark
    assert loaded.outlier_margin == Decimal(15)


def test_hn23_application_review_scores_the_five_conformity_dimensions_in_order():
    names = [c.name for c in rubric("HN23", P.APPLICATION_REVIEW).criteria.all()]
    assert names == [
        "拟建创新中心重点行业的符合性", "创新中心依托载体的符合性", "牵头单位要求的符合性",
        "创新中心建设方案要求的符合性", "其它条件的符合性",
    ]


def test_zz23_annual_evaluation_has_the_six_dimensions_of_article_13():
    names = [c.name for c in rubric("ZZ23", P.ANNUAL_EVALUATION).criteria.all()]
    assert names == ["研发投入力度", "科技成果价值", "科技成果产业化成效", "人才培育引进", "推进产业技术进步的贡献", "体制机制创新"]


def test_every_criterion_has_guidance_for_the_expert():
    assert not RubricCriterion.objects.filter(guidance="").exists()


def test_sync_is_idempotent_and_restores_edited_points():
    before = (Rubric.objects.count(), RubricCriterion.objects.count())
    RubricCriterion.objects.filter(rubric__program__code="HN23", code="carrier").update(max_points=Decimal(1))

    load_rubrics()
    load_rubrics()

    assert (Rubric.objects.count(), RubricCriterion.objects.count()) == before
    assert rubric("HN23", P.APPLICATION_REVIEW).total_points == Decimal(100)


def test_sync_accepts_models_without_the_newer_fields(monkeypatch):
    """A data migration passes historical models, which may lack fields added later."""
    Rubric.objects.filter(program__code="ZZ23").update(outlier_margin=Decimal(20))
    real_get_fields = Rubric._meta.get_fields
    monkeypatch.setattr(Rubric._meta, "get_fields",
                        lambda **kw: [f for f in real_get_fields(**kw) if f.name != "outlier_margin"])

    sync_rubrics(Rubric, RubricCriterion, project_apps.get_model("institutes", "Program"))

    assert set(Rubric.objects.filter(program__code="ZZ23").values_list("outlier_margin", flat=True)) == {Decimal(20)}


def test_catalog_specs_add_up_to_100_before_they_reach_the_database():
    for spec in RUBRICS:
        assert sum(Decimal(points) for _code, _name, points, _guidance in spec["criteria"]) == 100, spec["name"]


def test_current_rubric_is_the_version_in_force_on_the_day():
    hn23 = Program.objects.get(code="HN23")
    first = rubric("HN23", P.APPLICATION_REVIEW)
    later = Rubric.objects.create(program=hn23, purpose=P.APPLICATION_REVIEW, name="修订版",
                                  effective_from="2026-01-01", pass_mark=Decimal(85))

    assert current_rubric(hn23, P.APPLICATION_REVIEW, day=first.effective_from) == first
    assert current_rubric(hn23, P.APPLICATION_REVIEW, day=later.effective_from) == later
    assert current_rubric(hn23, P.APPLICATION_REVIEW, day=first.effective_from.replace(year=2020)) is None
    assert current_rubric(Program.objects.get(code="ZZ17"), P.ANNUAL_EVALUATION) is None
