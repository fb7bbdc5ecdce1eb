"""A drawn panel until scoring opens: the experts answer their invitations (a decline or a declared
conflict draws a replacement at once), the manager appoints the leader and the deputy (HN23 规程
第六条(三)2: 组长由管理专家担任，副组长由技术专家担任) and opens scoring through the workflow door."""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from portal.audit.services import record_event
from portal.workflow import TransitionRefused, transition

from ..models import Expert, Panel, PanelMember
from .draw import NotEnoughExperts, draw_replacement, lock_member, release_member, tell

DECLINED_AND_REPLACED = gettext_lazy(
    "%(expert)s declined a seat on the panel “%(panel)s” (%(reason)s); %(replacement)s was drawn in their place."
)
DECLINED_NOT_REPLACED = gettext_lazy(
    "%(expert)s declined a seat on the panel “%(panel)s” (%(reason)s), and no replacement could be drawn: "
    "%(refusal)s"
)
ROLE_APPOINTED = gettext_lazy("You are the %(role)s of the expert panel “%(panel)s”.")
SCORING_OPEN = gettext_lazy("Scoring is open on the expert panel “%(panel)s”.")


def respond_to_invitation(
    member: PanelMember, user, accept: bool, reason: str = "", *, conflict: bool = False, request=None,
) -> PanelMember | None:
    """The expert (or a manager recording an answer given by phone) accepts or declines a seat.
    A decline — or a declared conflict of interest — releases the seat and draws a replacement;
    returns the replacement, or None when none could be drawn (the managers are told)."""
    if not user.has_perm("reviews.respond_to_invitation", member):
        raise PermissionDenied
    if not accept and not reason.strip():
        raise TransitionRefused(_("Please give the reason for declining."))
    with transaction.atomic():
        panel, member = lock_member(member)
        if member.status != PanelMember.Status.INVITED:
            raise TransitionRefused(_("This invitation has already been answered."))
        if accept:
            _accept(panel, member, user, request)
            return None
        status = PanelMember.Status.CONFLICT if conflict else PanelMember.Status.DECLINED
        release_member(member, status, reason)
        record_event(
            panel, action="decline_invitation", action_label=_("Invitation declined"), actor=user, comment=reason,
            data={"expert": member.expert_id, "status": status}, request=request,
        )
        return _replace_after_decline(panel, member, user, reason, request)


def _accept(panel, member, user, request):
    member.status = PanelMember.Status.ACCEPTED
    member.responded_at = timezone.now()
    member.save(update_fields=["status", "responded_at"])
    record_event(
        panel, action="accept_invitation", action_label=_("Invitation accepted"), actor=user,
        data={"expert": member.expert_id}, request=request,
    )


def _replace_after_decline(panel, member, user, reason, request) -> PanelMember | None:
    params = {"expert": member.expert.name, "panel": panel.name, "reason": reason}
    url = reverse("reviews:panel_detail", args=[panel.pk])
    try:
        with transaction.atomic():
            replacement = draw_replacement(panel, member, user, reason=reason, request=request)
    except NotEnoughExperts as refusal:
        tell(panel.program.managers.all(), DECLINED_NOT_REPLACED, url, refusal=refusal.message, **params)
        return None
    name = Expert.objects.values_list("name", flat=True).get(pk=replacement.expert_id)
    tell(panel.program.managers.all(), DECLINED_AND_REPLACED, url, replacement=name, **params)
    return replacement


@transaction.atomic
def appoint_roles(panel: Panel, user, leader_member: PanelMember, deputy_member: PanelMember, request=None) -> None:
    """Make `leader_member` the leader (a management expert) and `deputy_member` the deputy (a
    technical expert); both must have accepted their seats. Former holders become members."""
    if not user.has_perm("reviews.manage_panel", panel):
        raise PermissionDenied
    panel = Panel.objects.select_for_update(of=("self",)).get(pk=panel.pk)
    if not panel.is_open:
        raise TransitionRefused(_("The panel is closed."))
    seats = panel.members.select_related("expert__user").in_bulk([leader_member.pk, deputy_member.pk])
    if leader_member.pk not in seats or deputy_member.pk not in seats:
        raise TransitionRefused(_("The leader and the deputy must be members of this panel."))
    leader, deputy = seats[leader_member.pk], seats[deputy_member.pk]
    _check_roles(leader, deputy)
    panel.members.seated().filter(role__in=[PanelMember.Role.LEADER, PanelMember.Role.DEPUTY]).update(
        role=PanelMember.Role.MEMBER
    )
    PanelMember.objects.filter(pk=leader.pk).update(role=PanelMember.Role.LEADER)
    PanelMember.objects.filter(pk=deputy.pk).update(role=PanelMember.Role.DEPUTY)
    record_event(
        panel, action="appoint_roles", action_label=_("Leader and deputy appointed"), actor=user,
        comment=_("Leader: %(leader)s; deputy: %(deputy)s") % {"leader": leader.expert.name, "deputy": deputy.expert.name},
        data={"leader": leader.expert_id, "deputy": deputy.expert_id}, request=request,
    )
    url = reverse("reviews:panel_detail", args=[panel.pk])
    tell([leader.expert.user], ROLE_APPOINTED, url, role=PanelMember.Role.LEADER.label, panel=panel.name)
    tell([deputy.expert.user], ROLE_APPOINTED, url, role=PanelMember.Role.DEPUTY.label, panel=panel.name)


def _check_roles(leader: PanelMember, deputy: PanelMember) -> None:
    problems = []
    if leader.pk == deputy.pk:
        problems.append(_("The leader and the deputy must be two different experts."))
    for member, kind, role in (
        (leader, Expert.Kind.MANAGEMENT, PanelMember.Role.LEADER), (deputy, Expert.Kind.TECHNICAL, PanelMember.Role.DEPUTY)
    ):
        if member.status != PanelMember.Status.ACCEPTED:
            problems.append(_("%(expert)s has not accepted the seat.") % {"expert": member.expert.name})
        if member.expert.kind != kind:
            problems.append(_("The %(role)s must be a %(kind)s expert; %(expert)s is not.") % {
                "role": role.label, "kind": kind.label, "expert": member.expert.name})
    if problems:
        raise TransitionRefused(" ".join(problems))


def open_scoring(panel: Panel, user, request=None) -> None:
    """Scoring opens once every seat is accepted and the leader and deputy are appointed."""
    with transaction.atomic():
        transition(panel, "open_scoring", user, request=request)
        accepted = panel.members.filter(status=PanelMember.Status.ACCEPTED).select_related("expert__user")
        experts = [m.expert.user for m in accepted]
        tell(experts, SCORING_OPEN, reverse("reviews:panel_detail", args=[panel.pk]), panel=panel.name)
