"""The notice pages: the list (an applicant's “My notices”, a manager's or finance's “Notices”),
the permission-checked download streaming the private PDF, a manager's refresh of one notice and
request of a program-year's grade-and-subsidy notices. Rendering happens in Celery jobs."""
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.workflow import WorkflowError

from ..forms.notices import GradeNoticesForm, NoticeFilterForm
from ..models import Notice
from ..selectors import notices as selectors
from ..services import notices as service

PAGE_SIZE = 25


def _require(user, permission: str, obj=None) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied


def _visible_notice(user, pk: int) -> Notice:
    try:
        return selectors.notice_for_user(user, pk)
    except Notice.DoesNotExist:
        raise Http404 from None


@login_required
def notice_list(request):
    _require(request.user, "subsidies.view_notices")
    filters = NoticeFilterForm(request.GET or None, programs=selectors.visible_programs(request.user))
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.notices_for(request.user, program=chosen.get("program"), kind=chosen.get("kind", ""),
                                 year=chosen.get("year"), state=chosen.get("state", ""))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    managed = selectors.managed_program_ids(request.user)
    own_only = not (request.user.has_role("program_manager") or request.user.has_role("finance"))
    return render(request, "subsidies/notices/list.html", {
        "page": page, "filters": filters, "managed": managed, "own_only": own_only,
    })


@login_required
def notice_download(request, pk):
    notice = _visible_notice(request.user, pk)
    _require(request.user, "subsidies.download_notice", notice)
    if not notice.file or not notice.file.storage.exists(notice.file.name):
        raise Http404(_("This notice is not ready yet."))
    response = FileResponse(notice.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"notice-{notice.pk}.pdf\"; filename*=UTF-8''{quote(notice.filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def notice_regenerate(request, pk):
    notice = _visible_notice(request.user, pk)
    _require(request.user, "subsidies.regenerate_notice", notice)
    service.regenerate_notice(notice, request.user)
    messages.success(request, _("Notice %(number)s is queued: it is rendered again if its content changed.") % {
        "number": notice.document_number})
    return redirect("subsidies:notice_list")


@login_required
def grade_notices(request):
    _require(request.user, "subsidies.issue_notices")
    programs = request.user.managed_programs.order_by("code")
    form = GradeNoticesForm(request.POST or None, programs=programs, years=selectors.graded_years(programs))
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _("Nothing was queued: choose a program and a year with published grades."))
        else:
            program, year = form.cleaned_data["program"], form.cleaned_data["year"]
            _require(request.user, "subsidies.issue_notices", program)
            try:
                counts = service.request_grade_notices(program, year, request.user)
            except WorkflowError as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _("%(created)d notices issued and %(refreshed)d queued for a refresh.")
                                 % counts)
                return redirect("subsidies:notice_list")
    return render(request, "subsidies/notices/grade_notices.html", {"form": form})


urlpatterns = [
    path("subsidies/notices/", notice_list, name="notice_list"),
    path("subsidies/notices/<int:pk>/download/", notice_download, name="notice_download"),
    path("subsidies/notices/<int:pk>/regenerate/", notice_regenerate, name="notice_regenerate"),
    path("subsidies/notices/grades/", grade_notices, name="grade_notices"),
]
