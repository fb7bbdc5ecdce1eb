"""The expert pool pages of the program managers: list, add, edit, deactivate, import."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.workflow import WorkflowError

from ..forms.experts import ExpertFilterForm, ExpertForm, ExpertImportForm, expert_formsets
from ..models import Expert
from ..selectors import experts as selectors
from ..services import experts as services
from ..services.experts import COLUMNS, ImportRejected

PAGE_SIZE = 25


def _require_pool_keeper(user):
    if not user.has_perm("reviews.manage_expert_pool"):
        raise PermissionDenied


def _expert(request, pk) -> Expert:
    """The expert if the user may see the pool (else 404) and keep it (else 403)."""
    try:
        expert = selectors.expert_for_edit(request.user, pk)
    except Expert.DoesNotExist:
        raise Http404
    _require_pool_keeper(request.user)
    return expert


@login_required
def expert_list(request):
    _require_pool_keeper(request.user)
    fields = selectors.industry_fields()
    filters = ExpertFilterForm(request.GET or None, industry_fields=fields)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.expert_list(request.user, **{k: v for k, v in criteria.items() if v})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/experts/list.html", {"page": page, "filters": filters})


@login_required
def expert_create(request):
    _require_pool_keeper(request.user)
    return _edit(request, Expert())


@login_required
def expert_edit(request, pk):
    return _edit(request, _expert(request, pk))


def _edit(request, expert: Expert):
    form = ExpertForm(request.POST or None, instance=expert)
    formsets = expert_formsets(expert, request.POST or None)
    if request.method == "POST":
        if form.is_valid() and all(fs.is_valid() for fs in formsets):
            expert = services.save_expert(request.user, form, formsets, request=request)
            messages.success(request, _("%(expert)s was saved.") % {"expert": expert.name})
            return redirect("reviews:expert_list")
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
    employments, ties = formsets
    return render(request, "reviews/experts/form.html", {
        "expert": expert, "form": form, "employments": employments, "ties": ties,
    })


@login_required
@require_POST
def expert_deactivate(request, pk):
    expert = _expert(request, pk)
    try:
        services.deactivate_expert(expert, request.user, request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("%(expert)s is inactive and will not be drawn any more.") % {"expert": expert.name})
    return redirect("reviews:expert_edit", pk=expert.pk)


@login_required
def expert_import(request):
    _require_pool_keeper(request.user)
    form = ExpertImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            imported = services.import_experts(form.cleaned_data["file"], request.user, request=request)
        except ImportRejected as rejection:
            messages.error(request, rejection.message)
            errors = rejection.errors
        else:
            messages.success(request, ngettext(
                "%(n)d expert was imported.", "%(n)d experts were imported.", len(imported)) % {"n": len(imported)})
            return redirect("reviews:expert_list")
    return render(request, "reviews/experts/import.html", {"form": form, "errors": errors, "columns": COLUMNS})


@login_required
def expert_import_template(request):
    _require_pool_keeper(request.user)
    response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="experts-template.csv"'
    return response


urlpatterns = [
    path("experts/", expert_list, name="expert_list"),
    path("experts/new/", expert_create, name="expert_create"),
    path("experts/import/", expert_import, name="expert_import"),
    path("experts/import/template.csv", expert_import_template, name="expert_import_template"),
    path("experts/<int:pk>/", expert_edit, name="expert_edit"),
    path("experts/<int:pk>/deactivate/", expert_deactivate, name="expert_deactivate"),
]
