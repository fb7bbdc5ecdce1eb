"""Building, approving (four-eyes), settling, recovering and writing off payout batches."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext

from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused, available_actions
from subsidies.models import Entitlement, PayoutBatch, PayoutLine, Recovery
from subsidies.services import payouts as services
from tests.factories import applicant
from tests.factories_subsidies_payouts import approved_accounts, entitlement, finance_user

pytestmark = pytest.mark.django_db
ES = Entitlement.State
D = Decimal


@pytest.fixture
def people():
    return {"builder": finance_user(username="builder"), "approver": finance_user(username="approver")}


def built(people, n=2, amounts=None):
    rows = [entitlement(state=ES.APPROVED, amount=(amounts or ["1000000.00"] * n)[i]) for i in range(n)]
    approved_accounts([e.payee for e in rows])
    return services.build_batch(people["builder"], Entitlement.objects.filter(pk__in=[e.pk for e in rows]),
                                title="2024年补助")


def test_build_makes_one_line_per_entitlement_and_totals_in_decimal(people):
    batch = built(people, 3, ["1000000.10", "2000000.20", "0.05"])
    assert (batch.line_count, batch.total, batch.state) == (3, D("3000000.35"), PayoutBatch.State.DRAFT)
    assert isinstance(batch.total, Decimal)
    assert set(Entitlement.objects.values_list("state", flat=True)) == {ES.BATCHED}
    assert AuditEvent.objects.filter(action="add_to_batch").count() == 3
    assert AuditEvent.objects.filter(action="build").count() == 1


def test_only_approved_entitlements_can_be_batched(people):
    computed = entitlement(state=ES.COMPUTED)
    with pytest.raises(TransitionRefused):
        services.build_batch(people["builder"], Entitlement.objects.filter(pk=computed.pk))
    assert not PayoutBatch.objects.exists()


def test_four_eyes_the_builder_cannot_approve(people):
    batch = built(people)
    four_eyes = gettext("the batch must be approved by someone other than the person who built it")
    with pytest.raises(TransitionRefused, match=four_eyes):
        services.approve_batch(batch, people["builder"])
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.DRAFT
    batch._acting_user = people["builder"]
    assert "approve" not in dict(available_actions(batch, people["builder"]))
    services.approve_batch(batch, people["approver"])
    batch.refresh_from_db()
    assert (batch.state, batch.approved_by) == (PayoutBatch.State.APPROVED, people["approver"])


def test_four_eyes_through_the_page(client, people):
    batch = built(people)
    client.force_login(people["builder"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("subsidies:batch_detail", args=[batch.pk]))
    assert b'data-testid="batch-approve"' not in page.content
    assert b'data-testid="four-eyes-note"' in page.content
    client.post(reverse("subsidies:batch_action", args=[batch.pk, "approve"]))
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.DRAFT
    client.force_login(people["approver"], backend="django.contrib.auth.backends.ModelBackend")
    assert b'data-testid="batch-approve"' in client.get(reverse("subsidies:batch_detail", args=[batch.pk])).content
    client.post(reverse("subsidies:batch_action", args=[batch.pk, "approve"]))
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.APPROVED


def test_non_finance_cannot_approve(people):
    batch = built(people)
    with pytest.raises(PermissionDenied):
        services.approve_batch(batch, applicant())


def test_lines_cannot_be_settled_before_approval(people):
    batch = built(people)
    with pytest.raises(TransitionRefused):
        services.mark_paid(batch.lines.first(), people["approver"], voucher_number="记-1")


def test_paid_and_failed_lines_settle_the_entitlements_and_close_the_batch(people, django_capture_on_commit_callbacks):
    batch = built(people)
    services.approve_batch(batch, people["approver"])
    first, second = batch.lines.order_by("pk")
    member = applicant(organization=first.payee)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(first, people["builder"], day=datetime.date(2025, 3, 1), voucher_number="记-2025-0301")
    with pytest.raises(TransitionRefused):
        services.mark_failed(second, people["builder"], reason=" ")
    services.mark_failed(second, people["builder"], reason="收款账户已注销")
    first.refresh_from_db()
    second.refresh_from_db()
    batch.refresh_from_db()
    assert (first.state, first.settled_on, first.voucher_number) == (
        PayoutLine.State.PAID, datetime.date(2025, 3, 1), "记-2025-0301")
    assert (second.state, second.failure_reason) == (PayoutLine.State.FAILED, "收款账户已注销")
    assert first.entitlement.state == ES.PAID and second.entitlement.state == ES.FAILED
    assert batch.state == PayoutBatch.State.CLOSED
    note = Notification.objects.get(recipient=member, message__contains="1,000,000.00 元")
    assert first.payee.name in note.message
    # a failed entitlement can be paid again in a new batch
    from portal.workflow import transition

    transition(second.entitlement, "retry", people["builder"])
    again = services.build_batch(people["builder"], Entitlement.objects.filter(pk=second.entitlement_id))
    assert again.line_count == 1


def test_mark_all_paid_notifies_each_payee_once(people, django_capture_on_commit_callbacks):
    batch = built(people, 3)
    services.approve_batch(batch, people["approver"])
    members = [applicant(organization=line.payee) for line in batch.lines.all()]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_all_paid(batch, people["builder"], voucher_number="银付-88") == 3
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.CLOSED
    paid = Notification.objects.filter(recipient__in=members, message__contains=" 元")
    assert sorted(n.recipient_id for n in paid) == sorted(m.pk for m in members)


def test_cancel_returns_the_entitlements(people):
    batch = built(people)
    services.cancel_batch(batch, people["approver"])
    assert set(Entitlement.objects.values_list("state", flat=True)) == {ES.APPROVED}


def paid_line(people):
    batch = built(people, 1, ["1000000.00"])
    services.approve_batch(batch, people["approver"])
    line = batch.lines.get()
    services.mark_paid(line, people["builder"], voucher_number="记-7")
    line.refresh_from_db()
    return line


def test_recovery_is_a_negative_line_linked_to_the_original(people):
    line = paid_line(people)
    recovery = services.record_recovery(line, people["builder"], amount=D("600000.00"), reason="骗取财政资金",
                                        decision_document="郑工信〔2025〕8号")
    assert recovery.line.amount == D("-600000.00")
    assert (recovery.line.recovers, recovery.line.kind, recovery.state) == (
        line, "recovery", Recovery.State.PROPOSED)
    assert services.recoverable(line) == D("400000.00")
    with pytest.raises(TransitionRefused):
        services.record_recovery(line, people["builder"], amount=D("400000.01"), reason="超出")
    services.approve_recovery(recovery, people["approver"])
    services.mark_recovered(recovery, people["builder"], voucher_number="记-收-3")
    recovery.refresh_from_db()
    assert (recovery.state, recovery.line.state) == (Recovery.State.RECOVERED, PayoutLine.State.PAID)


def test_write_off_records_the_approving_decision(people):
    line = paid_line(people)
    recovery = services.record_recovery(line, people["builder"], amount=D("1000000.00"), reason="骗取")
    services.approve_recovery(recovery, people["approver"])
    record = services.propose_write_off(recovery, people["approver"], reason="企业破产，无法追回",
                                        decision_document="郑财〔2025〕3号", decided_on=datetime.date(2025, 6, 1))
    recovery.refresh_from_db()
    assert recovery.state == Recovery.State.WRITE_OFF_PROPOSED
    services.approve_write_off(recovery, people["builder"])
    recovery.refresh_from_db()
    assert (recovery.state, record.amount, record.decision_document) == (
        Recovery.State.WRITTEN_OFF, D("1000000.00"), "郑财〔2025〕3号")
    assert recovery.line.state == PayoutLine.State.FAILED
    assert AuditEvent.objects.filter(action="write_off").exists()


def test_recovery_due_lists_revocations_for_fraud(people):
    from institutes.models import Institute, Revocation
    from tests.factories_institutes_annual import recognised

    institute = recognised()
    ent = entitlement(institute.lead_unit, state=ES.APPROVED, institute=institute)
    approved_accounts([institute.lead_unit])
    batch = services.build_batch(people["builder"], Entitlement.objects.filter(pk=ent.pk))
    services.approve_batch(batch, people["approver"])
    line = batch.lines.get()
    services.mark_paid(line, people["builder"], voucher_number="记-9")
    Revocation.objects.create(institute=institute, grounds=Revocation.Grounds.FRAUD, state=Revocation.State.CONFIRMED,
                              proposed_on=datetime.date(2025, 1, 1), decided_on=datetime.date(2025, 2, 1),
                              document_reference="郑工信〔2025〕9号", funds_obtained_by_fraud=True)
    Institute.objects.filter(pk=institute.pk).update(state=Institute.State.REVOKED, revoked_on=datetime.date(2025, 2, 1))
    from subsidies.selectors.payouts import recovery_due

    assert list(recovery_due(people["builder"])) == [line]
    services.record_recovery(line, people["builder"], amount=D("1000.00"), reason="骗取")
    assert list(recovery_due(people["builder"])) == []
