"""The payout journey of issue 5 in a real browser (Playwright driving Debian's Chromium) against the
live server: a finance officer runs the yearly ZZ23 entitlements for 2024 and reads the run's result,
approves the entitlements, builds a payout batch (and may not approve it: four-eyes), enters the
payees' bank accounts from the batch page's list; a second finance officer approves the accounts and
the batch, exports it as XLSX (built by the job, eager here) and downloads it, and marks every line
paid with its voucher number. Screenshots in artifacts/screenshots/<test>/.

The starting point (two ZZ23 institutes with their published 2024 grade and accepted report, two
finance officers) is made with the factories; everything else goes through the pages. Selectors
are data-testid attributes, form field names and URLs.
"""
import datetime
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from institutes.models import Grade
from subsidies.models import Entitlement, PayoutBatch, PayoutLine
from tests.factories import PASSWORD
from tests.factories_subsidies_payouts import finance_user, yearly_institutes

from .conftest import requires_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]


def login(page, username, shot=None, step="login"):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    if shot:
        shot(page, step)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))


def success(page):
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-success").first).to_be_visible()


def test_finance_runs_entitlements_builds_a_batch_a_second_officer_approves_exports_and_pays(new_page, shot):
    yearly_institutes(2, recognized_on=datetime.date(2023, 3, 1), year=2024, grade=Grade.GOOD,
                      funding_input=Decimal("3000000.00"))
    finance_user(username="caiwu1")
    finance_user(username="caiwu2")

    first = new_page()
    login(first, "caiwu1", shot, "finance-login")
    first.goto("/entitlement-runs/")
    first.select_option("select[name=program]", "ZZ23")
    first.fill("input[name=year]", "2024")
    shot(first, "run-form")
    first.get_by_test_id("start-run").click()
    success(first)
    expect(first.get_by_test_id("run-created")).to_have_text("2")
    shot(first, "run-result")

    first.get_by_test_id("run-entitlements").click()
    expect(first.get_by_test_id("entitlement-list").locator("tbody tr")).to_have_count(2)
    for box in first.locator("input[name=selected]").all():
        box.check()
    shot(first, "entitlements-to-approve")
    first.get_by_test_id("approve-selected").click()
    success(first)
    assert set(Entitlement.objects.values_list("state", flat=True)) == {"approved"}

    first.goto("/payouts/new/")
    first.fill("input[name=title]", "2024年度研发补助第一批")
    first.get_by_test_id("select-all").check()
    shot(first, "build-batch")
    first.get_by_test_id("build").click()
    success(first)
    expect(first.get_by_test_id("four-eyes-note")).to_be_visible()
    expect(first.get_by_test_id("batch-approve")).to_have_count(0)
    expect(first.get_by_test_id("batch-total")).to_contain_text("3,000,000.00 元")
    shot(first, "batch-built-four-eyes")
    batch_url = first.url
    links = first.get_by_test_id("missing-accounts").locator("a")
    expect(links).to_have_count(2)
    for index, href in enumerate([link.get_attribute("href") for link in links.all()]):
        first.goto(href)
        first.fill("input[name=holder]", f"收款单位{index}")
        first.fill("input[name=bank]", "中国建设银行郑州金水支行")
        first.fill("input[name=number]", f"4105 0100 0000 000{index}")
        first.fill("textarea[name=reason]", "首次登记")
        first.get_by_test_id("account-form").locator("button").click()
        success(first)
        expect(first.get_by_test_id("account-four-eyes")).to_be_visible()
    shot(first, "accounts-entered")

    second = new_page()
    login(second, "caiwu2")
    for _ in range(2):
        second.goto("/bank-accounts/")
        second.get_by_test_id("account-awaiting").locator("a").first.click()
        second.get_by_test_id("account-approve").click()
        success(second)
        expect(second.get_by_test_id("account-in-force")).to_be_visible()
    shot(second, "accounts-approved")
    second.goto(batch_url)
    second.get_by_test_id("batch-approve").click()
    success(second)
    shot(second, "batch-approved")
    second.get_by_test_id("export-xlsx").click()
    success(second)
    with second.expect_download() as download_info:
        second.get_by_test_id("download-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with zipfile.ZipFile(download.path()) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
    with open(download.path(), "rb") as handle:  # what the bank's spreadsheet program reads
        workbook = openpyxl.load_workbook(handle)
    lines = workbook.worksheets[0]
    assert lines["B1"].value == PayoutBatch.objects.get().reference
    assert lines["B7"].value == "叁佰万元整"  # the total in capital figures
    shot(second, "exported")

    # Line by line: "mark all pending paid" does the same in one request (tested in
    # subsidies/tests/test_payouts_workflow.py); here each eager payout-notice job runs in its own request.
    for line in PayoutLine.objects.order_by("pk"):
        voucher = f"记-2025-{line.pk:04d}"
        second.get_by_test_id(f"line-{line.pk}").locator("input[name=voucher_number]").fill(voucher)
        second.get_by_test_id(f"paid-{line.pk}").click(timeout=30_000)  # the eager PDF notice job runs in the request
        expect(second.get_by_test_id(f"line-{line.pk}")).to_contain_text(voucher)  # the page after the POST
        success(second)
    shot(second, "paid")
    batch = PayoutBatch.objects.get()
    assert batch.state == PayoutBatch.State.CLOSED and batch.approved_by.username == "caiwu2"
    assert set(PayoutLine.objects.values_list("state", flat=True)) == {"paid"}
    assert all(line.voucher_number == f"记-2025-{line.pk:04d}" for line in PayoutLine.objects.all())
    assert set(Entitlement.objects.values_list("state", flat=True)) == {"paid"}
