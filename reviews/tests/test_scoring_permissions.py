"""Who may open which scoring page: every view × every role, with the exact status code.

Columns, in this order:

    owner        applicant of the lead unit whose application is on the panel
    other_org    applicant of another organisation
    district     district bureau of the applicant's region (industry)
    manager      program manager of HN23 (the panel's program)
    other_mgr    program manager of ZZ23 only
    expert       an ordinary member of the panel (accepted)
    leader       the panel's leader
    expert_off   an expert of the pool who is not on the panel
    finance      finance bureau staff
    anonymous    not logged in

Objects: `open` an item both the expert and the leader declared no conflict on (draft sheets),
`fresh` an item nobody declared on yet, `open_file`/`fresh_file` an attachment of each, `sheet`
the expert's submitted sheet, `panel` the panel (scoring), `ranked` a second panel of the same
experts whose scoring is closed and whose site-inspection list is marked.

Codes: 200/403/404/405; LOGIN = redirect to the login page; MOVED = any other redirect (the view
did its work, refused with a message, or sent the user to the declaration first). Every 403, 404,
405 and LOGIN must leave the database exactly as it was.
"""
import pytest
from django.urls import get_resolver, reverse

from portal.audit.models import AuditEvent
from reviews.models import ConflictDeclaration, Panel, PanelItem, PanelMember, Score, ScoreSheet
from reviews.views.scoring import urlpatterns as scoring_urls
from tests.factories import UserFactory, applicant, attachment, district_user, program_manager
from tests.factories_reviews_scoring import (
    add_items, declare, expert_user, make_panel, members, score_everything, submit_sheet,
)
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db

ROLES = ("owner", "other_org", "district", "manager", "other_mgr", "expert", "leader", "expert_off", "finance",
         "anonymous")
N4, G = 404, LOGIN

# fmt: off
MATRIX = [
    # (url name, method, object)                         owner other distr mgr    o_mgr expert leader e_off fin  anon
    (("reviews:my_assignments", "GET", None),            (403,  403,  403,  403,   403,  200,   200,   200,  403, G)),
    (("reviews:declare_item", "GET", "fresh"),           (N4,   N4,   N4,   403,   N4,   200,   200,   N4,   N4,  G)),
    (("reviews:declare_item", "POST", "fresh"),          (N4,   N4,   N4,   403,   N4,   MOVED, MOVED, N4,   N4,  G)),
    (("reviews:declare_item", "GET", "open"),            (N4,   N4,   N4,   403,   N4,   MOVED, MOVED, N4,   N4,  G)),
    (("reviews:item_content", "GET", "open"),            (N4,   N4,   N4,   200,   N4,   200,   200,   N4,   N4,  G)),
    (("reviews:item_content", "GET", "fresh"),           (N4,   N4,   N4,   200,   N4,   MOVED, MOVED, N4,   N4,  G)),
    (("reviews:item_attachment", "GET", "open_file"),    (N4,   N4,   N4,   200,   N4,   200,   200,   N4,   N4,  G)),
    (("reviews:item_attachment", "GET", "fresh_file"),   (N4,   N4,   N4,   200,   N4,   MOVED, MOVED, N4,   N4,  G)),
    (("reviews:score_item", "GET", "open"),              (N4,   N4,   N4,   403,   N4,   200,   200,   N4,   N4,  G)),
    (("reviews:score_item", "POST", "open"),             (N4,   N4,   N4,   403,   N4,   MOVED, MOVED, N4,   N4,  G)),
    (("reviews:score_item", "GET", "fresh"),             (N4,   N4,   N4,   403,   N4,   MOVED, MOVED, N4,   N4,  G)),
    (("reviews:score_item", "POST", "fresh"),            (N4,   N4,   N4,   403,   N4,   MOVED, MOVED, N4,   N4,  G)),
    (("reviews:reopen_sheet", "GET", "sheet"),           (N4,   N4,   N4,   403,   N4,   403,   200,   N4,   N4,  G)),
    (("reviews:reopen_sheet", "POST", "sheet"),          (N4,   N4,   N4,   403,   N4,   403,   MOVED, N4,   N4,  G)),
    (("reviews:scoring_progress", "GET", "panel"),       (N4,   N4,   N4,   200,   N4,   403,   200,   N4,   N4,  G)),
    (("reviews:panel_ranking", "GET", "panel"),          (N4,   N4,   N4,   200,   N4,   403,   403,   N4,   N4,  G)),
    (("reviews:panel_ranking", "GET", "ranked"),         (N4,   N4,   N4,   200,   N4,   200,   200,   N4,   N4,  G)),
    (("reviews:close_scoring", "GET", "panel"),          (405,  405,  405,  405,   405,  405,   405,   405,  405, G)),
    (("reviews:close_scoring", "POST", "panel"),         (N4,   N4,   N4,   MOVED, N4,   403,   403,   N4,   N4,  G)),
    (("reviews:mark_site_list", "GET", "ranked"),        (405,  405,  405,  405,   405,  405,   405,   405,  405, G)),
    (("reviews:mark_site_list", "POST", "ranked"),       (N4,   N4,   N4,   MOVED, N4,   403,   403,   N4,   N4,  G)),
    (("reviews:confirm_site_list", "GET", "ranked"),     (N4,   N4,   N4,   403,   N4,   200,   200,   N4,   N4,  G)),
    (("reviews:confirm_site_list", "POST", "ranked"),    (N4,   N4,   N4,   403,   N4,   MOVED, MOVED, N4,   N4,  G)),
]
# fmt: on


@pytest.fixture
def world():
    owner = applicant(username="owner")
    manager = program_manager("HN23", username="manager")
    panel = make_panel("HN23", manager=manager)
    seats = members(panel)
    chief, expert = seats[0], seats[2]
    (open_item,) = add_items(panel, 1, organization=owner.organization)
    done_item, fresh_item = add_items(panel, 2)
    for seat in (chief, expert):
        declare(seat, open_item)
    sheet = submit_sheet(expert, done_item, 85)
    ranked = make_panel("HN23", manager=manager, items=2, state=Panel.State.RANKED,
                        experts=[seat.expert for seat in seats])
    score_everything(ranked)
    first_ranked = ranked.items.order_by("pk").first()
    PanelItem.objects.filter(panel=ranked).update(listed_for_inspection=False)
    PanelItem.objects.filter(pk=first_ranked.pk).update(listed_for_inspection=True)
    return {
        "owner": owner, "manager": manager, "expert": expert, "chief": chief,
        "open": open_item, "fresh": fresh_item, "sheet": sheet, "panel": panel, "ranked": ranked,
        "ranked_item": first_ranked,
        "open_file": attachment(open_item.application), "fresh_file": attachment(fresh_item.application),
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "manager": lambda: world["manager"],
        "other_mgr": lambda: program_manager("ZZ23"),
        "expert": lambda: world["expert"].expert.user,
        "leader": lambda: world["chief"].expert.user,
        "expert_off": lambda: expert_user(),
        "finance": lambda: UserFactory(role="finance", department="finance"),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    if target is None:
        return reverse(name)
    if target.endswith("_file"):
        file = world[target]
        item = world["open"] if target == "open_file" else world["fresh"]
        return reverse(name, kwargs={"pk": item.pk, "attachment_pk": file.pk})
    return reverse(name, kwargs={"pk": world[target].pk})


def post_data(name, world):
    if name == "reviews:score_item":
        criterion = world["panel"].rubric.criteria.order_by("order").first()
        return {f"points_{criterion.pk}": "10", f"comment_{criterion.pk}": "较好", "save": ""}
    return {
        "reviews:declare_item": {"declaration": "none", "statement": ""},
        "reviews:reopen_sheet": {"reason": "请复核载体得分"},
        "reviews:close_scoring": {},
        "reviews:mark_site_list": {"listed": [world["ranked_item"].pk]},
        "reviews:confirm_site_list": {},
    }[name]


def snapshot():
    return {
        "declarations": list(ConflictDeclaration.objects.order_by("pk").values_list("pk", "has_conflict")),
        "sheets": list(ScoreSheet.objects.order_by("pk").values_list("pk", "state", "version", "total")),
        "scores": list(Score.objects.order_by("pk").values_list("pk", "points", "comment")),
        "panels": list(Panel.objects.order_by("pk").values_list("pk", "state", "version")),
        "listed": list(PanelItem.objects.order_by("pk").values_list("pk", "listed_for_inspection")),
        "confirmed": list(PanelMember.objects.order_by("pk").values_list("pk", "site_list_confirmed_at")),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, world, _target: post_data(name, world), snapshot=snapshot,
)


def test_every_scoring_url_has_a_row_in_the_matrix():
    in_matrix = names_in(MATRIX)
    scoring_views = {f"reviews:{p.name}" for p in scoring_urls}
    assert scoring_views - in_matrix == set(), "add a permission row for these views"
    assert in_matrix - scoring_views == set(), "the matrix names a view that no longer exists"
    assert scoring_views <= {f"reviews:{p.name}" for p in get_resolver("reviews.urls").url_patterns}


# ---- guessing ids -----------------------------------------------------------------------------

def test_an_expert_guessing_another_panels_item_gets_404_everywhere(client, world):
    """The other panel is scoring too, the expert is simply not on it."""
    stranger_panel = make_panel("HN23", items=1)
    item = stranger_panel.items.get()
    sheet = submit_sheet(members(stranger_panel)[0], item, 80)
    client.force_login(world["expert"].expert.user, backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()

    responses = [
        client.get(reverse("reviews:declare_item", args=[item.pk])),
        client.post(reverse("reviews:declare_item", args=[item.pk]), {"declaration": "none"}),
        client.get(reverse("reviews:item_content", args=[item.pk])),
        client.get(reverse("reviews:score_item", args=[item.pk])),
        client.get(reverse("reviews:item_attachment", args=[item.pk, attachment(item.application).pk])),
        client.get(reverse("reviews:reopen_sheet", args=[sheet.pk])),
        client.get(reverse("reviews:scoring_progress", args=[stranger_panel.pk])),
        client.get(reverse("reviews:panel_ranking", args=[stranger_panel.pk])),
        client.get(reverse("reviews:confirm_site_list", args=[stranger_panel.pk])),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert snapshot() == before


def test_an_attachment_of_another_application_is_not_reachable_through_an_open_item(client, world):
    client.force_login(world["expert"].expert.user, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("reviews:item_attachment", args=[world["open"].pk, world["fresh_file"].pk])
    assert client.get(url).status_code == 404


def test_items_of_a_forming_or_closed_panel_are_not_open_to_its_experts(client, world):
    client.force_login(world["expert"].expert.user, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("reviews:item_content", args=[world["open"].pk])
    for state in (Panel.State.FORMING, Panel.State.CLOSED):
        Panel.objects.filter(pk=world["panel"].pk).update(state=state)
        assert client.get(url).status_code == 404


def test_a_member_who_declared_a_conflict_cannot_open_or_score_the_item(client, world):
    item = world["fresh"]
    declare(world["expert"], item, conflict=True)
    client.force_login(world["expert"].expert.user, backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()

    content = client.get(reverse("reviews:item_content", args=[item.pk]))
    scoring = client.get(reverse("reviews:score_item", args=[item.pk]))
    attached = client.get(reverse("reviews:item_attachment", args=[item.pk, world["fresh_file"].pk]))
    declaration = client.get(reverse("reviews:declare_item", args=[item.pk]))

    assert (content.status_code, scoring.status_code, attached.status_code) == (403, 403, 403)
    assert declaration.status_code == 200
    assert 'data-testid="declared-conflict"' in declaration.content.decode()
    assert snapshot() == before
