"""Payout batches (POLICY.md §6): build from approved entitlements, approve (four-eyes), settle each
line (paid / failed with a reason), recover (追偿) and write off (核销). Every state change goes
through `portal.workflow.transition`, or `transition_many` where a use case changes many rows
(building, cancelling, marking all paid: a constant number of queries whatever the batch size);
the payee organisation's users are notified when paid."""
import hashlib
import re
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext_lazy

from institutes.lifecycle import members_by_organization
from portal.notify.services import notify_each
from portal.workflow import TransitionRefused, transition, transition_many
from subsidies.models import Entitlement, PayeeAccount, PayoutBatch, PayoutLine, Recovery, WriteOff
from subsidies.models.payouts import batch_payees_without_account, finance_authority_ids
from subsidies.notices.authorities import paying_authority_name

VOUCHER = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff\-/_#()（）〔〕]{1,40}$")
NAMES_SHOWN = 10


def clean_voucher_number(raw: str) -> str:
    """凭证号: required; letters, digits, Chinese and - / _ # ( ) 〔 〕, at most 40, with a digit."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError(_("Enter the voucher number (凭证号) of the payment."))
    if not VOUCHER.match(value) or not any(ch.isdigit() for ch in value):
        raise ValidationError(_("A voucher number has at most 40 letters, digits, Chinese characters or - / _ # ( ) "
                                "〔 〕, and at least one digit, e.g. 记-2026-0012."))
    return value


def clean_account_number(raw: str) -> str:
    """账号: spaces and dashes are stripped; anything else but digits is refused; 6 to 32 digits."""
    value = re.sub(r"[\s\-－]", "", raw or "")
    if not value:
        raise ValidationError(_("Enter the account number."))
    if not value.isascii() or not value.isdigit():
        raise ValidationError(_("An account number has digits only (spaces and dashes are allowed between them); "
                                "remove the letters or other signs."))
    if not 6 <= len(value) <= 32:
        raise ValidationError(_("An account number has 6 to 32 digits."))
    return value


def _names(organizations) -> str:
    names = [org.name for org in organizations[:NAMES_SHOWN + 1]]
    shown = "、".join(names[:NAMES_SHOWN])
    return shown + ("……" if len(names) > NAMES_SHOWN else "")


def _reference() -> str:
    return f"PB{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


@transaction.atomic
def build_batch(user, entitlements, *, title: str = "", request=None) -> PayoutBatch:
    """A draft batch with one line per approved entitlement (others are refused)."""
    entitlements = list(entitlements.select_related("payee__region", "program").order_by("pk"))
    if not entitlements:
        raise TransitionRefused(_("Choose at least one approved entitlement."))
    not_approved = [e for e in entitlements if e.state != Entitlement.State.APPROVED]
    if not_approved:
        raise TransitionRefused(_("Only approved entitlements can be paid; %(count)s are not approved.")
                                % {"count": len(not_approved)})
    authority_id = _one_authority(entitlements, user)
    batch = PayoutBatch.objects.create(reference=_reference(), title=title, built_by=user, authority_id=authority_id)
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


def _one_authority(entitlements, user) -> int:
    """A batch pays the money of one paying authority (the region of its programs): entitlements of
    two are refused with the authorities named; so is an authority the finance user does not act for."""
    from portal.accounts.models import Region

    regions = {e.program.region_id for e in entitlements}
    if len(regions) > 1:
        names = "、".join(sorted(paying_authority_name(r) for r in Region.objects.filter(pk__in=regions)))
        raise TransitionRefused(_("A batch pays the money of one paying authority; these entitlements are paid by "
                                  "%(names)s. Filter by program and build one batch for each.") % {"names": names})
    (region_id,) = regions
    if region_id not in finance_authority_ids(user):
        raise TransitionRefused(_("These entitlements are paid by %(name)s, which your account does not act for.")
                                % {"name": paying_authority_name(Region.objects.get(pk=region_id))})
    return region_id


def approve_batch(batch, user, *, request=None, comment=""):
    """Four-eyes: the transition's condition refuses the person who built the batch; a batch with a
    payee that has no approved bank account is refused with those payees named."""
    missing = list(batch_payees_without_account(batch)[:NAMES_SHOWN + 1])
    if missing:
        raise TransitionRefused(_("The batch cannot be approved: these payees have no approved bank account: "
                                  "%(names)s. Enter their accounts (the links in the list on this page) and have "
                                  "another finance officer approve them first.") % {"names": _names(missing)})
    return transition(batch, "approve", user, comment=comment, request=request)


def batch_totals(batch) -> dict:
    """paid, failed, pending (payout lines), recovered and written off (recoveries of its lines) and
    net (paid − recovered), in yuan; two queries."""
    zero = Decimal("0.00")
    sums = batch.lines.aggregate(
        paid=Sum("amount", filter=Q(state=PayoutLine.State.PAID)),
        failed=Sum("amount", filter=Q(state=PayoutLine.State.FAILED)),
        pending=Sum("amount", filter=Q(state=PayoutLine.State.PENDING)),
    )
    sums.update(Recovery.objects.filter(original_line__batch=batch).aggregate(
        recovered=Sum("amount", filter=Q(state=Recovery.State.RECOVERED)),
        written_off=Sum("amount", filter=Q(state=Recovery.State.WRITTEN_OFF)),
    ))
    totals = {key: value or zero for key, value in sums.items()}
    totals["net"] = totals["paid"] - totals["recovered"]
    return totals


def net_positions(payee_ids) -> dict:
    """{payee id: {"paid", "recovered", "net"}} over all their payout lines and recoveries: paid −
    recovered, in yuan; two queries whatever the number of payees."""
    zero = Decimal("0.00")
    payee_ids = list(payee_ids)
    paid = dict(PayoutLine.objects.filter(payee_id__in=payee_ids, kind=PayoutLine.Kind.PAYOUT,
                                          state=PayoutLine.State.PAID)
                .values_list("payee_id").annotate(total=Sum("amount")).values_list("payee_id", "total"))
    recovered = dict(Recovery.objects.filter(original_line__payee_id__in=payee_ids, state=Recovery.State.RECOVERED)
                     .values_list("original_line__payee_id").annotate(total=Sum("amount"))
                     .values_list("original_line__payee_id", "total"))
    return {
        pk: {"paid": paid.get(pk, zero), "recovered": recovered.get(pk, zero),
             "net": paid.get(pk, zero) - recovered.get(pk, zero)}
        for pk in payee_ids
    }


@transaction.atomic
def cancel_batch(batch, user, *, request=None, comment=""):
    transition(batch, "cancel", user, comment=comment, request=request)
    entitlements = Entitlement.objects.filter(payout_lines__batch=batch, state=Entitlement.State.BATCHED)
    transition_many(entitlements.order_by("pk"), "remove_from_batch", user, request=request, comment=comment)


def _lock_batch(batch_id):
    """Settling lines of one batch is serialised on the batch row, so the last two lines paid at the same
    time by two officers still close the batch (the second sees the first's line settled)."""
    return PayoutBatch.objects.select_for_update().get(pk=batch_id)


def _close_if_settled(batch, user, request):
    batch.refresh_from_db()
    if batch.state == PayoutBatch.State.APPROVED and not batch.lines.filter(state=PayoutLine.State.PENDING).exists():
        transition(batch, "close", user, request=request)


def _settle_paid(lines, user, day, request, comment="", voucher_number=""):
    """Mark the lines paid, and with them their entitlements (payouts) or recoveries (recovery
    lines): three bulk transitions, whatever the number of lines."""
    try:
        voucher_number = clean_voucher_number(voucher_number)
    except ValidationError as error:
        raise TransitionRefused(error.messages[0])
    transition_many(lines, "mark_paid", user, comment=comment, request=request, day=day,
                    voucher_number=voucher_number)
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
def mark_paid(line, user, *, voucher_number: str, day=None, request=None, comment=""):
    """One line paid on `day` with its voucher number (凭证号, required); the batch closes with its last line."""
    if line.batch_id:
        _lock_batch(line.batch_id)
        line.refresh_from_db()
    _settle_paid([line], user, day or timezone.localdate(), request, comment, voucher_number)
    _tell_payees([line])
    if line.batch_id:
        _close_if_settled(line.batch, user, request)


@transaction.atomic
def mark_all_paid(batch, user, *, voucher_number: str, day=None, request=None) -> int:
    """Every pending line of an approved batch paid on `day` under one voucher; the batch closes."""
    _lock_batch(batch.pk)
    lines = list(batch.lines.filter(state=PayoutLine.State.PENDING).select_related(
        "batch", "entitlement", "payee", "recovery__original_line__payee",
    ).order_by("pk"))
    _settle_paid(lines, user, day or timezone.localdate(), request, voucher_number=voucher_number)
    _tell_payees(lines)
    _close_if_settled(batch, user, request)
    return len(lines)


@transaction.atomic
def mark_failed(line, user, *, reason: str, day=None, request=None):
    if not reason.strip():
        raise TransitionRefused(_("Give the reason the payment failed."))
    if line.batch_id:
        _lock_batch(line.batch_id)
        line.refresh_from_db()
    transition(line, "mark_failed", user, comment=reason, request=request, day=day or timezone.localdate())
    if line.entitlement_id:
        transition(line.entitlement, "mark_failed", user, comment=reason, request=request)
    if line.batch_id:
        _close_if_settled(line.batch, user, request)


def recoverable(line) -> Decimal:
    """What is left to recover from a paid line after the recoveries already recorded."""
    recorded = line.recoveries.exclude(state=Recovery.State.REJECTED).aggregate(total=Sum("amount"))["total"]
    return line.amount - (recorded or 0)


@transaction.atomic
def record_recovery(original_line, user, *, amount: Decimal, reason: str, decision_document: str = "",
                    revocation=None, request=None) -> Recovery:
    """追偿: a negative line linked to the paid line it recovers, and the recovery record, which takes
    effect (becomes due) only when a second finance officer approves it (`approve_recovery`)."""
    if not reason.strip():
        raise TransitionRefused(_("Give the reason for the recovery."))
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
                 to_state=recovery.state, comment=reason,
                 data={"amount": str(amount), "line": original_line.pk, "payee": original_line.payee_id,
                       "decision_document": decision_document},
                 request=request)
    return recovery


def approve_recovery(recovery, user, *, request=None, comment=""):
    """Four-eyes: the recorder cannot approve their own recovery (a transition condition)."""
    return transition(recovery, "approve", user, comment=comment, request=request)


@transaction.atomic
def reject_recovery(recovery, user, *, reason: str, request=None):
    """A second officer refuses a recorded recovery: it never takes effect; its line is closed as failed."""
    if not reason.strip():
        raise TransitionRefused(_("Give the reason the recovery is rejected."))
    transition(recovery, "reject", user, comment=reason, request=request)
    transition(recovery.line, "mark_failed", user, comment=reason, request=request, day=timezone.localdate())


def mark_recovered(recovery, user, *, voucher_number: str, day=None, request=None, comment=""):
    mark_paid(recovery.line, user, voucher_number=voucher_number, day=day, request=request, comment=comment)


@transaction.atomic
def propose_write_off(recovery, user, *, reason: str, decision_document: str, decided_on, decision_file=None,
                      request=None) -> WriteOff:
    """核销 proposed: the recovery cannot be collected; the approving decision is cited (and may be
    attached). It takes effect only when another finance officer approves it (`approve_write_off`)."""
    transition(recovery, "propose_write_off", user, comment=reason, request=request,
               data={"decision_document": decision_document, "decided_on": str(decided_on)})
    record = WriteOff(recovery=recovery, amount=recovery.amount, reason=reason, decision_document=decision_document,
                      decided_on=decided_on, recorded_by=user)
    if decision_file is not None:
        content = decision_file.read()
        record.sha256 = hashlib.sha256(content).hexdigest()
        decision_file.seek(0)
        record.decision_file.save(record.sha256, decision_file, save=False)
    record.save()
    return record


@transaction.atomic
def approve_write_off(recovery, user, *, request=None, comment=""):
    """Four-eyes: the officer who proposed the write-off cannot approve it; once approved the
    recovery line is closed (nothing more will come in)."""
    transition(recovery, "write_off", user, comment=comment, request=request)
    record = recovery.written_off_by
    transition(recovery.line, "mark_failed", user,
               comment=str(_("written off: %(doc)s") % {"doc": record.decision_document}),
               request=request, day=record.decided_on)
    return record


# Bank accounts of payees (户名, 开户行, 账号): proposed, approved by a second finance officer.

def _account_data(account) -> dict:
    if account is None:
        return {}
    return {"holder": account.holder, "bank": account.bank, "number": account.number}


def account_in_force(organization):
    return PayeeAccount.objects.filter(organization=organization, state=PayeeAccount.State.APPROVED).first()


@transaction.atomic
def propose_account(organization, user, *, holder: str, bank: str, number: str, reason: str,
                    request=None) -> PayeeAccount:
    """New bank details for `organization`, by its own user or a finance officer, with the reason
    (a first registration, a new bank...); in force only once another finance officer approves them.
    One proposal at a time. The audit event carries old → new and the reason."""
    from portal.audit.services import record_event

    holder, bank, reason = (holder or "").strip(), (bank or "").strip(), (reason or "").strip()
    if not holder or not bank:
        raise TransitionRefused(_("Enter the account name (户名) and the bank (开户行)."))
    if not reason:
        raise TransitionRefused(_("Give the reason for the new bank details (e.g. first registration, change of bank)."))
    try:
        number = clean_account_number(number)
    except ValidationError as error:
        raise TransitionRefused(error.messages[0])
    if PayeeAccount.objects.select_for_update().filter(organization=organization,
                                                       state=PayeeAccount.State.PROPOSED).exists():
        raise TransitionRefused(_("Bank details for this organisation are already awaiting approval; have them "
                                  "approved or rejected first."))
    account = PayeeAccount.objects.create(organization=organization, holder=holder, bank=bank, number=number,
                                          reason=reason, proposed_by=user)
    record_event(account, action="propose", action_label=str(_("Propose bank details")), actor=user,
                 from_state="", to_state=account.state, comment=reason,
                 data={"old": _account_data(account_in_force(organization)), "new": _account_data(account)},
                 request=request)
    return account


@transaction.atomic
def approve_account(account, user, *, request=None, comment=""):
    """Four-eyes: a finance officer other than the proposer; the account in force before is superseded
    (the audit event carries old → new)."""
    account = PayeeAccount.objects.select_for_update().select_related("organization").get(pk=account.pk)
    previous = account_in_force(account.organization)
    from portal.workflow import check_transition

    check_transition(account, "approve", user)
    if previous is not None:
        transition(previous, "supersede", user, comment=comment, request=request)
    transition(account, "approve", user, comment=comment or account.reason, request=request,
               data={"old": _account_data(previous), "new": _account_data(account), "reason": account.reason,
                     "proposed_by": account.proposed_by_id})
    return account


def reject_account(account, user, *, reason: str, request=None):
    if not reason.strip():
        raise TransitionRefused(_("Give the reason the bank details are rejected."))
    return transition(account, "reject", user, comment=reason, request=request)
