"""Claim pages: the applicant files and follows its organisation's claims; the program manager
reviews them from a queue. Others' claims are 404 (scoped by `Claim.objects.for_user`); a visible
claim the user may not act on is 403."""
from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from institutes.views_attachments import attachment_views
from portal.timeline import timeline_for
from portal.workflow import WorkflowError, available_actions
from subsidies.calculator import PAYEES
from subsidies import scope
from subsidies.models import Claim, ClaimAttachment
from subsidies.scope import evidence_needed
from subsidies.selectors import claims as selectors
from subsidies.selectors.caps import received_for_award
from subsidies.services import claims as service

from ..forms.claims import ClaimFilterForm, ClaimForm, DecisionForm, EvidenceForm
from ..calculator.labels import labelled_facts

PAGE_SIZE = 25


def _claim(request, pk, permission="subsidies.view_claim") -> Claim:
    try:
        claim = selectors.claim_for_user(request.user, pk)
    except Claim.DoesNotExist:
        raise Http404
    if not request.user.has_perm(permission, claim):
        raise PermissionDenied
    return claim


def _attempt(request, action: Callable, success: str) -> bool:
    try:
        action()
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return False
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True


def _form_errors(request):
    messages.error(request, _("Nothing was saved: please correct the fields marked below."))


# ---- applicant ------------------------------------------------------------------------------------

@login_required
def claim_list(request):
    if not request.user.has_perm("subsidies.add_claim"):
        raise PermissionDenied
    page = Paginator(selectors.applicant_claims(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "subsidies/claims_list.html", {"page": page})


@login_required
def claim_new(request):
    if not request.user.has_perm("subsidies.add_claim"):
        raise PermissionDenied
    code = request.GET.get("rule", "")
    if not code:
        return render(request, "subsidies/claims_start.html", {"groups": selectors.claimable_rules(request.user)})
    try:
        row = service.claimable_version(code)
    except WorkflowError:
        raise Http404
    reason = selectors.rule_offer_reason(request.user, code)
    if reason:
        messages.error(request, _("%(rule)s does not apply to your unit: %(reason)s Choose another rule.") % {
            "rule": code, "reason": reason})
        return redirect("subsidies:claim_new")
    version = row.as_rule_version()
    form = ClaimForm(request.POST or None, user=request.user, version=version)
    if request.method == "POST":
        if form.is_valid():
            try:
                claim = service.create_claim(request.user, code, form.claim_data(), request=request)
            except WorkflowError as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _("Draft saved. Add the evidence, then submit."))
                return redirect("subsidies:claim_detail", pk=claim.pk)
        else:
            _form_errors(request)
    return render(request, "subsidies/claims_form.html", {"form": form, "rule": row, "claim": None})


@login_required
def claim_edit(request, pk):
    claim = _claim(request, pk, "subsidies.file_claim")
    if not claim.is_editable:
        messages.error(request, _("The claim can no longer be changed: its status is “%(state)s”.") % {
            "state": claim.get_state_display()})
        return redirect("subsidies:claim_detail", pk=pk)
    row = service.claimable_version(claim.rule_code)
    form = ClaimForm(request.POST or None, user=request.user, version=row.as_rule_version(), claim=claim)
    if request.method == "POST":
        if form.is_valid():
            if _attempt(request, lambda: service.save_claim(
                claim, request.user, form.claim_data(), seen_version=form.cleaned_data["seen_version"],
                request=request,
            ), _("Saved.")):
                return redirect("subsidies:claim_detail", pk=pk)
        else:
            _form_errors(request)
    return render(request, "subsidies/claims_form.html", {"form": form, "rule": row, "claim": claim})


@login_required
def claim_detail(request, pk):
    claim = _claim(request, pk)
    user = request.user
    preview, preview_error = (None, "")
    if claim.is_editable and user.has_perm("subsidies.file_claim", claim):
        preview, preview_error = service.preview(claim)
    may_review = claim.state == Claim.State.SUBMITTED and user.has_perm("subsidies.review_claim", claim)
    answer = claim.quote if claim.quote else None
    if may_review:
        answer, preview_error = service.preview(claim)
    payees = claim.payee_organizations() if claim.quote else {}
    received = received_for_award(claim)
    return render(request, "subsidies/claims_detail.html", {
        "claim": claim,
        "facts": labelled_facts(claim.facts, claim.rule_code),
        "actions": dict(available_actions(claim, user)),
        "answer": answer,
        "preview": preview,
        "preview_error": preview_error,
        "payee_labels": PAYEES,
        "payees": payees,
        "evidence_form": EvidenceForm() if claim.is_editable and user.has_perm("subsidies.file_claim", claim) else None,
        "decision_form": DecisionForm() if may_review else None,
        "timeline": timeline_for(claim),
        "received": received,
        "received_total": sum((row.amount for row in received), Decimal("0.00")),
        "evidence_needed": evidence_needed(claim.rule_code),
        "blockers": scope.claim_blockers(claim) if claim.is_editable or may_review else [],
    })


@login_required
@require_POST
def claim_submit(request, pk):
    claim = _claim(request, pk, "subsidies.file_claim")
    _attempt(request, lambda: service.submit_claim(claim, request.user, request=request),
             _("Submitted. The program manager has been notified."))
    return redirect("subsidies:claim_detail", pk=pk)


@login_required
@require_POST
def claim_withdraw(request, pk):
    claim = _claim(request, pk, "subsidies.file_claim")
    _attempt(request, lambda: service.withdraw_claim(claim, request.user, comment=request.POST.get("comment", ""),
                                                     request=request), _("The claim was withdrawn."))
    return redirect("subsidies:claim_detail", pk=pk)


evidence_upload, evidence_download, evidence_delete = attachment_views(
    owner=_claim, change_permission="subsidies.file_claim", model=ClaimAttachment, owner_field="claim",
    form=EvidenceForm,
    store=lambda claim, user, data, request: service.add_evidence(
        claim, user, data["file"], data["description"], request=request),
    remove=lambda item, user, request: service.remove_evidence(item, user, request=request),
    detail="subsidies:claim_detail", uploaded=gettext_lazy("Evidence uploaded."),
    removed=gettext_lazy("Evidence removed."),
)


# ---- program manager -------------------------------------------------------------------------------

@login_required
def claim_queue(request):
    if not request.user.has_perm("subsidies.review_claim"):
        raise PermissionDenied
    programs = request.user.managed_programs.order_by("code")
    filters = ClaimFilterForm(request.GET or None, programs=programs)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.manager_queue(request.user, **{k: v for k, v in criteria.items() if v})
    if "state" not in request.GET:
        rows = rows.filter(state=Claim.State.SUBMITTED)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "subsidies/claims_queue.html", {"page": page, "filters": filters})


@login_required
@require_POST
def claim_decide(request, pk):
    claim = _claim(request, pk, "subsidies.review_claim")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect("subsidies:claim_detail", pk=pk)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    if decision == "approve":
        done = _attempt(request, lambda: service.approve_claim(claim, request.user, comment=reason, request=request),
                        _("The claim was approved; its entitlements were created."))
    elif decision == "return":
        done = _attempt(request, lambda: service.return_claim(claim, request.user, reason, request=request),
                        _("The claim was returned to the applicant."))
    else:
        done = _attempt(request, lambda: service.reject_claim(claim, request.user, reason, request=request),
                        _("The claim was rejected."))
    return redirect("subsidies:claim_queue" if done else "subsidies:claim_detail", **({} if done else {"pk": pk}))


urlpatterns = [
    path("claims/", claim_list, name="claim_list"),
    path("claims/new/", claim_new, name="claim_new"),
    path("claims/review/", claim_queue, name="claim_queue"),
    path("claims/<int:pk>/", claim_detail, name="claim_detail"),
    path("claims/<int:pk>/edit/", claim_edit, name="claim_edit"),
    path("claims/<int:pk>/submit/", claim_submit, name="claim_submit"),
    path("claims/<int:pk>/withdraw/", claim_withdraw, name="claim_withdraw"),
    path("claims/<int:pk>/decide/", claim_decide, name="claim_decide"),
    path("claims/<int:pk>/evidence/", evidence_upload, name="evidence_upload"),
    path("claims/<int:pk>/evidence/<int:attachment_pk>/", evidence_download, name="evidence_download"),
    path("claims/<int:pk>/evidence/<int:attachment_pk>/delete/", evidence_delete, name="evidence_delete"),
]
