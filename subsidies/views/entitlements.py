"""Entitlement pages: finance's review list (filters: program, year, district, status; approve or
hold), one entitlement with its calculation, revisions and timeline, the applicant's own list, and
the yearly run (start one for a program and year, read what it did)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.workflow import WorkflowError, available_actions

from ..calculator.labels import labelled_inputs
from ..forms.payouts import EntitlementFilterForm, HoldForm, RunForm
from ..models import Entitlement, EntitlementRun
from ..selectors import entitlements as selectors
from ..services import entitlements as services

PAGE_SIZE = 50
SIMPLE_ACTIONS = {"approve": services.approve, "release": services.release, "retry": services.retry}


def _entitlement(request, pk) -> Entitlement:
    try:
        entitlement = selectors.entitlement_for_detail(request.user, pk)
    except Entitlement.DoesNotExist:
        raise Http404
    if not request.user.has_perm("subsidies.view_entitlement", entitlement):
        raise Http404
    return entitlement


@login_required
def entitlement_list(request):
    if not request.user.has_perm("subsidies.view_entitlements"):
        raise PermissionDenied
    filters = EntitlementFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.entitlement_list(request.user, **{k: v for k, v in criteria.items() if v})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "subsidies/entitlements/list.html", {
        "page": page, "filters": filters, "totals": selectors.totals(rows),
        "reviews": request.user.has_perm("subsidies.review_entitlement"),
    })


@login_required
def my_entitlements(request):
    if not request.user.has_perm("subsidies.view_own_entitlements"):
        raise PermissionDenied
    rows = selectors.own_entitlements(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "subsidies/entitlements/mine.html", {"page": page, "totals": selectors.totals(rows)})


@login_required
def entitlement_detail(request, pk):
    """How the entitlement was computed (rule, version, inputs, trace) and its whole history, for finance,
    the program's manager and the payee; links to its claim, institute and payout lines."""
    entitlement = _entitlement(request, pk)
    user = request.user
    reviews = user.has_perm("subsidies.review_entitlement", entitlement)
    actions = [(name, label) for name, label in available_actions(entitlement, user)
               if name in (*SIMPLE_ACTIONS, "hold")] if reviews else []
    claim, institute = entitlement.claim, entitlement.institute
    return render(request, "subsidies/entitlements/detail.html", {
        "entitlement": entitlement, "actions": actions, "hold_form": HoldForm(), "reviews": reviews,
        "rule": selectors.rule_text(entitlement),
        "inputs": labelled_inputs(entitlement.inputs, entitlement.rule_code),
        "history": selectors.entitlement_history(entitlement),
        "lines": selectors.entitlement_payout_lines(entitlement),
        "claim_link": claim is not None and user.has_perm("subsidies.view_claim", claim),
        "institute_link": institute is not None and user.has_perm("institutes.view_institute", institute),
        "batch_links": user.has_perm("subsidies.manage_payouts"),
    })


@login_required
@require_POST
def entitlement_action(request, pk, action):
    entitlement = _entitlement(request, pk)
    if action not in (*SIMPLE_ACTIONS, "hold") or not request.user.has_perm("subsidies.review_entitlement",
                                                                           entitlement):
        raise PermissionDenied
    try:
        if action == "hold":
            form = HoldForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the reason for the hold."))
                return redirect("subsidies:entitlement_detail", pk=pk)
            services.hold(entitlement, request.user, reason=form.cleaned_data["reason"], request=request)
        else:
            SIMPLE_ACTIONS[action](entitlement, request.user, request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Done: %(state)s.") % {"state": entitlement.get_state_display()})
    return redirect("subsidies:entitlement_detail", pk=pk)


@login_required
@require_POST
def entitlement_bulk_approve(request):
    if not request.user.has_perm("subsidies.review_entitlement"):
        raise PermissionDenied
    ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
    chosen = Entitlement.objects.for_user(request.user).filter(
        pk__in=ids, state__in=[Entitlement.State.COMPUTED, Entitlement.State.HELD]
    )
    approved = 0
    for entitlement in chosen:
        try:
            services.approve(entitlement, request.user, request=request)
        except WorkflowError as refusal:
            messages.error(request, refusal.message)
        else:
            approved += 1
    messages.success(request, _("%(count)s entitlements approved.") % {"count": approved})
    return redirect("subsidies:entitlement_list")


@login_required
def run_list(request):
    if not request.user.has_perm("subsidies.run_entitlements"):
        raise PermissionDenied
    form = RunForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if form.is_valid() and request.user.has_perm("subsidies.run_entitlements", form.cleaned_data["program"]):
            run = services.request_run(form.cleaned_data["program"], form.cleaned_data["year"], request.user)
            messages.success(request, _("The entitlement run was queued."))
            return redirect("subsidies:run_detail", pk=run.pk)
        messages.error(request, _("Nothing was started: please correct the fields marked below."))
    return render(request, "subsidies/entitlements/runs.html", {
        "form": form, "runs": selectors.recent_runs(request.user),
    })


@login_required
def run_detail(request, pk):
    if not request.user.has_perm("subsidies.run_entitlements"):
        raise PermissionDenied
    try:
        run = selectors.run_for_detail(request.user, pk)
    except EntitlementRun.DoesNotExist:
        raise Http404
    return render(request, "subsidies/entitlements/run_detail.html", {"run": run})


urlpatterns = [
    path("entitlements/", entitlement_list, name="entitlement_list"),
    path("entitlements/mine/", my_entitlements, name="my_entitlements"),
    path("entitlements/approve/", entitlement_bulk_approve, name="entitlement_bulk_approve"),
    path("entitlements/<int:pk>/", entitlement_detail, name="entitlement_detail"),
    path("entitlements/<int:pk>/<slug:action>/", entitlement_action, name="entitlement_action"),
    path("entitlement-runs/", run_list, name="run_list"),
    path("entitlement-runs/<int:pk>/", run_detail, name="run_detail"),
]
