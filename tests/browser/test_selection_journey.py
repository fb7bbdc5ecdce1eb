"""The selection journey of issue 3 in a real browser (Playwright driving Debian's Chromium) against
the live server: a program manager draws an expert panel for a ZZ23 application in expert review,
the experts accept, declare and score, the manager closes scoring and marks the site-inspection
list, the experts confirm it, the manager records the site inspection, the decision meeting and
opens the public notice, the public reads it without an account, and once the notice period is
over the manager closes and decides it: the application is approved and an institute exists.
Every step leaves a screenshot in artifacts/screenshots/<test>/.

The starting point (application, manager, expert pool) is made with the factories; everything a
page exists for is done through the page. Where a step goes through a service instead, a comment
says so and why. Selectors are data-testid attributes, form field names and URLs; where visible
text is checked, the English source and the Chinese translation are both accepted.
"""
import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from institutes.models import Application, Institute
from reviews.models import Expert, Panel, PanelMember, PublicNotice, ScoreSheet
from reviews.services import scoring as scoring_service
from reviews.services.draw import draw_panel
from reviews.services.scoring import ScoreEntry
from tests.factories import PASSWORD, ApplicationFactory, complete_zz23, program, program_manager
from tests.factories_reviews_panels import FIELD, PoolExpertFactory

from .conftest import requires_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]

S = Application.State
TITLE = "郑州市高端智能装备产业研究院"
APPROVED = re.compile(r"^\s*(Approved|已批准)\s*$")
# Points per criterion of the ZZ23 application-review rubric (max 25, 25, 20, 15, 15), in rubric order.
POINTS = {
    "first": ["22", "21", "17", "13", "12"],   # 85
    "second": ["23", "22", "18", "12", "13"],  # 88
    "third": ["24", "23", "18", "13", "12"],   # 90, entered through the service
}
NOTICE_BODY = "公示期内如有异议，请通过本页面提出或联系郑州市工业和信息化局。"
AVERAGE = "87.66"  # (85 + 88 + 90) / 3 = 87.666…, shown cut to two decimals


def login(page, username, shot=None, step="login"):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    if shot:
        shot(page, step)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # the dashboard
    expect(page.locator("main h1")).to_be_visible()


def success(page):
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-success").first).to_be_visible()


def application_in_expert_review() -> Application:
    """A complete ZZ23 application of the advanced-equipment field, put straight into expert review
    (the initial review is issue 3's other half and has its own tests)."""
    application = complete_zz23(ApplicationFactory(program=program("ZZ23")), field=FIELD)
    Application.objects.filter(pk=application.pk).update(
        title=TITLE, state=S.EXPERT_REVIEW, submission_round=1, submitted_at=timezone.now(),
    )
    application.refresh_from_db()
    return application


def expert_pool() -> list[Expert]:
    """Six active experts of the field with login accounts (role expert, password PASSWORD): two
    management experts and four technical ones, all of the industry expert system."""
    names = [
        ("王建国", Expert.Kind.MANAGEMENT), ("李卫东", Expert.Kind.MANAGEMENT), ("赵磊", Expert.Kind.TECHNICAL),
        ("陈静", Expert.Kind.TECHNICAL), ("刘洋", Expert.Kind.TECHNICAL), ("孙伟", Expert.Kind.TECHNICAL),
    ]
    experts = [PoolExpertFactory(name=name, kind=kind, account=True) for name, kind in names]
    for expert in experts:
        assert expert.user.has_role("expert") and expert.user.check_password(PASSWORD)
    return experts


def test_manager_draws_experts_score_site_inspection_notice_public_sees_it_approval_creates_institute(
    new_page, shot,
):
    manager = program_manager("ZZ23", first_name="周主任")
    application = application_in_expert_review()
    applicant = application.created_by
    pool = expert_pool()
    pk = application.pk

    # ---- manager: draw a panel of 3 for the application --------------------------------------------
    desk = new_page()
    login(desk, manager.username, shot, "manager-login")
    desk.goto("/panels/new/")
    scope = desk.get_by_test_id("panel-scope")
    scope.locator("select[name=program]").select_option("ZZ23")
    scope.locator("select[name=purpose]").select_option(Panel.Purpose.APPLICATION_REVIEW)
    scope.locator("select[name=industry_field]").select_option(FIELD)
    scope.locator("button").click()
    draw = desk.get_by_test_id("panel-draw")
    draw.locator(f"input[name=items][value='{pk}']").check()
    draw.locator("select[name=size]").select_option("3")
    draw.locator("input[name=name]").fill("ZZ23高端装备综合评审专家组")
    shot(desk, "draw-form")
    draw.get_by_test_id("draw").click()  # the page has no seed field: the draw is random, read from the DB
    expect(desk).to_have_url(re.compile(r"/panels/\d+/$"))
    success(desk)
    panel = Panel.objects.get(pk=int(re.search(r"/panels/(\d+)/", desk.url).group(1)))
    seats = list(panel.members.select_related("expert__user").order_by("pk"))
    assert len(seats) == 3 and {s.expert_id for s in seats} <= {e.pk for e in pool}
    kinds = [s.expert.kind for s in seats]
    assert Expert.Kind.MANAGEMENT in kinds and Expert.Kind.TECHNICAL in kinds  # leader and deputy possible
    expect(desk.get_by_test_id("panel-members").locator("tbody tr")).to_have_count(3)
    expect(desk.get_by_test_id("panel-items")).to_contain_text(TITLE)
    expect(desk.get_by_test_id("seed")).to_have_text(panel.draw_log[0]["seed"])
    expect(desk.get_by_test_id("reproduced")).to_be_visible()
    shot(desk, "panel-drawn")

    # The leader is a management expert, the deputy a technical one; the third seat is the other.
    leader = next(s for s in seats if s.expert.kind == Expert.Kind.MANAGEMENT)
    deputy = next(s for s in seats if s.expert.kind == Expert.Kind.TECHNICAL)
    third = next(s for s in seats if s not in (leader, deputy))
    order = [("leader", leader), ("deputy", deputy), ("third", third)]

    # ---- each drawn expert logs in and accepts the invitation ---------------------------------------
    experts = {}
    for label, seat in order:
        page = experts[label] = new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the score sheet asks before submitting
        login(page, seat.expert.user.username)
        page.locator("nav a[href='/invitations/']").click()
        row = page.get_by_test_id("invitations").locator(f"tr[data-member='{seat.pk}']")
        expect(row).to_contain_text(panel.name)
        if label == "leader":
            shot(page, "expert-invitation")
        row.get_by_test_id("accept").click()
        success(page)
        expect(row.get_by_test_id("accept")).to_have_count(0)
    shot(experts["third"], "expert-accepted")
    assert set(panel.members.values_list("status", flat=True)) == {PanelMember.Status.ACCEPTED}

    # ---- manager: appoint the leader and the deputy, open scoring ----------------------------------
    desk.reload()
    appoint = desk.get_by_test_id("appoint-form")
    appoint.locator("select[name=leader]").select_option(str(leader.pk))
    appoint.locator("select[name=deputy]").select_option(str(deputy.pk))
    appoint.locator("button").click()
    success(desk)
    leader.refresh_from_db()
    deputy.refresh_from_db()
    assert (leader.role, deputy.role) == (PanelMember.Role.LEADER, PanelMember.Role.DEPUTY)
    shot(desk, "roles-appointed")
    desk.get_by_test_id("open-scoring").click()
    success(desk)
    panel.refresh_from_db()
    assert panel.state == Panel.State.SCORING
    shot(desk, "scoring-open")

    # ---- two experts declare no conflict and score every criterion ----------------------------------
    item = panel.items.get()
    criteria = list(panel.rubric.criteria.order_by("order", "pk"))
    assert [c.max_points for c in criteria] == [25, 25, 20, 15, 15]
    for n, (label, seat) in enumerate(order[:2], start=1):
        page = experts[label]
        page.locator("nav a[href='/scoring/assignments/']").click()
        row = page.get_by_test_id("assignments").locator(f"tr[data-item='{item.pk}']")
        expect(row).to_contain_text(TITLE)
        if n == 1:
            shot(page, "assignments")
        row.locator(f"a[href='/scoring/items/{item.pk}/declaration/']").click()
        declaration = page.get_by_test_id("declaration-form")
        declaration.locator("input[name=declaration][value=none]").check()
        if n == 1:
            shot(page, "declaration")
        declaration.locator("button[type=submit]").click()
        expect(page).to_have_url(re.compile(rf"/scoring/items/{item.pk}/$"))  # the content opens
        success(page)
        expect(page.get_by_test_id("item-content")).to_contain_text(application.organization.name)
        if n == 1:
            shot(page, "application-content")
        page.get_by_test_id("to-score").click()
        form = page.get_by_test_id("score-form")
        for criterion, points in zip(criteria, POINTS["first" if n == 1 else "second"]):
            form.locator(f"input[name=points_{criterion.pk}]").fill(points)
            form.locator(f"textarea[name=comment_{criterion.pk}]").fill(f"{criterion.name}：符合要求")
        shot(page, f"score-sheet-{n}")
        form.locator("button[name=submit]").click()
        expect(page.get_by_test_id("locked")).to_be_visible()
        success(page)
        # The others' scores stay hidden until everyone has submitted ("1 of 3 so far").
        expect(page.get_by_test_id("scores-hidden")).to_contain_text(re.compile(rf"{n}\D{{1,12}}3"))
        shot(page, f"scores-submitted-{n}")
    assert sorted(ScoreSheet.objects.filter(item=item, state=ScoreSheet.State.SUBMITTED)
                  .values_list("total", flat=True)) == [Decimal(85), Decimal(88)]

    # The third expert's declaration and scores go through the scoring services, to keep the test
    # short: the two experts above exercised the same pages.
    third_user = third.expert.user
    scoring_service.declare_interests(item, third_user, has_conflict=False)
    scoring_service.submit_scores(
        ScoreSheet.objects.get(member=third, item=item), third_user,
        {c.pk: ScoreEntry(points=Decimal(p)) for c, p in zip(criteria, POINTS["third"])},
    )

    # ---- manager: ranking, close scoring, mark the site-inspection list ------------------------------
    desk.goto(f"/scoring/panels/{panel.pk}/ranking/")
    ranked = desk.get_by_test_id("ranking").locator(f"tr[data-item='{item.pk}']")
    expect(ranked).to_contain_text(TITLE)
    expect(ranked.locator("td.fw-semibold")).to_have_text(AVERAGE)
    expect(ranked.locator("[data-proposed=yes]")).to_be_visible()
    expect(ranked.locator("[data-flag=outlier]")).to_have_count(0)
    shot(desk, "ranking-complete")
    desk.get_by_test_id("close-scoring").click()
    success(desk)
    panel.refresh_from_db()
    assert panel.state == Panel.State.RANKED
    checkbox = desk.locator(f"input[type=checkbox][name=listed][value='{item.pk}']")
    expect(checkbox).to_be_checked()  # the proposed application is ticked already
    shot(desk, "ranking-closed")
    desk.get_by_test_id("site-list-form").locator("button").click()
    success(desk)
    expect(desk.locator("[data-site-list=awaiting]")).to_be_visible()
    expect(checkbox).to_be_checked()  # still ticked: the manager may mark again until the visit
    shot(desk, "site-list-marked")
    item.refresh_from_db()
    assert item.listed_for_inspection is True

    # ---- the experts confirm the list (all three, on the confirmation page) --------------------------
    for label, _seat in order:
        page = experts[label]
        page.goto(f"/scoring/panels/{panel.pk}/ranking/")
        page.locator(f"a[href='/scoring/panels/{panel.pk}/site-list/confirm/']").click()
        expect(page.get_by_test_id("site-list")).to_contain_text(TITLE)
        if label == "leader":
            shot(page, "confirm-site-list")
        page.get_by_test_id("confirm-form").locator("button").click()
        expect(page.get_by_test_id("confirmed")).to_be_visible()
    expect(experts["third"].locator("[data-site-list=signed]")).to_be_visible()
    shot(experts["third"], "site-list-signed")

    # ---- manager: site inspection (everybody present) and the assessment -----------------------------
    desk.goto("/manager/inspections/")
    desk.locator(f"a[href='/manager/inspections/panels/{panel.pk}/']").click()
    visit = desk.get_by_test_id("inspection-form")
    present = visit.locator("input[name=present]")
    expect(present).to_have_count(3)
    for i in range(3):
        expect(present.nth(i)).to_be_checked()
    visit.locator("input[name=location]").fill("郑州市高新区科学大道100号")
    shot(desk, "inspection-form")
    visit.locator("button").click()
    expect(desk).to_have_url(re.compile(r"/manager/inspections/\d+/$"))
    success(desk)
    application.refresh_from_db()
    assert application.state == S.SITE_INSPECTION
    desk.get_by_test_id("pending-items").locator("a").click()
    assessment = desk.get_by_test_id("assessment-form")
    assessment.locator("textarea[name=strengths]").fill("牵头单位行业地位突出，研发基础扎实")
    assessment.locator("textarea[name=necessity]").fill("补齐本市高端装备关键零部件研发短板")
    assessment.locator("textarea[name=problems]").fill("产学研合作机制有待细化")
    assessment.locator("textarea[name=future_focus]").fill("加强中试验证与成果转化")
    assessment.locator("input[name=recommend_listing][value=yes]").check()
    shot(desk, "assessment-form")
    assessment.locator("button").click()
    success(desk)
    expect(desk.get_by_test_id("pending-items")).not_to_contain_text(TITLE)
    shot(desk, "assessment-recorded")
    application.refresh_from_db()
    assert application.state == S.AWAITING_DECISION

    # ---- manager: decision meeting, then the public notice -------------------------------------------
    desk.goto("/manager/decisions/")
    expect(desk.get_by_test_id("decision-desk")).to_contain_text(application.organization.name)
    desk.locator("a[href='/manager/decisions/ZZ23/meetings/new/']").click()
    meeting = desk.get_by_test_id("meeting-form")
    meeting.locator("input[name=document_number]").fill("郑工信〔2025〕8号")
    meeting.locator("textarea[name=minutes]").fill("审定通过郑州市高端智能装备产业研究院的申报")
    meeting.locator(f"input[name=approved][value='{pk}']").check()
    shot(desk, "decision-meeting-form")
    meeting.locator("button").click()
    expect(desk).to_have_url(re.compile(r"/manager/meetings/\d+/$"))
    success(desk)
    shot(desk, "decision-meeting")
    desk.get_by_test_id("open-notice").click()
    notice_form = desk.get_by_test_id("notice-form")
    expect(notice_form.locator("input[name=title]")).not_to_have_value("")
    notice_form.locator("textarea[name=body]").fill(NOTICE_BODY)
    shot(desk, "notice-form")
    notice_form.locator("button").click()
    expect(desk).to_have_url(re.compile(r"/manager/notices/\d+/$"))
    success(desk)
    notice = PublicNotice.objects.get(pk=int(re.search(r"/manager/notices/(\d+)/", desk.url).group(1)))
    assert notice.starts_on == timezone.localdate() and notice.state == PublicNotice.State.OPEN
    expect(desk.get_by_test_id("notice-items")).to_contain_text(TITLE)
    expect(desk.get_by_test_id("close-notice")).to_have_count(0)  # not before the period ends
    shot(desk, "notice-open")
    application.refresh_from_db()
    assert application.state == S.PUBLICITY

    # ---- the public, without an account, reads the notice ---------------------------------------------
    public = new_page()
    public.goto("/public/notices/")
    listing = public.get_by_test_id("public-notices")
    expect(listing).to_contain_text(TITLE)
    expect(listing).to_contain_text(application.organization.name)
    shot(public, "public-notice-list")
    listing.locator(f"a[href='/public/notices/{notice.pk}/']").click()
    expect(public.get_by_test_id("public-items")).to_contain_text(TITLE)
    expect(public.get_by_test_id("object")).to_be_visible()  # objections are open
    shot(public, "public-notice")

    # ---- time moves on: the notice period is over ------------------------------------------------------
    today = timezone.localdate()
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=today - datetime.timedelta(days=8), ends_on=today - datetime.timedelta(days=1),
    )
    public.reload()
    expect(public.get_by_test_id("object")).to_have_count(0)  # no more objections
    desk.reload()
    desk.get_by_test_id("close-notice").click()
    success(desk)
    decide = desk.get_by_test_id("decide-notice")
    expect(decide.locator("input[name=published_on]")).to_have_value(today.isoformat())
    decide.locator("input[name=document_number]").fill("郑工信〔2025〕12号")
    shot(desk, "notice-closed")
    decide.locator("button").click()
    success(desk)
    shot(desk, "notice-decided")

    application.refresh_from_db()
    assert application.state == S.APPROVED
    institute = Institute.objects.get(application=application)
    assert (institute.name, institute.state, institute.lead_unit_id) == (
        TITLE, Institute.State.ACTIVE, application.organization_id)
    assert institute.recognized_on == today and institute.recognition_document == "郑工信〔2025〕12号"

    # ---- the applicant sees the approval --------------------------------------------------------------
    mine = new_page()
    login(mine, applicant.username)
    mine.goto(f"/applications/{pk}/")
    expect(mine.locator("main [data-state=approved]").first).to_have_text(APPROVED)
    expect(mine.locator("main")).to_contain_text(TITLE)
    shot(mine, "applicant-sees-approval")
    # There is no institute page yet: the lead unit learns of the recognition by a notification.
    mine.locator("nav a[href='/notifications/']").click()
    expect(mine.locator(f"main a[href='/applications/{pk}/']").first).to_contain_text(TITLE)
    shot(mine, "applicant-notified")


def test_expert_declares_a_conflict_on_the_invitation_and_a_replacement_is_drawn(new_page, shot):
    manager = program_manager("ZZ23", first_name="周主任")
    application = application_in_expert_review()
    expert_pool()
    # The draw itself is the first test's; here it goes through the service, with a fixed seed.
    panel = draw_panel(
        program=program("ZZ23"), industry_field=application.industry_field, purpose=Panel.Purpose.APPLICATION_REVIEW,
        items=[application], size=3, user=manager, seed="journey-seed",
    )
    first_three = list(panel.members.select_related("expert__user").order_by("pk"))
    seat = next(s for s in first_three if s.expert.kind == Expert.Kind.TECHNICAL)
    reason = "本人曾参与该牵头单位的项目合作"

    # ---- the expert declines with a declared conflict of interest ----------------------------------
    page = new_page()
    login(page, seat.expert.user.username)
    page.goto("/invitations/")
    row = page.get_by_test_id("invitations").locator(f"tr[data-member='{seat.pk}']")
    row.locator("details summary").click()
    decline = row.get_by_test_id("decline-form")
    decline.locator("input[name=reason]").fill(reason)
    shot(page, "decline-form")
    decline.locator("button[name=answer][value=conflict]").click()
    success(page)
    expect(row).to_contain_text(reason)
    expect(row.get_by_test_id("accept")).to_have_count(0)
    expect(row.locator(f"a[href='/panels/{panel.pk}/']")).to_have_count(0)  # no longer their panel
    shot(page, "declined")
    seat.refresh_from_db()
    assert (seat.status, seat.response_reason) == (PanelMember.Status.CONFLICT, reason)
    replacement = panel.members.select_related("expert").get(replaces=seat)
    assert replacement.status == PanelMember.Status.INVITED and replacement.draw_round == 2
    assert replacement.expert_id not in {s.expert_id for s in first_three}
    seated = panel.members.seated().select_related("expert")
    assert {m.expert.kind for m in seated} == {Expert.Kind.MANAGEMENT, Expert.Kind.TECHNICAL}

    # ---- the manager sees the replacement and both rounds of the draw log ---------------------------
    desk = new_page()
    login(desk, manager.username)
    desk.goto(f"/panels/{panel.pk}/")
    members = desk.get_by_test_id("panel-members")
    expect(members.locator("tbody tr")).to_have_count(4)
    # The replacement's row says whom it replaces; the released seat shows the reason given.
    expect(members.locator(f"tr[data-member='{replacement.pk}']")).to_contain_text(seat.expert.name)
    expect(members.locator(f"tr[data-member='{seat.pk}']")).to_contain_text(reason)
    rounds = desk.get_by_test_id("draw-round")
    expect(rounds).to_have_count(2)
    expect(rounds.nth(0).get_by_test_id("seed")).to_have_text("journey-seed")
    expect(rounds.nth(1)).to_contain_text(reason)
    expect(desk.get_by_test_id("reproduced")).to_have_count(2)  # both rounds re-run to the same experts
    shot(desk, "panel-with-replacement")
