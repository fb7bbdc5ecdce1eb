"""The panel pages: choosing the batch and drawing, the detail with its draw log, appointing,
replacing, opening scoring; the experts' invitations with accept and decline."""
import pytest
from django.urls import reverse

from institutes.models import Application
from reviews.models import Expert, Panel, PanelMember
from tests.factories import program_manager
from tests.factories_reviews_panels import (
    FIELD, OTHER_FIELD, PoolExpertFactory, application_in_review, drawn_panel, pool, rubric_for,
)

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def scope(code="ZZ23"):
    return {"program": code, "purpose": "application_review", "industry_field": FIELD}


def test_the_draw_page_offers_the_applications_waiting_for_a_panel(as_user):
    manager = program_manager("ZZ23")
    waiting = application_in_review()
    on_panel = application_in_review()
    drawn_panel(items=[on_panel], manager=manager)
    application_in_review(field=OTHER_FIELD)
    not_yet = application_in_review()
    Application.objects.filter(pk=not_yet.pk).update(state=Application.State.INITIAL_REVIEW)

    response = as_user(manager).get(reverse("reviews:panel_create"), scope())

    offered = list(response.context["form"].fields["items"].queryset)
    assert offered == [waiting]
    assert waiting.reference in response.content.decode()


def test_drawing_through_the_page(as_user):
    manager = program_manager("ZZ23")
    rubric_for()
    pool(management=1, technical=4)
    application = application_in_review()
    conflicted = PoolExpertFactory(name="牵头单位员工", employer_uscc=application.organization.uscc)
    client = as_user(manager)

    response = client.post(reverse("reviews:panel_create"), {**scope(), "size": "4", "name": "", "items": [application.pk]})

    panel = Panel.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reviews:panel_detail", args=[panel.pk])
    assert panel.members.count() == 4 and panel.items.get().application == application
    assert panel.name.startswith("ZZ23 ")
    detail = client.get(response["Location"])
    page = detail.content.decode()
    assert panel.draw_log[0]["seed"] in page
    assert "牵头单位员工" in page and application.organization.name in page
    assert 'data-testid="reproduced"' in page
    assert conflicted.pk not in panel.draw_log[0]["chosen"]


def test_a_refused_draw_says_why_and_creates_nothing(as_user):
    manager = program_manager("ZZ23")
    rubric_for()
    pool(management=1, technical=1)
    application = application_in_review()

    response = as_user(manager).post(
        reverse("reviews:panel_create"), {**scope(), "size": "3", "name": "", "items": [application.pk]}
    )

    assert response.status_code == 200
    assert any(FIELD in m or "高端装备" in m for m in messages_of(response))
    assert not Panel.objects.exists()


def test_an_item_of_another_program_cannot_be_slipped_in(as_user):
    manager = program_manager("ZZ23")
    rubric_for()
    pool(management=2, technical=4)
    foreign = application_in_review("HN23")

    response = as_user(manager).post(
        reverse("reviews:panel_create"), {**scope(), "size": "3", "name": "", "items": [foreign.pk]}
    )

    assert response.status_code == 200 and "items" in response.context["form"].errors
    assert not Panel.objects.exists()


def test_an_expert_on_the_panel_sees_members_and_items_but_not_the_draw_log(as_user):
    panel = drawn_panel()
    member = panel.members.select_related("expert__user").first()

    response = as_user(member.expert.user).get(reverse("reviews:panel_detail", args=[panel.pk]))

    page = response.content.decode()
    assert response.status_code == 200 and member.expert.name in page
    assert 'data-testid="draw-round"' not in page and panel.draw_log[0]["seed"] not in page
    assert 'data-testid="replace-form"' not in page and 'data-testid="appoint-form"' not in page


def test_appointing_replacing_and_opening_scoring_through_the_page(as_user):
    panel = drawn_panel(size=3)
    manager = panel.created_by
    client = as_user(manager)
    detail = reverse("reviews:panel_detail", args=[panel.pk])
    for member in panel.members.all():
        client.post(reverse("reviews:invitation_respond", args=[member.pk]), {"answer": "accept"})
    assert set(panel.members.values_list("status", flat=True)) == {PanelMember.Status.ACCEPTED}

    technical = panel.members.filter(expert__kind=Expert.Kind.TECHNICAL).first()
    response = client.post(reverse("reviews:panel_replace_member", args=[panel.pk, technical.pk]),
                           {"status": "conflict", "reason": "曾参与申报材料编写"})
    assert response["Location"] == detail
    technical.refresh_from_db()
    assert technical.status == PanelMember.Status.CONFLICT
    replacement = PanelMember.objects.get(replaces=technical)
    client.post(reverse("reviews:invitation_respond", args=[replacement.pk]), {"answer": "accept"})

    accepted = panel.members.filter(status=PanelMember.Status.ACCEPTED)
    client.post(reverse("reviews:panel_appoint", args=[panel.pk]), {
        "leader": accepted.filter(expert__kind=Expert.Kind.MANAGEMENT).first().pk,
        "deputy": accepted.filter(expert__kind=Expert.Kind.TECHNICAL).first().pk,
    })
    response = client.post(reverse("reviews:panel_open_scoring", args=[panel.pk]), follow=True)

    panel.refresh_from_db()
    assert panel.state == Panel.State.SCORING
    assert response.status_code == 200


def test_opening_scoring_too_early_says_why(as_user):
    panel = drawn_panel()
    response = as_user(panel.created_by).post(reverse("reviews:panel_open_scoring", args=[panel.pk]), follow=True)
    panel.refresh_from_db()
    assert panel.state == Panel.State.FORMING
    assert messages_of(response)


def test_a_wrong_appointment_is_refused_with_a_message(as_user):
    panel = drawn_panel()
    client = as_user(panel.created_by)
    member = panel.members.filter(expert__kind=Expert.Kind.TECHNICAL).first()

    response = client.post(reverse("reviews:panel_appoint", args=[panel.pk]),
                           {"leader": member.pk, "deputy": member.pk}, follow=True)

    assert messages_of(response)
    assert set(panel.members.values_list("role", flat=True)) == {PanelMember.Role.MEMBER}


def test_the_expert_accepts_and_declines_on_the_invitations_page(as_user):
    panel = drawn_panel(size=3)
    PoolExpertFactory(kind=Expert.Kind.TECHNICAL)
    PoolExpertFactory(kind=Expert.Kind.MANAGEMENT)
    first, second = panel.members.select_related("expert__user")[:2]
    client = as_user(first.expert.user)
    page = client.get(reverse("reviews:invitation_list"))
    assert [m.pk for m in page.context["page"]] == [first.pk]
    assert panel.name in page.content.decode()

    client.post(reverse("reviews:invitation_respond", args=[first.pk]), {"answer": "accept"})
    first.refresh_from_db()
    assert first.status == PanelMember.Status.ACCEPTED

    client = as_user(second.expert.user)
    response = client.post(reverse("reviews:invitation_respond", args=[second.pk]), {"answer": "decline", "reason": ""},
                           follow=True)
    second.refresh_from_db()
    assert second.status == PanelMember.Status.INVITED and messages_of(response)
    assert response.redirect_chain[-1][0] == reverse("reviews:invitation_list")

    client.post(reverse("reviews:invitation_respond", args=[second.pk]), {"answer": "decline", "reason": "时间冲突"})
    second.refresh_from_db()
    assert second.status == PanelMember.Status.DECLINED
    assert PanelMember.objects.filter(replaces=second).exists()


def test_an_expert_guessing_another_seat_gets_404(as_user):
    panel = drawn_panel()
    mine, theirs = panel.members.select_related("expert__user")[:2]
    response = as_user(mine.expert.user).post(reverse("reviews:invitation_respond", args=[theirs.pk]), {"answer": "accept"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == PanelMember.Status.INVITED
