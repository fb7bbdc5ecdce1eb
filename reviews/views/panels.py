"""Panel pages: the managers' list, the draw, the panel with its members and draw log, appointing
the leader and the deputy, replacing a member, opening scoring; and the experts' invitations."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.timeline import timeline_for
from portal.workflow import WorkflowError, available_actions

from ..forms.panels import (
    AppointRolesForm, InvitationResponseForm, PanelDrawForm, PanelFilterForm, PanelScopeForm, ReplaceMemberForm,
)
from ..models import Panel, PanelMember
from ..selectors import panels as selectors
from ..services import draw, panels as services

PAGE_SIZE = 25


def _panel(request, pk, permission="reviews.view_panel") -> Panel:
    """The panel if the user may see it (else 404) and holds `permission` on it (else 403)."""
    try:
        panel = selectors.panel_for_detail(request.user, pk)
    except Panel.DoesNotExist:
        raise Http404
    if not request.user.has_perm(permission, panel):
        raise PermissionDenied
    return panel


def _refusals_as_messages(request, action, success: str) -> None:
    try:
        action()
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)


@login_required
def panel_list(request):
    if not request.user.has_perm("reviews.add_panel"):
        raise PermissionDenied
    programs = request.user.managed_programs.order_by("code")
    filters = PanelFilterForm(request.GET or None, programs=programs)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.panel_list(request.user, **{k: v for k, v in criteria.items() if v})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/panels/list.html", {"page": page, "filters": filters})


@login_required
def panel_create(request):
    if not request.user.has_perm("reviews.add_panel"):
        raise PermissionDenied
    scope_form = PanelScopeForm(request.POST or request.GET or None, user=request.user)
    scope = scope_form.cleaned_data if scope_form.is_valid() else None
    form = PanelDrawForm(request.POST or None, user=request.user, scope=scope, initial=scope)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                panel = draw.draw_panel(
                    program=data["program"], industry_field=data["industry_field"], purpose=data["purpose"],
                    items=list(data["items"]), size=data["size"], name=data["name"], user=request.user,
                    request=request,
                )
            except WorkflowError as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _("The panel was drawn and the experts invited."))
                return redirect("reviews:panel_detail", pk=panel.pk)
        else:
            messages.error(request, _("Nothing was drawn: please correct the fields marked below."))
    return render(request, "reviews/panels/create.html", {"scope_form": scope_form, "scope": scope, "form": form})


@login_required
def panel_detail(request, pk):
    panel = _panel(request, pk)
    members = selectors.panel_members(panel)
    manages = request.user.has_perm("reviews.manage_panel", panel)
    context = {
        "panel": panel, "members": members, "items": selectors.panel_items(panel), "manages": manages,
        "actions": available_actions(panel, request.user),
    }
    if manages:
        context.update({
            "rounds": selectors.draw_rounds(panel, members),
            "roles_form": AppointRolesForm(panel=panel) if panel.is_open else None,
            "replace_form": ReplaceMemberForm() if panel.is_open else None,
            "replaced_ids": {m.replaces_id for m in members if m.replaces_id},
            "timeline": timeline_for(panel),
        })
    return render(request, "reviews/panels/detail.html", context)


@login_required
@require_POST
def panel_appoint(request, pk):
    panel = _panel(request, pk, "reviews.manage_panel")
    form = AppointRolesForm(request.POST, panel=panel)
    if not form.is_valid():
        messages.error(
            request, _("Choose an accepted management expert as leader and an accepted technical expert as deputy.")
        )
    else:
        _refusals_as_messages(
            request,
            lambda: services.appoint_roles(panel, request.user, form.cleaned_data["leader"], form.cleaned_data["deputy"],
                                           request=request),
            _("The leader and the deputy were appointed."),
        )
    return redirect("reviews:panel_detail", pk=pk)


@login_required
@require_POST
def panel_replace_member(request, pk, member_pk):
    panel = _panel(request, pk, "reviews.manage_panel")
    member = get_object_or_404(PanelMember.objects.select_related("expert"), pk=member_pk, panel=panel)
    form = ReplaceMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the replacement."))
    else:
        _refusals_as_messages(
            request,
            lambda: draw.replace_member(member, request.user, reason=form.cleaned_data["reason"],
                                        status=form.cleaned_data["status"], request=request),
            _("%(expert)s was replaced by a new draw.") % {"expert": member.expert.name},
        )
    return redirect("reviews:panel_detail", pk=pk)


@login_required
@require_POST
def panel_open_scoring(request, pk):
    panel = _panel(request, pk, "reviews.manage_panel")
    _refusals_as_messages(
        request, lambda: services.open_scoring(panel, request.user, request=request),
        _("Scoring is open; the experts were told."),
    )
    return redirect("reviews:panel_detail", pk=pk)


@login_required
def invitation_list(request):
    if not request.user.has_perm("reviews.view_invitations"):
        raise PermissionDenied
    page = Paginator(selectors.invitations_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/panels/invitations.html", {"page": page})


@login_required
@require_POST
def invitation_respond(request, pk):
    try:
        member = selectors.member_for_response(request.user, pk)
    except PanelMember.DoesNotExist:
        raise Http404
    if not request.user.has_perm("reviews.respond_to_invitation", member):
        raise PermissionDenied
    form = InvitationResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        answer = form.cleaned_data["answer"]
        _refusals_as_messages(
            request,
            lambda: services.respond_to_invitation(
                member, request.user, answer == form.ACCEPT, form.cleaned_data["reason"],
                conflict=answer == form.CONFLICT, request=request,
            ),
            _("The answer was recorded."),
        )
    if member.expert.user_id == request.user.pk:
        return redirect("reviews:invitation_list")
    return redirect("reviews:panel_detail", pk=member.panel_id)


urlpatterns = [
    path("panels/", panel_list, name="panel_list"),
    path("panels/new/", panel_create, name="panel_create"),
    path("panels/<int:pk>/", panel_detail, name="panel_detail"),
    path("panels/<int:pk>/roles/", panel_appoint, name="panel_appoint"),
    path("panels/<int:pk>/members/<int:member_pk>/replace/", panel_replace_member, name="panel_replace_member"),
    path("panels/<int:pk>/open-scoring/", panel_open_scoring, name="panel_open_scoring"),
    path("invitations/", invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/respond/", invitation_respond, name="invitation_respond"),
]
