from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from institutes.models import Application
from institutes.selectors import applicant_applications
from portal.notify.models import Notification


@login_required
def dashboard(request):
    user = request.user
    context = {"recent_notifications": Notification.objects.filter(recipient=user)[:8]}
    if user.has_role("applicant"):
        context["my_applications"] = applicant_applications(user)[:10]
    if user.has_role("district"):
        context["district_counts"] = _counts_by_state(Application.objects.in_district_queue(user))
    if user.has_role("program_manager"):
        context["program_counts"] = _counts_by_program(Application.objects.for_user(user))
    return render(request, "dashboard/dashboard.html", context)


def _counts_by_state(queryset):
    labels = dict(Application.State.choices)
    rows = queryset.values("state").annotate(n=Count("pk")).order_by("state")
    return [(labels[row["state"]], row["state"], row["n"]) for row in rows]


def _counts_by_program(queryset):
    labels = dict(Application.State.choices)
    rows = queryset.values("program__code", "program__name", "state").annotate(n=Count("pk")).order_by("program__code")
    table = {}
    for row in rows:
        table.setdefault((row["program__code"], row["program__name"]), []).append((labels[row["state"]], row["n"]))
    return table
