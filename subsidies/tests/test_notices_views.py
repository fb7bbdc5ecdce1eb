"""The notice pages: an applicant sees only its own notices, the download's headers, the manager's
program-year request with its validation, the filters, and constant query counts per list page."""
from urllib.parse import quote

import pytest
from django.urls import reverse

from subsidies.models import Notice
from tests.factories import applicant, program_manager
from tests.factories_reviews_publicity import warm_content_types
from tests.factories_subsidies_notices import (
    finance_user, paid_line, pending_notice, published_grade, recognised, rendered,
)

pytestmark = pytest.mark.django_db
LIST = reverse("subsidies:notice_list")


@pytest.fixture(autouse=True)
def _content_types_cached():
    warm_content_types()


def rows_of(response):
    return list(response.context["page"].object_list)


def test_applicant_sees_only_its_own_notices(as_user):
    mine = applicant()
    own = [pending_notice(mine.organization) for _ in range(2)]
    others = [pending_notice() for _ in range(3)]
    response = as_user(mine).get(LIST)
    assert {n.pk for n in rows_of(response)} == {n.pk for n in own}
    html = response.content.decode()
    assert "我的通知书" in html or "My notices" in html
    for notice in others:
        assert notice.document_number not in html


def test_manager_sees_the_notices_of_their_programs_and_finance_all(as_user):
    zz = pending_notice()
    sjz = pending_notice(code="SJZ22")
    assert {n.pk for n in rows_of(as_user(program_manager("ZZ23")).get(LIST))} == {zz.pk}
    assert {n.pk for n in rows_of(as_user(finance_user()).get(LIST))} == {zz.pk, sjz.pk}


def test_download_streams_the_pdf_with_a_chinese_filename(as_user):
    owner = applicant()
    notice = rendered(pending_notice(owner.organization))
    response = as_user(owner).get(reverse("subsidies:notice_download", args=[notice.pk]))
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and len(body) == notice.size
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="notice-{notice.pk}.pdf"; ')
    assert f"filename*=UTF-8''{quote(notice.document_number)}" in disposition
    assert quote(notice.title) in disposition
    assert response["X-Content-Type-Options"] == "nosniff"


def test_regenerate_queues_a_refresh_that_renders_nothing_when_unchanged(as_user, django_capture_on_commit_callbacks):
    notice = rendered(pending_notice())
    client = as_user(program_manager("ZZ23"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subsidies:notice_regenerate", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.render_count == 1


def test_regenerate_renders_a_failed_notice_again(as_user, django_capture_on_commit_callbacks):
    from subsidies.services import notices as service

    notice = pending_notice()
    service.record_failure(notice.pk, "OSError: disk full")
    client = as_user(program_manager("ZZ23"))
    assert "disk full" in client.get(LIST).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("subsidies:notice_regenerate", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.state == Notice.State.RENDERED


def test_grade_notices_form_queues_one_notice_per_published_grade(as_user, django_capture_on_commit_callbacks):
    units = [recognised() for _ in range(2)]
    for unit in units:
        published_grade(unit, 2025)
    client = as_user(program_manager("ZZ23"))
    page = client.get(reverse("subsidies:grade_notices"))
    assert [choice[0] for choice in page.context["form"].fields["year"].choices] == [2025]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subsidies:grade_notices"), {"program": units[0].program_id, "year": 2025})
    assert response.status_code == 302
    assert Notice.objects.filter(kind="grade_subsidy", state="rendered").count() == 2


@pytest.mark.parametrize("data", [
    {"program": "", "year": 2025},
    {"year": 2025},
    {"program": "abc", "year": 2025},
    {"program": "ZZ23", "year": "2019"},  # a year without published grades
    {"program": "ZZ23", "year": "x"},
    {"program": "SJZ22", "year": 2025},  # not a program of this manager
])
def test_grade_notices_form_refuses_bad_input(as_user, data):
    from institutes.models import Program

    published_grade(recognised(), 2025)
    published_grade(recognised(code="SJZ22"), 2025)
    codes = {p.code: p.pk for p in Program.objects.all()}
    if data.get("program") in codes:
        data = {**data, "program": codes[data["program"]]}
    response = as_user(program_manager("ZZ23")).post(reverse("subsidies:grade_notices"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Notice.objects.exists()


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=payout", {"payout"}),
    ("kind=recognition", {"recognition"}),
    ("state=pending", {"recognition", "payout"}),
    ("state=rendered", set()),
    ("kind=nonsense", {"recognition", "payout"}),  # an invalid filter is ignored
    ("year=abc", {"recognition", "payout"}),
])
def test_list_filters(as_user, query, expected):
    from subsidies.services import notices as service

    owner = applicant()
    pending_notice(owner.organization)
    service.issue_payout_notice(paid_line(owner.organization))
    response = as_user(finance_user()).get(f"{LIST}?{query}")
    assert {n.kind for n in rows_of(response)} == expected


# ---- query counts ---------------------------------------------------------------------------------------
# user + groups (session and unread count cached) + filter programs + count + rows; managers + their
# program ids (regenerate buttons)

APPLICANT_LIST_QUERIES = 5
MANAGER_LIST_QUERIES = 6
FINANCE_LIST_QUERIES = 5


def measure(client, django_assert_num_queries, expected, rows):
    with django_assert_num_queries(expected):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == rows


@pytest.mark.parametrize(("role", "expected"), [
    ("applicant", APPLICANT_LIST_QUERIES), ("manager", MANAGER_LIST_QUERIES), ("finance", FINANCE_LIST_QUERIES),
])
def test_list_costs_the_same_at_2_and_30_notices(as_user, django_assert_num_queries, role, expected):
    owner = applicant()
    user = {"applicant": owner, "manager": program_manager("ZZ23"), "finance": finance_user()}[role]
    client = as_user(user)
    for _ in range(2):
        pending_notice(owner.organization)
    client.get(LIST)
    measure(client, django_assert_num_queries, expected, rows=2)
    for _ in range(28):
        pending_notice(owner.organization)
    measure(client, django_assert_num_queries, expected, rows=30)
