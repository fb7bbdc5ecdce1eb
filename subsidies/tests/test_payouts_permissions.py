"""Who may open which entitlement and payout page: every view × every role, with the exact code.

    owner           applicant of the payee organisation (its entitlement is the object)
    other_org       applicant of another organisation
    district        district bureau of the payee's region
    manager         program manager of ZZ23 (the entitlements' program)
    other_manager   program manager of XX22 only
    expert          an expert
    finance         finance officer of 郑州市财政局 (did not build or record anything in the world)
    xx_finance      finance officer of 新乡市财政局: Zhengzhou's batches, lines, recoveries and payees'
                    accounts are 404 to them; their own lists are empty
    anonymous

Codes: 200/403/404/405; LOGIN = redirect to the login page; MOVED = any other redirect. Every refused
request leaves the database as it was (a 200 on a POST re-renders the form with the refusal: the
Xinxiang officer's run of ZZ23 or batch of Zhengzhou entitlements; checked in the last tests). Finance may not edit scores or grades (last tests).
"""
import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from institutes.models import AnnualGrade
from portal.audit.models import AuditEvent
from reviews.models import EvaluationEntry, ScoreSheet
from subsidies.models import (
    Entitlement, EntitlementRun, ExportFile, PayeeAccount, PayoutBatch, PayoutLine, Recovery, WriteOff,
)
from subsidies.services import exports, payouts
from subsidies.views import entitlements as entitlement_views, payouts as payout_views
from tests.factories import PDF_BYTES, UserFactory, applicant, district_user, program, program_manager
from tests.factories_subsidies_payouts import approved_accounts, batch_with_lines, entitlement, finance_user
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db
ES = Entitlement.State

ROLES = ("owner", "other_org", "district", "manager", "other_manager", "expert", "finance", "xx_finance",
         "anonymous")
FINANCE_ONLY = (403, 403, 403, 403, 403, 403, 200, 404, LOGIN)
FINANCE_ONLY_POST = (403, 403, 403, 403, 403, 403, MOVED, 404, LOGIN)
FINANCE_LIST = (403, 403, 403, 403, 403, 403, 200, 200, LOGIN)
POST_ONLY = (405, 405, 405, 405, 405, 405, 405, 405, LOGIN)
STAFF_LIST = (403, 403, 403, 200, 200, 403, 200, 200, LOGIN)
ACCOUNT_PAGE = (200, 404, 404, 404, 404, 404, 200, 404, LOGIN)
ACCOUNT_POST = (MOVED, 404, 404, 404, 404, 404, MOVED, 404, LOGIN)

# fmt: off
MATRIX = [
    # (url name, method, object)                                    owner  other  distr  mgr    o_mgr  expert fin    xx_fin anon
    (("subsidies:entitlement_list", "GET", None),                    STAFF_LIST),
    (("subsidies:my_entitlements", "GET", None),                     (200,   200,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("subsidies:entitlement_detail", "GET", "entitlement"),         (200,   404,   404,   200,   404,   404,   200,   404,   LOGIN)),
    (("subsidies:entitlement_action", "GET", "approve"),             POST_ONLY),
    (("subsidies:entitlement_action", "POST", "approve"),            (403,   404,   404,   403,   404,   404,   MOVED, 404,   LOGIN)),
    (("subsidies:entitlement_action", "POST", "hold"),               (403,   404,   404,   403,   404,   404,   MOVED, 404,   LOGIN)),
    (("subsidies:entitlement_bulk_approve", "GET", None),            POST_ONLY),
    (("subsidies:entitlement_bulk_approve", "POST", None),           (403,   403,   403,   403,   403,   403,   MOVED, MOVED, LOGIN)),
    (("subsidies:run_list", "GET", None),                            STAFF_LIST),
    (("subsidies:run_list", "POST", None),                           (403,   403,   403,   MOVED, 200,   403,   MOVED, 200,   LOGIN)),
    (("subsidies:run_detail", "GET", "run"),                         (403,   403,   403,   200,   404,   403,   200,   404,   LOGIN)),
    (("subsidies:batch_list", "GET", None),                          FINANCE_LIST),
    (("subsidies:batch_create", "GET", None),                        FINANCE_LIST),
    (("subsidies:batch_create", "POST", None),                       (403,   403,   403,   403,   403,   403,   MOVED, 200,   LOGIN)),
    (("subsidies:batch_detail", "GET", "draft"),                     FINANCE_ONLY),
    (("subsidies:batch_action", "GET", "approve"),                   POST_ONLY),
    (("subsidies:batch_action", "POST", "approve"),                  FINANCE_ONLY_POST),
    (("subsidies:batch_action", "POST", "cancel"),                   FINANCE_ONLY_POST),
    (("subsidies:batch_export", "GET", "xlsx"),                      POST_ONLY),
    (("subsidies:batch_export", "POST", "xlsx"),                     FINANCE_ONLY_POST),
    (("subsidies:batch_mark_all_paid", "POST", "approved"),          FINANCE_ONLY_POST),
    (("subsidies:export_download", "GET", "export"),                 FINANCE_ONLY),
    (("subsidies:line_paid", "GET", "line"),                         POST_ONLY),
    (("subsidies:line_paid", "POST", "line"),                        FINANCE_ONLY_POST),
    (("subsidies:line_failed", "POST", "line"),                      FINANCE_ONLY_POST),
    (("subsidies:recovery_create", "GET", "paid_line"),              FINANCE_ONLY),
    (("subsidies:recovery_create", "POST", "paid_line"),             FINANCE_ONLY_POST),
    (("subsidies:recovery_list", "GET", None),                       FINANCE_LIST),
    (("subsidies:recovery_recovered", "POST", "recovery"),           FINANCE_ONLY_POST),
    (("subsidies:recovery_write_off", "GET", "recovery"),            FINANCE_ONLY),
    (("subsidies:recovery_write_off", "POST", "recovery"),           FINANCE_ONLY_POST),
    (("subsidies:recovery_action", "GET", "approve"),                POST_ONLY),
    (("subsidies:recovery_action", "POST", "approve"),               FINANCE_ONLY_POST),
    (("subsidies:recovery_action", "POST", "reject"),                FINANCE_ONLY_POST),
    (("subsidies:recovery_action", "POST", "approve-write-off"),     FINANCE_ONLY_POST),
    (("subsidies:bank_account_list", "GET", None),                   FINANCE_LIST),
    (("subsidies:bank_account", "GET", "owner_org"),                 ACCOUNT_PAGE),
    (("subsidies:bank_account", "POST", "owner_org"),                ACCOUNT_POST),
    (("subsidies:bank_account_action", "GET", "approve"),            POST_ONLY),
    (("subsidies:bank_account_action", "POST", "approve"),           FINANCE_ONLY_POST),
    (("subsidies:bank_account_action", "POST", "reject"),            FINANCE_ONLY_POST),
]
# fmt: on


@pytest.fixture
def world():
    owner = applicant(username="owner")
    builder = finance_user(username="builder")
    own = entitlement(owner.organization, state=ES.COMPUTED)
    entitlement(state=ES.APPROVED)
    draft = batch_with_lines(builder, 2)
    approved = batch_with_lines(builder, 2, state=PayoutBatch.State.APPROVED, approver=finance_user())
    closed = batch_with_lines(builder, 2, state=PayoutBatch.State.CLOSED, line_state=PayoutLine.State.PAID)
    paid_lines = list(closed.lines.order_by("pk"))
    second = finance_user(username="second")
    recovery = payouts.record_recovery(paid_lines[1], builder, amount=Decimal("100.00"), reason="骗取资金")
    payouts.approve_recovery(recovery, second)
    pending_recovery = payouts.record_recovery(paid_lines[0], builder, amount=Decimal("50.00"), reason="骗取资金")
    write_off_recovery = payouts.record_recovery(paid_lines[1], builder, amount=Decimal("30.00"), reason="骗取资金")
    payouts.approve_recovery(write_off_recovery, second)
    payouts.propose_write_off(write_off_recovery, builder, reason="企业注销", decision_document="财核〔2025〕2号",
                              decided_on=datetime.date(2025, 1, 10))
    approved_accounts([owner.organization])
    proposal = payouts.propose_account(paid_lines[0].payee, builder, holder="付款企业", bank="中国银行郑州分行",
                                       number="6217000011112222", reason="开户行变更")
    export = ExportFile.objects.create(batch=approved, format="csv", requested_by=builder)
    exports.build(export.pk)
    run = EntitlementRun.objects.create(program=program("ZZ23"), year=2024, requested_by=builder)
    return {
        "owner": owner, "manager": program_manager("ZZ23"), "entitlement": own, "draft": draft,
        "approved": approved, "line": approved.lines.first(), "paid_line": paid_lines[0], "recovery": recovery,
        "pending_recovery": pending_recovery, "write_off_recovery": write_off_recovery, "proposal": proposal,
        "export": export, "run": run,
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "finance"),
        "manager": lambda: world["manager"],
        "other_manager": lambda: program_manager("XX22"),
        "expert": lambda: UserFactory(role="expert"),
        "finance": lambda: finance_user(),
        "xx_finance": lambda: finance_user(region_codes=["410700"]),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    if name == "subsidies:entitlement_action":
        return reverse(name, args=[world["entitlement"].pk, target])
    if name == "subsidies:batch_action":
        return reverse(name, args=[world["draft"].pk, target])
    if name == "subsidies:batch_export":
        return reverse(name, args=[world["approved"].pk, target])
    if name == "subsidies:recovery_action":
        recovery = world["write_off_recovery" if target == "approve-write-off" else "pending_recovery"]
        return reverse(name, args=[recovery.pk, target])
    if name == "subsidies:bank_account_action":
        return reverse(name, args=[world["proposal"].pk, target])
    if name == "subsidies:bank_account":
        return reverse(name, args=[world["owner"].organization_id])
    if target is None:
        return reverse(name)
    return reverse(name, args=[world[target].pk])


def post_data(name, world, target):
    return {
        "subsidies:entitlement_action": lambda: {"reason": "待核实"} if target == "hold" else {},
        "subsidies:entitlement_bulk_approve": lambda: {"selected": [world["entitlement"].pk]},
        "subsidies:run_list": lambda: {"program": "ZZ23", "year": "2024"},
        "subsidies:batch_create": lambda: {
            "title": "测试批次", "entitlements": list(Entitlement.objects.filter(state=ES.APPROVED).values_list("pk", flat=True))},
        "subsidies:batch_action": dict,
        "subsidies:batch_export": dict,
        "subsidies:batch_mark_all_paid": lambda: {"voucher_number": "记-2026-0013"},
        "subsidies:line_paid": lambda: {"voucher_number": "记-2026-0012"},
        "subsidies:line_failed": lambda: {"reason": "账号有误"},
        "subsidies:recovery_create": lambda: {"amount": "1000.00", "reason": "骗取资金", "decision_document": "文号"},
        "subsidies:recovery_recovered": lambda: {"voucher_number": "收-2026-0001"},
        "subsidies:recovery_action": lambda: {"reason": "证据不足"} if target == "reject" else {},
        "subsidies:bank_account": lambda: {"holder": "新户名", "bank": "中国工商银行郑州分行", "number": "6222 0000 1111 2222",
                                           "reason": "开户行变更"},
        "subsidies:bank_account_action": lambda: {"reason": "账号有误"} if target == "reject" else {},
        "subsidies:recovery_write_off": lambda: {
            "reason": "不可抗力", "decision_document": "财核〔2025〕1号", "decided_on": "2025-01-10",
            "decision_file": SimpleUploadedFile("决定.pdf", PDF_BYTES)},
    }[name]()


def snapshot():
    return {
        "entitlements": list(Entitlement.objects.order_by("pk").values_list("pk", "state", "amount", "version")),
        "batches": list(PayoutBatch.objects.order_by("pk").values_list("pk", "state", "version")),
        "lines": list(PayoutLine.objects.order_by("pk").values_list("pk", "state")),
        "recoveries": list(Recovery.objects.order_by("pk").values_list("pk", "state")),
        "accounts": list(PayeeAccount.objects.order_by("pk").values_list("pk", "state")),
        "write_offs": WriteOff.objects.count(),
        "exports": ExportFile.objects.count(),
        "runs": EntitlementRun.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=post_data, snapshot=snapshot,
)


def test_every_page_has_a_row_in_the_matrix():
    in_matrix = names_in(MATRIX)
    ours = {f"subsidies:{p.name}" for p in [*entitlement_views.urlpatterns, *payout_views.urlpatterns]}
    assert ours == in_matrix


def test_the_successful_posts_did_their_work(client, world, django_capture_on_commit_callbacks):
    client.force_login(finance_user(), backend="django.contrib.auth.backends.ModelBackend")
    client.post(url_for("subsidies:batch_action", "approve", world), {})
    world["draft"].refresh_from_db()
    assert world["draft"].state == PayoutBatch.State.APPROVED
    client.post(reverse("subsidies:line_failed", args=[world["line"].pk]), {"reason": "账号有误"})
    world["line"].refresh_from_db()
    assert (world["line"].state, world["line"].failure_reason) == ("failed", "账号有误")
    client.post(url_for("subsidies:recovery_write_off", "recovery", world),
                post_data("subsidies:recovery_write_off", world, None))
    world["recovery"].refresh_from_db()
    assert world["recovery"].state == Recovery.State.WRITE_OFF_PROPOSED
    assert world["recovery"].written_off_by.decision_document == "财核〔2025〕1号"
    assert world["recovery"].written_off_by.sha256
    client.force_login(finance_user(), backend="django.contrib.auth.backends.ModelBackend")  # a second officer
    client.post(reverse("subsidies:recovery_action", args=[world["recovery"].pk, "approve-write-off"]))
    world["recovery"].refresh_from_db()
    assert world["recovery"].state == Recovery.State.WRITTEN_OFF
    client.post(reverse("subsidies:recovery_action", args=[world["pending_recovery"].pk, "approve"]))
    world["pending_recovery"].refresh_from_db()
    assert world["pending_recovery"].state == Recovery.State.DUE
    client.post(reverse("subsidies:bank_account_action", args=[world["proposal"].pk, "approve"]))
    world["proposal"].refresh_from_db()
    assert world["proposal"].state == PayeeAccount.State.APPROVED


def test_xinxiang_finance_cannot_run_or_batch_zhengzhou_money(client, world):
    """新乡市财政局 pays XX22 only: its officer's run of ZZ23 and batch of Zhengzhou entitlements are
    refused with the reason, nothing created."""
    client.force_login(finance_user(region_codes=["410700"]), backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()
    run = client.post(reverse("subsidies:run_list"), {"program": "ZZ23", "year": "2024"})
    assert run.status_code == 200
    batch = client.post(reverse("subsidies:batch_create"), post_data("subsidies:batch_create", world, None))
    assert batch.status_code == 200 and "entitlements" in batch.context["form"].errors
    bulk = client.post(reverse("subsidies:entitlement_bulk_approve"), {"selected": [world["entitlement"].pk]})
    assert bulk.status_code == 302
    assert snapshot() == before


def test_applicant_sees_only_its_own_entitlements(client, world):
    other = entitlement(state=ES.APPROVED)
    client.force_login(world["owner"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("subsidies:my_entitlements"))
    assert [e.pk for e in page.context["page"]] == [world["entitlement"].pk]
    assert client.get(reverse("subsidies:entitlement_detail", args=[other.pk])).status_code == 404


# ---- finance cannot edit scores or grades ---------------------------------------------------------------

def test_finance_cannot_change_grades_or_publish_them(client):
    from tests.factories_reviews_evaluation import evaluation

    ev = evaluation("ZZ23", 2024, n=1, state="proposed")
    entry = ev.entries.get()
    client.force_login(finance_user(), backend="django.contrib.auth.backends.ModelBackend")
    change = client.post(reverse("reviews:entry_change_grade", args=[ev.pk, entry.pk]),
                         {"grade": "excellent", "reason": "财政修改"})
    confirm = client.post(reverse("reviews:evaluation_confirm", args=[ev.pk]), {})
    publish = client.post(reverse("reviews:evaluation_publish", args=[ev.pk]), {"published_on": "2025-04-01"})
    assert {change.status_code, confirm.status_code, publish.status_code} <= {403, 404}
    assert EvaluationEntry.objects.get(pk=entry.pk).final_grade == entry.final_grade
    assert not AnnualGrade.objects.exists()


def test_finance_cannot_score(client):
    from tests.factories_reviews_scoring import make_panel

    panel = make_panel("ZZ23", items=1)
    item = panel.items.get()
    client.force_login(finance_user(), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("reviews:score_item", args=[item.pk]), {"total": "99"})
    assert response.status_code in (403, 404)
    assert not ScoreSheet.objects.exists()
    assert client.get(reverse("admin:index")).status_code == 302  # not staff: no admin either
