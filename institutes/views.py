from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.timeline import timeline_for
from portal.workflow import WorkflowError, available_actions

from . import selectors, services
from .forms import (
    ApplicationForm, AttachmentForm, DistrictDecisionForm, QueueFilterForm,
    application_formsets,
)
from .models import Application, Attachment, Program
from .views_attachments import attachment_views

PAGE_SIZE = 25
# Looked up once a row, not get_state_display(): that hashes every lazy label of the choices a row.
STATE_LABELS = dict(Application.State.choices)


def _application(request, pk, permission="institutes.view_application"):
    """The application if the user may see it (else 404) and holds `permission` on it (else 403)."""
    try:
        application = selectors.application_for_detail(request.user, pk)
    except Application.DoesNotExist:
        raise Http404
    if not request.user.has_perm(permission, application):
        raise PermissionDenied
    return application


@login_required
def application_list(request):
    if not request.user.has_perm("institutes.add_application"):
        raise PermissionDenied
    page = Paginator(selectors.applicant_applications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "institutes/application_list.html", {"page": page, "state_labels": STATE_LABELS})


@login_required
def application_start(request):
    if not request.user.has_perm("institutes.add_application"):
        raise PermissionDenied
    programs = selectors.programs_open_for_applications()
    if request.method == "POST":
        program = get_object_or_404(Program, code=request.POST.get("program", ""), accepts_applications=True)
        try:
            application = services.start_application(request.user, program)
        except WorkflowError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Draft created. Fill in the sections and save at any time."))
            return redirect("institutes:application_edit", pk=application.pk)
    return render(request, "institutes/application_start.html", {"programs": programs})


@login_required
def application_detail(request, pk):
    application = _application(request, pk)
    report = services.check_eligibility(application)
    may_attach = request.user.has_perm("institutes.change_application", application)
    context = {
        "application": application,
        "actions": available_actions(application, request.user),
        "timeline": timeline_for(application),
        "attachment_form": AttachmentForm() if may_attach else None,
        "may_change_attachments": may_attach and application.is_editable,
        "report": report if application.state != Application.State.DRAFT else None,
        "warnings": report.warnings if not request.user.has_role("applicant") else [],
    }
    return render(request, "institutes/application_detail.html", context)


@login_required
def application_edit(request, pk):
    application = _application(request, pk, "institutes.change_application")
    if not application.is_editable:
        messages.error(request, _("The application can no longer be changed: its status is “%(state)s”.") % {
            "state": application.get_state_display()})
        return redirect("institutes:application_detail", pk=pk)
    form = ApplicationForm(request.POST or None, instance=application)
    formsets = application_formsets(application, request.POST or None)
    if request.method == "POST":
        if form.is_valid() and all(fs.is_valid() for fs in formsets):
            try:
                services.save_draft(
                    application, request.user, form, formsets, seen_version=form.cleaned_data["seen_version"]
                )
            except WorkflowError as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _("Saved."))
                if "to_submit" in request.POST:
                    return redirect("institutes:application_submit", pk=pk)
                return redirect("institutes:application_edit", pk=pk)
        else:
            messages.error(request, _("Nothing was saved: please correct the fields marked below."))
    years, ip_assets, participants = formsets
    return render(request, "institutes/application_edit.html", {
        "application": application, "form": form, "years": years, "ip_assets": ip_assets,
        "participants": participants,
    })


@login_required
def application_submit(request, pk):
    application = _application(request, pk, "institutes.submit_application")
    if request.method == "POST":
        try:
            services.submit_application(application, request.user, request=request)
        except WorkflowError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Submitted. The district bureau has been notified."))
            return redirect("institutes:application_detail", pk=pk)
    report = services.check_eligibility(application)
    may_submit = any(action == "submit" for action, _label in available_actions(application, request.user))
    return render(request, "institutes/application_submit.html", {
        "application": application, "report": report, "may_submit": may_submit,
    })


@login_required
@require_POST
def application_withdraw(request, pk):
    application = _application(request, pk, "institutes.submit_application")
    try:
        services.withdraw_application(application, request.user, comment=request.POST.get("comment", ""), request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("institutes:application_detail", pk=pk)


attachment_upload, attachment_download, attachment_delete = attachment_views(
    owner=_application, change_permission="institutes.change_application", model=Attachment,
    owner_field="application", form=AttachmentForm,
    store=lambda application, user, data, request: services.add_attachment(
        application, user, data["file"], data["kind"], request=request),
    remove=lambda attachment, user, request: services.remove_attachment(attachment, user, request=request),
    detail="institutes:application_detail", uploaded=gettext_lazy("Attachment uploaded."),
    removed=gettext_lazy("Attachment removed."),
)


@login_required
def district_queue(request):
    if not request.user.has_role("district"):
        raise PermissionDenied
    programs = Program.objects.filter(accepts_applications=True)
    filters = QueueFilterForm(request.GET or None, programs=programs)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.district_queue(request.user, **{k: v for k, v in criteria.items() if v})
    if "state" not in request.GET:
        rows = rows.filter(state=Application.State.SUBMITTED)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "institutes/district_queue.html", {
        "page": page, "filters": filters, "state_labels": STATE_LABELS,
    })


@login_required
def district_review(request, pk):
    application = _application(request, pk, "institutes.district_review_application")
    if application.state != Application.State.SUBMITTED:
        messages.info(request, _("The application is “%(state)s”; there is nothing to decide.") % {
            "state": application.get_state_display()})
        return redirect("institutes:application_detail", pk=pk)
    form = DistrictDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_district_decision(
                application, request.user, form.cleaned_data["decision"], checklist=form.checklist(),
                comment=form.cleaned_data["comment"], request=request,
            )
        except WorkflowError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your decision was recorded."))
            return redirect("institutes:district_queue")
    return render(request, "institutes/district_review.html", {
        "application": application, "form": form, "report": services.check_eligibility(application),
    })
