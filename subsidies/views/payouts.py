"""Payout pages (finance of the batch's paying authority only): batches, building one from approved
entitlements, approving it (four-eyes), exporting it (XLSX/CSV built by a job, downloaded when
ready), settling lines with their voucher numbers, recoveries (追偿) with the revocations whose
funds are due back and write-offs (核销), both four-eyes; payees' bank accounts (finance and the
organisation itself), changed only with a second finance officer's approval."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from institutes.uploads import private_file_response
from portal.timeline import timeline_for
from portal.workflow import WorkflowError, available_actions

from ..forms.payouts import (
    BankAccountForm, BatchFilterForm, BuildBatchForm, EntitlementFilterForm, FailLineForm, PaidForm, RecoveryForm,
    RejectForm, WriteOffForm,
)
from ..models import ExportFile, PayeeAccount, PayoutBatch, PayoutLine, Recovery
from ..selectors import payouts as selectors
from ..services import exports, payouts as services

PAGE_SIZE = 100
EXPORT_TYPES = {
    ExportFile.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFile.Format.CSV: "text/csv; charset=utf-8",
}


def _finance(request):
    if not request.user.has_perm("subsidies.manage_payouts"):
        raise PermissionDenied


def _batch(request, pk) -> PayoutBatch:
    _finance(request)
    try:
        return selectors.batch_for_detail(request.user, pk)
    except PayoutBatch.DoesNotExist:
        raise Http404


def _attempt(request, action, success: str) -> bool:
    try:
        action()
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return False
    messages.success(request, success)
    return True


def _attempt_form(request, form, invalid: str, action, success: str) -> bool:
    """A small POST form (a day, a voucher number, a reason): invalid → the `invalid` message with
    the form's own errors; else `action(form.cleaned_data)` through `_attempt`."""
    if not form.is_valid():
        errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, f"{invalid} {errors}".strip())
        return False
    return _attempt(request, lambda: action(form.cleaned_data), success)


@login_required
def batch_list(request):
    _finance(request)
    filters = BatchFilterForm(request.GET or None)
    state = filters.cleaned_data.get("state") if filters.is_valid() else None
    page = Paginator(selectors.batch_list(request.user, state=state), 25).get_page(request.GET.get("page"))
    return render(request, "subsidies/payouts/list.html", {"page": page, "filters": filters})


@login_required
def batch_create(request):
    _finance(request)
    filters = EntitlementFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.approved_entitlements(request.user, program=criteria.get("program"),
                                               year=criteria.get("year"))
    form = BuildBatchForm(request.POST if request.method == "POST" else None, queryset=queryset)
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = services.build_batch(
                    request.user, queryset.filter(pk__in=[e.pk for e in form.cleaned_data["entitlements"]]),
                    title=form.cleaned_data["title"], request=request,
                )
            except WorkflowError as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _("Batch %(ref)s was built; another finance officer must approve it.")
                                 % {"ref": batch.reference})
                return redirect("subsidies:batch_detail", pk=batch.pk)
        else:
            messages.error(request, _("Nothing was built: please correct the fields marked below."))
    return render(request, "subsidies/payouts/create.html", {
        "form": form, "filters": filters, "rows": list(queryset[:1000]),
    })


@login_required
def batch_detail(request, pk):
    batch = _batch(request, pk)
    batch._acting_user = request.user  # the four-eyes condition reads who is looking
    page = Paginator(selectors.batch_lines(batch), PAGE_SIZE).get_page(request.GET.get("page"))
    positions = services.net_positions({line.payee_id for line in page})
    for line in page:
        line.position = positions[line.payee_id]
    return render(request, "subsidies/payouts/detail.html", {
        "batch": batch, "page": page, "actions": available_actions(batch, request.user),
        "exports": selectors.batch_exports(batch), "fail_form": FailLineForm(), "paid_form": PaidForm(),
        "timeline": timeline_for(batch), "is_builder": batch.built_by_id == request.user.pk,
        "totals": services.batch_totals(batch),
        "missing_accounts": selectors.payees_without_account(batch) if batch.state == PayoutBatch.State.DRAFT else [],
    })


@login_required
@require_POST
def batch_action(request, pk, action):
    batch = _batch(request, pk)
    if action == "approve":
        _attempt(request, lambda: services.approve_batch(batch, request.user, request=request),
                 _("The batch was approved."))
    elif action == "cancel":
        _attempt(request, lambda: services.cancel_batch(batch, request.user, request=request),
                 _("The batch was cancelled; its entitlements can be batched again."))
    else:
        raise Http404
    return redirect("subsidies:batch_detail", pk=pk)


@login_required
@require_POST
def batch_export(request, pk, fmt):
    batch = _batch(request, pk)
    if fmt not in ExportFile.Format.values:
        raise Http404
    if batch.state not in (PayoutBatch.State.APPROVED, PayoutBatch.State.CLOSED):
        messages.error(request, _("Only an approved batch can be exported."))
    else:
        exports.request_export(batch, fmt, request.user)
        messages.success(request, _("The export is being prepared; it appears below when ready."))
    return redirect("subsidies:batch_detail", pk=pk)


@login_required
def export_download(request, pk):
    _finance(request)
    try:
        export = selectors.export_for_download(request.user, pk)
    except ExportFile.DoesNotExist:
        raise Http404
    if export.state != ExportFile.State.READY or not export.file:
        raise Http404
    return private_file_response(export.file, export.filename, EXPORT_TYPES[export.format])


def _line(request, pk) -> PayoutLine:
    _finance(request)
    try:
        return selectors.line_for_update(request.user, pk)
    except PayoutLine.DoesNotExist:
        raise Http404


def _back(line):
    if line.batch_id:
        return redirect("subsidies:batch_detail", pk=line.batch_id)
    return redirect("subsidies:recovery_list")


@login_required
@require_POST
def line_paid(request, pk):
    line = _line(request, pk)
    _attempt_form(request, PaidForm(request.POST), _("Nothing was marked paid."),
                  lambda data: services.mark_paid(line, request.user, day=data["day"],
                                                  voucher_number=data["voucher_number"], request=request),
                  _("Marked paid."))
    return _back(line)


@login_required
@require_POST
def line_failed(request, pk):
    line = _line(request, pk)
    _attempt_form(request, FailLineForm(request.POST), _("Give the reason the payment failed."),
                  lambda data: services.mark_failed(line, request.user, reason=data["reason"], request=request),
                  _("Marked failed."))
    return _back(line)


@login_required
@require_POST
def batch_mark_all_paid(request, pk):
    batch = _batch(request, pk)
    form = PaidForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, _("Nothing was marked paid.") + " " + errors)
        return redirect("subsidies:batch_detail", pk=pk)
    try:
        count = services.mark_all_paid(batch, request.user, day=form.cleaned_data["day"],
                                       voucher_number=form.cleaned_data["voucher_number"], request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return redirect("subsidies:batch_detail", pk=pk)
    messages.success(request, _("%(count)s lines marked paid.") % {"count": count})
    return redirect("subsidies:batch_detail", pk=pk)


@login_required
def recovery_list(request):
    _finance(request)
    page = Paginator(selectors.recoveries(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "subsidies/payouts/recoveries.html", {
        "page": page, "due": selectors.recovery_due(request.user)[:200], "paid_form": PaidForm(),
    })


@login_required
def recovery_create(request, line_pk):
    line = _line(request, line_pk)
    if line.kind != PayoutLine.Kind.PAYOUT or line.state != PayoutLine.State.PAID:
        raise Http404
    institute = line.entitlement.institute if line.entitlement_id else None
    revocation = getattr(institute, "revocation", None) if institute else None
    form = RecoveryForm(request.POST if request.method == "POST" else None, initial={
        "amount": services.recoverable(line),
        "decision_document": getattr(revocation, "document_reference", ""),
    })
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if _attempt(request, lambda: services.record_recovery(
                line, request.user, amount=data["amount"], reason=data["reason"],
                decision_document=data["decision_document"], revocation=revocation, request=request,
            ), _("The recovery was recorded.")):
                return redirect("subsidies:recovery_list")
        else:
            messages.error(request, _("Nothing was recorded: please correct the fields marked below."))
    return render(request, "subsidies/payouts/recovery_form.html", {"line": line, "form": form,
                                                                   "revocation": revocation})


def _recovery(request, pk) -> Recovery:
    _finance(request)
    try:
        return selectors.recovery_for_detail(request.user, pk)
    except Recovery.DoesNotExist:
        raise Http404


@login_required
@require_POST
def recovery_recovered(request, pk):
    recovery = _recovery(request, pk)
    _attempt_form(request, PaidForm(request.POST), _("Nothing was marked recovered."),
                  lambda data: services.mark_recovered(recovery, request.user, day=data["day"],
                                                       voucher_number=data["voucher_number"], request=request),
                  _("Marked recovered."))
    return redirect("subsidies:recovery_list")


@login_required
@require_POST
def recovery_action(request, pk, action):
    """A second finance officer approves or rejects a recorded recovery, or approves a proposed write-off."""
    recovery = _recovery(request, pk)
    if action == "approve":
        _attempt(request, lambda: services.approve_recovery(recovery, request.user, request=request),
                 _("The recovery was approved; it is now due."))
    elif action == "reject":
        _attempt_form(request, RejectForm(request.POST), _("Give the reason for rejecting."),
                      lambda data: services.reject_recovery(recovery, request.user, reason=data["reason"],
                                                            request=request),
                      _("The recovery was rejected."))
    elif action == "approve-write-off":
        _attempt(request, lambda: services.approve_write_off(recovery, request.user, request=request),
                 _("The write-off was approved; the recovery is closed."))
    else:
        raise Http404
    return redirect("subsidies:recovery_list")


@login_required
def recovery_write_off(request, pk):
    recovery = _recovery(request, pk)
    form = WriteOffForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if _attempt(request, lambda: services.propose_write_off(
                recovery, request.user, reason=data["reason"], decision_document=data["decision_document"],
                decided_on=data["decided_on"], decision_file=data["decision_file"], request=request,
            ), _("The write-off was recorded; another finance officer must approve it.")):
                return redirect("subsidies:recovery_list")
        else:
            messages.error(request, _("Nothing was recorded: please correct the fields marked below."))
    return render(request, "subsidies/payouts/write_off_form.html", {
        "recovery": recovery, "form": form, "actions": available_actions(recovery, request.user),
    })


def _account_holder(request, org_pk):
    """The organisation whose bank account the user may see: finance of a relevant authority, or
    the organisation's own users; anyone else → 404."""
    organization = selectors.organization_for_account(request.user, org_pk)
    if organization is None:
        raise Http404
    return organization


@login_required
def bank_account(request, org_pk):
    """The organisation's bank account in force, the proposal awaiting approval and the form to propose
    new details (its users and finance); a finance officer other than the proposer approves."""
    organization = _account_holder(request, org_pk)
    form = BankAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if _attempt(request, lambda: services.propose_account(
                organization, request.user, holder=data["holder"], bank=data["bank"], number=data["number"],
                reason=data["reason"], request=request,
            ), _("The bank details were recorded; a finance officer other than you must approve them.")):
                return redirect("subsidies:bank_account", org_pk=organization.pk)
        else:
            messages.error(request, _("Nothing was recorded: please correct the fields marked below."))
    accounts = selectors.accounts_of(request.user, organization)
    proposal = next((a for a in accounts if a.state == PayeeAccount.State.PROPOSED), None)
    if proposal is not None:
        proposal._acting_user = request.user
    return render(request, "subsidies/payouts/bank_account.html", {
        "organization": organization, "form": form, "accounts": accounts, "proposal": proposal,
        "in_force": next((a for a in accounts if a.state == PayeeAccount.State.APPROVED), None),
        "proposal_actions": available_actions(proposal, request.user) if proposal is not None else [],
        "reject_form": RejectForm(),
    })


@login_required
def bank_account_list(request):
    """Finance: bank details awaiting approval in their authority, and the payees (searchable by
    name or USCC) with the account in force, each linking to its account page."""
    _finance(request)
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.payees_with_accounts(request.user, query=query), 50).get_page(request.GET.get("page"))
    return render(request, "subsidies/payouts/bank_accounts.html", {
        "page": page, "query": query, "awaiting": list(selectors.accounts_awaiting_approval(request.user)[:200]),
    })


@login_required
@require_POST
def bank_account_action(request, pk, action):
    _finance(request)
    try:
        account = selectors.account_for_update(request.user, pk)
    except PayeeAccount.DoesNotExist:
        raise Http404
    if action == "approve":
        _attempt(request, lambda: services.approve_account(account, request.user, request=request),
                 _("The bank details were approved and are now in force."))
    elif action == "reject":
        _attempt_form(request, RejectForm(request.POST), _("Give the reason for rejecting."),
                      lambda data: services.reject_account(account, request.user, reason=data["reason"],
                                                           request=request),
                      _("The bank details were rejected."))
    else:
        raise Http404
    return redirect("subsidies:bank_account", org_pk=account.organization_id)


urlpatterns = [
    path("payouts/", batch_list, name="batch_list"),
    path("payouts/new/", batch_create, name="batch_create"),
    path("payouts/<int:pk>/", batch_detail, name="batch_detail"),
    path("payouts/<int:pk>/export/<slug:fmt>/", batch_export, name="batch_export"),
    path("payouts/<int:pk>/mark-all-paid/", batch_mark_all_paid, name="batch_mark_all_paid"),
    path("payouts/<int:pk>/<slug:action>/", batch_action, name="batch_action"),
    path("payouts/exports/<int:pk>/", export_download, name="export_download"),
    path("payouts/lines/<int:pk>/paid/", line_paid, name="line_paid"),
    path("payouts/lines/<int:pk>/failed/", line_failed, name="line_failed"),
    path("payouts/lines/<int:line_pk>/recover/", recovery_create, name="recovery_create"),
    path("recoveries/", recovery_list, name="recovery_list"),
    path("recoveries/<int:pk>/recovered/", recovery_recovered, name="recovery_recovered"),
    path("recoveries/<int:pk>/write-off/", recovery_write_off, name="recovery_write_off"),
    path("recoveries/<int:pk>/<slug:action>/", recovery_action, name="recovery_action"),
    path("bank-accounts/", bank_account_list, name="bank_account_list"),
    path("bank-accounts/organisations/<int:org_pk>/", bank_account, name="bank_account"),
    path("bank-accounts/<int:pk>/<slug:action>/", bank_account_action, name="bank_account_action"),
]
