"""Payout batches (POLICY.md §6): build from approved entitlements, approve (four-eyes), settle each
line (paid / failed with a reason), recover (追偿) and write off (核销). Every state change goes
through `portal.workflow.transition`, or `transition_many` where a use case changes many rows
(building, cancelling, marking all paid: a constant number of queries whatever the batch size);
the payee organisation's users are notified when paid."""
import hashlib
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext_lazy

from institutes.lifecycle import members_by_organization
from portal.notify.services import notify_each
from portal.workflow import TransitionRefused, transition, transition_many
from subsidies.models import Entitlement, PayoutBatch, PayoutLine, Recovery, WriteOff


def _reference() -> str:
    return f"PB{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


@transaction.atomic
def build_batch(user, entitlements, *, title: str = "", request=None) -> PayoutBatch:
    """A draft batch with one line per approved entitlement (others are refused)."""
    entitlements = list(entitlements.select_related("payee__region").order_by("pk"))
    if not entitlements:
        raise TransitionRefused(_("Choose at least one approved entitlement."))
    not_approved = [e for e in entitlements if e.state != Entitlement.State.APPROVED]
    if not_approved:
        raise TransitionRefused(_("Only approved entitlements can be paid; %(count)s are not approved.")
                                % {"count": len(not_approved)})
    batch = PayoutBatch.objects.create(reference=_reference(), title=title, built_by=user)
    transition_many(entitlements, "add_to_batch", user, request=request, batch=batch)
    lines = [
        PayoutLine(
            batch=batch, entitlement=entitlement, program_id=entitlement.program_id, payee_id=entitlement.payee_id,
            district_id=entitlement.payee.region_id, rule_code=entitlement.rule_code, year=entitlement.year,
            amount=entitlement.amount,
        )
        for entitlement in entitlements
    ]
    PayoutLine.objects.bulk_create(lines, batch_size=500)
    batch.line_count = len(lines)
    batch.total = sum((line.amount for line in lines), Decimal("0.00"))
    batch.save(update_fields=["line_count", "total"])
    from portal.audit.services import record_event

    record_event(batch, action="build", action_label=str(_("Build batch")), actor=user, from_state="",
                 to_state=batch.state, comment="", data={"lines": batch.line_count, "total": str(batch.total)},
                 request=request)
    return batch


def approve_batch(batch, user, *, request=None, comment=""):
    """Four-eyes: the transition's condition refuses the person who built the batch."""
    batch._acting_user = user
    return transition(batch, "approve", user, comment=comment, request=request)


@transaction.atomic
def cancel_batch(batch, user, *, request=None, comment=""):
    transition(batch, "cancel", user, comment=comment, request=request)
    entitlements = Entitlement.objects.filter(payout_lines__batch=batch, state=Entitlement.State.BATCHED)
    transition_many(entitlements.order_by("pk"), "remove_from_batch", user, request=request, comment=comment)


def _close_if_settled(batch, user, request):
    batch.refresh_from_db()
    if batch.state == PayoutBatch.State.APPROVED and not batch.lines.filter(state=PayoutLine.State.PENDING).exists():
        transition(batch, "close", user, request=request)


def _settle_paid(lines, user, day, request, comment=""):
    """Mark the lines paid, and with them their entitlements (payouts) or recoveries (recovery
    lines): three bulk transitions, whatever the number of lines."""
    transition_many(lines, "mark_paid", user, comment=comment, request=request, day=day)
    transition_many([line.recovery for line in lines if line.kind == PayoutLine.Kind.RECOVERY],
                    "mark_recovered", user, comment=comment, request=request)
    transition_many([line.entitlement for line in lines
                     if line.kind == PayoutLine.Kind.PAYOUT and line.entitlement_id],
                    "mark_paid", user, comment=comment, request=request)


def _tell_payees(lines) -> None:
    """Notify the users of each payee organisation of its paid lines: one notification per payee,
    one query for all the recipients, one delivery job for all the payees."""
    by_payee = {}
    for line in lines:
        if line.kind == PayoutLine.Kind.PAYOUT:
            by_payee.setdefault(line.payee_id, []).append(line)
    members = members_by_organization(by_payee)
    notify_each(
        (members[payee_id], _paid_message(by_payee[payee_id]), reverse("subsidies:my_entitlements"))
        for payee_id in by_payee if payee_id in members
    )


def _paid_message(paid: list):
    first = paid[0]
    if len(paid) == 1:
        return _("%(amount)s has been paid to %(payee)s (%(rule)s, %(year)s).") % {
            "amount": f"{first.amount:,} 元", "payee": first.payee.name, "rule": first.rule_code, "year": first.year,
        }
    total = sum((line.amount for line in paid), Decimal("0.00"))
    return ngettext_lazy(
        "%(count)s payment totalling %(amount)s has been paid to %(payee)s.",
        "%(count)s payments totalling %(amount)s have been paid to %(payee)s.", "count",
    ) % {"count": len(paid), "amount": f"{total:,} 元", "payee": first.payee.name}


@transaction.atomic
def mark_paid(line, user, *, day=None, request=None, comment=""):
    _settle_paid([line], user, day or timezone.localdate(), request, comment)
    _tell_payees([line])
    if line.batch_id:
        _close_if_settled(line.batch, user, request)


@transaction.atomic
def mark_all_paid(batch, user, *, day=None, request=None) -> int:
    """Every pending line of an approved batch paid on `day`; the batch closes."""
    lines = list(batch.lines.filter(state=PayoutLine.State.PENDING).select_related(
        "batch", "entitlement", "payee", "recovery__original_line__payee",
    ).order_by("pk"))
    _settle_paid(lines, user, day or timezone.localdate(), request)
    _tell_payees(lines)
    _close_if_settled(batch, user, request)
    return len(lines)


@transaction.atomic
def mark_failed(line, user, *, reason: str, day=None, request=None):
    if not reason.strip():
        raise TransitionRefused(_("Give the reason the payment failed."))
    transition(line, "mark_failed", user, comment=reason, request=request, day=day or timezone.localdate())
    if line.entitlement_id:
        transition(line.entitlement, "mark_failed", user, comment=reason, request=request)
    if line.batch_id:
        _close_if_settled(line.batch, user, request)


def recoverable(line) -> Decimal:
    """What is left to recover from a paid line after the recoveries already recorded."""
    recorded = line.recoveries.exclude(state=Recovery.State.WRITTEN_OFF).aggregate(total=Sum("amount"))["total"]
    written = line.recoveries.filter(state=Recovery.State.WRITTEN_OFF).aggregate(total=Sum("amount"))["total"]
    return line.amount - (recorded or 0) - (written or 0)


@transaction.atomic
def record_recovery(original_line, user, *, amount: Decimal, reason: str, decision_document: str = "",
                    revocation=None, request=None) -> Recovery:
    """追偿: a negative line linked to the paid line it recovers, and the recovery record (due)."""
    original_line = PayoutLine.objects.select_for_update().get(pk=original_line.pk)
    if original_line.kind != PayoutLine.Kind.PAYOUT or original_line.state != PayoutLine.State.PAID:
        raise TransitionRefused(_("Only a paid payout line can be recovered."))
    if amount <= 0 or amount > recoverable(original_line):
        raise TransitionRefused(_("The amount must be more than 0 and at most what is left to recover (%(left)s 元).")
                                % {"left": recoverable(original_line)})
    line = PayoutLine.objects.create(
        kind=PayoutLine.Kind.RECOVERY, recovers=original_line, program_id=original_line.program_id,
        payee_id=original_line.payee_id, district_id=original_line.district_id, rule_code=original_line.rule_code,
        year=original_line.year, amount=-amount,
    )
    entitlement = original_line.entitlement
    recovery = Recovery.objects.create(
        original_line=original_line, line=line, amount=amount, reason=reason, decision_document=decision_document,
        institute_id=entitlement.institute_id if entitlement else None, revocation=revocation, recorded_by=user,
    )
    from portal.audit.services import record_event

    record_event(recovery, action="record", action_label=str(_("Record recovery")), actor=user, from_state="",
                 to_state=recovery.state, comment=reason, data={"amount": str(amount), "line": original_line.pk},
                 request=request)
    return recovery


def mark_recovered(recovery, user, *, day=None, request=None, comment=""):
    mark_paid(recovery.line, user, day=day, request=request, comment=comment)


@transaction.atomic
def write_off(recovery, user, *, reason: str, decision_document: str, decided_on, decision_file=None,
              request=None) -> WriteOff:
    """核销: the recovery cannot be collected; the approving decision is cited (and may be attached)."""
    transition(recovery, "write_off", user, comment=reason, request=request)
    record = WriteOff(recovery=recovery, amount=recovery.amount, reason=reason, decision_document=decision_document,
                      decided_on=decided_on, recorded_by=user)
    if decision_file is not None:
        content = decision_file.read()
        record.sha256 = hashlib.sha256(content).hexdigest()
        decision_file.seek(0)
        record.decision_file.save(record.sha256, decision_file, save=False)
    record.save()
    transition(recovery.line, "mark_failed", user, comment=str(_("written off: %(doc)s") % {"doc": decision_document}),
               request=request, day=decided_on)
    return record
