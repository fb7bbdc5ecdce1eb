"""The expert's side of a panel — declaring interests, scoring, submitting — the leader's reopening
of a submitted sheet, and the ranking's follow-up: closing scoring, marking the site-inspection
list (HN23 规程 第六条(三)3: only items averaging at least the pass mark) and every member's
confirmation of it ("由全体专家组签字确认"). State changes go through portal.workflow.transition;
the other actions write the audit trail with record_event."""
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit.services import record_event
from portal.notify.services import notify
from portal.workflow import TransitionRefused, check_transition, transition

from ..models import ConflictDeclaration, Panel, PanelItem, PanelMember, Score, ScoreSheet
from ..selectors import scoring as selectors


@dataclass(frozen=True)
class ScoreEntry:
    """What the expert entered for one criterion; `points=None` leaves it unscored (drafts only)."""

    points: Decimal | None
    comment: str = ""


def _notice(message, **params) -> str:
    """A notification text in the portal's language (the one recipients read), whoever acted."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


# ---- declaration ----------------------------------------------------------------------------

@transaction.atomic
def declare_interests(
    item: PanelItem, user, *, has_conflict: bool, statement: str = "", request=None
) -> ConflictDeclaration:
    """The expert's declaration on one item, made once before its content opens. No conflict opens
    a draft score sheet; a conflict keeps the item closed to the expert, and the program's managers
    are told so they can replace the member if the panel needs it."""
    if not user.has_perm("reviews.declare_interests", item):
        raise PermissionDenied
    statement = statement.strip()
    if has_conflict and not statement:
        raise TransitionRefused(_("Describe the conflict of interest: the program managers will read it."))
    if item.panel.state != Panel.State.SCORING:
        raise TransitionRefused(_("Declarations are taken only while the panel is scoring."))
    member = selectors.accepted_seat(user, item.panel_id)
    declaration, created = ConflictDeclaration.objects.get_or_create(
        member=member, item=item, defaults={"has_conflict": has_conflict, "statement": statement}
    )
    if not created:
        raise TransitionRefused(_("You have already made your declaration for this item."))
    _record_declaration(declaration, user, request)
    if has_conflict:
        _tell_managers_of_conflict(declaration)
    else:
        ScoreSheet.objects.create(member=member, item=item)
    return declaration


def _record_declaration(declaration: ConflictDeclaration, user, request) -> None:
    item = declaration.item
    if declaration.has_conflict:
        action, label = "declare_conflict", _("Conflict of interest declared")
    else:
        action, label = "declare_no_conflict", _("No conflict of interest declared")
    record_event(
        item.panel, action=action, action_label=label, actor=user, comment=declaration.statement,
        data={"item": item.pk, "item_label": str(item), "member": declaration.member_id}, request=request,
    )


def _tell_managers_of_conflict(declaration: ConflictDeclaration) -> None:
    item, panel = declaration.item, declaration.item.panel
    message = _notice(
        gettext_lazy("%(expert)s declared a conflict of interest on %(item)s in panel “%(panel)s”: %(statement)s"),
        expert=declaration.member.expert.name, item=str(item), panel=panel.name, statement=declaration.statement,
    )
    notify(panel.program.managers.filter(is_active=True), message,
           reverse("reviews:scoring_progress", args=[panel.pk]))


# ---- scoring --------------------------------------------------------------------------------

@transaction.atomic
def save_scores(sheet: ScoreSheet, user, entries: Mapping[int, ScoreEntry]) -> ScoreSheet:
    """Save a draft: the points and comments entered so far (by criterion id); blank points clear a
    criterion. Nothing is saved when any entry is out of range."""
    locked = _lock_draft(sheet, user)
    _write_scores(locked, entries)
    return locked


@transaction.atomic
def submit_scores(sheet: ScoreSheet, user, entries: Mapping[int, ScoreEntry], request=None) -> ScoreSheet:
    """Save the entries and submit the sheet through the door (every criterion must be scored);
    from then on the sheet is locked until the panel leader reopens it."""
    locked = _lock_draft(sheet, user)
    criteria = _write_scores(locked, entries)
    transition(locked, "submit", user, request=request, data={
        "scores": {c.code: str(entries[c.pk].points) for c in criteria if c.pk in entries},
    })
    panel = locked.member.panel
    if selectors.panel_scores_complete(panel):
        notify(
            panel.program.managers.filter(is_active=True),
            _notice(gettext_lazy("Every expert of panel “%(panel)s” has submitted: scoring can be closed."),
                    panel=panel.name),
            reverse("reviews:panel_ranking", args=[panel.pk]),
        )
    return locked


def _lock_draft(sheet: ScoreSheet, user) -> ScoreSheet:
    locked = (
        ScoreSheet.objects.select_for_update()
        .select_related("member__expert", "member__panel__rubric", "member__panel__program", "item")
        .get(pk=sheet.pk)
    )
    if not user.has_perm("reviews.score_sheet", locked):
        raise PermissionDenied
    if locked.state != ScoreSheet.State.DRAFT:
        raise TransitionRefused(_("These scores are submitted and locked. Only the panel leader can reopen them."))
    return locked


def _write_scores(sheet: ScoreSheet, entries: Mapping[int, ScoreEntry]) -> list:
    criteria = selectors.criteria_of(sheet)
    known = {criterion.pk: criterion for criterion in criteria}
    if set(entries) - set(known):
        raise TransitionRefused(_("The scores do not match this panel's rubric. Reload the page and try again."))
    for criterion_id, entry in entries.items():
        _check_points(known[criterion_id], entry.points)
    scored = [Score(sheet=sheet, criterion_id=pk, points=e.points, comment=e.comment.strip())
              for pk, e in entries.items() if e.points is not None]
    Score.objects.bulk_create(scored, update_conflicts=True, unique_fields=["sheet", "criterion"],
                              update_fields=["points", "comment"])
    cleared = [pk for pk, entry in entries.items() if entry.points is None]
    Score.objects.filter(sheet=sheet, criterion_id__in=cleared).delete()
    return criteria


def _check_points(criterion, points: Decimal | None) -> None:
    if points is None:
        return
    if points < 0 or points > criterion.max_points or points != points.quantize(Decimal("0.01")):
        raise TransitionRefused(
            _("“%(criterion)s” takes from 0 to %(max)s points, with at most two decimals.")
            % {"criterion": criterion.name, "max": criterion.max_points}
        )


# ---- the leader reopens a submitted sheet -------------------------------------------------------

@transaction.atomic
def reopen_sheet(sheet: ScoreSheet, user, *, reason: str, request=None) -> None:
    """The panel leader sends a submitted sheet back to its expert, with the reason in the audit
    trail. A panel whose scoring was closed goes back to scoring, and its site-inspection list —
    drawn from the old scores — is withdrawn."""
    reason = reason.strip()
    if not reason:
        raise TransitionRefused(_("Give the reason for reopening: the expert and the audit trail will show it."))
    check_transition(sheet, "reopen", user)
    panel = Panel.objects.select_for_update(of=("self",)).select_related("program").get(pk=sheet.member.panel_id)
    if panel.state not in (Panel.State.SCORING, Panel.State.RANKED):
        raise TransitionRefused(_("The panel is closed: its scores can no longer be reopened."))
    if panel.state == Panel.State.RANKED:
        transition(panel, "reopen_scoring", user, comment=reason, request=request)
        _withdraw_site_list(panel)
    transition(sheet, "reopen", user, comment=reason, request=request)
    expert_user = sheet.member.expert.user
    notify(
        [expert_user] if expert_user else [],
        _notice(gettext_lazy("The panel leader reopened your scores for %(item)s: %(reason)s"),
                item=str(sheet.item), reason=reason),
        reverse("reviews:score_item", args=[sheet.item_id]),
    )


def _withdraw_site_list(panel: Panel) -> None:
    panel.items.update(listed_for_inspection=None)
    panel.members.update(site_list_confirmed_at=None)


# ---- closing scoring and the site-inspection list -----------------------------------------------

def close_scoring(panel: Panel, user, request=None) -> None:
    """Every sheet is in: the manager closes scoring and the members may see the ranking."""
    transition(panel, "close_scoring", user, request=request)
    members = panel.members.filter(status=PanelMember.Status.ACCEPTED).select_related("expert__user")
    notify(
        [member.expert.user for member in members],
        _notice(gettext_lazy("Scoring of panel “%(panel)s” is closed: the ranking is open to the panel."),
                panel=panel.name),
        reverse("reviews:panel_ranking", args=[panel.pk]),
    )


@transaction.atomic
def mark_site_list(panel: Panel, user, item_ids: Collection[int], request=None) -> list[PanelItem]:
    """The manager marks which items go on the site-inspection list — only items whose average
    reaches the rubric's pass mark — and every accepted member is asked to confirm it. Marking again
    replaces the list and clears the confirmations already given."""
    if not user.has_perm("reviews.manage_ranking", panel):
        raise PermissionDenied
    panel = Panel.objects.select_for_update(of=("self",)).select_related("program", "rubric").get(pk=panel.pk)
    _ensure_site_list_stage(panel)
    board = selectors.ranking(panel)
    proposed = {row.item.pk: row.item for row in board.proposed}
    chosen = set(item_ids)
    if chosen - set(proposed):
        raise TransitionRefused(
            _("Only items whose average reaches the pass mark of %(mark)s can go on the site-inspection list.")
            % {"mark": board.pass_mark}
        )
    panel.items.update(listed_for_inspection=False)
    panel.items.filter(pk__in=chosen).update(listed_for_inspection=True)
    panel.members.update(site_list_confirmed_at=None)
    listed = [proposed[pk] for pk in sorted(chosen)]
    record_event(
        panel, action="mark_site_list", action_label=_("Site-inspection list marked"), actor=user,
        data={"listed": [item.pk for item in listed], "labels": [str(item) for item in listed]}, request=request,
    )
    _ask_members_to_confirm(panel)
    return listed


def _ensure_site_list_stage(panel: Panel) -> None:
    if not selectors.has_site_list(panel):
        raise TransitionRefused(_("This panel has no site-inspection list."))
    if panel.state != Panel.State.RANKED:
        raise TransitionRefused(_("The site-inspection list is drawn up once scoring is closed."))


def _ask_members_to_confirm(panel: Panel) -> None:
    members = panel.members.filter(status=PanelMember.Status.ACCEPTED).select_related("expert__user")
    notify(
        [member.expert.user for member in members],
        _notice(gettext_lazy("Please confirm the site-inspection list of panel “%(panel)s”."), panel=panel.name),
        reverse("reviews:confirm_site_list", args=[panel.pk]),
    )


@transaction.atomic
def confirm_site_list(panel: Panel, user, request=None) -> PanelMember:
    """One member's signature on the site-inspection list; the managers hear when the last one signs."""
    if not user.has_perm("reviews.confirm_site_list", panel):
        raise PermissionDenied
    panel = Panel.objects.select_for_update(of=("self",)).select_related("program").get(pk=panel.pk)
    _ensure_site_list_stage(panel)
    if not selectors.site_list_status(panel).marked:
        raise TransitionRefused(_("The program manager has not marked the site-inspection list yet."))
    member = PanelMember.objects.select_for_update().get(
        panel=panel, expert__user=user, status=PanelMember.Status.ACCEPTED
    )
    if member.site_list_confirmed_at is not None:
        raise TransitionRefused(_("You have already confirmed this list."))
    member.site_list_confirmed_at = timezone.now()
    member.save(update_fields=["site_list_confirmed_at"])
    record_event(panel, action="confirm_site_list", action_label=_("Site-inspection list confirmed"), actor=user,
                 data={"member": member.pk}, request=request)
    if selectors.site_list_status(panel).signed:
        notify(
            panel.program.managers.filter(is_active=True),
            _notice(gettext_lazy("Every member of panel “%(panel)s” has confirmed the site-inspection list."),
                    panel=panel.name),
            reverse("reviews:panel_ranking", args=[panel.pk]),
        )
    return member
