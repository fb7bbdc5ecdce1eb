from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from institutes.models import Application
from institutes.services import check_eligibility
from portal.timeline import timeline_for
from portal.workflow import WorkflowError

from ..forms.initial_review import InitialReviewDecisionForm, InitialReviewPartForm, ManagerQueueFilterForm
from ..selectors.initial_review import manager_queue
from ..services import initial_review as service

PAGE_SIZE = 25


def _managed_application(request, pk):
    try:
        application = Application.objects.in_manager_queue(request.user).with_list_data().select_related(
            "organization__region__parent__parent", "program__region",
        ).prefetch_related("years", "ip_assets", "participants", "attachments").get(pk=pk)
    except Application.DoesNotExist:
        raise Http404
    if not request.user.has_perm("institutes.manage_application", application):
        raise PermissionDenied
    return application


@login_required
def queue(request):
    if not request.user.has_perm("reviews.view_manager_queue"):
        raise PermissionDenied
    programs = request.user.managed_programs.all()
    filters = ManagerQueueFilterForm(request.GET or None, programs=programs)
    criteria = {k: v for k, v in (filters.cleaned_data if filters.is_valid() else {}).items() if v}
    page = Paginator(manager_queue(request.user, **criteria), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/initial_review/queue.html", {"page": page, "filters": filters})


@login_required
def review(request, pk):
    application = _managed_application(request, pk)
    records = service.current_records(application)
    part_forms = [
        (part, records.get(part), InitialReviewPartForm(prefix=part, initial={
            "passed": "yes" if records.get(part) and records[part].passed else None,
            "findings": records[part].findings if part in records else "",
        }))
        for part in service.parts_for(application.program)
    ]
    return render(request, "reviews/initial_review/review.html", {
        "application": application,
        "part_forms": part_forms,
        "decision_form": InitialReviewDecisionForm(),
        "report": check_eligibility(application),
        "timeline": timeline_for(application),
    })


@login_required
@require_POST
def start(request, pk):
    application = _managed_application(request, pk)
    _attempt(request, lambda: service.start_initial_review(application, request.user, request=request),
             _("The initial review has started."))
    return redirect("reviews:initial_review", pk=pk)


@login_required
@require_POST
def record_part(request, pk, part):
    application = _managed_application(request, pk)
    form = InitialReviewPartForm(request.POST, prefix=part)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    else:
        _attempt(request, lambda: service.record_part(
            application, request.user, part=part, passed=form.cleaned_data["passed"],
            findings=form.cleaned_data["findings"], request=request,
        ), _("Recorded."))
    return redirect("reviews:initial_review", pk=pk)


@login_required
@require_POST
def decide(request, pk):
    application = _managed_application(request, pk)
    form = InitialReviewDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("reviews:initial_review", pk=pk)
    data = form.cleaned_data
    actions = {
        "pass": lambda: service.pass_initial_review(application, request.user, request=request),
        "revise": lambda: service.request_revision(
            application, request.user, working_days=data["working_days"], comment=data["comment"], request=request),
        "reject": lambda: service.reject_application(application, request.user, comment=data["comment"], request=request),
    }
    if _attempt(request, actions[data["decision"]], _("Your decision was recorded.")):
        return redirect("reviews:manager_queue")
    return redirect("reviews:initial_review", pk=pk)


def _attempt(request, action, success_message) -> bool:
    try:
        action()
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return False
    messages.success(request, success_message)
    return True


urlpatterns = [
    path("manager/queue/", queue, name="manager_queue"),
    path("manager/applications/<int:pk>/initial-review/", review, name="initial_review"),
    path("manager/applications/<int:pk>/initial-review/start/", start, name="initial_review_start"),
    path("manager/applications/<int:pk>/initial-review/<str:part>/", record_part, name="initial_review_part"),
    path("manager/applications/<int:pk>/initial-review-decision/", decide, name="initial_review_decide"),
]
