"""The expert's assignments, declaration, item content and score sheet; the leader's reopening;
the manager's progress, ranking and site-inspection list; the members' confirmation of it.

Every page starts from a queryset scoped to the user (404 for what they may not see) and checks a
`rules` permission (403 for what they may not do)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from institutes.models import Attachment
from institutes.uploads import private_file_response
from portal.workflow import WorkflowError

from ..forms.scoring import DeclarationForm, ReopenForm, ScoreSheetForm, SiteListForm
from ..models import Panel, PanelItem, PanelMember, ScoreSheet
from ..selectors import evaluation as evaluation_selectors
from ..selectors import scoring as selectors
from ..services import scoring as services

PAGE_SIZE = 50


def _item(request, pk) -> PanelItem:
    try:
        return selectors.item_for_user(request.user, pk)
    except PanelItem.DoesNotExist:
        raise Http404


def _panel(request, pk, permission) -> Panel:
    try:
        panel = selectors.panel_for_user(request.user, pk)
    except Panel.DoesNotExist:
        raise Http404
    if not request.user.has_perm(permission, panel):
        raise PermissionDenied
    return panel


def _declaration_gate(request, item):
    """None when the user may open the item; a redirect to the declaration for a member who has
    not declared yet; PermissionDenied for everyone else (a declared conflict included)."""
    user = request.user
    if user.has_perm("reviews.view_item_content", item):
        return None
    if user.has_perm("reviews.declare_interests", item) and selectors.declaration_of(user, item) is None:
        messages.info(request, _("Declare your interests in this item before it opens."))
        return redirect("reviews:declare_item", pk=item.pk)
    raise PermissionDenied


@login_required
def my_assignments(request):
    if not request.user.has_perm("reviews.view_assignments"):
        raise PermissionDenied
    page = Paginator(selectors.assignments(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/scoring/assignments.html", {
        "page": page, "labels": selectors.AssignmentStatus.LABELS, "roles": dict(PanelMember.Role.choices),
    })


@login_required
def declare_item(request, pk):
    item = _item(request, pk)
    if not request.user.has_perm("reviews.declare_interests", item):
        raise PermissionDenied
    declaration = selectors.declaration_of(request.user, item)
    if declaration is not None and not declaration.has_conflict:
        return redirect("reviews:item_content", pk=pk)
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and declaration is None:
        if form.is_valid():
            try:
                services.declare_interests(item, request.user, has_conflict=form.has_conflict,
                                           statement=form.cleaned_data["statement"], request=request)
            except WorkflowError as refusal:
                messages.error(request, refusal.message)
            else:
                return _after_declaration(request, item, form.has_conflict)
        else:
            messages.error(request, _("Nothing was recorded: please correct the fields marked below."))
    return render(request, "reviews/scoring/declare.html", {"item": item, "form": form, "declaration": declaration})


def _after_declaration(request, item, has_conflict):
    if has_conflict:
        messages.success(request, _("Your conflict of interest is recorded; the program managers have been told. "
                                    "You will not score this item."))
        return redirect("reviews:my_assignments")
    messages.success(request, _("Declaration recorded. The item is open for you."))
    return redirect("reviews:item_content", pk=item.pk)


@login_required
def item_content(request, pk):
    item = _item(request, pk)
    gate = _declaration_gate(request, item)
    if gate:
        return gate
    return render(request, "reviews/scoring/item_content.html", {
        "item": selectors.item_content(item),
        "is_member": request.user.has_perm("reviews.declare_interests", item),
        **evaluation_selectors.institute_item_context(item),
    })


@login_required
def item_attachment(request, pk, attachment_pk):
    item = _item(request, pk)
    gate = _declaration_gate(request, item)
    if gate:
        return gate
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application_id=item.application_id)
    return private_file_response(attachment.file, attachment.original_name, attachment.content_type)


@login_required
def score_item(request, pk):
    item = _item(request, pk)
    gate = _declaration_gate(request, item)
    if gate:
        return gate
    sheet = selectors.sheet_of(request.user, item)
    if sheet is None:
        raise PermissionDenied
    criteria = selectors.criteria_of(sheet)
    submitting = ScoreSheetForm.SUBMIT in request.POST
    form = ScoreSheetForm(request.POST or None, criteria=criteria, scores=selectors.scores_by_criterion(sheet),
                          submitting=submitting)
    if request.method == "POST":
        if not request.user.has_perm("reviews.score_sheet", sheet):
            raise PermissionDenied
        if _save_sheet(request, sheet, form, submitting):
            return redirect("reviews:score_item", pk=pk)
    progress = selectors.item_progress(item)
    return render(request, "reviews/scoring/score_sheet.html", {
        "item": item, "sheet": sheet, "form": form, "progress": progress,
        "max_total": sum(criterion.max_points for criterion in criteria),
        "editable": sheet.state == ScoreSheet.State.DRAFT and request.user.has_perm("reviews.score_sheet", sheet),
        "table": selectors.item_score_table(item, criteria) if progress.complete else None,
    })


def _save_sheet(request, sheet, form, submitting) -> bool:
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: please correct the points marked below."))
        return False
    try:
        if submitting:
            services.submit_scores(sheet, request.user, form.entries(), request=request)
        else:
            services.save_scores(sheet, request.user, form.entries())
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return False
    messages.success(request, _("Scores submitted. They are now locked.") if submitting else _("Draft saved."))
    return True


@login_required
def reopen_sheet(request, pk):
    try:
        sheet = selectors.sheet_for_reopen(request.user, pk)
    except ScoreSheet.DoesNotExist:
        raise Http404
    if not request.user.has_perm("reviews.reopen_sheet", sheet):
        raise PermissionDenied
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_sheet(sheet, request.user, reason=form.cleaned_data["reason"], request=request)
        except WorkflowError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The sheet is reopened; the expert has been told."))
            return redirect("reviews:scoring_progress", pk=sheet.member.panel_id)
    return render(request, "reviews/scoring/reopen.html", {"sheet": sheet, "form": form})


@login_required
def scoring_progress(request, pk):
    panel = _panel(request, pk, "reviews.view_scoring_progress")
    members, rows = selectors.scoring_progress(panel)
    leader = next((m for m in members if m.role == PanelMember.Role.LEADER), None)
    return render(request, "reviews/scoring/progress.html", {
        "panel": panel, "members": members, "rows": rows,
        "is_leader": bool(leader and leader.status == PanelMember.Status.ACCEPTED
                          and leader.expert.user_id == request.user.pk),
    })


@login_required
def panel_ranking(request, pk):
    panel = _panel(request, pk, "reviews.view_ranking")
    board = selectors.ranking(panel)
    manages = request.user.has_perm("reviews.manage_ranking", panel)
    site_list = selectors.has_site_list(panel)
    marking = manages and site_list and panel.state == Panel.State.RANKED
    return render(request, "reviews/scoring/ranking.html", {
        "panel": panel, "ranking": board, "manages": manages, "site_list": site_list,
        "site_status": selectors.site_list_status(panel) if site_list else None,
        "show_scores": board.complete or panel.state != Panel.State.SCORING,
        "can_close": manages and panel.state == Panel.State.SCORING and board.complete,
        "site_form": SiteListForm(ranking=board) if marking else None,
        "seat": selectors.accepted_seat(request.user, panel.pk) if request.user.has_role("expert") else None,
    })


@login_required
@require_POST
def close_scoring(request, pk):
    panel = _panel(request, pk, "reviews.manage_ranking")
    try:
        services.close_scoring(panel, request.user, request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Scoring is closed; the panel members can see the ranking."))
    return redirect("reviews:panel_ranking", pk=pk)


@login_required
@require_POST
def mark_site_list(request, pk):
    panel = _panel(request, pk, "reviews.manage_ranking")
    form = SiteListForm(request.POST, ranking=selectors.ranking(panel))
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: only items whose average reaches the pass mark can be listed."))
        return redirect("reviews:panel_ranking", pk=pk)
    try:
        services.mark_site_list(panel, request.user, form.cleaned_data["listed"], request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The site-inspection list is marked; every panel member is asked to confirm it."))
    return redirect("reviews:panel_ranking", pk=pk)


@login_required
def confirm_site_list(request, pk):
    panel = _panel(request, pk, "reviews.confirm_site_list")
    if request.method == "POST":
        try:
            services.confirm_site_list(panel, request.user, request=request)
        except WorkflowError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your confirmation of the site-inspection list is recorded."))
        return redirect("reviews:confirm_site_list", pk=pk)
    board = selectors.ranking(panel)
    return render(request, "reviews/scoring/confirm_site_list.html", {
        "panel": panel, "listed": [row for row in board.rows if row.item.listed_for_inspection],
        "pass_mark": board.pass_mark, "status": selectors.site_list_status(panel),
        "seat": selectors.accepted_seat(request.user, panel.pk),
    })


urlpatterns = [
    path("scoring/assignments/", my_assignments, name="my_assignments"),
    path("scoring/items/<int:pk>/", item_content, name="item_content"),
    path("scoring/items/<int:pk>/declaration/", declare_item, name="declare_item"),
    path("scoring/items/<int:pk>/attachments/<int:attachment_pk>/", item_attachment, name="item_attachment"),
    path("scoring/items/<int:pk>/score/", score_item, name="score_item"),
    path("scoring/sheets/<int:pk>/reopen/", reopen_sheet, name="reopen_sheet"),
    path("scoring/panels/<int:pk>/progress/", scoring_progress, name="scoring_progress"),
    path("scoring/panels/<int:pk>/ranking/", panel_ranking, name="panel_ranking"),
    path("scoring/panels/<int:pk>/close-scoring/", close_scoring, name="close_scoring"),
    path("scoring/panels/<int:pk>/site-list/", mark_site_list, name="mark_site_list"),
    path("scoring/panels/<int:pk>/site-list/confirm/", confirm_site_list, name="confirm_site_list"),
]
