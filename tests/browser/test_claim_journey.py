"""The claim journey of issue 5 in a real browser (Playwright driving Debian's Chromium) against the
live server: the public quotes an award on the policy calculator without an account; an applicant
files a ZZ23 equity-financing claim with its facts and evidence and submits it; the program manager
approves it from the queue; the applicant sees it approved with the amount. Every step leaves a
screenshot in artifacts/screenshots/<test>/.

Selectors are data-testid attributes, form field names and URLs; where visible text is checked, the
English source and the Chinese translation are both accepted.
"""
import re

import pytest
from playwright.sync_api import expect

from subsidies.models import Claim, Entitlement
from tests.factories import PASSWORD, PDF_BYTES, applicant, program_manager
from tests.factories_subsidies_claims import covered_institute, unit_in

from .conftest import requires_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]

APPROVED = re.compile(r"^\s*(Approved|已批准|已核准|批准)\s*$")


def login(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))


def success(page):
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-success").first).to_be_visible()


def test_public_quote_then_claim_filed_approved_and_seen(new_page, shot, tmp_path):
    # 1. Anyone: the calculator, no account.
    public = new_page()
    public.goto("/")
    public.goto("/calculator/")
    public.select_option("select[name=rule]", "ZZ23-3")
    public.get_by_test_id("choose-rule").click()
    expect(public.get_by_test_id("rule-text")).to_contain_text("五（三）")
    public.fill("input[name=date]", "2024-05-10")
    public.fill("input[name=fact_investment]", "8000000")
    public.fill("input[name=paid_in_period]", "300000")
    shot(public, "calculator-facts")
    public.get_by_test_id("calculate").click()
    expect(public.get_by_test_id("amount")).to_contain_text("700,000.00")
    expect(public.get_by_test_id("trace").locator("li")).to_have_count(4)
    shot(public, "calculator-answer")

    # 2. The applicant files a claim with the facts and evidence, and submits it.
    user = applicant(username="spinoff", first_name="张明")
    # ZZ23 五（三） pays the spin-offs of a Zhengzhou institute: the claim names the institute it derives from
    parent = covered_institute(unit_in("410105"), "ZZ23")
    manager = program_manager("ZZ23", username="zz23manager", first_name="周敏")
    page = new_page()
    login(page, "spinoff")
    page.get_by_test_id("nav-subsidy-menu").click()
    page.get_by_test_id("nav-claims").click()
    page.get_by_test_id("new-claim").click()
    page.get_by_test_id("claim-rule-ZZ23-3").click()
    page.fill("input[name=event_date]", "2024-05-10")
    page.fill("input[name=subject]", "郑州某衍生企业A轮股权融资")
    page.select_option("select[name=institute]", str(parent.pk))
    page.fill("input[name=fact_investment]", "6000000")
    shot(page, "claim-form")
    page.get_by_test_id("save-claim").click()
    success(page)
    evidence = tmp_path / "验资报告.pdf"
    evidence.write_bytes(PDF_BYTES)
    page.set_input_files("input[name=file]", str(evidence))
    page.get_by_test_id("upload-evidence").click()
    success(page)
    expect(page.get_by_test_id("preview")).to_contain_text("600,000.00")
    shot(page, "claim-draft")
    page.get_by_test_id("submit-claim").click()
    success(page)
    expect(page.get_by_test_id("claim-state").locator("[data-state]")).to_have_attribute("data-state", "submitted")
    shot(page, "claim-submitted")

    # 3. The program manager approves it from the queue.
    desk = new_page()
    login(desk, "zz23manager")
    desk.get_by_test_id("nav-subsidy-menu").click()
    desk.get_by_test_id("nav-claim-queue").click()
    desk.get_by_test_id("claim-queue").get_by_role("link").first.click()
    expect(desk.get_by_test_id("quoted")).to_contain_text("600,000.00")
    desk.check("input[name=decision][value=approve]")
    desk.fill("textarea[name=reason]", "材料齐全，符合郑政办〔2023〕6号五（三）")
    shot(desk, "manager-decision")
    desk.get_by_test_id("decide").click()
    success(desk)
    shot(desk, "manager-queue-after")

    # 4. The applicant sees it approved with the amount.
    claim = Claim.objects.get(organization=user.organization)
    page.goto(f"/claims/{claim.pk}/")
    expect(page.get_by_test_id("claim-state").locator("[data-state]")).to_have_attribute("data-state", "approved")
    expect(page.get_by_test_id("quoted")).to_contain_text("600,000.00")
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(4)  # created, evidence, submitted, approved
    shot(page, "claim-approved")
    assert Entitlement.objects.get(claim=claim).amount == 600000
    assert manager.managed_programs.get().code == "ZZ23"
