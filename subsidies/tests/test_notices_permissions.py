"""Who may open which notice page: every view × every role, with the exact status code.

    owner           applicant of the entitled unit (the notices' organisation)
    other_org       applicant of another organisation
    district        district bureau of the unit's region
    manager         program manager of ZZ23 (the notices' program)
    other_manager   program manager of XX22 only
    expert, finance, anonymous

Codes: 200/403/404/405; LOGIN = redirect to the login page; MOVED = any other redirect. A refused
request leaves the notices, their numbers and the audit trail as they were."""
import pytest

from portal.audit.models import AuditEvent
from subsidies.models import Notice, NoticeSerial
from tests.factories import UserFactory, applicant, district_user, program_manager
from tests.factories_reviews_publicity import warm_content_types
from tests.factories_subsidies_notices import finance_user, pending_notice, published_grade, recognised, rendered
from tests.permission_matrix import LOGIN, MOVED, matrix_test

pytestmark = pytest.mark.django_db

ROLES = ("owner", "other_org", "district", "manager", "other_manager", "expert", "finance", "anonymous")
POST_ONLY = (405, 405, 405, 405, 405, 405, 405, LOGIN)

# fmt: off
MATRIX = [
    # (url name, method, object)                               owner  other  distr  mgr    o_mgr  expert fin    anon
    (("subsidies:notice_list", "GET", None),                   (200,   200,   403,   200,   200,   403,   200,   LOGIN)),
    (("subsidies:notice_download", "GET", "notice"),           (200,   404,   404,   200,   404,   404,   200,   LOGIN)),
    (("subsidies:notice_download", "GET", "pending"),          (404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("subsidies:notice_regenerate", "GET", "notice"),         POST_ONLY),
    (("subsidies:notice_regenerate", "POST", "notice"),        (403,   404,   404,   MOVED, 404,   404,   403,   LOGIN)),
    (("subsidies:grade_notices", "GET", None),                 (403,   403,   403,   200,   200,   403,   403,   LOGIN)),
    (("subsidies:grade_notices", "POST", None),                (403,   403,   403,   MOVED, 200,   403,   403,   LOGIN)),
]
# fmt: on


@pytest.fixture(autouse=True)
def _content_types_cached():
    warm_content_types()


@pytest.fixture
def world():
    owner = applicant(username="owner")
    notice = rendered(pending_notice(owner.organization))
    graded = recognised(owner.organization)
    published_grade(graded, 2025)
    return {
        "owner": owner, "manager": program_manager("ZZ23"), "notice": notice,
        "pending": pending_notice(owner.organization), "program": graded.program,
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "manager": lambda: world["manager"],
        "other_manager": lambda: program_manager("XX22"),
        "expert": lambda: UserFactory(role="expert"),
        "finance": lambda: finance_user(),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    from django.urls import reverse

    return reverse(name) if target is None else reverse(name, args=[world[target].pk])


def post_data(name, world):
    return {"subsidies:grade_notices": {"program": world["program"].pk, "year": 2025}}.get(name, {})


def snapshot():
    return {
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "state", "content_hash", "render_count")),
        "serials": list(NoticeSerial.objects.order_by("pk").values_list("abbreviation", "year", "last_serial")),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, world, _target: post_data(name, world), snapshot=snapshot,
)
