"""Reads behind the panel pages and the experts' invitations: scoped per user, a constant number
of queries per page. Lists leave out `Panel.draw_log`: with a large pool each round's candidate
lists run to tens of kilobytes."""
import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from institutes.models import Application

from ..conflicts import ConflictReason
from ..models import Panel, PanelItem, PanelMember
from ..models.panels import PANEL_ITEM_KINDS
from ..services.draw import reproduce_round


def _count(queryset):
    counted = queryset.order_by().values("panel").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def panel_list(user, *, program: str = "", state: str = ""):
    """The panels of the programs the user manages, with their item and member counts."""
    rows = (
        Panel.objects.filter(program__in=user.managed_programs.all())
        .defer("draw_log")
        .select_related("program", "industry_field")
        .annotate(
            item_count=_count(PanelItem.objects.filter(panel=OuterRef("pk"))),
            accepted_count=_count(PanelMember.objects.filter(panel=OuterRef("pk"), status=PanelMember.Status.ACCEPTED)),
            invited_count=_count(PanelMember.objects.filter(panel=OuterRef("pk"), status=PanelMember.Status.INVITED)),
        )
    )
    if program:
        rows = rows.filter(program__code=program)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-pk")


def panel_for_detail(user, pk: int) -> Panel:
    return Panel.objects.for_user(user).select_related("program", "industry_field", "rubric", "created_by").get(pk=pk)


def panel_members(panel: Panel) -> list[PanelMember]:
    return list(panel.members.select_related("expert__user", "replaces__expert").order_by("draw_round", "pk"))


def panel_items(panel: Panel) -> list[PanelItem]:
    return list(panel.items.select_related("application__organization", "institute__lead_unit"))


def candidate_items(user, *, program, purpose: str, industry_field):
    """What a new panel of this purpose may review: items of the program and field in the state
    the purpose needs and not on another open panel of the same purpose."""
    kind = PANEL_ITEM_KINDS[purpose]
    model = kind.model
    key = model._meta.model_name
    on_open_panel = PanelItem.objects.filter(**{key: OuterRef("pk")}, panel__purpose=purpose).exclude(
        panel__state=Panel.State.CLOSED
    )
    if model is Application:
        rows = Application.objects.in_manager_queue(user).select_related("organization")
    else:
        rows = model.objects.filter(program__in=user.managed_programs.all()).select_related("lead_unit")
    rows = rows.filter(program=program, industry_field=industry_field, **kind.filters())
    return rows.exclude(Exists(on_open_panel)).order_by("pk")


def invitations_of(user):
    """Every seat the user's expert profile was offered, newest panel first."""
    return (
        PanelMember.objects.filter(expert__user=user)
        .select_related("panel__program", "panel__industry_field")
        .defer("panel__draw_log")
        .annotate(item_count=_count(PanelItem.objects.filter(panel=OuterRef("panel"))))
        .order_by("-panel__created_at", "-pk")
    )


def member_for_response(user, pk: int) -> PanelMember:
    """A seat the user may answer for: their own, or one on a panel of a program they manage."""
    visible = Q(expert__user=user) if user.has_role("expert") else Q(pk__in=[])
    if user.has_role("program_manager"):
        visible |= Q(panel__program__in=user.managed_programs.all())
    return PanelMember.objects.filter(visible).select_related("panel", "expert").defer("panel__draw_log").get(pk=pk)


@dataclass(frozen=True)
class ExcludedExpert:
    name: str
    reasons: list[str]


@dataclass(frozen=True)
class DrawRound:
    """One round of the draw log, ready to read."""

    number: int
    kind: str
    at: datetime.datetime
    by: str
    seed: str
    eligible_count: int
    excluded: list[ExcludedExpert]
    chosen: list[str]
    replaced: str
    reason: str
    reproduced: bool


def draw_rounds(panel: Panel, members: list[PanelMember]) -> list[DrawRound]:
    """The draw log with names: `reproduced` tells that the seed and the logged candidates give
    the same experts when the round is run again."""
    names = {m.expert_id: m.expert.name for m in members}
    return [
        DrawRound(
            number=entry["round"], kind=entry["kind"], at=datetime.datetime.fromisoformat(entry["at"]), by=entry.get("by_name", ""), seed=entry["seed"],
            eligible_count=entry["eligible_count"],
            excluded=[
                ExcludedExpert(e["name"], [str(ConflictReason.from_dict(r)) for r in e["reasons"]])
                for e in entry["excluded"]
            ],
            chosen=[names.get(pk, str(pk)) for pk in entry["chosen"]],
            replaced=entry.get("replaced_name", ""), reason=entry.get("reason", ""),
            reproduced=reproduce_round(entry) == entry["chosen"],
        )
        for entry in panel.draw_log
    ]
