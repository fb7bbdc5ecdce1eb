"""Dashboards per program and year: institutes by status, annual reports filed and overdue, the
year's grade distribution and a chart of the grades over the years (inline SVG, no CDN). Program
managers see their programs (finance staff every program, read only); district staff the
institutes whose lead unit lies in the regions they serve."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from institutes.models import Program

from ..forms.evaluation import DashboardForm
from ..selectors import evaluation as selectors


def _render(request, programs, scope, template_name, heading_region=None):
    form = DashboardForm(request.GET or None, programs=programs)
    data = form.cleaned_data if form.is_valid() else {}
    program = data.get("program") or programs.first()
    year = data.get("year") or timezone.localdate().year - 1
    board = selectors.dashboard(program, year, scope) if program is not None else None
    shown = DashboardForm(programs=programs, initial={"program": program.pk if program else None, "year": year})
    return render(request, template_name, {"form": shown, "board": board, "regions": heading_region})


@login_required
def program_dashboard(request):
    user = request.user
    if not user.has_perm("reviews.view_program_dashboard"):
        raise PermissionDenied
    programs = Program.objects.order_by("code") if user.has_role("finance") and not user.has_role(
        "program_manager") else user.managed_programs.order_by("code")
    return _render(request, programs, Q(), "reviews/dashboards/program.html")


@login_required
def district_dashboard(request):
    user = request.user
    if not user.has_perm("reviews.view_district_dashboard"):
        raise PermissionDenied
    programs = Program.objects.filter(institutes__isnull=False).distinct().order_by("code")
    return _render(request, programs, user.region_scope("lead_unit__region"), "reviews/dashboards/district.html",
                   heading_region=list(user.regions.order_by("path")))


urlpatterns = [
    path("dashboards/programs/", program_dashboard, name="program_dashboard"),
    path("dashboards/district/", district_dashboard, name="district_dashboard"),
]
