"""Who may open which page: every view of this issue × every role, with the exact status code.

One row per (view, method, object). The columns are the roles below, in this order:

    owner              applicant of the lead unit that owns the application
    other_org          applicant of another organisation (same district)
    district           district bureau of the applicant's region, in a department ZZ23 needs (industry)
    district_elsewhere district bureau of another region (二七区), industry
    district_dept      district bureau of the right region but a department ZZ23 does not ask (science)
    manager            program manager of ZZ23
    other_manager      program manager of HN23
    expert, finance    the other roles
    anonymous          not logged in

Codes: 200/403/404/405 as such; LOGIN = redirect to the login page (with ?next=) and nothing
changed; MOVED = any other redirect (the view did its work, or sent the user elsewhere).
Every refused request (403, 404, 405, LOGIN) must leave the database exactly as it was.
"""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from institutes.models import Application, Attachment, DistrictReview
from portal.accounts.models import Invitation, Organization, User
from portal.accounts.uscc_factory import make_uscc
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from tests.factories import (
    PASSWORD, PDF_BYTES, ApplicationFactory, OrganizationFactory, UserFactory, applicant, attachment, complete_zz23, district_user,
    program_manager, region, submit_directly,
)
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db

ROLES = (
    "owner", "other_org", "district", "district_elsewhere", "district_dept",
    "manager", "other_manager", "expert", "finance", "anonymous",
)

# fmt: off
MATRIX = [
    # (url name, method, object)                          owner  other  distr  d_else d_dept mgr    o_mgr  expert fin    anon
    (("dashboard", "GET", None),                          (200,   200,   200,   200,   200,   200,   200,   200,   200,   LOGIN)),
    (("healthz", "GET", None),                            (200,   200,   200,   200,   200,   200,   200,   200,   200,   200)),
    (("login", "GET", None),                              (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, 200)),
    (("login", "POST", None),                             (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED)),
    (("logout", "GET", None),                             (405,   405,   405,   405,   405,   405,   405,   405,   405,   405)),
    (("logout", "POST", None),                            (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED)),
    (("password_change", "GET", None),                    (200,   200,   200,   200,   200,   200,   200,   200,   200,   LOGIN)),
    (("password_change", "POST", None),                   (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, LOGIN)),
    (("password_change_done", "GET", None),               (200,   200,   200,   200,   200,   200,   200,   200,   200,   LOGIN)),
    (("register", "GET", None),                           (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, 200)),
    (("register", "POST", None),                          (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED)),
    (("accept_invitation", "GET", "invitation"),          (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, 200)),
    (("accept_invitation", "GET", "expired_invitation"),  (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, 404)),
    (("accept_invitation", "POST", "invitation"),         (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED)),
    (("accept_invitation", "POST", "expired_invitation"), (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, 404)),
    (("organization_profile", "GET", None),               (200,   200,   403,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("organization_profile", "POST", None),              (MOVED, MOVED, 403,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("notifications", "GET", None),                      (200,   200,   200,   200,   200,   200,   200,   200,   200,   LOGIN)),
    (("notifications_read", "GET", None),                 (405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("notifications_read", "POST", None),                (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, LOGIN)),

    (("institutes:application_list", "GET", None),        (200,   200,   403,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("institutes:application_start", "GET", None),       (200,   200,   403,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("institutes:application_start", "POST", None),      (MOVED, MOVED, 403,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("institutes:application_detail", "GET", "draft"),   (200,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:application_detail", "GET", "filed"),   (200,   404,   200,   404,   404,   200,   404,   404,   404,   LOGIN)),
    (("institutes:application_edit", "GET", "draft"),     (200,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:application_edit", "POST", "draft"),    (MOVED, 404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:application_edit", "GET", "filed"),     (MOVED, 404,   403,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:application_edit", "POST", "filed"),    (MOVED, 404,   403,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:application_submit", "GET", "draft"),   (200,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:application_submit", "POST", "draft"),  (MOVED, 404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:application_submit", "GET", "filed"),   (200,   404,   403,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:application_submit", "POST", "filed"),  (200,   404,   403,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:application_withdraw", "GET", "draft"), (405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:application_withdraw", "POST", "draft"), (MOVED, 404,  404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:application_withdraw", "POST", "filed"), (MOVED, 404,  403,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:attachment_upload", "GET", "draft"),    (405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:attachment_upload", "POST", "draft"),   (MOVED, 404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:attachment_upload", "POST", "filed"),   (MOVED, 404,   403,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:attachment_download", "GET", "draft_file"), (200, 404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:attachment_download", "GET", "filed_file"), (200, 404,   200,   404,   404,   200,   404,   404,   404,   LOGIN)),
    (("institutes:attachment_delete", "GET", "draft_file"), (405, 405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:attachment_delete", "POST", "draft_file"), (MOVED, 404, 404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:attachment_delete", "POST", "filed_file"), (MOVED, 404, 403,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:district_queue", "GET", None),          (403,   403,   200,   200,   200,   403,   403,   403,   403,   LOGIN)),
    (("institutes:district_review", "GET", "draft"),      (403,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:district_review", "GET", "filed"),      (403,   404,   200,   404,   404,   403,   404,   404,   404,   LOGIN)),
    (("institutes:district_review", "POST", "filed"),     (403,   404,   MOVED, 404,   404,   403,   404,   404,   404,   LOGIN)),
]
# fmt: on

# Views of portal/urls.py that are not ours (Django's admin and language switch).
NOT_OURS = {"set_language"}


@pytest.fixture
def world():
    """An organisation with a complete draft and a filed ZZ23 application, each with one attachment,
    and an open and an expired invitation."""
    owner = applicant(username="owner")
    draft = complete_zz23(ApplicationFactory(organization=owner.organization, created_by=owner))
    filed = submit_directly(complete_zz23(ApplicationFactory(organization=owner.organization, created_by=owner)))
    invitation = Invitation.objects.create(
        organization=owner.organization, email="colleague@example.test", token="open-token", invited_by=owner
    )
    expired = Invitation.objects.create(
        organization=owner.organization, email="late@example.test", token="expired-token", invited_by=owner
    )
    Invitation.objects.filter(pk=expired.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    return {
        "owner": owner,
        "draft": draft,
        "filed": filed,
        "draft_file": attachment(draft),
        "filed_file": attachment(filed),
        "invitation": invitation,
        "expired_invitation": expired,
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "district_elsewhere": lambda: district_user(["410103"], "industry"),
        "district_dept": lambda: district_user(["410105"], "science"),
        "manager": lambda: program_manager("ZZ23"),
        "other_manager": lambda: program_manager("HN23"),
        "expert": lambda: UserFactory(role="expert"),
        "finance": lambda: UserFactory(role="finance", department="finance"),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    obj = world.get(target)
    if target is None:
        return reverse(name)
    if target in ("invitation", "expired_invitation"):
        return reverse(name, kwargs={"token": obj.token})
    if isinstance(obj, Attachment):
        return reverse(name, kwargs={"pk": obj.application_id, "attachment_pk": obj.pk})
    return reverse(name, kwargs={"pk": obj.pk})


def post_data(name):
    new_password = "Fresh-passphrase-2026"
    checklist = {f"check_{key}": "on" for key in (
        "materials_complete", "in_region", "figures_match", "qualifications_verified", "credit_checked")}
    empty_formsets = {
        f"{prefix}-{field}": "0" for prefix in ("years", "ip", "participants") for field in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    return {
        "login": lambda: {"username": "owner", "password": PASSWORD},
        "logout": dict,
        "password_change": lambda: {
            "old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
        "register": lambda: {
            "username": "newcomer", "first_name": "新用户", "email": "new@example.test", "phone": "",
            "password1": new_password, "password2": new_password, "organization_name": "新注册有限公司",
            "uscc": make_uscc("410105", 987654), "organization_kind": "enterprise", "region": region("410105").pk,
        },
        "accept_invitation": lambda: {
            "username": "invitee", "first_name": "同事", "email": "colleague@example.test", "phone": "",
            "password1": new_password, "password2": new_password,
        },
        "organization_profile": lambda: {"email": "another@example.test"},
        "notifications_read": dict,
        "institutes:application_start": lambda: {"program": "ZZ23"},
        "institutes:application_edit": lambda: {"title": "改名的研究院", "seen_version": "0", **empty_formsets},
        "institutes:application_submit": dict,
        "institutes:application_withdraw": lambda: {"comment": "撤回"},
        "institutes:attachment_upload": lambda: {
            "kind": "other", "file": SimpleUploadedFile("说明.pdf", PDF_BYTES, content_type="application/pdf")},
        "institutes:attachment_delete": dict,
        "institutes:district_review": lambda: {"decision": "recommend", "comment": "", **checklist},
    }[name]()


def snapshot():
    """Everything a request of this issue could change."""
    return {
        "applications": list(Application.objects.order_by("pk").values_list("pk", "state", "version", "title")),
        "attachments": list(Attachment.objects.order_by("pk").values_list("pk", "sha256")),
        "district_reviews": DistrictReview.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "users": list(User.objects.order_by("pk").values_list("pk", "password", "organization_id")),
        "organizations": Organization.objects.count(),
        "invitations": list(Invitation.objects.order_by("pk").values_list("pk", "accepted_at")),
        "unread_notifications": Notification.objects.filter(read_at__isnull=True).count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, _world, _target: post_data(name), snapshot=snapshot,
)


def test_every_url_of_the_portal_and_institutes_has_a_row_in_the_matrix():
    """A new view without a permission row fails here. Checked: the views declared in
    portal/urls.py itself and every view of institutes/urls.py."""
    import portal.urls

    from institutes.tests.test_registry_permissions import MATRIX as REGISTRY_MATRIX  # registry, reports

    in_matrix = names_in(MATRIX, REGISTRY_MATRIX)
    portal_views = {p.name for p in portal.urls.urlpatterns if isinstance(p, URLPattern) and p.name} - NOT_OURS
    institutes_views = {f"institutes:{p.name}" for p in get_resolver("institutes.urls").url_patterns}
    assert institutes_views, "institutes.urls has no patterns?"
    assert (portal_views | institutes_views) - in_matrix == set(), "add a permission row for these views"
    assert in_matrix - (portal_views | institutes_views) == set(), "the matrix names a view that no longer exists"


def test_every_row_has_one_code_per_role():
    assert all(len(codes) == len(ROLES) for _row, codes in MATRIX)


# ---- applicant A and applicant B -------------------------------------------------------------

def test_applicant_cannot_see_edit_submit_withdraw_upload_download_or_delete_for_another_organisation(
    client, world
):
    draft, filed, draft_file = world["draft"], world["filed"], world["draft_file"]
    intruder = applicant()
    client.force_login(intruder, backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()
    stored = draft_file.file.path

    attempts = [
        client.get(reverse("institutes:application_detail", args=[draft.pk])),
        client.get(reverse("institutes:application_detail", args=[filed.pk])),
        client.get(reverse("institutes:application_edit", args=[draft.pk])),
        client.post(reverse("institutes:application_edit", args=[draft.pk]), post_data("institutes:application_edit")),
        client.get(reverse("institutes:application_submit", args=[draft.pk])),
        client.post(reverse("institutes:application_submit", args=[draft.pk])),
        client.post(reverse("institutes:application_withdraw", args=[filed.pk])),
        client.post(reverse("institutes:attachment_upload", args=[draft.pk]), post_data("institutes:attachment_upload")),
        client.get(reverse("institutes:attachment_download", args=[draft.pk, draft_file.pk])),
        client.post(reverse("institutes:attachment_delete", args=[draft.pk, draft_file.pk])),
    ]

    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert snapshot() == before
    with open(stored, "rb") as kept:
        assert kept.read() == PDF_BYTES


def test_attachment_of_another_application_is_not_reachable_through_own_application(client, world):
    """Pairing one's own application id with someone else's attachment id is a 404 too."""
    intruder = applicant()
    own = ApplicationFactory(organization=intruder.organization, created_by=intruder)
    client.force_login(intruder, backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()

    download = client.get(reverse("institutes:attachment_download", args=[own.pk, world["draft_file"].pk]))
    delete = client.post(reverse("institutes:attachment_delete", args=[own.pk, world["draft_file"].pk]))

    assert (download.status_code, delete.status_code) == (404, 404)
    assert snapshot() == before


def test_application_list_shows_only_own_organisation(as_user, world):
    stranger = applicant()
    theirs = ApplicationFactory(organization=stranger.organization, created_by=stranger)
    page = as_user(world["owner"]).get(reverse("institutes:application_list")).content.decode()
    assert world["draft"].reference in page and world["filed"].reference in page
    assert theirs.reference not in page


# ---- district X and district Y ---------------------------------------------------------------

def test_district_queue_lists_only_its_own_region(as_user, world):
    other_org = applicant(OrganizationFactory(region=region("410103")))
    elsewhere = submit_directly(ApplicationFactory(organization=other_org.organization, created_by=other_org))
    client = as_user(district_user(["410105"], "industry"))

    page = client.get(reverse("institutes:district_queue")).content.decode()
    everything = client.get(reverse("institutes:district_queue"), {"state": ""}).content.decode()

    assert world["filed"].reference in page
    assert elsewhere.reference not in page
    assert elsewhere.reference not in everything
    assert client.get(reverse("institutes:application_detail", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("institutes:district_review", args=[elsewhere.pk])).status_code == 404


def test_district_of_another_region_sees_an_empty_queue(as_user, world):
    page = as_user(district_user(["410103"], "industry")).get(reverse("institutes:district_queue"))
    assert page.status_code == 200
    assert world["filed"].reference not in page.content.decode()


def test_district_of_a_department_the_program_does_not_ask_sees_nothing(as_user, world):
    page = as_user(district_user(["410105"], "science")).get(reverse("institutes:district_queue"), {"state": ""})
    assert world["filed"].reference not in page.content.decode()


# ---- drafts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["district", "manager"])
def test_drafts_are_invisible_to_district_and_managers(client, world, role):
    draft, draft_file = world["draft"], world["draft_file"]
    client.force_login(make_user(role, world), backend="django.contrib.auth.backends.ModelBackend")

    responses = [
        client.get(reverse("institutes:application_detail", args=[draft.pk])),
        client.get(reverse("institutes:district_review", args=[draft.pk])),
        client.get(reverse("institutes:attachment_download", args=[draft.pk, draft_file.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]


def test_drafts_are_not_listed_in_the_district_queue_even_when_asked_for(as_user, world):
    client = as_user(district_user(["410105"], "industry"))
    for query in ({}, {"state": ""}, {"state": "draft"}):
        page = client.get(reverse("institutes:district_queue"), query).content.decode()
        assert world["draft"].reference not in page
