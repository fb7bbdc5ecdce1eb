"""Opening a program-year: which institutes are due (active, recognised before the year; SJZ22 once
per 3-year cycle; XX22 from the listing year with its targets from the second year; HN23 yearly),
the XX22 shortfalls from the accepted report, panels through the existing draw, HN23 agreement
targets, and what an expert sees of an institute item."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from institutes.models import IndustryField, Institute, Program
from portal.workflow import TransitionRefused
from reviews.models import AnnualEvaluation, Panel, PanelMember
from reviews.services import evaluation as services
from tests.factories import program_manager
from tests.factories_reviews_evaluation import accepted_report, evaluation, institutes
from tests.factories_reviews_panels import pool
from tests.factories_reviews_scoring import declare

pytestmark = pytest.mark.django_db


def _open(code, year, manager=None):
    manager = manager or program_manager(code)
    return services.open_evaluation(Program.objects.get(code=code), year, manager)


def _due(ev):
    return set(ev.entries.values_list("institute_id", flat=True))


def test_zz23_lists_active_institutes_recognised_before_the_year():
    old = institutes(2, recognized_on=datetime.date(2023, 12, 31))
    new = institutes(1, recognized_on=datetime.date(2024, 1, 1))
    institutes(1, recognized_on=datetime.date(2022, 1, 1), state=Institute.State.REVOKED,
               revoked_on=datetime.date(2024, 3, 1))
    institutes(1, "HN23", recognized_on=datetime.date(2022, 1, 1))

    ev = _open("ZZ23", 2024)

    assert _due(ev) == {i.pk for i in old}
    assert new[0].pk not in _due(ev)
    assert ev.grading["excellent_quota"] == "0.20" and ev.state == AnnualEvaluation.State.OPEN
    assert set(ev.entries.values_list("year_of_institute", flat=True)) == {2}


def test_sjz22_is_evaluated_once_per_three_year_cycle_counted_from_the_recognition_year():
    """SJZ22 四（四）"每3年为一个评价周期（从获得资格认定年度起）": recognised in 2022, the first cycle
    is 2022–2024, so the institute is due for 2024 (not 2025), then 2027."""
    (unit,) = institutes(1, "SJZ22", recognized_on=datetime.date(2022, 5, 1))
    manager = program_manager("SJZ22")
    for year in (2022, 2023):
        with pytest.raises(TransitionRefused):
            _open("SJZ22", year, manager)
    ev = _open("SJZ22", 2024, manager)
    assert _due(ev) == {unit.pk}
    assert set(ev.entries.values_list("year_of_institute", flat=True)) == {3}
    with pytest.raises(TransitionRefused):
        _open("SJZ22", 2025, manager)


def test_xx22_targets_from_the_second_year_show_shortfalls():
    first_year, short, fine, no_report = institutes(4, "XX22", recognized_on=datetime.date(2024, 3, 1))
    Institute.objects.filter(pk=first_year.pk).update(recognized_on=datetime.date(2025, 2, 1))
    accepted_report(short, 2025, new_achievements=7, technologies_transferred=5)
    accepted_report(fine, 2025, new_achievements=10, technologies_transferred=5)

    ev = _open("XX22", 2025)

    entries = {e.institute_id: e for e in ev.entries.all()}
    assert set(entries) == {first_year.pk, short.pk, fine.pk, no_report.pk}
    assert entries[first_year.pk].year_of_institute == 1 and entries[first_year.pk].shortfalls == []
    assert entries[short.pk].shortfalls == [{"measure": "new_achievements", "target": 10, "actual": 7}]
    assert entries[fine.pk].shortfalls == []
    assert entries[no_report.pk].shortfalls == [{"measure": "report", "target": None, "actual": None}]


def test_a_year_is_opened_once_and_not_in_the_future():
    institutes(1, recognized_on=datetime.date(2020, 1, 1))
    manager = program_manager("ZZ23")
    _open("ZZ23", 2024, manager)
    with pytest.raises(TransitionRefused):
        _open("ZZ23", 2024, manager)
    with pytest.raises(TransitionRefused):
        _open("ZZ23", datetime.date.today().year + 1, manager)
    with pytest.raises(TransitionRefused):
        _open("ZZ23", 2019, manager)  # nobody recognised before 2019


def test_only_the_programs_manager_opens_it():
    institutes(1, recognized_on=datetime.date(2020, 1, 1))
    with pytest.raises(PermissionDenied):
        _open("ZZ23", 2024, program_manager("HN23"))


def test_the_panel_is_drawn_with_the_existing_draw_and_linked_to_the_entries():
    institutes(3, recognized_on=datetime.date(2020, 1, 1))
    ev = _open("ZZ23", 2024)
    manager = ev.opened_by
    pool(management=2, technical=3, accounts=True)
    field = IndustryField.objects.get(code="advanced-equipment")

    panel = services.draw_evaluation_panel(ev, manager, industry_field=field, size=3, seed="s")

    assert panel.purpose == Panel.Purpose.ANNUAL_EVALUATION and panel.rubric.criteria.count() == 6
    assert panel.draw_log[0]["seed"] == "s"
    assert not ev.entries.filter(panel_item__isnull=True).exists()
    on_panel = set(panel.items.values_list("institute_id", flat=True))
    assert on_panel == set(ev.entries.values_list("institute_id", flat=True))
    with pytest.raises(TransitionRefused):
        services.draw_evaluation_panel(ev, manager, industry_field=field, size=3)
    services.start_scoring(AnnualEvaluation.objects.get(pk=ev.pk), manager)
    assert AnnualEvaluation.objects.get(pk=ev.pk).state == AnnualEvaluation.State.SCORING


def test_scoring_cannot_start_before_every_institute_is_on_a_panel():
    ev = evaluation(n=2)
    with pytest.raises(TransitionRefused):
        services.start_scoring(ev, ev.opened_by)


def test_hn23_centres_are_assessed_against_their_agreement_targets():
    institutes(1, "HN23", recognized_on=datetime.date(2023, 6, 1))
    ev = _open("HN23", 2024)
    entry = ev.entries.get()
    assert ev.grading["grades"] == ["pass", "fail"] and ev.grading["excellent_quota"] is None
    with pytest.raises(TransitionRefused):
        services.record_agreement(entry, ev.opened_by, " ")
    services.record_agreement(entry, ev.opened_by, "完成2项共性关键技术攻关；新增研发投入2000万元")
    entry.refresh_from_db()
    assert entry.agreement_targets.startswith("完成2项")
    zz = evaluation(n=1)
    with pytest.raises(TransitionRefused):
        services.record_agreement(zz.entries.get(), zz.opened_by, "x")


def test_an_expert_sees_the_institutes_accepted_report_and_shortfalls(client):
    (unit,) = institutes(1, "XX22", recognized_on=datetime.date(2023, 3, 1))
    accepted_report(unit, 2024, new_achievements=4, technologies_transferred=8)
    ev = _open("XX22", 2024)
    pool(management=2, technical=3, accounts=True)
    panel = services.draw_evaluation_panel(ev, ev.opened_by, industry_field=unit.industry_field, size=3)
    member = panel.members.select_related("expert__user").first()
    PanelMember.objects.filter(panel=panel).update(status=PanelMember.Status.ACCEPTED)
    Panel.objects.filter(pk=panel.pk).update(state=Panel.State.SCORING)
    item = panel.items.get()
    declare(member, item)
    client.force_login(member.expert.user, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(reverse("reviews:item_content", args=[item.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="annual-report-figures"' in body and 'data-testid="shortfalls"' in body
    assert "4" in body and unit.name in body
