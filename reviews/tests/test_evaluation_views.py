"""The grading pages end to end through HTTP, and their input validation."""
import datetime

import pytest
from django.urls import reverse

from institutes.models import AnnualGrade, Grade, Program
from reviews.models import AnnualEvaluation
from tests.factories import program_manager
from tests.factories_reviews_evaluation import institutes, scored_evaluation
from tests.factories_reviews_panels import pool

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _consequences_stubbed(monkeypatch):
    monkeypatch.setattr("institutes.consequences.apply_published_grades", lambda grades, user: [])


def _login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _post(client, name, ev, data=None, entry=None):
    kwargs = {"pk": ev.pk} if entry is None else {"pk": ev.pk, "entry_pk": entry.pk}
    response = client.post(reverse(name, kwargs=kwargs), data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_manager_grades_six_institutes_through_the_pages(client):
    ev = scored_evaluation([93, 93, 88, 76, 61, 40])
    _login(client, ev.opened_by)
    body = _post(client, "reviews:evaluation_propose", ev)
    assert 'data-testid="settle-ties"' in body and body.count('data-flag="tie"') == 2
    assert 'data-testid="quota"' in body

    tied = list(ev.entries.filter(is_tie=True).order_by("pk"))
    body = _post(client, "reviews:evaluation_settle_ties", ev, {"excellent": [tied[0].pk], "reason": ""})
    assert not ev.entries.filter(tie_settled=True).exists()
    body = _post(client, "reviews:evaluation_settle_ties", ev,
                 {"excellent": [tied[0].pk, tied[1].pk], "reason": "两家"})
    assert not ev.entries.filter(tie_settled=True).exists()
    _post(client, "reviews:evaluation_settle_ties", ev, {"excellent": [tied[0].pk], "reason": "转化收入更高"})
    assert ev.entries.filter(final_grade=Grade.EXCELLENT).get().pk == tied[0].pk

    low = ev.entries.order_by("average_score").first()
    _post(client, "reviews:entry_change_grade", ev, {"grade": Grade.PASS, "reason": ""}, entry=low)
    assert ev.entries.get(pk=low.pk).final_grade == Grade.FAIL
    _post(client, "reviews:entry_change_grade", ev, {"grade": "platinum", "reason": "x"}, entry=low)
    assert ev.entries.get(pk=low.pk).final_grade == Grade.FAIL
    _post(client, "reviews:entry_change_grade", ev, {"grade": Grade.PASS, "reason": "复核材料后调整"}, entry=low)
    assert ev.entries.get(pk=low.pk).final_grade == Grade.PASS

    _post(client, "reviews:evaluation_confirm", ev)
    body = _post(client, "reviews:evaluation_publish", ev)
    assert AnnualEvaluation.objects.get(pk=ev.pk).state == AnnualEvaluation.State.PUBLISHED
    assert AnnualGrade.objects.published().filter(year=ev.year, grade=Grade.EXCELLENT).count() == 1
    assert AnnualGrade.objects.count() == 6
    assert 'data-testid="timeline"' in body


def test_an_entry_of_another_evaluation_is_a_404(client):
    ev, other = scored_evaluation([90, 80, 70], year=2023), scored_evaluation([90, 80, 70], year=2024)
    Program.objects.get(code="ZZ23").managers.add(ev.opened_by)
    _login(client, ev.opened_by)
    foreign = other.entries.first()
    url = reverse("reviews:entry_change_grade", kwargs={"pk": ev.pk, "entry_pk": foreign.pk})
    assert client.post(url, {"grade": Grade.PASS, "reason": "x"}).status_code == 404
    assert client.post(url, {"grade": "", "reason": ""}).status_code == 404  # before the form is read
    agreement = reverse("reviews:entry_agreement", kwargs={"pk": ev.pk, "entry_pk": foreign.pk})
    assert client.post(agreement, {"targets": ""}).status_code == 404


def test_opening_through_the_page_validates_the_year(client):
    institutes(2, recognized_on=datetime.date(2020, 1, 1))
    manager = program_manager("ZZ23")
    _login(client, manager)
    zz23 = Program.objects.get(code="ZZ23").pk
    client.post(reverse("reviews:evaluation_open"), {"program": zz23, "year": "not-a-year"})
    client.post(reverse("reviews:evaluation_open"), {"program": zz23, "year": 1999})
    assert not AnnualEvaluation.objects.exists()
    response = client.post(reverse("reviews:evaluation_open"), {"program": zz23, "year": 2024})
    ev = AnnualEvaluation.objects.get()
    assert response["Location"] == reverse("reviews:evaluation_detail", args=[ev.pk])
    assert ev.entries.count() == 2


def test_drawing_a_panel_from_the_page(client):
    institutes(3, recognized_on=datetime.date(2020, 1, 1))
    manager = program_manager("ZZ23")
    _login(client, manager)
    client.post(reverse("reviews:evaluation_open"), {"program": Program.objects.get(code="ZZ23").pk, "year": 2024})
    ev = AnnualEvaluation.objects.get()
    body = client.get(reverse("reviews:evaluation_detail", args=[ev.pk])).content.decode()
    assert 'data-testid="draw-evaluation-panel"' in body
    field = ev.entries.first().institute.industry_field_id
    body = _post(client, "reviews:evaluation_draw_panel", ev, {"industry_field": field, "size": 7})
    assert ev.entries.filter(panel_item__isnull=False).count() == 0
    body = _post(client, "reviews:evaluation_draw_panel", ev, {"industry_field": field, "size": 3})
    assert ev.entries.filter(panel_item__isnull=False).count() == 0  # no experts in the pool: nothing drawn
    pool(management=2, technical=3, accounts=True)
    body = _post(client, "reviews:evaluation_draw_panel", ev, {"industry_field": field, "size": 3})
    assert ev.entries.filter(panel_item__isnull=False).count() == 3
    assert 'data-testid="evaluation-panels"' in body
    _post(client, "reviews:evaluation_start_scoring", ev)
    assert AnnualEvaluation.objects.get(pk=ev.pk).state == AnnualEvaluation.State.SCORING
