"""Finance trusts every figure (issue 9): batches per paying authority, payment dates and voucher
numbers, four-eyes on recoveries (追偿), write-offs (核销) and payees' bank accounts, every money change
an audit event with the person, old → new and the reason, and the scenarios from entitlement to the
exported, paid batch."""
import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy

from institutes.models import Grade
from portal.audit.models import AuditEvent
from portal.workflow import TransitionRefused
from subsidies.models import Entitlement, PayeeAccount, PayoutBatch, PayoutLine, Recovery
from subsidies.models.payouts import (
    account_approver_is_not_proposer, approver_is_not_recorder, approver_is_not_write_off_proposer,
)
from subsidies.services import claims as claim_service, entitlements as entitlement_service, exports
from subsidies.services import payouts as services
from tests.factories import applicant, program_manager
from tests.factories_institutes_annual import recognised
from tests.factories_subsidies_claims import claim
from tests.factories_subsidies_payouts import entitlement, finance_user, zz23_year_inputs

pytestmark = pytest.mark.django_db
D = Decimal
ES = Entitlement.State
LOGIN = "django.contrib.auth.backends.ModelBackend"
DIGITS_ONLY = gettext_lazy("An account number has digits only (spaces and dashes are allowed between them); remove "
                           "the letters or other signs.")


@pytest.fixture
def officers():
    """Two officers of 郑州市财政局 (four-eyes) and one of 新乡市财政局."""
    return {"first": finance_user(first_name="郑会计"), "second": finance_user(first_name="王审核"),
            "xinxiang": finance_user(region_codes=["410700"])}


def events(obj, action):
    return list(AuditEvent.objects.for_object(obj).filter(action=action))


def accounts_for(orgs, officers):
    """Bank accounts entered by the first officer and approved by the second, through the services."""
    for org in orgs:
        account = services.propose_account(org, officers["first"], holder=org.name, bank="中国建设银行郑州金水支行",
                                           number=f"4105 0100 {org.pk:010d}", reason="首次登记")
        services.approve_account(account, officers["second"])


def paid_batch(officers, rows):
    """Approved entitlements → batch (first officer) → accounts → approved (second officer)."""
    for row in rows:
        if row.state != ES.APPROVED:
            entitlement_service.approve(row, officers["first"])
    batch = services.build_batch(officers["first"], Entitlement.objects.filter(pk__in=[r.pk for r in rows]),
                                 title="2024年度补助资金第一批")
    accounts_for({row.payee for row in rows}, officers)
    services.approve_batch(batch, officers["second"])
    return batch


def csv_rows(batch):
    with translation.override("zh-hans"):
        return list(csv.reader(io.StringIO(exports.csv_text(batch))))


# ---- scenarios: entitlement → batch → paid with voucher → export -----------------------------------

def test_zz23_yearly_subsidy_paid_with_vouchers_and_exported_with_its_header(officers):
    """ZZ23 五（一）"由市财政给予产业研究院（法人形式）或依托牵头单位科研经费补助……考核等次为优秀、良好、合格的，
    分别给予最高800万元、500万元、100万元": the yearly job computes 800万 (优秀) and 500万 (良好); 郑州市财政局
    batches them, pays each line with its date and 凭证号, and the export carries the accounts, the
    vouchers, 元 and 万元 with two places, the header (batch number, 付款单位, 编制人, 审核人, dates) and
    the total in capitals."""
    excellent, good = recognised(code="ZZ23"), recognised(code="ZZ23")
    zz23_year_inputs(excellent, 2024, Grade.EXCELLENT, "20000000.00")
    zz23_year_inputs(good, 2024, Grade.GOOD, "20000000.00")
    entitlement_service.compute_yearly(excellent.program, 2024)
    rows = list(Entitlement.objects.filter(institute__in=[excellent, good], rule_code="ZZ23-1").order_by("amount"))
    assert [row.amount for row in rows] == [D("5000000.00"), D("8000000.00")]
    batch = paid_batch(officers, rows)
    assert batch.authority.code == "410100" and batch.authority_name == "郑州市财政局"
    first, second = batch.lines.order_by("amount")
    services.mark_paid(first, officers["first"], day=datetime.date(2025, 3, 3), voucher_number="记-2025-0303")
    services.mark_paid(second, officers["second"], day=datetime.date(2025, 3, 4), voucher_number="记-2025-0304")
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.CLOSED
    assert set(Entitlement.objects.filter(pk__in=[r.pk for r in rows]).values_list("state", flat=True)) == {ES.PAID}

    table = csv_rows(batch)
    header = dict(row for row in table[:exports.HEADER_ROWS - 1])
    assert list(header.values())[:4] == [batch.reference, "郑州市财政局", str(officers["first"]), str(officers["second"])]
    assert list(header.values())[5:] == ["13,000,000.00", "壹仟叁佰万元整"]
    lines = {row[3]: row for row in table[exports.HEADER_ROWS + 1:exports.HEADER_ROWS + 3]}
    paid_first = lines[first.payee.name]
    assert paid_first[1] == "郑州市产业研究院"  # the program's name in Chinese
    assert paid_first[5:8] == [first.payee.name, "中国建设银行郑州金水支行", f"41050100{first.payee.pk:010d}"]
    assert (paid_first[11], paid_first[12], paid_first[14]) == ("5000000.00", "500.00", "记-2025-0303")
    assert lines[second.payee.name][14] == "记-2025-0304"
    assert table[-1] == [table[-1][0], "壹仟叁佰万元整"]


def test_claim_for_equity_financing_is_paid_once_and_exported(officers):
    """ZZ23 五（三）"市财政按照当年实际投资额（指货币资金且计入企业注册资本的金额）的10％给予股权融资补助，单个企业
    本项年度补助金额最高100万元": a claim for 800万 invested is approved at 80万, batched, paid under its voucher
    and exported as text-safe XLSX with the account number a text cell."""
    manager = program_manager("ZZ23")
    item = claim(code="ZZ23-3", facts={"investment": "8000000"})
    claim_service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    claim_service.approve_claim(item, manager, comment="符合条件")
    row = Entitlement.objects.get(claim=item)
    assert row.amount == D("800000.00")
    batch = paid_batch(officers, [row])
    services.mark_all_paid(batch, officers["first"], day=datetime.date(2025, 4, 1), voucher_number="银付-2025-41")
    batch.refresh_from_db()
    line = batch.lines.get()
    assert (batch.state, line.state, line.voucher_number, line.settled_on) == (
        PayoutBatch.State.CLOSED, PayoutLine.State.PAID, "银付-2025-41", datetime.date(2025, 4, 1))
    table = csv_rows(batch)
    assert table[exports.HEADER_ROWS + 1][11:15] == ["800000.00", "80.00", table[exports.HEADER_ROWS + 1][13],
                                                   "银付-2025-41"]
    assert table[exports.HEADER_ROWS - 2][1] == "捌拾万元整"


def test_xlsx_export_has_the_header_and_account_numbers_as_text(officers, tmp_path):
    rows = [entitlement(state=ES.APPROVED, amount="1234567.89")]
    batch = paid_batch(officers, rows)
    path = tmp_path / "b.xlsx"
    with translation.override("zh-hans"):
        exports.write_xlsx(batch, str(path))
    with zipfile.ZipFile(path) as book:
        names = [n for n in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml") if n in book.namelist()]
        text = "".join(book.read(name).decode() for name in names)
    number = PayeeAccount.objects.get(organization=rows[0].payee).number
    assert batch.reference in text and "郑州市财政局" in text and "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分" in text
    assert number in text and f"<v>{number}</v>" not in text
    assert str(officers["first"]) in text and str(officers["second"]) in text


# ---- one paying authority per batch; another authority's finance sees nothing ----------------------------

def test_a_batch_never_mixes_zhengzhou_and_xinxiang_money():
    """ZZ23 is paid by 郑州市财政局, XX22 by 新乡市财政局 ("责任单位：市工信局、财政局"): an officer serving both
    cannot put them in one batch; the refusal names both and says what to do; nothing is created."""
    both = finance_user(region_codes=["410100", "410700"])
    zz = entitlement(state=ES.APPROVED)
    xx = entitlement(state=ES.APPROVED, code="XX22", rule_code="XX22-1")
    with pytest.raises(TransitionRefused) as refusal:
        services.build_batch(both, Entitlement.objects.filter(pk__in=[zz.pk, xx.pk]))
    assert str(refusal.value.message) == _(
        "A batch pays the money of one paying authority; these entitlements are paid by %(names)s. Filter by "
        "program and build one batch for each.") % {"names": "新乡市财政局、郑州市财政局"}
    assert not PayoutBatch.objects.exists()
    assert set(Entitlement.objects.values_list("state", flat=True)) == {ES.APPROVED}
    one = services.build_batch(both, Entitlement.objects.filter(pk=zz.pk))
    other = services.build_batch(both, Entitlement.objects.filter(pk=xx.pk))
    assert (one.authority.code, other.authority.code) == ("410100", "410700")
    assert {line.program.region_id for line in one.lines.all()} == {one.authority_id}


def test_xinxiang_finance_cannot_batch_zhengzhou_money(officers):
    row = entitlement(state=ES.APPROVED)
    with pytest.raises(TransitionRefused, match="郑州市财政局"):
        services.build_batch(officers["xinxiang"], Entitlement.objects.filter(pk=row.pk))
    assert not PayoutBatch.objects.exists()


def test_xinxiang_finance_gets_404_on_a_zhengzhou_batch_line_and_recovery(client, officers):
    batch = paid_batch(officers, [entitlement(state=ES.APPROVED)])
    line = batch.lines.get()
    client.force_login(officers["xinxiang"], backend=LOGIN)
    assert client.get(reverse("subsidies:batch_detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("subsidies:line_paid", args=[line.pk]),
                       {"voucher_number": "记-1"}).status_code == 404
    assert client.get(reverse("subsidies:bank_account", args=[line.payee_id])).status_code == 404
    assert client.get(reverse("subsidies:batch_list")).context["page"].object_list.count() == 0
    line.refresh_from_db()
    assert line.state == PayoutLine.State.PENDING


# ---- vouchers, totals and net positions --------------------------------------------------------------

def test_a_line_is_not_paid_without_a_valid_voucher_number(client, officers):
    batch = paid_batch(officers, [entitlement(state=ES.APPROVED)])
    line = batch.lines.get()
    for bad in ("", "   ", "记账", "x" * 41):
        with pytest.raises(TransitionRefused):
            services.mark_paid(line, officers["first"], voucher_number=bad)
    client.force_login(officers["first"], backend=LOGIN)
    page = client.post(reverse("subsidies:line_paid", args=[line.pk]), {"voucher_number": ""}, follow=True)
    with translation.override("zh-hans"):
        assert str(_("Nothing was marked paid.")) in page.content.decode()
    line.refresh_from_db()
    assert (line.state, line.voucher_number) == (PayoutLine.State.PENDING, "")
    assert not events(line, "mark_paid")


def test_batch_totals_and_net_positions_show_failures_and_recoveries(client, officers):
    rows = [entitlement(state=ES.APPROVED, amount=amount) for amount in ("1000000.00", "300000.00")]
    batch = paid_batch(officers, rows)
    paid, failed = batch.lines.order_by("-amount")
    services.mark_paid(paid, officers["first"], voucher_number="记-1", day=datetime.date(2025, 5, 1))
    services.mark_failed(failed, officers["first"], reason="收款账户已注销")
    recovery = services.record_recovery(paid, officers["first"], amount=D("250000.00"), reason="骗取财政资金")
    services.approve_recovery(recovery, officers["second"])
    services.mark_recovered(recovery, officers["first"], voucher_number="收-1")
    totals = services.batch_totals(batch)
    assert (totals["paid"], totals["failed"], totals["pending"], totals["recovered"], totals["net"]) == (
        D("1000000.00"), D("300000.00"), D("0.00"), D("250000.00"), D("750000.00"))
    positions = services.net_positions([paid.payee_id, failed.payee_id])
    assert positions[paid.payee_id] == {"paid": D("1000000.00"), "recovered": D("250000.00"), "net": D("750000.00")}
    assert positions[failed.payee_id]["net"] == D("0.00")
    client.force_login(officers["first"], backend=LOGIN)
    page = client.get(reverse("subsidies:batch_detail", args=[batch.pk])).content.decode()
    assert "750,000.00" in page and "记-1" in page and "收款账户已注销" in page



def test_each_line_leads_to_how_it_was_computed(client, officers):
    """Finance trusts every figure (issue 9): a batch line links to its entitlement's page, which shows
    the rule version, the facts, the trace and the history of the amount."""
    row = entitlement(state=ES.APPROVED, amount="1000000.00")
    batch = paid_batch(officers, [row])
    line = batch.lines.get()
    client.force_login(officers["first"], backend=LOGIN)
    page = client.get(reverse("subsidies:batch_detail", args=[batch.pk])).content.decode()
    target = reverse("subsidies:entitlement_detail", args=[row.pk])
    assert f'href="{target}"' in page and f'data-testid="line-entitlement-{line.pk}"' in page
    detail = client.get(target)
    assert detail.status_code == 200 and 'data-testid="entitlement-rule"' in detail.content.decode()

# ---- four-eyes ---------------------------------------------------------------------------------------

@pytest.fixture
def paid_line(officers):
    batch = paid_batch(officers, [entitlement()])
    line = batch.lines.get()
    services.mark_paid(line, officers["first"], voucher_number="记-9")
    line.refresh_from_db()
    return line


def test_the_recorder_of_a_recovery_cannot_approve_it(client, officers, paid_line):
    """ZZ23 "违规骗取、套取财政资金的单位或个人，市工信局会同相关部门依法予以追偿": recorded by one officer, the
    recovery takes effect only when another approves; until then it cannot be collected."""
    recovery = services.record_recovery(paid_line, officers["first"], amount=D("100000.00"), reason="骗取",
                                        decision_document="郑工信〔2025〕8号")
    assert recovery.state == Recovery.State.PROPOSED
    with pytest.raises(TransitionRefused) as refusal:
        services.approve_recovery(recovery, officers["first"])
    assert str(refusal.value.message) == str(approver_is_not_recorder.refusal_message)
    with pytest.raises(TransitionRefused):
        services.mark_recovered(recovery, officers["first"], voucher_number="收-1")
    client.force_login(officers["first"], backend=LOGIN)
    page = client.get(reverse("subsidies:recovery_list")).content.decode()
    assert 'data-testid="recovery-four-eyes"' in page and f"recovery-approve-{recovery.pk}" not in page
    response = client.post(reverse("subsidies:recovery_action", args=[recovery.pk, "approve"]), follow=True)
    with translation.override("zh-hans"):
        assert str(approver_is_not_recorder.refusal_message) in response.content.decode()
    recovery.refresh_from_db()
    assert recovery.state == Recovery.State.PROPOSED
    services.approve_recovery(recovery, officers["second"])
    recovery.refresh_from_db()
    assert (recovery.state, recovery.approved_by) == (Recovery.State.DUE, officers["second"])
    (event,) = events(recovery, "approve")
    assert (event.actor, event.data["amount"], event.data["recorded_by"]) == (
        officers["second"], "100000.00", officers["first"].pk)


def test_a_rejected_recovery_never_takes_effect(officers, paid_line):
    recovery = services.record_recovery(paid_line, officers["first"], amount=D("100000.00"), reason="骗取")
    with pytest.raises(TransitionRefused):
        services.reject_recovery(recovery, officers["second"], reason=" ")
    services.reject_recovery(recovery, officers["second"], reason="证据不足")
    recovery.refresh_from_db()
    assert (recovery.state, recovery.line.state) == (Recovery.State.REJECTED, PayoutLine.State.FAILED)
    assert services.recoverable(paid_line) == paid_line.amount
    assert events(recovery, "reject")[0].comment == "证据不足"


def test_the_proposer_of_a_write_off_cannot_approve_it(officers, paid_line):
    """XX22 (六) "对确因不可抗力因素研发或投资失败造成的财政资金损失，经相关程序予以核销处理": the write-off is
    proposed by one officer with the approving decision and takes effect when another approves."""
    recovery = services.record_recovery(paid_line, officers["first"], amount=D("100000.00"), reason="骗取")
    services.approve_recovery(recovery, officers["second"])
    recovery.refresh_from_db()
    services.propose_write_off(recovery, officers["second"], reason="企业破产，无法追回",
                               decision_document="郑财〔2025〕3号", decided_on=datetime.date(2025, 6, 1))
    recovery.refresh_from_db()
    with pytest.raises(TransitionRefused) as refusal:
        services.approve_write_off(recovery, officers["second"])
    assert str(refusal.value.message) == str(approver_is_not_write_off_proposer.refusal_message)
    recovery.refresh_from_db()
    assert recovery.state == Recovery.State.WRITE_OFF_PROPOSED
    services.approve_write_off(recovery, officers["first"])
    recovery.refresh_from_db()
    assert recovery.state == Recovery.State.WRITTEN_OFF
    assert recovery.written_off_by.approved_by == officers["first"]
    (event,) = events(recovery, "write_off")
    assert (event.actor, event.data["decision_document"], event.data["proposed_by"]) == (
        officers["first"], "郑财〔2025〕3号", officers["second"].pk)
    assert services.batch_totals(paid_line.batch)["written_off"] == D("100000.00")


def test_the_changer_of_bank_details_cannot_approve_them(client, officers):
    """Bank details change only with a second officer's approval, audited with old → new and the reason."""
    org = entitlement(state=ES.APPROVED).payee
    first = services.propose_account(org, officers["first"], holder="甲公司", bank="中国银行郑州分行",
                                     number="6217 0000 1111", reason="首次登记")
    with pytest.raises(TransitionRefused) as refusal:
        services.approve_account(first, officers["first"])
    assert str(refusal.value.message) == str(account_approver_is_not_proposer.refusal_message)
    first.refresh_from_db()
    assert first.state == PayeeAccount.State.PROPOSED
    services.approve_account(first, officers["second"])
    member = applicant(organization=org)
    client.force_login(member, backend=LOGIN)
    response = client.post(reverse("subsidies:bank_account", args=[org.pk]), {
        "holder": "甲公司", "bank": "中国工商银行郑州分行", "number": "6222-0000-2222", "reason": "开户行变更"})
    assert response.status_code == 302
    change = PayeeAccount.objects.get(organization=org, state=PayeeAccount.State.PROPOSED)
    assert (change.number, change.proposed_by) == ("622200002222", member)
    assert client.post(reverse("subsidies:bank_account_action", args=[change.pk, "approve"])).status_code == 403
    services.approve_account(change, officers["first"])
    first.refresh_from_db()
    change.refresh_from_db()
    assert (first.state, change.state) == (PayeeAccount.State.SUPERSEDED, PayeeAccount.State.APPROVED)
    (proposed,) = events(change, "propose")
    assert (proposed.actor, proposed.comment) == (member, "开户行变更")
    assert proposed.data["old"]["number"] == "621700001111" and proposed.data["new"]["number"] == "622200002222"
    (approved,) = events(change, "approve")
    assert approved.actor == officers["first"] and approved.data["old"]["bank"] == "中国银行郑州分行"
    assert approved.data["new"]["bank"] == "中国工商银行郑州分行" and approved.data["reason"] == "开户行变更"


def test_an_account_number_with_letters_is_refused_and_changes_nothing(client, officers):
    org = entitlement(state=ES.APPROVED).payee
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as refusal:
        services.propose_account(org, officers["first"], holder="甲", bank="乙", number="6217O000111", reason="x")
    assert str(refusal.value.message) == str(DIGITS_ONLY)
    client.force_login(officers["first"], backend=LOGIN)
    page = client.post(reverse("subsidies:bank_account", args=[org.pk]), {
        "holder": "甲公司", "bank": "中国银行", "number": "62AB 0000 1111", "reason": "首次登记"})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors["number"] == [str(DIGITS_ONLY)]
    assert not PayeeAccount.objects.exists() and AuditEvent.objects.count() == before


def test_a_batch_with_a_payee_without_an_approved_account_cannot_be_approved(client, officers):
    row = entitlement(state=ES.APPROVED)
    batch = services.build_batch(officers["first"], Entitlement.objects.filter(pk=row.pk))
    with pytest.raises(TransitionRefused) as refusal:
        services.approve_batch(batch, officers["second"])
    assert row.payee.name in refusal.value.message
    client.force_login(officers["second"], backend=LOGIN)
    page = client.get(reverse("subsidies:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="missing-accounts"' in page
    assert reverse("subsidies:bank_account", args=[row.payee_id]) in page
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.DRAFT


# ---- every money change is an audit event with its person ------------------------------------------------

def test_every_money_change_is_audited_with_the_person_and_the_reason(officers, paid_line):
    held = entitlement()
    entitlement_service.hold(held, officers["first"], reason="待核实资金投入")
    assert events(held, "hold")[0].comment == "待核实资金投入"
    row = paid_line.entitlement
    assert [e.actor for e in events(row, "approve")] == [officers["first"]]
    assert events(row, "add_to_batch")[0].actor == officers["first"]
    (paid,) = events(paid_line, "mark_paid")
    assert (paid.actor, paid.data["amount"], paid.data["voucher_number"]) == (
        officers["first"], str(paid_line.amount), "记-9")
    assert paid.data["paid_on"] == str(paid_line.settled_on)
    assert events(paid_line.batch, "approve")[0].actor == officers["second"]
    recovery = services.record_recovery(paid_line, officers["first"], amount=D("1.00"), reason="多付")
    (recorded,) = events(recovery, "record")
    assert (recorded.actor, recorded.comment, recorded.data["amount"]) == (officers["first"], "多付", "1.00")
