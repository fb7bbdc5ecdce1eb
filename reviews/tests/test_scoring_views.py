"""The scoring pages as the expert, the leader and the manager use them: the declaration gate,
the score form's validation (nothing saved on bad input), the lock after submission, other experts'
scores hidden until all are in, reopening with a reason, the ranking and the site-inspection list.

Pages render in Chinese by default and the catalogue may not be compiled yet: the portal's messages
are checked as English source or zh-hans translation, Django's own form errors by their code."""
import html
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from portal.audit.models import AuditEvent
from reviews.models import ConflictDeclaration, Panel, PanelItem, Score, ScoreSheet
from tests.factories import program_manager
from tests.factories_reviews_scoring import (
    add_items, declare, leader, make_panel, members, score_everything, set_state, submit_sheet,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel():
    return make_panel("HN23", manager=program_manager("HN23", username="manager"), items=2)


@pytest.fixture
def seat(panel):
    return members(panel)[2]


@pytest.fixture
def item(panel):
    item = panel.items.order_by("pk").first()
    application = item.application
    application.roadmap = "先突破高端轴承材料，再做整机验证"
    application.save()
    return item


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def says(response, msgid) -> bool:
    """The page or its messages carry msgid, in English or in its zh-hans translation."""
    shown = html.unescape(response.content.decode()) + " ".join(str(m) for m in get_messages(response.wsgi_request))
    variants = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            variants.append(gettext(msgid))
    return any(text in shown for text in variants)


def error_codes(response, field):
    return [error.code for error in response.context["form"].errors.as_data().get(field, [])]


def criteria(panel):
    return list(panel.rubric.criteria.order_by("order"))


def form_data(panel, *points, submit=False):
    data = {"submit" if submit else "save": ""}
    for criterion, value in zip(criteria(panel), points):
        data[f"points_{criterion.pk}"] = value
        data[f"comment_{criterion.pk}"] = f"{criterion.name}的意见"
    return data


# ---- the declaration gate ----------------------------------------------------------------------

def test_nothing_of_the_item_opens_before_the_declaration(client, panel, seat, item):
    login(client, seat.expert.user)
    for name in ("reviews:item_content", "reviews:score_item"):
        response = client.get(reverse(name, args=[item.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("reviews:declare_item", args=[item.pk])
    page = client.get(reverse("reviews:declare_item", args=[item.pk])).content.decode()
    assert item.application.organization.name in page  # who is involved: needed to declare
    assert "先突破高端轴承材料" not in page


def test_declaring_no_conflict_opens_the_content(client, panel, seat, item):
    login(client, seat.expert.user)
    response = client.post(reverse("reviews:declare_item", args=[item.pk]), {"declaration": "none"})
    assert response["Location"] == reverse("reviews:item_content", args=[item.pk])
    page = client.get(response["Location"]).content.decode()
    assert "先突破高端轴承材料" in page


def test_a_conflict_without_a_statement_records_nothing(client, panel, seat, item):
    login(client, seat.expert.user)
    response = client.post(reverse("reviews:declare_item", args=[item.pk]),
                           {"declaration": "conflict", "statement": " "})
    assert response.status_code == 200
    assert says(response, "Nothing was recorded: please correct the fields marked below.")
    assert says(response, "Describe the conflict of interest.")
    assert not ConflictDeclaration.objects.exists()


def test_a_declared_conflict_shows_on_the_assignment_list_and_keeps_the_item_closed(client, panel, seat, item):
    login(client, seat.expert.user)
    response = client.post(reverse("reviews:declare_item", args=[item.pk]),
                           {"declaration": "conflict", "statement": "我是牵头单位的独立董事"})
    assert response["Location"] == reverse("reviews:my_assignments")
    listing = client.get(reverse("reviews:my_assignments")).content.decode()
    assert 'data-status="conflict"' in listing and 'data-status="declare"' in listing
    assert client.get(reverse("reviews:item_content", args=[item.pk])).status_code == 403


# ---- the score form ----------------------------------------------------------------------------

@pytest.fixture
def scoring(client, panel, seat, item):
    declare(seat, item)
    login(client, seat.expert.user)
    return reverse("reviews:score_item", args=[item.pk])


def test_exactly_the_maximum_is_accepted(client, panel, scoring):
    response = client.post(scoring, form_data(panel, "15"))
    assert response.status_code == 302
    assert Score.objects.get().points == Decimal(15)


@pytest.mark.parametrize(("points", "code"), [
    ("15.01", "max_value"),
    ("-1", "min_value"),
    ("十分", "invalid"),
    ("7.123", "max_decimal_places"),
])
def test_bad_points_are_refused_with_a_message_and_nothing_is_saved(client, panel, scoring, points, code):
    """HN23 key industry takes 0–15 points; the second criterion is fine."""
    client.post(scoring, form_data(panel, "10", "10"))
    response = client.post(scoring, form_data(panel, points, "20"))

    assert response.status_code == 200
    assert says(response, "Nothing was saved: please correct the points marked below.")
    assert error_codes(response, f"points_{criteria(panel)[0].pk}") == [code]
    assert 'class="form-control form-control-sm is-invalid"' in response.content.decode()
    assert sorted(Score.objects.values_list("points", flat=True)) == [Decimal(10), Decimal(10)]


def test_a_comment_without_points_is_refused(client, panel, scoring):
    first = criteria(panel)[0]
    response = client.post(scoring, {"save": "", f"comment_{first.pk}": "待补充"})
    assert response.status_code == 200
    assert says(response, "Enter the points for this criterion, or clear its comment.")
    assert not Score.objects.exists()


def test_submitting_with_a_criterion_blank_saves_nothing(client, panel, seat, item, scoring):
    response = client.post(scoring, form_data(panel, "12", "18", "20", "25", submit=True))
    assert response.status_code == 200
    assert says(response, "Every criterion needs points before you submit.")
    assert not Score.objects.exists()
    assert ScoreSheet.objects.get(member=seat, item=item).state == ScoreSheet.State.DRAFT


def test_submitted_scores_are_locked_and_shown_read_only(client, panel, seat, item, scoring):
    response = client.post(scoring, form_data(panel, "12", "18", "20.5", "25", "8", submit=True))
    assert response.status_code == 302
    sheet = ScoreSheet.objects.get(member=seat, item=item)
    assert (sheet.state, sheet.total) == (ScoreSheet.State.SUBMITTED, Decimal("83.5"))

    page = client.get(scoring).content.decode()
    assert 'data-testid="locked"' in page and 'name="points_' not in page

    again = client.post(scoring, form_data(panel, "1", "1", "1", "1", "1", submit=True), follow=True)
    assert says(again, "These scores are submitted and locked. Only the panel leader can reopen them.")
    assert sorted(Score.objects.values_list("points", flat=True)) == [8, 12, 18, Decimal("20.5"), 25]


def test_other_experts_scores_stay_hidden_until_everyone_submitted(client, panel, seat, item, scoring):
    others = [m for m in members(panel) if m != seat]
    for n, other in enumerate(others[:3]):
        submit_sheet(other, item, 70 + n)
    client.post(scoring, form_data(panel, "12", "18", "20", "25", "8", submit=True))

    page = client.get(scoring).content.decode()
    assert 'data-testid="scores-hidden"' in page and "70.00" not in page

    submit_sheet(others[3], item, 90)
    page = client.get(scoring).content.decode()
    assert 'data-testid="panel-scores"' in page
    assert all(total in page for total in ("70.00", "71.00", "72.00", "90.00", "83.00"))


# ---- reopening ---------------------------------------------------------------------------------

def test_the_leader_reopens_a_sheet_with_a_reason(client, panel, seat, item):
    sheet = submit_sheet(seat, item, 85)
    login(client, leader(panel).expert.user)
    progress = client.get(reverse("reviews:scoring_progress", args=[panel.pk])).content.decode()
    url = reverse("reviews:reopen_sheet", args=[sheet.pk])
    assert url in progress

    blank = client.post(url, {"reason": "   "})
    assert blank.status_code == 200
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.SUBMITTED

    done = client.post(url, {"reason": "总分与分项不符"})
    assert done["Location"] == reverse("reviews:scoring_progress", args=[panel.pk])
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.DRAFT
    assert AuditEvent.objects.for_object(sheet).get(action="reopen").comment == "总分与分项不符"


def test_the_progress_page_offers_reopening_to_the_leader_only(client, panel, seat, item):
    submit_sheet(seat, item, 85)
    page = login(client, panel.program.managers.get()).get(
        reverse("reviews:scoring_progress", args=[panel.pk])).content.decode()
    assert 'data-testid="reopen-link"' not in page
    assert 'data-status="submitted"' in page


# ---- the ranking and the site-inspection list ----------------------------------------------------

def test_the_manager_sees_the_ranking_only_once_all_scores_are_in_then_closes_scoring(client, panel):
    manager = panel.program.managers.get()
    login(client, manager)
    url = reverse("reviews:panel_ranking", args=[panel.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="ranking-pending"' in page and 'data-testid="close-scoring"' not in page

    score_everything(panel, lambda item_index, member_index: [Decimal(90), Decimal(60)][item_index] + member_index)
    page = client.get(url).content.decode()
    assert 'data-testid="ranking"' in page and 'data-testid="close-scoring"' in page
    assert page.count('data-proposed="yes"') == 1

    client.post(reverse("reviews:close_scoring", args=[panel.pk]))
    panel.refresh_from_db()
    assert panel.state == Panel.State.RANKED


def test_outliers_are_flagged_on_the_page(client, panel):
    score_everything(panel, lambda i, m: [Decimal("64.99"), Decimal("83.75"), Decimal("83.75"),
                                          Decimal("83.75"), Decimal("83.76")][m])
    page = login(client, panel.program.managers.get()).get(reverse("reviews:panel_ranking", args=[panel.pk]))
    assert page.content.decode().count('data-flag="outlier"') == 2  # one per item


def test_the_site_list_is_marked_then_confirmed_by_every_member(client, panel):
    score_everything(panel, lambda item_index, member_index: [Decimal(90), Decimal(79)][item_index])
    set_state(panel, Panel.State.RANKED)
    top, low = panel.items.order_by("pk")
    login(client, panel.program.managers.get())

    refused = client.post(reverse("reviews:mark_site_list", args=[panel.pk]), {"listed": [top.pk, low.pk]})
    assert refused.status_code == 302
    assert not PanelItem.objects.filter(listed_for_inspection__isnull=False).exists()

    client.post(reverse("reviews:mark_site_list", args=[panel.pk]), {"listed": [top.pk]})
    assert list(PanelItem.objects.filter(listed_for_inspection=True)) == [top]
    assert 'data-site-list="awaiting"' in client.get(reverse("reviews:panel_ranking", args=[panel.pk])).content.decode()

    for seat in members(panel):
        login(client, seat.expert.user)
        page = client.get(reverse("reviews:confirm_site_list", args=[panel.pk])).content.decode()
        assert top.application.reference in page and low.application.reference not in page
        client.post(reverse("reviews:confirm_site_list", args=[panel.pk]))
        confirmed = client.get(reverse("reviews:confirm_site_list", args=[panel.pk])).content.decode()
        assert 'data-testid="confirmed"' in confirmed

    login(client, panel.program.managers.get())
    assert 'data-site-list="signed"' in client.get(reverse("reviews:panel_ranking", args=[panel.pk])).content.decode()


def test_members_see_the_ranking_once_scoring_is_closed(client, panel, seat):
    score_everything(panel)
    login(client, seat.expert.user)
    url = reverse("reviews:panel_ranking", args=[panel.pk])
    assert client.get(url).status_code == 403
    set_state(panel, Panel.State.RANKED)
    page = client.get(url).content.decode()
    assert 'data-testid="ranking"' in page and 'data-testid="site-list-form"' not in page


# ---- the assignment list -----------------------------------------------------------------------

def test_the_assignment_list_shows_each_items_status_for_me(client, panel, seat):
    declared, submitted, fresh = list(panel.items.order_by("pk")) + add_items(panel, 1)
    declare(seat, declared)
    submit_sheet(seat, submitted, 77)
    forming = make_panel("HN23", items=1, state=Panel.State.FORMING, experts=[members(panel)[0].expert])
    page = login(client, seat.expert.user).get(reverse("reviews:my_assignments")).content.decode()

    assert f'data-item="{declared.pk}"' in page and f'data-item="{fresh.pk}"' in page
    assert f'data-item="{forming.items.get().pk}"' not in page
    assert page.count('data-status="scoring"') == 1
    assert page.count('data-status="submitted"') == 1 and "77.00" in page
    assert page.count('data-status="declare"') == 1
