"""Who may open which page of the expert pool, the panels and the invitations: every view × every
role, with the exact status code.

Columns (roles):
    owner        applicant of the lead unit whose application is on the panel
    other_org    applicant of another organisation
    district     district bureau of the applicant's region (industry)
    manager      program manager of ZZ23, the panel's program
    other_mgr    program manager of HN23
    on_panel     expert seated on the panel (their invitation is still open)
    off_panel    expert of the pool, not on the panel
    finance      finance bureau
    anonymous    not logged in

Codes: 200/403/404/405 as such; LOGIN = redirect to the login page; MOVED = any other redirect.
Only a MOVED request may change the database: every other answer must leave it exactly as it was.
"""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from institutes.models import IndustryField, Program
from portal.audit.models import AuditEvent
from reviews.models import Expert, ExpertEmployment, Panel, PanelItem, PanelMember
from reviews.services.draw import draw_panel
from reviews.services.panels import respond_to_invitation
from reviews.views import experts as expert_views, panels as panel_views
from tests.factories import UserFactory, applicant, district_user, program_manager
from tests.factories_reviews_panels import FIELD, PoolExpertFactory, application_in_review, pool, rubric_for
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db

ROLES = ("owner", "other_org", "district", "manager", "other_mgr", "on_panel", "off_panel", "finance", "anonymous")

# fmt: off
MATRIX = [
    # (url name, method, object)                           owner  other  distr  mgr    o_mgr  on     off    fin    anon
    (("reviews:expert_list", "GET", None),                 (403,   403,   403,   200,   200,   403,   403,   403,   LOGIN)),
    (("reviews:expert_create", "GET", None),               (403,   403,   403,   200,   200,   403,   403,   403,   LOGIN)),
    (("reviews:expert_create", "POST", None),              (403,   403,   403,   MOVED, MOVED, 403,   403,   403,   LOGIN)),
    (("reviews:expert_edit", "GET", "expert"),             (404,   404,   404,   200,   200,   404,   404,   404,   LOGIN)),
    (("reviews:expert_edit", "POST", "expert"),            (404,   404,   404,   MOVED, MOVED, 404,   404,   404,   LOGIN)),
    (("reviews:expert_deactivate", "GET", "expert"),       (405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("reviews:expert_deactivate", "POST", "expert"),      (404,   404,   404,   MOVED, MOVED, 404,   404,   404,   LOGIN)),
    (("reviews:expert_import", "GET", None),               (403,   403,   403,   200,   200,   403,   403,   403,   LOGIN)),
    (("reviews:expert_import", "POST", None),              (403,   403,   403,   MOVED, MOVED, 403,   403,   403,   LOGIN)),
    (("reviews:expert_import_template", "GET", None),      (403,   403,   403,   200,   200,   403,   403,   403,   LOGIN)),
    (("reviews:panel_list", "GET", None),                  (403,   403,   403,   200,   200,   403,   403,   403,   LOGIN)),
    (("reviews:panel_create", "GET", None),                (403,   403,   403,   200,   200,   403,   403,   403,   LOGIN)),
    (("reviews:panel_create", "POST", None),               (403,   403,   403,   MOVED, 200,   403,   403,   403,   LOGIN)),
    (("reviews:panel_detail", "GET", "panel"),             (404,   404,   404,   200,   404,   200,   404,   404,   LOGIN)),
    (("reviews:panel_appoint", "GET", "panel"),            (405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("reviews:panel_appoint", "POST", "panel"),           (404,   404,   404,   MOVED, 404,   403,   404,   404,   LOGIN)),
    (("reviews:panel_replace_member", "GET", "member"),    (405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("reviews:panel_replace_member", "POST", "member"),   (404,   404,   404,   MOVED, 404,   403,   404,   404,   LOGIN)),
    (("reviews:panel_open_scoring", "GET", "panel"),       (405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("reviews:panel_open_scoring", "POST", "panel"),      (404,   404,   404,   MOVED, 404,   403,   404,   404,   LOGIN)),
    (("reviews:invitation_list", "GET", None),             (403,   403,   403,   403,   403,   200,   200,   403,   LOGIN)),
    (("reviews:invitation_respond", "GET", "invitation"),  (405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("reviews:invitation_respond", "POST", "invitation"), (404,   404,   404,   MOVED, 404,   MOVED, 404,   404,   LOGIN)),
]
# fmt: on


@pytest.fixture
def world():
    """A ZZ23 panel of four (one management, three technical experts, all with accounts) for the
    owner's application: three seats accepted, the on-panel expert's still open; two more
    technical experts left in the pool for a replacement, and a second application waiting."""
    owner = applicant()
    application = application_in_review(organization=owner.organization)
    manager = program_manager("ZZ23")
    rubric_for("ZZ23")
    pool(management=1, technical=3, accounts=True)
    panel = draw_panel(
        program=Program.objects.get(code="ZZ23"), industry_field=IndustryField.objects.get(code=FIELD),
        purpose=Panel.Purpose.APPLICATION_REVIEW, items=[application], size=4, user=manager, seed="matrix",
    )
    seats = list(panel.members.select_related("expert__user").order_by("pk"))
    open_seat = next(m for m in seats if m.expert.kind == Expert.Kind.TECHNICAL)
    for member in seats:
        if member != open_seat:
            respond_to_invitation(member, member.expert.user, True)
    pool(management=0, technical=2)
    off_panel = PoolExpertFactory(account=True)
    return {
        "owner": owner, "manager": manager, "panel": panel, "member": open_seat, "invitation": open_seat,
        "on_panel": open_seat.expert.user, "off_panel": off_panel.user, "expert": off_panel,
        "second_application": application_in_review(),
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "manager": lambda: world["manager"],
        "other_mgr": lambda: program_manager("HN23"),
        "on_panel": lambda: world["on_panel"],
        "off_panel": lambda: world["off_panel"],
        "finance": lambda: UserFactory(role="finance", department="finance"),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    if target is None:
        return reverse(name)
    if target == "member":
        return reverse(name, kwargs={"pk": world["panel"].pk, "member_pk": world["member"].pk})
    return reverse(name, kwargs={"pk": world[target].pk})


def expert_form(world):
    return {
        "name": "新专家", "kind": "technical", "pool": "industry",
        "fields": [IndustryField.objects.get(code=FIELD).pk], "employer_name": "某大学", "is_active": "on",
        **{f"{prefix}-{key}": "0" for prefix in ("employments", "ties") for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
    }


def post_data(name, world):
    panel = world["panel"]
    accepted = panel.members.filter(status=PanelMember.Status.ACCEPTED).select_related("expert")
    return {
        "reviews:expert_create": lambda: expert_form(world),
        "reviews:expert_edit": lambda: expert_form(world),
        "reviews:expert_deactivate": dict,
        "reviews:expert_import": lambda: {"file": SimpleUploadedFile(
            "experts.csv", "姓名,类型,领域,工作单位\n钱七,技术,高端装备,某单位\n".encode())},
        "reviews:panel_create": lambda: {
            "program": "ZZ23", "purpose": "application_review", "industry_field": FIELD, "size": "3", "name": "",
            "items": [world["second_application"].pk]},
        "reviews:panel_appoint": lambda: {
            "leader": accepted.get(expert__kind=Expert.Kind.MANAGEMENT).pk,
            "deputy": accepted.filter(expert__kind=Expert.Kind.TECHNICAL).first().pk},
        "reviews:panel_replace_member": lambda: {"status": "declined", "reason": "出差"},
        "reviews:panel_open_scoring": dict,
        "reviews:invitation_respond": lambda: {"answer": "accept"},
    }[name]()


def snapshot():
    return {
        "experts": list(Expert.objects.order_by("pk").values_list("pk", "name", "is_active", "user_id")),
        "employments": ExpertEmployment.objects.count(),
        "panels": list(Panel.objects.order_by("pk").values_list("pk", "state", "version", "draw_log")),
        "members": list(PanelMember.objects.order_by("pk").values_list("pk", "status", "role")),
        "items": PanelItem.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, world, _target: post_data(name, world), snapshot=snapshot,
)


@pytest.mark.parametrize(("name", "changes"), [
    ("reviews:expert_create", lambda before, after: len(after["experts"]) == len(before["experts"]) + 1),
    ("reviews:expert_edit", lambda before, after: ("新专家" in [e[1] for e in after["experts"]])),
    ("reviews:expert_deactivate", lambda before, after: sum(not e[2] for e in after["experts"]) == 1),
    ("reviews:expert_import", lambda before, after: len(after["experts"]) == len(before["experts"]) + 1),
    ("reviews:panel_create", lambda before, after: len(after["panels"]) == 2),
    ("reviews:panel_appoint", lambda before, after: {"leader", "deputy"} <= {m[2] for m in after["members"]}),
    ("reviews:panel_replace_member", lambda before, after: len(after["members"]) == 5),
    ("reviews:invitation_respond", lambda before, after: [m[1] for m in after["members"]].count("accepted") == 4),
])
def test_the_manager_s_allowed_posts_do_their_work(client, world, name, changes):
    client.force_login(world["manager"], backend="django.contrib.auth.backends.ModelBackend")
    target = next(t for (n, m, t), _codes in MATRIX if n == name and m == "POST")
    before = snapshot()

    client.post(url_for(name, target, world), post_data(name, world))

    assert changes(before, snapshot())


def test_every_view_of_the_pool_and_the_panels_has_a_row_in_the_matrix():
    in_matrix = names_in(MATRIX)
    mine = {f"reviews:{p.name}" for p in [*expert_views.urlpatterns, *panel_views.urlpatterns]}
    assert mine and mine <= in_matrix
