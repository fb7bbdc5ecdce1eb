"""The expert pool pages: filters, adding and editing an expert with former employers and declared
ties, the login account, bad input, deactivation."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from institutes.models import IndustryField
from portal.audit.models import AuditEvent
from reviews.models import Expert, ExpertEmployment, ExpertTie, Panel
from tests.factories import UserFactory, program_manager
from tests.factories_reviews_panels import (
    FIELD, OTHER_FIELD, PoolExpertFactory, drawn_panel, employment, tie, uscc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(as_user):
    return as_user(program_manager("ZZ23"))


def formset_data(prefix, rows=(), initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def expert_data(**changes):
    data = {
        "name": "新专家", "kind": "management", "pool": "industry", "fields": [IndustryField.objects.get(code=FIELD).pk],
        "title": "教授级高工", "employer_name": "郑州大学", "employer_uscc": "", "region": "", "phone": "", "email": "",
        "is_active": "on", "login": "", **formset_data("employments"), **formset_data("ties"),
    }
    data.update(changes)
    return data


def listed(client, **params):
    response = client.get(reverse("reviews:expert_list"), params)
    assert response.status_code == 200
    return {e.name for e in response.context["page"]}


def test_the_list_filters_by_field_type_pool_activity_and_search(manager_client):
    PoolExpertFactory(name="甲", kind=Expert.Kind.MANAGEMENT, employer_name="郑州大学")
    PoolExpertFactory(name="乙", kind=Expert.Kind.TECHNICAL, field_codes=[OTHER_FIELD])
    PoolExpertFactory(name="丙", kind=Expert.Kind.FINANCIAL, pool=Expert.Pool.FINANCIAL, is_active=False)

    assert listed(manager_client) == {"甲", "乙", "丙"}
    assert listed(manager_client, industry_field=OTHER_FIELD) == {"乙"}
    assert listed(manager_client, kind="management") == {"甲"}
    assert listed(manager_client, pool="financial") == {"丙"}
    assert listed(manager_client, active="yes") == {"甲", "乙"}
    assert listed(manager_client, active="no") == {"丙"}
    assert listed(manager_client, q="郑州大学") == {"甲"}


def test_the_list_counts_the_seats_on_open_panels(manager_client):
    panel = drawn_panel(size=3)
    seated = set(panel.members.values_list("expert_id", flat=True))
    rows = manager_client.get(reverse("reviews:expert_list")).context["page"]
    assert {e.pk: e.open_seats for e in rows} == {e.pk: int(e.pk in seated) for e in rows}

    Panel.objects.filter(pk=panel.pk).update(state=Panel.State.CLOSED)
    rows = manager_client.get(reverse("reviews:expert_list")).context["page"]
    assert {e.open_seats for e in rows} == {0}


def test_adding_an_expert_with_former_employers_and_ties(manager_client):
    former, related = uscc(), uscc()
    account = UserFactory(role="expert", username="zhuanjia")
    data = expert_data(
        login="zhuanjia", employer_uscc=uscc().lower(),
        **formset_data("employments", [{"employer_name": "原单位", "employer_uscc": former, "started_on": "2015-01-01",
                                         "ended_on": "2024-06-30"}]),
        **formset_data("ties", [{"organization_name": "关联公司", "organization_uscc": related, "description": "持股"}]),
    )

    response = manager_client.post(reverse("reviews:expert_create"), data)

    assert response.status_code == 302
    expert = Expert.objects.get(name="新专家")
    assert expert.user == account and expert.employer_uscc == expert.employer_uscc.upper()
    assert list(expert.employments.values_list("employer_uscc", "ended_on")) == [(former, datetime.date(2024, 6, 30))]
    assert list(expert.ties.values_list("organization_uscc", "description")) == [(related, "持股")]
    assert AuditEvent.objects.for_object(expert).get().action == "create"


def test_editing_keeps_changes_and_deletes_rows_without_a_query_per_row(manager_client):
    expert = PoolExpertFactory(name="老专家")
    rows = [employment(expert, uscc(), ended_on=datetime.date(2020 + i, 1, 1)) for i in range(3)]
    kept_tie = tie(expert, uscc())
    employments = [
        {"id": str(row.pk), "employer_name": row.employer_name, "employer_uscc": row.employer_uscc,
         "started_on": "", "ended_on": row.ended_on.isoformat(), **({"DELETE": "on"} if i == 0 else {})}
        for i, row in enumerate(sorted(rows, key=lambda r: r.ended_on, reverse=True))
    ]
    data = expert_data(
        name="老专家", **formset_data("employments", employments, initial=3),
        **formset_data("ties", [{"id": str(kept_tie.pk), "organization_name": "改名公司",
                                 "organization_uscc": kept_tie.organization_uscc, "description": "顾问"}], initial=1),
    )

    response = manager_client.post(reverse("reviews:expert_edit", args=[expert.pk]), data)

    assert response.status_code == 302
    assert sorted(expert.employments.values_list("ended_on", flat=True)) == [datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)]
    assert ExpertTie.objects.get(pk=kept_tie.pk).organization_name == "改名公司"
    event = AuditEvent.objects.for_object(expert).get()
    assert (event.action, "employments" in event.data["changed"], "ties" in event.data["changed"]) == ("update", True, True)


@pytest.mark.parametrize(("changes", "field"), [
    ({"employer_uscc": "91410105MA00000000"}, "employer_uscc"),
    ({"login": "nobody-here"}, "login"),
    ({"name": ""}, "name"),
    ({"fields": []}, "fields"),
])
def test_bad_input_is_shown_and_nothing_is_saved(manager_client, changes, field):
    UserFactory(role="applicant", username="nobody-here")
    response = manager_client.post(reverse("reviews:expert_create"), expert_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Expert.objects.exists() and not AuditEvent.objects.exists()


def test_a_former_employment_cannot_end_in_the_future(manager_client):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = expert_data(**formset_data("employments", [
        {"employer_name": "原单位", "employer_uscc": uscc(), "started_on": "", "ended_on": tomorrow}]))
    response = manager_client.post(reverse("reviews:expert_create"), data)
    assert response.status_code == 200
    assert "ended_on" in response.context["employments"].forms[0].errors
    assert not Expert.objects.exists() and not ExpertEmployment.objects.exists()


def test_an_account_serves_one_expert_only(manager_client):
    account = UserFactory(role="expert", username="taken")
    PoolExpertFactory(user=account)
    response = manager_client.post(reverse("reviews:expert_create"), expert_data(login="taken"))
    assert response.status_code == 200 and "login" in response.context["form"].errors
    assert Expert.objects.count() == 1


def test_deactivating_an_expert(manager_client):
    expert = PoolExpertFactory()
    url = reverse("reviews:expert_deactivate", args=[expert.pk])

    assert manager_client.post(url).status_code == 302
    expert.refresh_from_db()
    assert not expert.is_active
    assert AuditEvent.objects.for_object(expert).get().action == "deactivate"

    manager_client.post(url)
    assert AuditEvent.objects.for_object(expert).count() == 1


def test_the_edit_page_shows_the_rows(manager_client):
    expert = PoolExpertFactory()
    employment(expert, uscc(), ended_on=datetime.date(2024, 1, 1), name="旧东家")
    tie(expert, uscc(), name="亲属公司")
    page = manager_client.get(reverse("reviews:expert_edit", args=[expert.pk])).content.decode()
    assert "旧东家" in page and "亲属公司" in page
