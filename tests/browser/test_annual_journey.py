"""The annual journey of issue 4 in a real browser (Playwright driving Debian's Chromium) against the
live server: an institute files its annual report; the district industry and finance bureaus pass it;
the program manager accepts it; the manager opens the program-year's evaluation of 6 institutes,
draws the panel, the experts score (one through the pages, seeing the accepted report's figures),
the manager proposes the grades — three institutes average 90 or more but the 20% quota allows
at most one 优秀 (floor(0.2 × 6) = 1), and raising a second is refused — confirms and publishes;
the institute sees nothing before publication and its grade after. Screenshots in
artifacts/screenshots/<test>/.

The starting point (institutes, the other five accepted reports, the expert pool) is made with the
factories; the panel's invitations, roles and most score sheets go through the panel services (the
selection journey of issue 3 drives those pages); everything of this issue is done through its
pages. Where visible text is checked, the English source and the Chinese translation are accepted."""
import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from institutes.models import AnnualGrade, AnnualReport, Grade
from reviews.models import AnnualEvaluation, Expert, Panel, PanelMember, ScoreSheet
from reviews.services import panels as panel_service
from reviews.services import scoring as scoring_service
from reviews.services.scoring import ScoreEntry
from tests.factories import PASSWORD, applicant, district_user, program_manager
from tests.factories_reviews_evaluation import accepted_report, institutes
from tests.factories_reviews_panels import PoolExpertFactory

from .conftest import requires_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]

EXCELLENT = re.compile(r"(Excellent|优秀)")
# Each institute's total from every expert (so its average), in institute order; ours is first.
TOTALS = [Decimal(95), Decimal(93), Decimal(91), Decimal(84), Decimal(72), Decimal(55)]
# ZZ23 annual rubric: 20, 15, 20, 15, 15, 15 — 95 points.
OUR_POINTS = ["19", "15", "19", "14", "14", "14"]


def login(page, username, shot=None, step="login"):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    if shot:
        shot(page, step)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    expect(page.locator("main h1")).to_be_visible()


def success(page):
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-success").first).to_be_visible()


def split(total, criteria):
    remaining, points = total, []
    for criterion in criteria:
        given = min(remaining, criterion.max_points)
        points.append(given)
        remaining -= given
    return points


def test_report_filed_passed_accepted_then_six_institutes_graded_within_quota_and_published(new_page, shot):
    year = timezone.localdate().year - 1
    owner = applicant(first_name="张院长")
    ours, *others = institutes(1, organization=owner.organization, recognized_on=datetime.date(year - 2, 5, 1))[:1] + \
        institutes(5, recognized_on=datetime.date(year - 3, 5, 1))
    for institute in others:
        accepted_report(institute, year)
    industry = district_user(["410105"], "industry", first_name="赵科长")
    finance = district_user(["410105"], "finance", first_name="钱科长")
    manager = program_manager("ZZ23", first_name="周主任")
    experts = [PoolExpertFactory(name=n, kind=k, account=True) for n, k in (
        ("王建国", Expert.Kind.MANAGEMENT), ("赵磊", Expert.Kind.TECHNICAL), ("陈静", Expert.Kind.TECHNICAL))]

    # ---- the institute files its annual report --------------------------------------------------------
    unit = new_page()
    login(unit, owner.username, shot, "institute-login")
    unit.goto("/reports/")
    start = unit.get_by_test_id("start-report").first
    start.locator("select[name=year]").select_option(str(year))
    start.locator("button").click()
    form = unit.get_by_test_id("report-form")
    form.locator("textarea[name=summary]").fill("完成关键共性技术攻关3项，建成中试平台1个。")
    form.locator("textarea[name=plan]").fill("推动5项成果在本地企业转化。")
    for name, value in (("budget", "8600000"), ("rd_spending", "12800000"), ("funding_input", "9500000"),
                        ("new_achievements", "11"), ("technologies_transferred", "6"), ("invention_patents", "4"),
                        ("standards", "2"), ("spin_offs", "1"), ("talents_introduced", "7")):
        form.locator(f"input[name={name}]").fill(value)
    shot(unit, "report-form")
    form.get_by_test_id("save-draft").click()
    success(unit)
    unit.get_by_test_id("submit").click()
    success(unit)
    report = AnnualReport.objects.get(institute=ours, year=year)
    assert report.state == AnnualReport.State.SUBMITTED
    shot(unit, "report-submitted")

    # ---- district industry, then district finance pass it; the manager accepts it -----------------------
    for user, label in ((industry, "industry"), (finance, "finance"), (manager, "manager")):
        page = new_page()
        login(page, user.username)
        page.goto(f"/reports/{report.pk}/review/")
        decision = page.get_by_test_id("report-decision")
        decision.locator("input[name=decision]").first.check()  # pass / accept is the first choice
        decision.locator("textarea[name=comment]").fill("数据与账目一致")
        shot(page, f"report-review-{label}")
        decision.locator("button").click()
        success(page)
        page.close()
    report.refresh_from_db()
    assert report.state == AnnualReport.State.ACCEPTED

    # ---- manager: open the year's evaluation, draw the panel ----------------------------------------------
    desk = new_page()
    login(desk, manager.username, shot, "manager-login")
    desk.get_by_test_id("nav-institute-menu").click()
    desk.get_by_test_id("nav-evaluations").click()
    opening = desk.get_by_test_id("open-evaluation")
    opening.locator("select[name=program]").select_option(str(ours.program_id))
    opening.locator("select[name=year]").select_option(str(year))
    shot(desk, "open-evaluation")
    opening.get_by_test_id("open-evaluation-submit").click()
    success(desk)
    evaluation = AnnualEvaluation.objects.get(program__code="ZZ23", year=year)
    expect(desk.get_by_test_id("entries").locator("tbody tr")).to_have_count(6)
    expect(desk.get_by_test_id("quota")).to_contain_text("1")
    draw = desk.get_by_test_id("draw-evaluation-panel")
    draw.locator("select[name=size]").select_option("3")
    shot(desk, "evaluation-open")
    draw.get_by_test_id("draw-submit").click()
    expect(desk.get_by_test_id("evaluation-panels")).to_be_visible()
    success(desk)
    panel = Panel.objects.get(purpose=Panel.Purpose.ANNUAL_EVALUATION)
    assert panel.items.count() == 6 and not evaluation.entries.filter(panel_item__isnull=True).exists()

    # The invitations, roles and opening of scoring are issue 3's pages (its journey drives them).
    seats = list(panel.members.select_related("expert__user"))
    for seat in seats:
        panel_service.respond_to_invitation(seat, seat.expert.user, True, "")
    leader = next(s for s in seats if s.expert.kind == Expert.Kind.MANAGEMENT)
    deputy = next(s for s in seats if s.expert.kind == Expert.Kind.TECHNICAL)
    panel_service.appoint_roles(panel, manager, leader, deputy)
    panel_service.open_scoring(panel, manager)
    desk.reload()
    desk.get_by_test_id("action-start_scoring").click()
    success(desk)

    # ---- one expert scores our institute through the pages, seeing the accepted report -----------------
    item = panel.items.get(institute=ours)
    criteria = list(panel.rubric.criteria.order_by("order", "pk"))
    expert_page = new_page()
    expert_page.on("dialog", lambda dialog: dialog.accept())
    login(expert_page, leader.expert.user.username)
    expert_page.goto(f"/scoring/items/{item.pk}/declaration/")
    declaration = expert_page.get_by_test_id("declaration-form")
    declaration.locator("input[name=declaration][value=none]").check()
    declaration.locator("button[type=submit]").click()
    figures = expert_page.get_by_test_id("annual-report-figures")
    expect(figures).to_contain_text("11")
    shot(expert_page, "expert-sees-annual-report")
    expert_page.get_by_test_id("to-score").click()
    sheet_form = expert_page.get_by_test_id("score-form")
    for criterion, points in zip(criteria, OUR_POINTS):
        sheet_form.locator(f"input[name=points_{criterion.pk}]").fill(points)
    shot(expert_page, "expert-score-sheet")
    sheet_form.locator("button[name=submit]").click()
    expect(expert_page.get_by_test_id("locked")).to_be_visible()

    # The other 17 sheets go through the scoring services.
    items = {i.institute_id: i for i in panel.items.all()}
    for institute, total in zip([ours, *others], TOTALS):
        for seat in seats:
            if seat.pk == leader.pk and institute.pk == ours.pk:
                continue
            user = seat.expert.user
            scoring_service.declare_interests(items[institute.pk], user, has_conflict=False)
            sheet = ScoreSheet.objects.get(member=seat, item=items[institute.pk])
            scoring_service.submit_scores(sheet, user, {c.pk: ScoreEntry(points=p)
                                                        for c, p in zip(criteria, split(total, criteria))})

    # ---- manager: close the panel's scoring, propose: the quota holds ----------------------------------
    desk.goto(f"/scoring/panels/{panel.pk}/ranking/")
    desk.get_by_test_id("close-scoring").click()
    success(desk)
    desk.goto(f"/evaluations/{evaluation.pk}/")
    desk.get_by_test_id("action-propose").click()
    success(desk)
    entries = desk.get_by_test_id("entries")
    expect(entries.get_by_test_id("final-grade").filter(has_text=EXCELLENT)).to_have_count(1)
    expect(desk.get_by_test_id("distribution").locator("tr[data-grade=excellent] td.money")).to_have_text("1")
    ours_row = entries.locator(f"tr[data-institute='{ours.name}']")
    expect(ours_row.get_by_test_id("final-grade")).to_have_text(EXCELLENT)
    shot(desk, "grades-proposed")

    # Raising the runner-up (93) to 优秀 as well is refused: at most 1 of 6.
    runner_up = entries.locator(f"tr[data-institute='{others[0].name}']")
    runner_up.locator("select[name=grade]").select_option(Grade.EXCELLENT)
    runner_up.locator("input[name=reason]").fill("成果转化突出")
    runner_up.locator("button").click()
    expect(desk.locator(".alert-danger")).to_be_visible()
    shot(desk, "quota-refused")
    assert evaluation.entries.filter(final_grade=Grade.EXCELLENT).count() == 1

    desk.get_by_test_id("action-confirm").click()
    success(desk)

    # Before publication the institute sees nothing.
    unit.goto("/my-grades/")
    expect(unit.get_by_test_id("my-grades").locator("tr[data-grade]")).to_have_count(0)
    shot(unit, "no-grade-before-publication")

    desk.get_by_test_id("action-publish").click()
    success(desk)
    shot(desk, "grades-published")
    assert AnnualGrade.objects.published().filter(year=year).count() == 6
    assert AnnualGrade.objects.published().filter(year=year, grade=Grade.EXCELLENT).get().institute_id == ours.pk

    # ---- the institute sees its grade ---------------------------------------------------------------------
    unit.get_by_test_id("nav-institute-menu").click()
    unit.get_by_test_id("nav-my-grades").click()
    row = unit.get_by_test_id("my-grades").locator("tr[data-grade]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ours.name)
    expect(row).to_contain_text(EXCELLENT)
    expect(row).to_contain_text("95")
    shot(unit, "institute-sees-grade")

    # ---- the dashboard shows the year's distribution ---------------------------------------------------------
    desk.goto(f"/dashboards/programs/?year={year}")
    expect(desk.get_by_test_id("grade-distribution").locator("tr[data-grade=excellent] td.money")).to_have_text("1")
    expect(desk.get_by_test_id("grade-chart")).to_be_visible()
    shot(desk, "program-dashboard")
    assert PanelMember.objects.filter(panel=panel, status=PanelMember.Status.ACCEPTED).count() == 3
