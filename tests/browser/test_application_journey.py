"""The application journey in a real browser (Playwright driving Debian's Chromium) against the
live server: an applicant fills and submits a ZZ23 application, the district bureau reviews it,
the applicant sees the outcome. Every step leaves a screenshot in artifacts/screenshots/<test>/.

Selectors are data-testid attributes, form field names and URLs, never visible text: the UI is
Chinese by default and its translations may change. Where a visible status is checked, the
English source string and the Chinese translation are both accepted.
"""
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from institutes import services
from institutes.models import Application, IndustryField
from portal.accounts.uscc_factory import make_uscc
from tests.factories import PASSWORD, applicant, complete_zz23, district_user, program

from .conftest import requires_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]

S = Application.State
RECOMMENDED = re.compile(r"Recommended by district|区县已推荐")
RETURNED = re.compile(r"Returned for revision|退回修改|已退回")
SUBMITTED = re.compile(r"Awaiting district review|待区县审核|待区县初审")
# The smallest file that is a PDF by content (the upload check sniffs the magic bytes).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
LAST_YEAR = timezone.localdate().year - 1
YEARS = [  # year, operating revenue, R&D spending, fiscal support (R&D ratio 4%)
    (LAST_YEAR - 2, "150000000", "6000000", "500000"),
    (LAST_YEAR - 1, "160000000", "6400000", "500000"),
    (LAST_YEAR, "170000000", "6800000", "0"),
]
QUALIFICATIONS = ["is_high_tech", "has_provincial_platform", "completed_key_project", "has_rd_facilities",
                  "declares_not_dishonest"]
PARTNER_USCC = make_uscc("410103", 987_654)


def login(page, username, shot=None, step="login"):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    if shot:
        shot(page, step)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # the dashboard
    expect(page.locator("main h1")).to_be_visible()


def field(page, name):
    return page.locator(f"[name='{name}']")


def money(locator) -> Decimal:
    return Decimal(locator.input_value())


def fill_application(page, industry):
    field(page, "title").fill("郑州市智能装备产业研究院")
    field(page, "industry_field").select_option(str(industry.pk))
    field(page, "contact_name").fill("张明")
    field(page, "contact_phone").fill("0371-60000000")
    for category in ("industry_head", "little_giant"):
        page.locator(f"input[name=categories][value={category}]").check()
    for name in QUALIFICATIONS:
        field(page, name).check()
    field(page, "direction").fill("智能装备关键零部件与工业软件")
    field(page, "targets").fill("三年内突破5项关键共性技术，孵化3家企业")
    field(page, "roadmap").fill("第一年：平台搭建；第二年：中试验证；第三年：产业化推广")
    field(page, "budget").fill("30000000")
    field(page, "rd_staff_count").fill("120")
    for i, (year, revenue, rd, fiscal) in enumerate(YEARS):
        expect(field(page, f"years-{i}-year")).to_have_value(str(year))  # pre-filled with the last 3 years
        field(page, f"years-{i}-operating_revenue").fill(revenue)
        field(page, f"years-{i}-rd_spending").fill(rd)
        field(page, f"years-{i}-fiscal_support").fill(fiscal)
    field(page, "ip-0-kind").select_option("invention_patent")
    field(page, "ip-0-title").fill("一种智能装备控制方法")
    field(page, "ip-0-number").fill("ZL202310000001.X")
    field(page, "participants-0-name").fill("郑州理工大学")
    field(page, "participants-0-uscc").fill(PARTNER_USCC)
    field(page, "participants-0-role").fill("共建单位")


def assert_application_values(page, industry):
    expect(field(page, "title")).to_have_value("郑州市智能装备产业研究院")
    expect(field(page, "industry_field")).to_have_value(str(industry.pk))
    expect(field(page, "contact_name")).to_have_value("张明")
    expect(field(page, "contact_phone")).to_have_value("0371-60000000")
    expect(page.locator("input[name=categories][value=industry_head]")).to_be_checked()
    expect(page.locator("input[name=categories][value=little_giant]")).to_be_checked()
    expect(page.locator("input[name=categories][value=single_champion]")).not_to_be_checked()
    for name in QUALIFICATIONS:
        expect(field(page, name)).to_be_checked()
    expect(field(page, "led_award_project")).not_to_be_checked()
    expect(field(page, "roadmap")).to_have_value("第一年：平台搭建；第二年：中试验证；第三年：产业化推广")
    assert money(field(page, "budget")) == Decimal("30000000")
    expect(field(page, "rd_staff_count")).to_have_value("120")
    for i, (year, revenue, rd, fiscal) in enumerate(YEARS):
        expect(field(page, f"years-{i}-year")).to_have_value(str(year))
        assert money(field(page, f"years-{i}-operating_revenue")) == Decimal(revenue)
        assert money(field(page, f"years-{i}-rd_spending")) == Decimal(rd)
        assert money(field(page, f"years-{i}-fiscal_support")) == Decimal(fiscal)
    expect(field(page, "ip-0-title")).to_have_value("一种智能装备控制方法")
    expect(field(page, "participants-0-uscc")).to_have_value(PARTNER_USCC)


def test_apply_submit_district_recommends_applicant_sees_status(new_page, shot):
    me = applicant(first_name="张明")
    reviewer = district_user(region_codes=[me.organization.region.code], department="industry", first_name="赵强")
    industry = IndustryField.objects.get(code="advanced-equipment")

    # ---- applicant: log in, start a ZZ23 application ------------------------------------------
    page = new_page()
    login(page, me.username, shot)
    shot(page, "dashboard")
    page.locator("main a[href='/applications/new/']").first.click()
    page.get_by_test_id("start-ZZ23").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/$"))
    pk = int(re.search(r"/applications/(\d+)/edit/", page.url).group(1))
    application = Application.objects.get(pk=pk)
    assert (application.organization, application.state) == (me.organization, S.DRAFT)

    # ---- fill every section, save a draft ---------------------------------------------------
    fill_application(page, industry)
    shot(page, "form-filled")
    page.get_by_test_id("save-draft").click()
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/edit/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(".alert-danger")).to_have_count(0)
    application.refresh_from_db()
    assert application.state == S.DRAFT and application.title == "郑州市智能装备产业研究院"
    assert application.years.count() == 3 and application.participants.get().uscc == PARTNER_USCC

    # ---- come back to the draft: from the list, and by reloading -------------------------------
    page.goto("/applications/")
    row = page.get_by_test_id("application-list").locator("tbody tr", has=page.locator(f"a[href='/applications/{pk}/']"))
    expect(row.locator("[data-state=draft]")).to_be_visible()
    row.locator(f"a[href='/applications/{pk}/']").click()
    page.get_by_test_id("edit").click()
    assert_application_values(page, industry)
    page.reload()
    assert_application_values(page, industry)
    shot(page, "draft-reloaded")

    # ---- attachment ---------------------------------------------------------------------------
    page.locator(f"form[data-testid=application-form] a[href='/applications/{pk}/']").click()
    upload = page.locator(f"form[action='/applications/{pk}/attachments/']")
    upload.locator("select[name=kind]").select_option("business_license")
    upload.locator("input[type=file][name=file]").set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    upload.locator("button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    link = page.locator(f"a[href^='/applications/{pk}/attachments/']", has_text="营业执照.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert open(download.value.path(), "rb").read() == PDF
    shot(page, "attachment-uploaded")

    # ---- eligibility check, submit -----------------------------------------------------------
    page.get_by_test_id("submit").click()
    report = page.get_by_test_id("eligibility-report")
    expect(report.locator("tbody tr")).to_have_count(8)  # 7 ZZ23 rules + the 3-year ban
    expect(report.locator("tr.criterion-fail")).to_have_count(0)
    shot(page, "eligibility")
    page.get_by_test_id("confirm-submit").click()
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/$"))
    expect(page.locator("main [data-state=submitted]").first).to_be_visible()
    shot(page, "submitted")
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.eligibility_report["passed"] is True

    # ---- district: queue, open, checklist, recommend -----------------------------------------
    district = new_page()
    login(district, reviewer.username)
    shot(district, "district-dashboard")
    district.locator("nav a[href='/district/queue/']").click()
    queue_row = district.get_by_test_id("district-queue").locator(
        "tbody tr", has=district.locator(f"a[href='/applications/{pk}/']")
    )
    expect(queue_row).to_have_count(1)
    expect(queue_row).to_contain_text(me.organization.name)
    shot(district, "district-queue")
    queue_row.locator(f"a[href='/applications/{pk}/']").click()
    expect(district.get_by_test_id("eligibility-report")).to_be_visible()
    expect(district.locator("a", has_text="营业执照.pdf")).to_be_visible()
    district.get_by_test_id("district-review").click()
    expect(district).to_have_url(re.compile(rf"/district/applications/{pk}/$"))
    decision = district.get_by_test_id("district-decision")
    checks = decision.locator("input[type=checkbox][name^=check_]")
    expect(checks).to_have_count(5)
    for i in range(checks.count()):
        checks.nth(i).check()
    decision.locator("input[name=decision][value=recommend]").check()
    decision.locator("textarea[name=comment]").fill("材料齐全，同意推荐")
    shot(district, "district-decision")
    decision.locator("button[type=submit]").click()
    expect(district).to_have_url(re.compile(r"/district/queue/$"))
    expect(district.locator(".alert-success")).to_be_visible()
    expect(district.locator(f"a[href='/applications/{pk}/']")).to_have_count(0)  # no longer waiting
    shot(district, "district-recommended")
    application.refresh_from_db()
    assert application.state == S.RECOMMENDED

    # ---- applicant: the new status and the timeline ---------------------------------------------
    again = new_page()
    login(again, me.username)
    expect(again.locator(f"main table a[href='/applications/{pk}/']")).to_be_visible()
    expect(again.locator("main [data-state=recommended]")).to_have_text(RECOMMENDED)
    shot(again, "applicant-dashboard-recommended")
    again.locator("nav a[href='/applications/']").click()
    row = again.get_by_test_id("application-list").locator("tbody tr", has=again.locator(f"a[href='/applications/{pk}/']"))
    expect(row.locator("[data-state=recommended]")).to_have_text(RECOMMENDED)
    row.locator(f"a[href='/applications/{pk}/']").click()
    expect(again.locator("main [data-state=recommended]").first).to_have_text(RECOMMENDED)
    timeline = again.get_by_test_id("timeline").locator("li")
    expect(timeline).to_have_count(4)  # draft created, attachment added, submitted, recommended
    expect(timeline.nth(0)).to_contain_text("张明")
    expect(timeline.nth(1)).to_contain_text("营业执照.pdf")
    expect(timeline.nth(2)).to_contain_text(SUBMITTED)
    expect(timeline.nth(3)).to_contain_text("赵强")
    expect(timeline.nth(3)).to_contain_text(RECOMMENDED)
    expect(timeline.nth(3)).to_contain_text("材料齐全，同意推荐")
    shot(again, "applicant-sees-recommendation")
    assert any(me.email in message.to for message in mail.outbox)  # notified by email too


def test_district_returns_with_comment_applicant_revises_and_resubmits(new_page, shot):
    me = applicant(first_name="李华")
    reviewer = district_user(region_codes=[me.organization.region.code], department="industry", first_name="赵强")
    application = complete_zz23(services.start_application(me, program("ZZ23")))
    services.submit_application(application, me)
    pk = application.pk
    comment = "研发投入数据与审计报告不一致，请核对后重新提交"

    # ---- district: returning needs a comment ---------------------------------------------------
    district = new_page()
    login(district, reviewer.username)
    district.goto("/district/queue/")
    district.locator(f"a[href='/district/applications/{pk}/']").click()
    decision = district.get_by_test_id("district-decision")
    decision.locator("input[name=decision][value=return]").check()
    decision.locator("button[type=submit]").click()
    expect(decision.locator("textarea[name=comment].is-invalid")).to_be_visible()
    shot(district, "return-without-comment-refused")
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    decision.locator("input[name=decision][value=return]").check()
    decision.locator("textarea[name=comment]").fill(comment)
    decision.locator("button[type=submit]").click()
    expect(district).to_have_url(re.compile(r"/district/queue/$"))
    expect(district.locator(".alert-success")).to_be_visible()
    shot(district, "returned")
    application.refresh_from_db()
    assert application.state == S.RETURNED

    # ---- applicant: sees the comment, edits, resubmits -------------------------------------------
    page = new_page()
    login(page, me.username)
    expect(page.locator("main [data-state=returned]")).to_have_text(RETURNED)
    page.locator(f"main table a[href='/applications/{pk}/']").click()
    expect(page.locator("main [data-state=returned]").first).to_have_text(RETURNED)
    expect(page.locator("main")).to_contain_text(comment)
    expect(page.get_by_test_id("timeline")).to_contain_text(comment)
    shot(page, "applicant-sees-comment")
    page.get_by_test_id("edit").click()
    field(page, "title").fill("郑州市智能装备产业研究院（修改稿）")
    field(page, "years-2-rd_spending").fill("6200000")
    page.get_by_test_id("save-and-check").click()
    expect(page).to_have_url(re.compile(rf"/applications/{pk}/submit/$"))
    expect(page.get_by_test_id("eligibility-report").locator("tr.criterion-fail")).to_have_count(0)
    shot(page, "recheck")
    page.get_by_test_id("confirm-submit").click()
    expect(page.locator("main [data-state=submitted]").first).to_be_visible()
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(4)  # created, submit, return, submit
    shot(page, "resubmitted")
    application.refresh_from_db()
    assert (application.state, application.submission_round) == (S.SUBMITTED, 2)
    assert application.title == "郑州市智能装备产业研究院（修改稿）"
    assert application.years.get(year=LAST_YEAR).rd_spending == Decimal("6200000")
