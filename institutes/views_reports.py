"""Annual reports (ZZ23 第十一条): the institute files, the district industry and finance bureaus
review, the program manager accepts; queues for the reviewers."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.timeline import timeline_for
from portal.workflow import WorkflowError, available_actions

from . import selectors_annual as selectors, services_annual as services
from .forms_annual import (
    AnnualReportForm, DistrictReportDecisionForm, ManagerReportDecisionForm, ReportAttachmentForm,
    ReportQueueFilterForm, StartReportForm,
)
from .models import AnnualReport, AnnualReportAttachment, Program
from .views_attachments import attachment_views

PAGE_SIZE = 25


def _report(request, pk, permission="institutes.view_annual_report") -> AnnualReport:
    try:
        report = selectors.report_for_detail(request.user, pk)
    except AnnualReport.DoesNotExist:
        raise Http404
    if not request.user.has_perm(permission, report):
        raise PermissionDenied
    return report


@login_required
def my_reports(request):
    if not request.user.has_perm("institutes.view_my_annual_reports"):
        raise PermissionDenied
    institutes = selectors.my_institutes(request.user)
    reportable = [(i, services.reportable_years(i)) for i in institutes]
    page = Paginator(selectors.my_reports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "institutes/report_list.html", {
        "page": page, "reportable": [(i, years) for i, years in reportable if years],
    })


@login_required
@require_POST
def report_start(request):
    if not request.user.has_perm("institutes.view_my_annual_reports"):
        raise PermissionDenied
    form = StartReportForm(request.POST, institutes=selectors.my_institutes(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose one of your institutes and a year it reports on."))
        return redirect("institutes:my_reports")
    try:
        report = services.start_report(request.user, form.cleaned_data["institute"], form.cleaned_data["year"])
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return redirect("institutes:my_reports")
    return redirect("institutes:report_edit", pk=report.pk)


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    user = request.user
    may_change = user.has_perm("institutes.change_annual_report", report) and report.is_editable
    return render(request, "institutes/report_detail.html", {
        "report": report,
        "actions": available_actions(report, user),
        "timeline": timeline_for(report),
        "attachment_form": ReportAttachmentForm() if may_change else None,
        "may_change": may_change,
        "missing": services.missing_for_submission(report) if may_change else [],
    })


@login_required
def report_edit(request, pk):
    report = _report(request, pk, "institutes.change_annual_report")
    if not report.is_editable:
        messages.error(request, _("The report can no longer be changed: its status is “%(state)s”.") % {
            "state": report.get_state_display()})
        return redirect("institutes:report_detail", pk=pk)
    form = AnnualReportForm(request.POST or None, instance=report)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_report(report, request.user, form, seen_version=form.cleaned_data["seen_version"])
            except WorkflowError as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("institutes:report_detail", pk=pk)
        else:
            messages.error(request, _("Nothing was saved: please correct the fields marked below."))
    return render(request, "institutes/report_edit.html", {"report": report, "form": form})


@login_required
@require_POST
def report_submit(request, pk):
    report = _report(request, pk, "institutes.submit_annual_report")
    try:
        services.submit_report(report, request.user, request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Submitted. The district industry and finance bureaus have been notified."))
    return redirect("institutes:report_detail", pk=pk)


report_attachment_upload, report_attachment_download, report_attachment_delete = attachment_views(
    owner=_report, change_permission="institutes.change_annual_report", model=AnnualReportAttachment,
    owner_field="report", form=ReportAttachmentForm,
    store=lambda report, user, data, request: services.add_attachment(
        report, user, data["file"], data["kind"], request=request),
    remove=lambda attachment, user, request: services.remove_attachment(attachment, user, request=request),
    detail="institutes:report_detail", uploaded=gettext_lazy("Attachment uploaded."),
    removed=gettext_lazy("Attachment removed."),
)


@login_required
def report_queue(request):
    if not request.user.has_perm("institutes.view_annual_report_queue"):
        raise PermissionDenied
    user = request.user
    programs = user.managed_programs.order_by("code") if user.has_role("program_manager") else Program.objects.all()
    filters = ReportQueueFilterForm(request.GET or None, programs=programs)
    criteria = {k: v for k, v in filters.cleaned_data.items() if v} if filters.is_valid() else {}
    rows = selectors.report_queue(user, **criteria)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for report in page:
        report.days_waiting = selectors.days_waiting(report, today)
    return render(request, "institutes/report_queue.html", {
        "page": page, "filters": filters, "is_district": user.has_role("district"),
    })


@login_required
def report_review(request, pk):
    """The district bureau's pass/return, or the program manager's accept/return."""
    report = _report(request, pk)
    user = request.user
    if user.has_perm("institutes.district_review_annual_report", report):
        form_class, decide, waiting = DistrictReportDecisionForm, services.record_district_decision, AnnualReport.State.SUBMITTED
    elif user.has_perm("institutes.manage_annual_report", report):
        form_class, decide, waiting = ManagerReportDecisionForm, services.record_manager_decision, AnnualReport.State.DISTRICT_PASSED
    else:
        raise PermissionDenied
    if report.state != waiting:
        messages.info(request, _("The report is “%(state)s”; there is nothing to decide.") % {
            "state": report.get_state_display()})
        return redirect("institutes:report_detail", pk=pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decide(report, user, form.cleaned_data["decision"], comment=form.cleaned_data["comment"], request=request)
        except WorkflowError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your decision was recorded."))
            return redirect("institutes:report_queue")
    return render(request, "institutes/report_review.html", {"report": report, "form": form})


urlpatterns = [
    path("reports/", my_reports, name="my_reports"),
    path("reports/new/", report_start, name="report_start"),
    path("reports/queue/", report_queue, name="report_queue"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", report_submit, name="report_submit"),
    path("reports/<int:pk>/review/", report_review, name="report_review"),
    path("reports/<int:pk>/attachments/", report_attachment_upload, name="report_attachment_upload"),
    path("reports/<int:pk>/attachments/<int:attachment_pk>/", report_attachment_download,
         name="report_attachment_download"),
    path("reports/<int:pk>/attachments/<int:attachment_pk>/delete/", report_attachment_delete,
         name="report_attachment_delete"),
]
