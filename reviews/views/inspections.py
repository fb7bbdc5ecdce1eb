"""Site inspection pages of the program manager. Their urls are mounted through
reviews.views.publicity.urlpatterns."""
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.workflow import WorkflowError, check_transition

from ..forms.inspections import AssessmentForm, RejectNotListedForm, SiteInspectionForm
from ..selectors import publicity as selectors
from ..services import inspections as service

PAGE_SIZE = 25


# ---- helpers shared by the publicity views ----------------------------------------------------------

def found(fetch: Callable):
    """The object `fetch` reads from a user-scoped queryset, or 404."""
    try:
        return fetch()
    except ObjectDoesNotExist:
        raise Http404


def require(user, permission: str, obj=None) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def attempt(request, action: Callable, success_message: str | None = None):
    """Run one service call; a refusal or a rejected upload becomes an error message. Returns the
    service's result, or None when refused."""
    try:
        result = action()
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    if success_message:
        messages.success(request, success_message)
    return result


def may_take(obj, action: str, user) -> bool:
    """Whether the door would let `user` take `action` on obj now (system actions included)."""
    try:
        check_transition(obj, action, user)
    except (WorkflowError, PermissionDenied):
        return False
    return True


def form_errors(request) -> None:
    messages.error(request, _("Nothing was saved: please correct the fields marked below."))


def page_of(request, rows, size: int = PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


# ---- site inspection --------------------------------------------------------------------------------

@login_required
def inspection_list(request):
    require(request.user, "reviews.record_inspection")
    page = page_of(request, selectors.inspection_panels(request.user))
    return render(request, "reviews/inspections/list.html", {"page": page})


@login_required
def inspection_panel(request, panel_pk):
    panel = found(lambda: selectors.inspection_panel(request.user, panel_pk))
    require(request.user, "reviews.record_inspection", panel)
    form = SiteInspectionForm(request.POST or None, members=panel.accepted_members)
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        else:
            data = form.cleaned_data
            inspection = attempt(request, lambda: service.record_inspection(
                panel, user=request.user, visited_on=data["visited_on"], location=data["location"],
                present_member_ids=set(data["present"]), request=request,
            ), _("The visit was recorded. Now record the panel's assessment of each applicant."))
            if inspection is not None:
                return redirect("reviews:inspection_detail", pk=inspection.pk)
    items = list(panel.items.all())
    return render(request, "reviews/inspections/panel.html", {
        "panel": panel, "form": form, "reject_form": RejectNotListedForm(),
        "listed": [item for item in items if item.listed_for_inspection],
        "not_listed": [item for item in items if item.listed_for_inspection is False],
    })


@login_required
@require_POST
def reject_not_listed(request, panel_pk):
    panel = found(lambda: selectors.inspection_panel(request.user, panel_pk))
    require(request.user, "reviews.record_inspection", panel)
    form = RejectNotListedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason; the applicants will read it."))
    else:
        rejected = attempt(request, lambda: service.reject_not_listed(
            panel, user=request.user, reason=form.cleaned_data["reason"], request=request))
        if rejected:
            messages.success(request, ngettext(
                "%(n)d application was rejected.", "%(n)d applications were rejected.", rejected) % {"n": rejected})
    return redirect("reviews:inspection_panel", panel_pk=panel.pk)


@login_required
def inspection_detail(request, pk):
    inspection = found(lambda: selectors.inspection_for_user(request.user, pk))
    require(request.user, "reviews.record_inspection", inspection)
    pending = service.awaiting_assessment(inspection.panel).select_related("application__organization")
    return render(request, "reviews/inspections/detail.html", {"inspection": inspection, "pending": pending})


@login_required
def inspection_assess(request, pk, item_pk):
    inspection = found(lambda: selectors.inspection_for_user(request.user, pk))
    require(request.user, "reviews.record_inspection", inspection)
    item = found(lambda: selectors.listed_item(inspection, item_pk))
    form = AssessmentForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        else:
            moved = attempt(request, lambda: service.record_assessment(
                inspection, item, user=request.user, request=request, **form.cleaned_data))
            if moved is not None:
                messages.success(request, _("The assessment was recorded.") if not moved else ngettext(
                    "Every listed applicant is assessed: %(n)d application moved on to the decision.",
                    "Every listed applicant is assessed: %(n)d applications moved on to the decision.", moved,
                ) % {"n": moved})
                return redirect("reviews:inspection_detail", pk=inspection.pk)
    return render(request, "reviews/inspections/assess.html", {"inspection": inspection, "item": item, "form": form})


urlpatterns = [
    path("manager/inspections/", inspection_list, name="inspection_list"),
    path("manager/inspections/panels/<int:panel_pk>/", inspection_panel, name="inspection_panel"),
    path("manager/inspections/panels/<int:panel_pk>/reject-not-listed/", reject_not_listed,
         name="inspection_reject_not_listed"),
    path("manager/inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("manager/inspections/<int:pk>/items/<int:item_pk>/", inspection_assess, name="inspection_assess"),
]
