"""The panel draw: a reproducible, audited random choice of experts for a batch of items in one
field (HN23 规程 第六条(三), 第七条(二); issue 3).

Candidates are the active experts of the field, less everyone with a conflict of interest with any
item of the batch (reviews/conflicts.py). The seats are filled as the program's composition says
(reviews/panel_rules.py), each by `random.Random(seed).sample` over candidate ids in ascending
order, so the seed and the logged candidates give the same experts again (`reproduce_round`).
`Panel.draw_log` keeps one entry per round — the first draw and every replacement — with the seed,
the eligible candidates by pool and type, the excluded experts with their reasons, and the chosen.
"""
import random
import secrets
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _, gettext_lazy

from institutes.models import IndustryField, Program
from portal.audit.services import record_event
from portal.notify.services import notify
from portal.workflow import TransitionRefused

from ..conflicts import ConflictReason, find_conflicts
from ..models import Expert, Panel, PanelItem, PanelMember, Rubric
from ..models.panels import PANEL_ITEM_KINDS
from ..panel_rules import PanelComposition, composition_for
from ..selectors.scoring import current_rubric

ALGORITHM = (
    "random.Random(seed).sample over the free candidates in ascending id order, "
    "per seat group: pool seats, types, the rest"
)
SIZES = range(3, 6)
INVITATION_MESSAGE = gettext_lazy(
    "You have been drawn for the expert panel “%(panel)s”. Please accept or decline the invitation."
)


class NotEnoughExperts(TransitionRefused):
    """Too few eligible experts to fill the seats; nothing was drawn."""


@dataclass(frozen=True)
class Profile:
    """What the composition rules look at: the pool an expert comes from and their type."""

    pool: str
    kind: str

    @classmethod
    def from_key(cls, key: str) -> "Profile":
        return cls(*key.split("/", 1))


@dataclass(frozen=True)
class Candidate:
    pk: int
    profile: Profile


class _Shortage(Exception):
    def __init__(self, what: str, needed: int, available: int):
        super().__init__(what)
        self.what, self.needed, self.available = what, needed, available


# ---- the use cases ----------------------------------------------------------------------------

def draw_panel(
    *, program: Program, industry_field: IndustryField, purpose: str, items: Iterable, size: int, user,
    seed: str | None = None, request=None, name: str = "",
) -> Panel:
    """Draw a panel of `size` experts for `items` (applications for an application review,
    institutes otherwise) and invite them. Refuses, creating nothing, when the batch is not valid
    or there are not enough eligible experts."""
    if not user.has_perm("reviews.draw_panel", program):
        raise PermissionDenied
    if size not in SIZES:
        raise TransitionRefused(_("A panel has 3 to 5 experts."))
    seed = seed or secrets.token_hex(16)
    with transaction.atomic():
        batch = _lock_batch(program, industry_field, purpose, items)
        rubric = _rubric_in_force(program, purpose)
        entry, chosen = _draw_round(
            industry_field, batch, seed=seed, size=size, composition=composition_for(program.code), seated=[],
        )
        panel = Panel.objects.create(
            program=program, purpose=purpose, industry_field=industry_field, rubric=rubric, size=size,
            name=name.strip() or _default_name(program, industry_field, purpose), created_by=user,
            draw_log=[_stamp(entry, 1, "draw", user)],
        )
        key = PANEL_ITEM_KINDS[purpose][0]._meta.model_name
        PanelItem.objects.bulk_create([PanelItem(panel=panel, **{key: item}) for item in batch])
        members = PanelMember.objects.bulk_create([PanelMember(panel=panel, expert_id=c.pk) for c in chosen])
        record_event(
            panel, action="draw", action_label=_("Panel drawn"), actor=user, to_state=panel.state,
            data=_event_data(entry), request=request,
        )
        _invite(panel, [m.expert_id for m in members])
    return panel


def replace_member(
    member: PanelMember, user, *, reason: str, status: str = PanelMember.Status.DECLINED, request=None,
) -> PanelMember:
    """A manager replaces an expert who declined or has a conflict (or, for a site inspection, is
    absent): the member is released with `status` and one expert is drawn in their place under the
    same rules, excluding everyone ever drawn for the panel. Also draws the missing replacement of
    a member who declined earlier when none could be drawn then."""
    if not user.has_perm("reviews.manage_panel", member.panel):
        raise PermissionDenied
    if status not in (PanelMember.Status.DECLINED, PanelMember.Status.CONFLICT):
        raise TransitionRefused(_("Choose whether the expert declined or has a conflict of interest."))
    if not reason.strip():
        raise TransitionRefused(_("Give the reason for the replacement; it is kept in the draw log."))
    with transaction.atomic():
        panel, member = lock_member(member)
        if member.status in PanelMember.SEATED_STATUSES:
            release_member(member, status, reason)
        elif PanelMember.objects.filter(replaces=member).exists():
            raise TransitionRefused(_("%(expert)s has already been replaced.") % {"expert": member.expert.name})
        return draw_replacement(panel, member, user, reason=reason, request=request)


def reproduce_round(entry: dict) -> list[int]:
    """The expert ids a logged round chooses when run again from its seed and candidates."""
    seated = [Candidate(pk, Profile(pool, kind)) for pk, pool, kind in entry.get("seated", [])]
    chosen = choose_experts(
        entry["eligible"], seated, entry["size"], PanelComposition.from_dict(entry["composition"]),
        random.Random(entry["seed"]),
    )
    return [c.pk for c in chosen]


# ---- pieces other services use (they check the permission themselves) --------------------------

def lock_member(member: PanelMember) -> tuple[Panel, PanelMember]:
    """The panel and the member, locked for the rest of the transaction and read afresh."""
    panel = Panel.objects.select_for_update(of=("self",)).select_related("program").get(pk=member.panel_id)
    if not panel.is_open:
        raise TransitionRefused(_("The panel is closed."))
    locked = PanelMember.objects.select_for_update(of=("self",)).select_related("expert").get(pk=member.pk)
    return panel, locked


def release_member(member: PanelMember, status: str, reason: str) -> None:
    member.status = status
    member.response_reason = reason
    member.responded_at = timezone.now()
    member.save(update_fields=["status", "response_reason", "responded_at"])


def draw_replacement(panel: Panel, member: PanelMember, actor, *, reason: str, request=None) -> PanelMember:
    """Draw one expert in place of the released `member` (the panel is locked by the caller)."""
    members = list(panel.members.select_related("expert"))
    seated = [
        Candidate(m.expert_id, Profile(m.expert.pool, m.expert.kind))
        for m in members if m.status in PanelMember.SEATED_STATUSES
    ]
    drawn = sorted(m.expert_id for m in members)
    seed = secrets.token_hex(16)
    entry, chosen = _draw_round(
        panel.industry_field, list(panel.items.all()), seed=seed, size=panel.size,
        composition=composition_for(panel.program.code), seated=seated, previously_drawn=drawn,
    )
    entry.update({"replaces": member.expert_id, "replaced_name": member.expert.name, "reason": reason})
    round_number = len(panel.draw_log) + 1
    panel.draw_log = [*panel.draw_log, _stamp(entry, round_number, "replacement", actor)]
    Panel.objects.filter(pk=panel.pk).update(draw_log=panel.draw_log)
    replacement = PanelMember.objects.create(
        panel=panel, expert_id=chosen[0].pk, draw_round=round_number, replaces=member,
    )
    record_event(
        panel, action="replace_member", action_label=_("Expert replaced"), actor=actor, comment=reason,
        data=_event_data(entry), request=request,
    )
    _invite(panel, [replacement.expert_id])
    return replacement


# ---- the choice ---------------------------------------------------------------------------------

def choose_experts(
    eligible: dict[str, list[int]], seated: list[Candidate], size: int, composition: PanelComposition,
    rng: random.Random,
) -> list[Candidate]:
    """Fill the seats the `seated` members leave open: pool seats first, then the types the panel
    must hold (each in alphabetical order: a logged round read back from PostgreSQL's jsonb has its
    keys reordered), then the rest. `eligible` holds the candidates' ids in ascending order by
    "pool/type"; each group of seats is `rng.sample` over the free candidates it may take, in
    ascending id order."""
    seating = _Seating(eligible, seated, rng)
    rest_pools = _rest_pools_label(composition)

    def in_rest(profile):
        return composition.rest_pools is None or profile.pool in composition.rest_pools

    for pool, seats in sorted(composition.pool_seats.items()):
        seating.fill(lambda p, pool=pool: p.pool == pool, seats,
                     what=_("experts from the %(pool)s") % {"pool": Expert.Pool(pool).label})
    for kind, minimum in sorted(composition.min_kinds.items()):
        seating.fill(lambda p, kind=kind: p.kind == kind, minimum, within=in_rest,
                     what=_kind_experts(Expert.Kind(kind).label, rest_pools))
    seating.fill(lambda p: True, size, within=in_rest,
                 what=_("experts from the %(pool)s") % {"pool": rest_pools} if rest_pools else _("experts"))
    if len(seating.everyone) > size:
        raise TransitionRefused(_("%(size)d seats cannot hold the composition the program requires.") % {"size": size})
    return seating.chosen


class _Seating:
    def __init__(self, eligible: dict[str, list[int]], seated: list[Candidate], rng: random.Random):
        self.groups = {Profile.from_key(key): ids for key, ids in sorted(eligible.items())}
        self.seated = list(seated)
        self.chosen: list[Candidate] = []
        self.taken = {c.pk for c in seated}
        self.rng = rng

    @property
    def everyone(self) -> list[Candidate]:
        return [*self.seated, *self.chosen]

    def fill(self, test: Callable, at_least: int, *, what: str, within: Callable = lambda p: True) -> None:
        """Draw until the panel holds `at_least` members whose profile passes `test`, among the
        free candidates whose profile passes `test` and `within`."""
        needed = at_least - sum(1 for c in self.everyone if test(c.profile))
        if needed <= 0:
            return
        profiles = [p for p in self.groups if test(p) and within(p)]
        free = sorted(pk for p in profiles for pk in self.groups[p] if pk not in self.taken)
        if len(free) < needed:
            raise _Shortage(what, needed, len(free))
        for pk in self.rng.sample(free, needed):
            self.chosen.append(Candidate(pk, next(p for p in profiles if _holds(self.groups[p], pk))))
            self.taken.add(pk)


def _holds(ascending_ids: list[int], pk: int) -> bool:
    index = bisect_left(ascending_ids, pk)
    return index < len(ascending_ids) and ascending_ids[index] == pk


def _rest_pools_label(composition: PanelComposition) -> str:
    """The pools the seats beyond the fixed pool seats come from ("" when any pool will do)."""
    if composition.rest_pools is None:
        return ""
    return "、".join(str(Expert.Pool(p).label) for p in composition.rest_pools)


def _kind_experts(kind_label, rest_pools: str) -> str:
    if rest_pools:
        return _("“%(kind)s” experts from the %(pool)s") % {"kind": kind_label, "pool": rest_pools}
    return _("“%(kind)s” experts") % {"kind": kind_label}


# ---- one round ---------------------------------------------------------------------------------

def _draw_round(industry_field, items, *, seed, size, composition, seated, previously_drawn=()):
    """(log entry, chosen candidates) for one round; raises NotEnoughExperts."""
    experts = Expert.objects.drawable(industry_field)
    conflicts = find_conflicts(experts, items)
    drawn = set(previously_drawn)
    eligible = defaultdict(list)
    for pk, pool, kind in experts.values_list("pk", "pool", "kind").order_by("pk"):
        if pk not in conflicts and pk not in drawn:
            eligible[f"{pool}/{kind}"].append(pk)
    eligible = dict(sorted(eligible.items()))
    try:
        chosen = choose_experts(eligible, seated, size, composition, random.Random(seed))
    except _Shortage as shortage:
        raise NotEnoughExperts(_(
            "Not enough eligible experts in the field “%(field)s”: %(needed)d more %(what)s needed, "
            "only %(available)d eligible (%(excluded)d excluded for a conflict of interest). "
            "Nothing was drawn: add experts to the pool or review the batch."
        ) % {
            "field": industry_field.name, "needed": shortage.needed, "what": shortage.what,
            "available": shortage.available, "excluded": len(conflicts),
        })
    entry = {
        "seed": seed, "algorithm": ALGORITHM, "size": size, "composition": composition.as_dict(),
        "seated": [[c.pk, c.profile.pool, c.profile.kind] for c in seated],
        "previously_drawn": sorted(drawn),
        "eligible": eligible, "eligible_count": sum(len(ids) for ids in eligible.values()),
        "excluded": _excluded(conflicts), "chosen": [c.pk for c in chosen],
    }
    return entry, chosen


def _excluded(conflicts: dict[int, list[ConflictReason]]) -> list[dict]:
    names = dict(Expert.objects.filter(pk__in=list(conflicts)).values_list("pk", "name")) if conflicts else {}
    return [
        {"expert": pk, "name": names.get(pk, ""), "reasons": [r.as_dict() for r in conflicts[pk]]}
        for pk in sorted(conflicts)
    ]


def _stamp(entry: dict, round_number: int, kind: str, actor) -> dict:
    return {
        "round": round_number, "kind": kind, "at": timezone.now().isoformat(),
        "by": actor.pk if actor is not None else None, "by_name": str(actor) if actor is not None else "", **entry,
    }


def _event_data(entry: dict) -> dict:
    """The audit event keeps the figures; the full candidate lists stay in the draw log."""
    return {
        "seed": entry["seed"], "eligible": entry["eligible_count"],
        "excluded": [e["expert"] for e in entry["excluded"]], "chosen": entry["chosen"],
    }


# ---- the batch --------------------------------------------------------------------------------

def _lock_batch(program, industry_field, purpose, items) -> list:
    """The items, locked, once each is of the program and field, in the state the purpose needs,
    and not on another open panel of the same purpose."""
    if purpose not in PANEL_ITEM_KINDS:
        raise TransitionRefused(_("Unknown panel purpose."))
    kind = PANEL_ITEM_KINDS[purpose]
    model = kind.model
    items = list(items)
    wanted = {item.pk for item in items if isinstance(item, model)}
    if not wanted or len(wanted) != len({(type(i), i.pk) for i in items}):
        raise TransitionRefused(_("Choose the items the panel reviews: %(kind)s of this program and field.") % {
            "kind": model._meta.verbose_name_plural})
    batch = list(model.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    problems = [_item_problem(item, program, industry_field, kind) for item in batch]
    key = model._meta.model_name
    busy = set(
        PanelItem.objects.filter(**{f"{key}__in": wanted}, panel__purpose=purpose)
        .exclude(panel__state=Panel.State.CLOSED).values_list(f"{key}_id", flat=True)
    )
    problems += [_("%(item)s is already on an open panel.") % {"item": item} for item in batch if item.pk in busy]
    problems = [p for p in problems if p]
    if problems:
        raise TransitionRefused(" ".join(problems))
    return batch


def _item_problem(item, program, industry_field, kind) -> str:
    if item.program_id != program.pk:
        return _("%(item)s belongs to another program.") % {"item": item}
    if item.industry_field_id != industry_field.pk:
        return _("%(item)s is in another field.") % {"item": item}
    if not kind.accepts(item):
        return _("%(item)s is “%(state)s”, not ready for this panel.") % {
            "item": item, "state": item.get_state_display()}
    return ""


def _rubric_in_force(program, purpose) -> Rubric:
    rubric = current_rubric(program, purpose)
    if rubric is None:
        raise TransitionRefused(_("No rubric is in force for %(program)s (%(purpose)s); load the rubric first.") % {
            "program": program.code, "purpose": Panel.Purpose(purpose).label})
    return rubric


def _default_name(program, industry_field, purpose) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return f"{program.code} {industry_field.name} {Panel.Purpose(purpose).label} {timezone.localdate():%Y-%m-%d}"


def _invite(panel: Panel, expert_ids: list[int]) -> None:
    users = [e.user for e in Expert.objects.filter(pk__in=expert_ids, user__isnull=False).select_related("user")]
    tell(users, INVITATION_MESSAGE, reverse("reviews:invitation_list"), panel=panel.name)


def tell(users, message, url: str, **params) -> None:
    """Notify in the portal's default language, whatever language the actor is using."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message) % params
    notify(users, text, url)
