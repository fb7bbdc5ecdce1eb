"""Who may open which annual evaluation, grading and dashboard page: every view × every role, with
the exact status code.

Columns, in this order:

    owner        applicant of the lead unit of an evaluated ZZ23 institute
    other_org    applicant of another organisation
    district     district industry bureau of the institutes' region
    dist_fin     district finance bureau of the same region
    manager      program manager of ZZ23 and HN23 (the evaluations' programs)
    other_mgr    program manager of SJZ22 only
    expert       a member of the panel that scored the evaluation
    finance      finance staff (views every evaluation, changes nothing)
    anonymous    not logged in

Objects: `open` a ZZ23 evaluation still open (no panel), `scoring` a scored one, `proposed` one with
a tie at the quota boundary, `confirmed` one ready to publish, `hn23` an open HN23 assessment, and
`*_entry` an entry of those. Every 403, 404, 405 and LOGIN must leave the database as it was."""
import pytest
from django.urls import get_resolver, reverse

from institutes.models import AnnualGrade, Grade, Program
from portal.audit.models import AuditEvent
from reviews.models import AnnualEvaluation, EvaluationEntry, Panel
from reviews.services import evaluation as services
from reviews.views.dashboards import urlpatterns as dashboard_urls
from reviews.views.evaluation import urlpatterns as evaluation_urls
from tests.factories import UserFactory, applicant, district_user, program_manager
from tests.factories_reviews_evaluation import evaluation, scored_evaluation
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db

ROLES = ("owner", "other_org", "district", "dist_fin", "manager", "other_mgr", "expert", "finance", "anonymous")
N4, G, M = 404, LOGIN, MOVED
POSTED = (405, 405, 405, 405, 405, 405, 405, 405, G)

# fmt: off
MATRIX = [
    # (url name, method, object)                               owner other distr d_fin mgr  o_mgr expert fin  anon
    (("reviews:evaluation_list", "GET", None),                 (403,  403,  403,  403,  200, 200,  403,   200, G)),
    (("reviews:evaluation_open", "POST", None),                (403,  403,  403,  403,  M,   403,  403,   403, G)),
    (("reviews:evaluation_open", "GET", None),                 POSTED),
    (("reviews:evaluation_detail", "GET", "proposed"),         (N4,   N4,   N4,   N4,   200, N4,   N4,    200, G)),
    (("reviews:evaluation_detail", "GET", "open"),             (N4,   N4,   N4,   N4,   200, N4,   N4,    200, G)),
    (("reviews:evaluation_draw_panel", "POST", "open"),        (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:evaluation_draw_panel", "GET", "open"),         POSTED),
    (("reviews:entry_agreement", "POST", "hn23_entry"),        (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:entry_agreement", "GET", "hn23_entry"),         POSTED),
    (("reviews:evaluation_start_scoring", "POST", "open"),     (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:evaluation_start_scoring", "GET", "open"),      POSTED),
    (("reviews:evaluation_propose", "POST", "scoring"),        (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:evaluation_propose", "GET", "scoring"),         POSTED),
    (("reviews:evaluation_settle_ties", "POST", "proposed"),   (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:evaluation_settle_ties", "GET", "proposed"),    POSTED),
    (("reviews:entry_change_grade", "POST", "proposed_entry"), (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:entry_change_grade", "GET", "proposed_entry"),  POSTED),
    (("reviews:evaluation_confirm", "POST", "proposed"),       (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:evaluation_confirm", "GET", "proposed"),        POSTED),
    (("reviews:evaluation_publish", "POST", "confirmed"),      (N4,   N4,   N4,   N4,   M,   N4,   N4,    403, G)),
    (("reviews:evaluation_publish", "GET", "confirmed"),       POSTED),
    (("reviews:my_grades", "GET", None),                       (200,  200,  403,  403,  403, 403,  403,   403, G)),
    (("reviews:program_dashboard", "GET", None),               (403,  403,  403,  403,  200, 200,  403,   200, G)),
    (("reviews:district_dashboard", "GET", None),              (403,  403,  200,  200,  403, 403,  403,   403, G)),
]
# fmt: on


@pytest.fixture(autouse=True)
def _consequences_stubbed(monkeypatch):
    """The consequences of publishing are institutes/consequences.py's, tested there."""
    monkeypatch.setattr("institutes.consequences.apply_published_grades", lambda grades, user: [])


@pytest.fixture
def world():
    manager = program_manager("ZZ23", "HN23", username="manager")
    proposed = scored_evaluation([92, 92, 85, 80, 70], year=2024, manager=manager)
    services.propose_grades(proposed, manager)
    confirmed = scored_evaluation([95, 85, 80, 70, 50], year=2023, manager=manager)
    services.propose_grades(confirmed, manager)
    services.confirm_grades(AnnualEvaluation.objects.get(pk=confirmed.pk), manager)
    scoring = scored_evaluation([90, 80, 70], year=2022, manager=manager)
    hn23 = evaluation("HN23", 2024, n=1, manager=manager)
    panel = Panel.objects.filter(items__evaluation_entries__evaluation=proposed).distinct().get()
    expert = panel.members.select_related("expert__user").first().expert.user
    owner_unit = proposed.entries.order_by("pk").first().institute.lead_unit
    return {
        "manager": manager, "expert": expert, "owner": applicant(organization=owner_unit, username="owner"),
        "open": evaluation("ZZ23", 2021, n=2, manager=manager), "scoring": scoring,
        "proposed": proposed, "confirmed": AnnualEvaluation.objects.get(pk=confirmed.pk),
        "hn23": hn23,
        "proposed_entry": proposed.entries.exclude(is_tie=True).order_by("pk").first(),
        "hn23_entry": hn23.entries.get(),
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "dist_fin": lambda: district_user(["410105"], "finance"),
        "manager": lambda: world["manager"],
        "other_mgr": lambda: program_manager("SJZ22"),
        "expert": lambda: world["expert"],
        "finance": lambda: UserFactory(role="finance", department="finance"),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    if target is None:
        return reverse(name)
    if target.endswith("_entry"):
        entry = world[target]
        return reverse(name, kwargs={"pk": entry.evaluation_id, "entry_pk": entry.pk})
    return reverse(name, kwargs={"pk": world[target].pk})


def post_data(name, world):
    tied = world["proposed"].entries.filter(is_tie=True).order_by("pk").first()
    return {
        "reviews:evaluation_open": {"program": Program.objects.get(code="ZZ23").pk, "year": 2020},
        "reviews:evaluation_draw_panel": {"industry_field": world["open"].entries.first().institute.industry_field_id,
                                          "size": 3},
        "reviews:entry_agreement": {"targets": "完成年度协议任务"},
        "reviews:evaluation_settle_ties": {"excellent": [tied.pk], "reason": "成果更突出"},
        "reviews:entry_change_grade": {"grade": Grade.PASS, "reason": "复核调整"},
    }.get(name, {})


def snapshot():
    return {
        "evaluations": list(AnnualEvaluation.objects.order_by("pk").values_list("pk", "state", "version")),
        "entries": list(EvaluationEntry.objects.order_by("pk").values_list(
            "pk", "final_grade", "override_reason", "agreement_targets", "panel_item_id", "tie_settled")),
        "grades": list(AnnualGrade.objects.order_by("pk").values_list("pk", "grade", "published_on")),
        "panels": Panel.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, world, _target: post_data(name, world), snapshot=snapshot,
)


def test_every_evaluation_and_dashboard_url_has_a_row_in_the_matrix():
    in_matrix = names_in(MATRIX)
    views = {f"reviews:{p.name}" for p in [*evaluation_urls, *dashboard_urls]}
    assert views - in_matrix == set(), "add a permission row for these views"
    assert in_matrix - views == set(), "the matrix names a view that no longer exists"
    assert views <= {f"reviews:{p.name}" for p in get_resolver("reviews.urls").url_patterns}


def test_finance_sees_the_grades_but_cannot_change_a_single_one(client, world):
    finance = UserFactory(role="finance", department="finance")
    client.force_login(finance, backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()
    page = client.get(reverse("reviews:evaluation_detail", args=[world["proposed"].pk]))
    entry = world["proposed_entry"]
    posts = [
        client.post(reverse("reviews:entry_change_grade", args=[entry.evaluation_id, entry.pk]),
                    {"grade": Grade.EXCELLENT, "reason": "财政调整"}),
        client.post(reverse("reviews:evaluation_confirm", args=[world["proposed"].pk])),
        client.post(reverse("reviews:evaluation_publish", args=[world["confirmed"].pk])),
    ]
    assert page.status_code == 200 and 'data-testid="entries"' in page.content.decode()
    assert "entry_change_grade" not in page.content.decode() and "/grade/" not in page.content.decode()
    assert [r.status_code for r in posts] == [403, 403, 403]
    assert snapshot() == before


def test_an_institute_sees_only_its_own_published_grades(client, world):
    owner = world["owner"]
    mine = world["proposed"].entries.get(institute__lead_unit=owner.organization).institute
    other = world["confirmed"].entries.order_by("pk").first().institute
    AnnualGrade.objects.create(institute=mine, year=2024, grade=Grade.GOOD)  # not published yet
    AnnualGrade.objects.create(institute=other, year=2024, grade=Grade.EXCELLENT, published_on="2025-04-01")
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    body = client.get(reverse("reviews:my_grades")).content.decode()
    assert mine.name not in body and other.name not in body

    AnnualGrade.objects.filter(institute=mine).update(published_on="2025-04-01")
    body = client.get(reverse("reviews:my_grades")).content.decode()
    assert mine.name in body and other.name not in body and 'data-grade="good"' in body


def test_an_expert_sees_only_the_institutes_assigned_to_them(client, world):
    """The expert of the proposed evaluation's panel opens its items (once declared); an item of
    another panel is a 404."""
    from reviews.models import PanelItem, PanelMember
    from tests.factories_reviews_scoring import declare, set_state

    expert = world["expert"]
    panel = Panel.objects.filter(items__evaluation_entries__evaluation=world["proposed"]).distinct().get()
    set_state(panel, Panel.State.SCORING)
    own_item = panel.items.order_by("pk").first()
    stranger = PanelItem.objects.filter(evaluation_entries__evaluation=world["confirmed"]).first()
    set_state(stranger.panel, Panel.State.SCORING)
    client.force_login(expert, backend="django.contrib.auth.backends.ModelBackend")

    assert client.get(reverse("reviews:item_content", args=[own_item.pk])).status_code == 200
    assert client.get(reverse("reviews:item_content", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("reviews:score_item", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("reviews:evaluation_detail", args=[world["proposed"].pk])).status_code == 404
    assert PanelMember.objects.filter(panel=panel, expert__user=expert).exists()
    assert declare  # the factory is there for items without a declaration
