"""Decision meetings, public notices and objections (the manager's pages and the public's), the
decision after a notice, HN23 recognition of cultivation units and SJZ22 third-party recognition.
The site-inspection pages live in reviews.views.inspections; their urls are mounted here too."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from institutes.models import Application, Institute
from institutes.uploads import private_file_response
from portal.audit.services import client_address
from portal.timeline import timeline_for

from ..forms.inspections import AcceptanceForm
from ..forms.publicity import (
    DecideNoticeForm, DecisionMeetingForm, HandleObjectionForm, NoticeForm, ObjectionForm, RecognitionRequestForm,
    StateFilterForm, ThirdPartyRecognitionForm,
)
from ..models import Objection, PublicNotice
from ..models.publicity import ThirdPartyRecognition
from ..selectors import publicity as selectors
from ..services import publicity as service
from ..services import recognition
from . import inspections
from .inspections import attempt, form_errors, found, may_take, page_of, require

PUBLIC_PAGE_SIZE = 20


# ---- decisions -----------------------------------------------------------------------------------

@login_required
def decision_list(request):
    require(request.user, "reviews.manage_notice")
    return render(request, "reviews/publicity/decision_list.html", {
        "page": page_of(request, selectors.decision_desk(request.user)),
        "meetings": selectors.recent_meetings(request.user),
        "meeting_programs": request.user.managed_programs.filter(has_publicity=True),
    })


@login_required
def meeting_new(request, program_code):
    program = get_object_or_404(request.user.managed_programs.filter(has_publicity=True), code=program_code)
    require(request.user, "reviews.manage_notice", program)
    form = DecisionMeetingForm(request.POST or None, applications=service.undecided_applications(program))
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        else:
            data = form.cleaned_data
            meeting = attempt(request, lambda: service.record_decision_meeting(
                program, user=request.user, held_on=data["held_on"], document_number=data["document_number"],
                minutes=data["minutes"], approved=list(data["approved"]), not_approved=list(data["not_approved"]),
                request=request,
            ), _("The decision meeting was recorded."))
            if meeting is not None:
                return redirect("reviews:meeting_detail", pk=meeting.pk)
    return render(request, "reviews/publicity/meeting_new.html", {"program": program, "form": form})


@login_required
def meeting_detail(request, pk):
    meeting = found(lambda: selectors.meeting_for_user(request.user, pk))
    require(request.user, "reviews.manage_notice", meeting)
    waiting = [a for a in meeting.applications.all() if a.state == Application.State.AWAITING_DECISION]
    return render(request, "reviews/publicity/meeting_detail.html", {"meeting": meeting, "waiting": waiting})


@login_required
def notice_new(request, meeting_pk):
    meeting = found(lambda: selectors.meeting_for_user(request.user, meeting_pk))
    require(request.user, "reviews.manage_notice", meeting)
    form = NoticeForm(request.POST or None, initial={"title": _("Public notice: %(program)s") % {
        "program": meeting.program.recognises or meeting.program.name}})
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        else:
            notice = attempt(request, lambda: service.open_notice(
                meeting, user=request.user, request=request, **form.cleaned_data), _("The public notice is open."))
            if notice is not None:
                return redirect("reviews:notice_detail", pk=notice.pk)
    return render(request, "reviews/publicity/notice_new.html", {
        "meeting": meeting, "form": form, "program": meeting.program,
        "ends_if_today": service.notice_end(meeting.program, timezone.localdate()),
        "items": [a for a in meeting.applications.all() if a.state == Application.State.AWAITING_DECISION],
    })


# ---- notices and objections (manager) ------------------------------------------------------------------

@login_required
def notice_list(request):
    require(request.user, "reviews.manage_notice")
    filters = StateFilterForm(request.GET or None, choices=PublicNotice.State.choices)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    page = page_of(request, selectors.manager_notices(request.user, state=state))
    return render(request, "reviews/publicity/notice_list.html", {"page": page, "filters": filters})


@login_required
def notice_detail(request, pk):
    notice = found(lambda: selectors.notice_for_manager(request.user, pk))
    require(request.user, "reviews.manage_notice", notice)
    return render(request, "reviews/publicity/notice_detail.html", {
        "notice": notice, "may_close": may_take(notice, "close", request.user),
        "may_decide": may_take(notice, "decide", request.user),
        "decide_form": DecideNoticeForm(), "timeline": timeline_for(notice),
    })


@login_required
@require_POST
def notice_close(request, pk):
    notice = found(lambda: selectors.notice_for_manager(request.user, pk))
    require(request.user, "reviews.manage_notice", notice)
    attempt(request, lambda: service.close_notice(notice, user=request.user, request=request),
            _("The notice is closed. Handle its objections, then decide it."))
    return redirect("reviews:notice_detail", pk=pk)


@login_required
@require_POST
def notice_decide(request, pk):
    notice = found(lambda: selectors.notice_for_manager(request.user, pk))
    require(request.user, "reviews.manage_notice", notice)
    form = DecideNoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the publication date and the document number."))
        return redirect("reviews:notice_detail", pk=pk)
    outcome = attempt(request, lambda: service.decide_notice(notice, user=request.user, request=request,
                                                             **form.cleaned_data))
    if outcome is not None:
        messages.success(request, _("Decided: %(approved)d approved, %(not_approved)d not approved.") % outcome)
    return redirect("reviews:notice_detail", pk=pk)


@login_required
def objection_list(request):
    require(request.user, "reviews.handle_objection")
    filters = StateFilterForm(request.GET or None, choices=Objection.State.choices)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    page = page_of(request, selectors.objections_for_user(request.user, state=state))
    return render(request, "reviews/publicity/objection_list.html", {"page": page, "filters": filters})


@login_required
def objection_detail(request, pk):
    objection = found(lambda: selectors.objection_for_user(request.user, pk))
    require(request.user, "reviews.handle_objection", objection)
    form = HandleObjectionForm(request.POST or None, objection=objection)
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        elif attempt(request, lambda: service.handle_objection(
                objection, user=request.user, uphold=form.uphold, response=form.cleaned_data["response"],
                item=form.cleaned_data["item"], request=request), _("The objection was handled.")):
            return redirect("reviews:objection_detail", pk=pk)
    return render(request, "reviews/publicity/objection_detail.html", {
        "objection": objection, "form": form, "timeline": selectors.objection_history(objection),
    })


@login_required
def objection_attachment(request, pk):
    objection = found(lambda: selectors.objection_for_user(request.user, pk))
    require(request.user, "reviews.handle_objection", objection)
    if not objection.attachment:
        raise Http404
    return private_file_response(objection.attachment, objection.attachment_name, objection.attachment_content_type)


# ---- the public's pages (no login) --------------------------------------------------------------------

def public_notice_list(request):
    today = timezone.localdate()
    page = page_of(request, selectors.public_notices(today), PUBLIC_PAGE_SIZE)
    return render(request, "public/notice_list.html", {"page": page, "today": today})


def public_notice_detail(request, pk):
    today = timezone.localdate()
    notice = found(lambda: selectors.public_notice(pk, today))
    return render(request, "public/notice_detail.html", {
        "notice": notice, "accepts_objections": notice.accepts_objections(today),
    })


def public_objection(request, pk):
    today = timezone.localdate()
    notice = found(lambda: selectors.public_notice(pk, today))
    if not notice.accepts_objections(today):
        messages.error(request, _("This notice does not accept objections any more."))
        return redirect("reviews:public_notice_detail", pk=pk)
    form = ObjectionForm(request.POST or None, request.FILES or None, notice=notice)
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        else:
            objection = attempt(request, lambda: service.file_objection(
                notice, ip_address=client_address(request)[0], **form.cleaned_data))
            if objection is not None:
                messages.success(request, _(
                    "Your objection was received. Its reference number is %(reference)s; keep it to follow up "
                    "with the bureau.") % {"reference": objection.reference})
                return redirect("reviews:public_notice_detail", pk=pk)
    return render(request, "public/objection_form.html", {"notice": notice, "form": form})


# ---- HN23: cultivation units and recognition -----------------------------------------------------------

@login_required
def cultivation_units(request):
    require(request.user, "reviews.view_cultivation_units")
    filters = StateFilterForm(request.GET or None, choices=Institute.State.choices)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    page = page_of(request, selectors.cultivation_units(request.user, state=state))
    return render(request, "reviews/publicity/cultivation_units.html", {
        "page": page, "filters": filters, "today": timezone.localdate(),
    })


@login_required
def recognition_file(request, pk):
    unit = found(lambda: selectors.cultivation_unit(request.user, pk))
    require(request.user, "reviews.file_recognition", unit)
    form = RecognitionRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        else:
            filed = attempt(request, lambda: recognition.file_recognition_request(
                unit, user=request.user, request=request, **form.cleaned_data),
                _("The recognition application was filed. The program managers have been notified."))
            if filed is not None:
                return redirect("reviews:recognition_detail", pk=filed.pk)
    return render(request, "reviews/publicity/recognition_file.html", {"unit": unit, "form": form})


@login_required
def recognition_detail(request, pk):
    filed = found(lambda: selectors.recognition_for_user(request.user, pk))
    require(request.user, "reviews.view_recognition", filed)
    may_run = request.user.has_perm("reviews.run_acceptance", filed)
    return render(request, "reviews/publicity/recognition_detail.html", {
        "recognition": filed, "acceptance": getattr(filed, "acceptance", None), "may_run": may_run,
        "notice_form": NoticeForm(initial={"title": _("Public notice: recognition of %(name)s") % {
            "name": filed.institute.name}}) if may_run else None,
        "timeline": timeline_for(filed),
    })


@login_required
@require_POST
def recognition_start(request, pk):
    filed = found(lambda: selectors.recognition_for_user(request.user, pk))
    require(request.user, "reviews.run_acceptance", filed)
    attempt(request, lambda: recognition.start_acceptance(filed, user=request.user, request=request),
            _("The acceptance has started; record its result when the panel has reported."))
    return redirect("reviews:recognition_detail", pk=pk)


@login_required
def recognition_acceptance(request, pk):
    filed = found(lambda: selectors.recognition_for_user(request.user, pk))
    require(request.user, "reviews.run_acceptance", filed)
    form = AcceptanceForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        elif attempt(request, lambda: recognition.record_acceptance(
                filed, user=request.user, held_on=form.cleaned_data["held_on"], results=form.results(),
                report=form.cleaned_data["report"], request=request), _("The acceptance result was recorded.")):
            return redirect("reviews:recognition_detail", pk=pk)
    return render(request, "reviews/publicity/recognition_acceptance.html", {
        "recognition": filed, "form": form, "score": recognition.acceptance_score(filed),
    })


@login_required
@require_POST
def recognition_notice(request, pk):
    filed = found(lambda: selectors.recognition_for_user(request.user, pk))
    require(request.user, "reviews.manage_notice", filed)
    form = NoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The notice needs a title, a text and a start date."))
        return redirect("reviews:recognition_detail", pk=pk)
    notice = attempt(request, lambda: service.open_recognition_notice(
        filed, user=request.user, request=request, **form.cleaned_data), _("The public notice is open."))
    if notice is None:
        return redirect("reviews:recognition_detail", pk=pk)
    return redirect("reviews:notice_detail", pk=notice.pk)


@login_required
def recognition_materials(request, pk):
    filed = found(lambda: selectors.recognition_for_user(request.user, pk))
    require(request.user, "reviews.view_recognition", filed)
    if not filed.materials:
        raise Http404
    return private_file_response(filed.materials, filed.materials_name, filed.materials_content_type)


# ---- SJZ22: third-party recognition ----------------------------------------------------------------------

def _application_to_decide(request, pk) -> Application:
    application = found(lambda: Application.objects.in_manager_queue(request.user)
                        .select_related("program", "organization").get(pk=pk))
    require(request.user, "reviews.record_recognition", application)
    return application


@login_required
def third_party_recognition(request, pk):
    application = _application_to_decide(request, pk)
    recorded = ThirdPartyRecognition.objects.filter(application=application).select_related("recorded_by").first()
    form = ThirdPartyRecognitionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            form_errors(request)
        elif attempt(request, lambda: recognition.record_third_party_recognition(
                application, user=request.user, request=request, **form.cleaned_data),
                _("The recognition result was recorded.")):
            return redirect("reviews:third_party_recognition", pk=pk)
    return render(request, "reviews/publicity/third_party.html", {
        "application": application, "recorded": recorded, "form": form,
    })


@login_required
def third_party_evidence(request, pk):
    application = _application_to_decide(request, pk)
    recorded = get_object_or_404(ThirdPartyRecognition, application=application)
    return private_file_response(recorded.evidence, recorded.evidence_name, recorded.evidence_content_type)


urlpatterns = [
    *inspections.urlpatterns,
    path("manager/decisions/", decision_list, name="decision_list"),
    path("manager/decisions/<str:program_code>/meetings/new/", meeting_new, name="meeting_new"),
    path("manager/meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("manager/meetings/<int:meeting_pk>/notice/", notice_new, name="notice_new"),
    path("manager/applications/<int:pk>/third-party-recognition/", third_party_recognition,
         name="third_party_recognition"),
    path("manager/applications/<int:pk>/third-party-recognition/evidence/", third_party_evidence,
         name="third_party_evidence"),
    path("manager/notices/", notice_list, name="notice_list"),
    path("manager/notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("manager/notices/<int:pk>/close/", notice_close, name="notice_close"),
    path("manager/notices/<int:pk>/decide/", notice_decide, name="notice_decide"),
    path("manager/objections/", objection_list, name="objection_list"),
    path("manager/objections/<int:pk>/", objection_detail, name="objection_detail"),
    path("manager/objections/<int:pk>/attachment/", objection_attachment, name="objection_attachment"),
    path("cultivation-units/", cultivation_units, name="cultivation_units"),
    path("cultivation-units/<int:pk>/recognition/", recognition_file, name="recognition_file"),
    path("recognition/<int:pk>/", recognition_detail, name="recognition_detail"),
    path("recognition/<int:pk>/start/", recognition_start, name="recognition_start"),
    path("recognition/<int:pk>/acceptance/", recognition_acceptance, name="recognition_acceptance"),
    path("recognition/<int:pk>/notice/", recognition_notice, name="recognition_notice"),
    path("recognition/<int:pk>/materials/", recognition_materials, name="recognition_materials"),
    path("public/notices/", public_notice_list, name="public_notice_list"),
    path("public/notices/<int:pk>/", public_notice_detail, name="public_notice_detail"),
    path("public/notices/<int:pk>/objection/", public_objection, name="public_objection"),
]
