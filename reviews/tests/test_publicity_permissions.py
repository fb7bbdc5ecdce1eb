"""Who may open which page of site inspection, decisions, notices, objections and recognition:
every view × every role, with the exact status code.

    owner           applicant of the lead unit (its applications are on the panel, the notice, …;
                    the cultivation units are its own)
    other_org       applicant of another organisation
    district        district bureau of the applicant's region
    manager         program manager of ZZ23, HN23 and SJZ22 (the programs of the objects)
    other_manager   program manager of XX22 only
    expert_on       expert seated on the panel
    expert_off      expert not on the panel
    finance, anonymous

Codes: 200/403/404/405; LOGIN = redirect to the login page; MOVED = any other redirect. Every refused
request (403, 404, 405, LOGIN) leaves the database exactly as it was. The public pages answer
everyone, anonymous included.
"""
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from institutes.models import Application, Institute, RecognitionRequest
from portal.audit.models import AuditEvent
from reviews.models import (
    DecisionMeeting, InspectionAssessment, Objection, PublicNotice, SiteInspection,
)
from reviews.models.inspections import AcceptancePoint
from reviews.models.publicity import ThirdPartyRecognition
from reviews.services import inspections as inspection_service
from reviews.views import publicity as publicity_views
from tests.factories import PDF_BYTES, UserFactory, applicant, district_user, program_manager
from tests.factories_reviews_publicity import (
    application_in, cultivation_unit, ended_notice, meeting, members, notice, objection, panel, put_on,
    recognition_request, scored_acceptance_panel, third_party_record, warm_content_types,
)
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db
S = Application.State
RS = RecognitionRequest.State

ROLES = ("owner", "other_org", "district", "manager", "other_manager", "expert_on", "expert_off", "finance",
         "anonymous")
MANAGER_ONLY = (404, 404, 404, 200, 404, 404, 404, 404, LOGIN)
MANAGER_ONLY_POST = (404, 404, 404, MOVED, 404, 404, 404, 404, LOGIN)
MANAGER_LIST = (403, 403, 403, 200, 200, 403, 403, 403, LOGIN)
POST_ONLY = (405, 405, 405, 405, 405, 405, 405, 405, LOGIN)
EVERYONE = (200,) * 9

# fmt: off
MATRIX = [
    # (url name, method, object)                                 owner  other  distr  mgr    o_mgr  exp_on exp_off fin    anon
    (("reviews:inspection_list", "GET", None),                   MANAGER_LIST),
    (("reviews:inspection_panel", "GET", "panel"),               MANAGER_ONLY),
    (("reviews:inspection_panel", "POST", "panel"),              MANAGER_ONLY_POST),
    (("reviews:inspection_reject_not_listed", "GET", "panel"),   POST_ONLY),
    (("reviews:inspection_reject_not_listed", "POST", "panel"),  MANAGER_ONLY_POST),
    (("reviews:inspection_detail", "GET", "inspection"),         MANAGER_ONLY),
    (("reviews:inspection_assess", "GET", "assess"),             MANAGER_ONLY),
    (("reviews:inspection_assess", "POST", "assess"),            MANAGER_ONLY_POST),
    (("reviews:decision_list", "GET", None),                     MANAGER_LIST),
    (("reviews:meeting_new", "GET", "program"),                  MANAGER_ONLY),
    (("reviews:meeting_new", "POST", "program"),                 MANAGER_ONLY_POST),
    (("reviews:meeting_detail", "GET", "meeting"),               MANAGER_ONLY),
    (("reviews:notice_new", "GET", "meeting"),                   MANAGER_ONLY),
    (("reviews:notice_new", "POST", "meeting"),                  MANAGER_ONLY_POST),
    (("reviews:third_party_recognition", "GET", "sjz22"),        MANAGER_ONLY),
    (("reviews:third_party_recognition", "POST", "sjz22"),       MANAGER_ONLY_POST),
    (("reviews:third_party_evidence", "GET", "sjz22_recorded"),  MANAGER_ONLY),
    (("reviews:notice_list", "GET", None),                       MANAGER_LIST),
    (("reviews:notice_detail", "GET", "notice"),                 MANAGER_ONLY),
    (("reviews:notice_close", "GET", "notice"),                  POST_ONLY),
    (("reviews:notice_close", "POST", "ended_open"),             MANAGER_ONLY_POST),
    (("reviews:notice_decide", "POST", "ended"),                 MANAGER_ONLY_POST),
    (("reviews:objection_list", "GET", None),                    MANAGER_LIST),
    (("reviews:objection_detail", "GET", "objection"),           MANAGER_ONLY),
    (("reviews:objection_detail", "POST", "objection"),          MANAGER_ONLY_POST),
    (("reviews:objection_attachment", "GET", "objection"),       MANAGER_ONLY),
    (("reviews:cultivation_units", "GET", None),                 (200,   200,   403,   200,   200,   403,   403,    403,   LOGIN)),
    (("reviews:recognition_file", "GET", "unit"),                (200,   404,   404,   403,   404,   404,   404,    404,   LOGIN)),
    (("reviews:recognition_file", "POST", "unit"),               (MOVED, 404,   404,   403,   404,   404,   404,    404,   LOGIN)),
    (("reviews:recognition_detail", "GET", "submitted"),         (200,   404,   404,   200,   404,   404,   404,    404,   LOGIN)),
    (("reviews:recognition_materials", "GET", "submitted"),      (200,   404,   404,   200,   404,   404,   404,    404,   LOGIN)),
    (("reviews:recognition_start", "GET", "submitted"),          POST_ONLY),
    (("reviews:recognition_start", "POST", "submitted"),         (403,   404,   404,   MOVED, 404,   404,   404,    404,   LOGIN)),
    (("reviews:recognition_acceptance", "GET", "under"),         (403,   404,   404,   200,   404,   404,   404,    404,   LOGIN)),
    (("reviews:recognition_acceptance", "POST", "under"),        (403,   404,   404,   MOVED, 404,   404,   404,    404,   LOGIN)),
    (("reviews:recognition_notice", "POST", "accepted"),         (403,   404,   404,   MOVED, 404,   404,   404,    404,   LOGIN)),
    (("reviews:public_notice_list", "GET", None),                EVERYONE),
    (("reviews:public_notice_detail", "GET", "notice"),          EVERYONE),
    (("reviews:public_objection", "GET", "notice"),              EVERYONE),
    (("reviews:public_objection", "POST", "notice"),             (MOVED,) * 9),
]
# fmt: on


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture(autouse=True)
def _content_types_cached():
    warm_content_types()


@pytest.fixture
def world():
    owner = applicant(username="owner")
    org = owner.organization
    on_panel = UserFactory(role="expert")
    made = panel("ZZ23", expert_users=[on_panel])
    listed = put_on(made, application_in(S.EXPERT_REVIEW, organization=org, created_by=owner))
    put_on(made, application_in(S.EXPERT_REVIEW, organization=org, created_by=owner), listed=False)
    manager = program_manager("ZZ23", "HN23", "SJZ22")
    inspection = inspection_service.record_inspection(
        made, user=manager, visited_on=timezone.localdate(), location="现场",
        present_member_ids={m.pk for m in members(made)},
    )
    open_notice = notice("ZZ23", [application_in(S.AWAITING_DECISION, organization=org, created_by=owner)])
    sjz22_recorded = application_in(S.APPROVED, "SJZ22", organization=org, created_by=owner)
    third_party_record(sjz22_recorded)
    units = [cultivation_unit(org) for _ in range(4)]
    under_acceptance = recognition_request(units[2], user=owner, state=RS.UNDER_ACCEPTANCE)
    scored_acceptance_panel(under_acceptance)
    return {
        "owner": owner, "on_panel": on_panel, "manager": manager,
        "panel": made, "inspection": inspection, "assess": (inspection, listed),
        "program": "ZZ23",
        "undecided": application_in(S.AWAITING_DECISION, organization=org, created_by=owner),
        "meeting": meeting("ZZ23", [application_in(S.AWAITING_DECISION, organization=org, created_by=owner)]),
        "notice": open_notice,
        "ended_open": ended_notice("ZZ23", [application_in(S.AWAITING_DECISION)], state=PublicNotice.State.OPEN),
        "ended": ended_notice("ZZ23", [application_in(S.AWAITING_DECISION, organization=org, created_by=owner)]),
        "objection": objection(open_notice, attachment=PDF_BYTES),
        "sjz22": application_in(S.AWAITING_DECISION, "SJZ22", organization=org, created_by=owner),
        "sjz22_recorded": sjz22_recorded,
        "unit": units[0],
        "submitted": recognition_request(units[1], user=owner, materials=PDF_BYTES),
        "under": under_acceptance,
        "accepted": recognition_request(units[3], user=owner, state=RS.ACCEPTED),
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "manager": lambda: world["manager"],
        "other_manager": lambda: program_manager("XX22"),
        "expert_on": lambda: world["on_panel"],
        "expert_off": lambda: UserFactory(role="expert"),
        "finance": lambda: UserFactory(role="finance", department="finance"),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    if target is None:
        return reverse(name)
    if target == "program":
        return reverse(name, args=[world["program"]])
    if target == "assess":
        inspection, item = world["assess"]
        return reverse(name, args=[inspection.pk, item.pk])
    return reverse(name, args=[world[target].pk])


def post_data(name, world):
    today = timezone.localdate().isoformat()
    acceptance = {f"{point}_passed": "yes" for point in AcceptancePoint.values}
    return {
        "reviews:inspection_panel": lambda: {
            "visited_on": today, "location": "现场", "present": [m.pk for m in members(world["panel"])]},
        "reviews:inspection_reject_not_listed": lambda: {"reason": "平均分未达80分"},
        "reviews:inspection_assess": lambda: {
            "strengths": "优势", "necessity": "必要", "problems": "问题", "future_focus": "重点",
            "recommend_listing": "yes"},
        "reviews:meeting_new": lambda: {"held_on": today, "minutes": "纪要", "approved": [world["undecided"].pk]},
        "reviews:notice_new": lambda: {"title": "公示", "body": "内容", "starts_on": today},
        "reviews:third_party_recognition": lambda: {
            "agency": "评估中心", "concluded_on": today, "recognised": "yes", "summary": "通过",
            "evidence": SimpleUploadedFile("报告.pdf", PDF_BYTES)},
        "reviews:notice_close": dict,
        "reviews:notice_decide": lambda: {"published_on": today, "document_number": "文号"},
        "reviews:objection_detail": lambda: {"decision": "dismiss", "response": "经核实不属实"},
        "reviews:recognition_file": lambda: {"summary": "完成建设任务"},
        "reviews:recognition_start": dict,
        "reviews:recognition_acceptance": lambda: {"held_on": today, "report": "报告", **acceptance},
        "reviews:recognition_notice": lambda: {"title": "认定公示", "body": "内容", "starts_on": today},
        "reviews:public_objection": lambda: {"name": "公众", "contact": "13800000000", "text": "异议"},
    }[name]()


def snapshot():
    """Everything a request of these pages could change."""
    return {
        "applications": list(Application.objects.order_by("pk").values_list("pk", "state", "version")),
        "inspections": SiteInspection.objects.count(),
        "assessments": InspectionAssessment.objects.count(),
        "meetings": DecisionMeeting.objects.count(),
        "notices": list(PublicNotice.objects.order_by("pk").values_list("pk", "state")),
        "objections": list(Objection.objects.order_by("pk").values_list("pk", "state")),
        "institutes": list(Institute.objects.order_by("pk").values_list("pk", "state")),
        "recognition": list(RecognitionRequest.objects.order_by("pk").values_list("pk", "state")),
        "third_party": ThirdPartyRecognition.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, world, _target: post_data(name, world), snapshot=snapshot,
)


def test_every_page_of_this_concern_has_a_row_in_the_matrix():
    in_matrix = names_in(MATRIX)
    ours = {f"reviews:{pattern.name}" for pattern in publicity_views.urlpatterns}
    assert ours == in_matrix


def test_the_successful_posts_did_their_work(client, world):
    """The MOVED cells above are redirects after the work was done, not refusals: spot-check."""
    client.force_login(world["manager"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(url_for("reviews:notice_decide", "ended", world), post_data("reviews:notice_decide", world))
    assert Institute.objects.filter(application__in=world["ended"].items.values("application")).count() == 1
    client.post(url_for("reviews:recognition_start", "submitted", world), {})
    world["submitted"].refresh_from_db()
    assert world["submitted"].state == RS.UNDER_ACCEPTANCE
    client.logout()
    client.post(url_for("reviews:public_objection", "notice", world), post_data("reviews:public_objection", world))
    assert Objection.objects.filter(notice=world["notice"]).count() == 2
