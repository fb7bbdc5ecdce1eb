"""Reads behind the scoring pages: scoped per user, a constant number of queries per page, the
ranking's aggregates computed by the database."""
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import (
    Avg, Case, Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ConflictDeclaration, Panel, PanelItem, PanelMember, Rubric, RubricCriterion, ScoreSheet
from ..permissions.scoring import ASSIGNED_PANEL_STATES

SEATED = PanelMember.SEATED_STATUSES
ROLE_ORDER = {PanelMember.Role.LEADER: 0, PanelMember.Role.DEPUTY: 1, PanelMember.Role.MEMBER: 2}
CENT = Decimal("0.01")
# What a row showing an item needs (templates/reviews/scoring/_item_label.html): no plan texts.
ITEM_LABEL_FIELDS = (
    "panel_id", "application_id", "institute_id", "listed_for_inspection", "application__reference",
    "application__title", "application__organization__name", "institute__name", "institute__lead_unit__name",
)
ITEM_RELATIONS = ("panel__program", "application__organization", "institute__lead_unit")


def current_rubric(program, purpose: str, day: datetime.date | None = None) -> Rubric | None:
    """The version of the program's rubric for `purpose` in force on `day` (today by default)."""
    day = day or timezone.localdate()
    return (
        Rubric.objects.filter(program=program, purpose=purpose, effective_from__lte=day)
        .order_by("-effective_from").first()
    )


# ---- scoping --------------------------------------------------------------------------------

def _accepted_panel_ids(user):
    return PanelMember.objects.filter(expert__user=user, status=PanelMember.Status.ACCEPTED).values("panel_id")


def _scope(user, panel_path: str) -> Q:
    """Managers see the panels of their programs; experts the panels they sit on while scoring."""
    visible = Q(pk__in=[])
    if user.has_role("program_manager"):
        visible |= Q(**{f"{panel_path}program__in": user.managed_programs.all()})
    if user.has_role("expert"):
        visible |= Q(**{f"{panel_path}pk__in": _accepted_panel_ids(user),
                        f"{panel_path}state__in": ASSIGNED_PANEL_STATES})
    return visible


def visible_panels(user) -> QuerySet[Panel]:
    if not user.is_authenticated:
        return Panel.objects.none()
    return Panel.objects.filter(_scope(user, ""))


def visible_items(user) -> QuerySet[PanelItem]:
    if not user.is_authenticated:
        return PanelItem.objects.none()
    return PanelItem.objects.filter(_scope(user, "panel__"))


def accepted_seat(user, panel_id: int) -> PanelMember | None:
    return (
        PanelMember.objects.filter(panel_id=panel_id, expert__user=user, status=PanelMember.Status.ACCEPTED)
        .select_related("expert").first()
    )


# ---- the expert's assignments ---------------------------------------------------------------

class AssignmentStatus:
    DECLARE = "declare"
    CONFLICT = "conflict"
    SCORING = "scoring"
    SUBMITTED = "submitted"
    LABELS = {
        DECLARE: _("Declare first"),
        CONFLICT: _("Conflict declared"),
        SCORING: _("Scoring"),
        SUBMITTED: _("Submitted"),
    }


def assignments(user) -> QuerySet[PanelItem]:
    """The items of the panels in scoring where the user is an accepted member, each with the
    user's role, declaration and sheet status."""
    mine = {"member__expert__user": user, "member__panel": OuterRef("panel")}
    declaration = ConflictDeclaration.objects.filter(item=OuterRef("pk"), **mine)
    sheet = ScoreSheet.objects.filter(item=OuterRef("pk"), **mine)
    role = PanelMember.objects.filter(panel=OuterRef("panel"), expert__user=user, status=PanelMember.Status.ACCEPTED)
    return (
        PanelItem.objects.filter(panel__in=_accepted_panel_ids(user), panel__state__in=ASSIGNED_PANEL_STATES)
        .select_related(*ITEM_RELATIONS)
        .defer("panel__draw_log")
        .annotate(
            my_role=Subquery(role.values("role")[:1]),
            has_conflict=Subquery(declaration.values("has_conflict")[:1]),
            sheet_state=Subquery(sheet.values("state")[:1]),
            sheet_total=Subquery(sheet.values("total")[:1]),
        )
        .annotate(status=Case(
            When(has_conflict__isnull=True, then=Value(AssignmentStatus.DECLARE)),
            When(has_conflict=True, then=Value(AssignmentStatus.CONFLICT)),
            When(sheet_state=ScoreSheet.State.SUBMITTED, then=Value(AssignmentStatus.SUBMITTED)),
            default=Value(AssignmentStatus.SCORING),
        ))
        .order_by("panel_id", "pk")
    )


# ---- one item ------------------------------------------------------------------------------

def item_for_user(user, pk: int) -> PanelItem:
    """The item if the user may see it at all (raises PanelItem.DoesNotExist otherwise)."""
    return visible_items(user).select_related(*ITEM_RELATIONS, "panel__rubric").get(pk=pk)


def item_content(item: PanelItem) -> PanelItem:
    """The item with everything its content page shows."""
    return (
        PanelItem.objects.select_related(
            *ITEM_RELATIONS, "panel__rubric", "application__organization__region", "application__program",
            "application__industry_field", "institute__industry_field", "institute__program",
        )
        .prefetch_related("application__years", "application__ip_assets", "application__participants",
                          "application__attachments")
        .get(pk=item.pk)
    )


def declaration_of(user, item: PanelItem) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(
        item=item, member__panel_id=item.panel_id, member__expert__user=user
    ).first()


def sheet_of(user, item: PanelItem) -> ScoreSheet | None:
    return (
        ScoreSheet.objects.filter(item=item, member__panel_id=item.panel_id, member__expert__user=user)
        .select_related("member__expert", "member__panel__rubric", "item").first()
    )


def criteria_of(sheet: ScoreSheet) -> list[RubricCriterion]:
    return list(RubricCriterion.objects.filter(rubric_id=sheet.member.panel.rubric_id))


def scores_by_criterion(sheet: ScoreSheet) -> dict:
    return {score.criterion_id: score for score in sheet.scores.all()}


@dataclass(frozen=True)
class ItemProgress:
    expected: int
    submitted: int

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.submitted >= self.expected


def item_progress(item: PanelItem) -> ItemProgress:
    """How many sheets the item needs (seated members who did not declare a conflict on it) and
    how many are submitted."""
    members = PanelMember.objects.filter(panel_id=item.panel_id, status__in=SEATED).annotate(
        conflicted=Exists(ConflictDeclaration.objects.filter(member=OuterRef("pk"), item=item, has_conflict=True)),
        submitted=Exists(ScoreSheet.objects.filter(
            member=OuterRef("pk"), item=item, state=ScoreSheet.State.SUBMITTED)),
    ).values_list("conflicted", "submitted")
    flags = list(members)
    return ItemProgress(
        expected=sum(1 for conflicted, _ in flags if not conflicted),
        submitted=sum(1 for _, submitted in flags if submitted),
    )


@dataclass
class ScoreTable:
    """Every submitted sheet of an item side by side: one column per expert, one row per criterion."""

    sheets: list
    rows: list = field(default_factory=list)  # (criterion, [points or None per sheet])


def item_score_table(item: PanelItem, criteria: list) -> ScoreTable:
    sheets = list(
        ScoreSheet.objects.filter(item=item, state=ScoreSheet.State.SUBMITTED, member__status__in=SEATED)
        .select_related("member__expert").prefetch_related("scores").order_by("member_id")
    )
    points = [{s.criterion_id: s.points for s in sheet.scores.all()} for sheet in sheets]
    return ScoreTable(sheets=sheets, rows=[(c, [p.get(c.pk) for p in points]) for c in criteria])


# ---- the panel: progress, ranking and the site-inspection list ----------------------------------

def panel_for_user(user, pk: int) -> Panel:
    return visible_panels(user).select_related("program", "rubric", "industry_field").get(pk=pk)


def seated_members(panel: Panel) -> list[PanelMember]:
    members = panel.members.filter(status__in=SEATED).select_related("expert__user")
    return sorted(members, key=lambda m: (ROLE_ORDER[m.role], m.pk))


def has_site_list(panel: Panel) -> bool:
    """Only application review of a program with a site-inspection stage draws up a list."""
    return panel.purpose == Panel.Purpose.APPLICATION_REVIEW and panel.program.has_site_inspection


@dataclass(frozen=True)
class SiteListStatus:
    marked: bool
    listed: int
    confirmed: int
    signatories: int

    @property
    def signed(self) -> bool:
        return self.marked and self.signatories > 0 and self.confirmed >= self.signatories

    @property
    def awaiting_signatures(self) -> bool:
        return self.marked and not self.signed


def site_list_status(panel: Panel) -> SiteListStatus:
    items = panel.items.aggregate(
        marked=Count("pk", filter=Q(listed_for_inspection__isnull=False)),
        listed=Count("pk", filter=Q(listed_for_inspection=True)),
    )
    members = panel.members.filter(status=PanelMember.Status.ACCEPTED).aggregate(
        signatories=Count("pk"), confirmed=Count("pk", filter=Q(site_list_confirmed_at__isnull=False)),
    )
    return SiteListStatus(marked=items["marked"] > 0, listed=items["listed"], **members)


def panel_scores_complete(panel: Panel) -> bool:
    return panel.all_scores_submitted()


@dataclass(frozen=True)
class ExpertTotal:
    member: PanelMember
    total: Decimal | None
    deviates: bool


@dataclass
class RankingRow:
    rank: int
    item: PanelItem
    sheets: int
    expected: int
    average: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None
    spread: Decimal | None
    totals: list[ExpertTotal]
    proposed: bool

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.sheets >= self.expected

    @property
    def average_shown(self) -> Decimal | None:
        """Two decimals, cut rather than rounded: a shown 80.00 always reaches a pass mark of 80
        (79.998 shows as 79.99, as it is not proposed)."""
        return None if self.average is None else Decimal(self.average).quantize(CENT, rounding=ROUND_DOWN)


@dataclass
class Ranking:
    panel: Panel
    members: list[PanelMember]
    rows: list[RankingRow]
    pass_mark: Decimal | None
    outlier_margin: Decimal

    @property
    def expected(self) -> int:
        return sum(row.expected for row in self.rows)

    @property
    def submitted(self) -> int:
        return sum(row.sheets for row in self.rows)

    @property
    def complete(self) -> bool:
        return bool(self.rows) and all(row.complete for row in self.rows)

    @property
    def proposed(self) -> list[RankingRow]:
        return [row for row in self.rows if row.proposed]


def _ranked_items(panel: Panel) -> QuerySet[PanelItem]:
    counted = Q(sheets__state=ScoreSheet.State.SUBMITTED, sheets__member__status__in=SEATED)
    conflicts = (
        ConflictDeclaration.objects.filter(item=OuterRef("pk"), has_conflict=True, member__status__in=SEATED)
        .values("item").annotate(n=Count("pk")).values("n")
    )
    return (
        panel.items.select_related("application__organization", "institute__lead_unit")
        .only(*ITEM_LABEL_FIELDS)
        .annotate(
            sheet_count=Count("sheets", filter=counted),
            total_sum=Sum("sheets__total", filter=counted),
            average=Avg("sheets__total", filter=counted),
            lowest=Min("sheets__total", filter=counted),
            highest=Max("sheets__total", filter=counted),
            conflicts=Coalesce(Subquery(conflicts), 0),
        )
        .annotate(spread=F("highest") - F("lowest"))
        .order_by(F("average").desc(nulls_last=True), "pk")
    )


def _deviates(total: Decimal, total_sum: Decimal, n: int, margin: Decimal) -> bool:
    """|total − mean| > margin, computed as |n·total − sum| > n·margin: exact, no rounded mean."""
    return abs(n * total - total_sum) > n * margin


def _passes(total_sum: Decimal | None, n: int, pass_mark: Decimal | None) -> bool:
    return pass_mark is not None and n > 0 and total_sum >= n * pass_mark


def ranking(panel: Panel) -> Ranking:
    """Per item: sheets, average, min, max, spread (in the database), each expert's total with a
    flag when it lies more than the rubric's margin from the item's mean, and whether the average
    reaches the rubric's pass mark; sorted by average, best first. Four queries whatever the size."""
    rubric = panel.rubric
    members = seated_members(panel)
    totals = {
        (item_id, member_id): total
        for item_id, member_id, total in ScoreSheet.objects.filter(
            item__panel=panel, state=ScoreSheet.State.SUBMITTED, member__status__in=SEATED
        ).values_list("item_id", "member_id", "total")
    }
    rows, previous = [], None
    for position, item in enumerate(_ranked_items(panel), start=1):
        n = item.sheet_count
        rank = previous.rank if previous and n and previous.average == item.average else position
        previous = RankingRow(
            rank=rank, item=item, sheets=n, expected=len(members) - item.conflicts, average=item.average,
            lowest=_cents(item.lowest), highest=_cents(item.highest), spread=_cents(item.spread),
            totals=[_expert_total(member, totals.get((item.pk, member.pk)), item, rubric) for member in members],
            proposed=_passes(item.total_sum, n, rubric.pass_mark),
        )
        rows.append(previous)
    return Ranking(panel=panel, members=members, rows=rows, pass_mark=rubric.pass_mark,
                   outlier_margin=rubric.outlier_margin)


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT)


def _expert_total(member, total, item, rubric) -> ExpertTotal:
    deviates = total is not None and _deviates(total, item.total_sum, item.sheet_count, rubric.outlier_margin)
    return ExpertTotal(member=member, total=_cents(total), deviates=deviates)


# ---- scoring progress ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressCell:
    member: PanelMember
    status: str
    sheet_id: int | None = None
    statement: str = ""

    @property
    def label(self):
        return AssignmentStatus.LABELS[self.status]


@dataclass
class ProgressRow:
    item: PanelItem
    cells: list[ProgressCell]


def scoring_progress(panel: Panel) -> tuple[list[PanelMember], list[ProgressRow]]:
    """Who has declared and who has submitted, item by item (no scores: they stay hidden)."""
    members = seated_members(panel)
    declarations = {
        (d.item_id, d.member_id): d
        for d in ConflictDeclaration.objects.filter(item__panel=panel, member__panel=panel).only(
            "item_id", "member_id", "has_conflict", "statement")
    }
    sheets = {
        (item_id, member_id): (pk, state)
        for pk, item_id, member_id, state in ScoreSheet.objects.filter(item__panel=panel).values_list(
            "pk", "item_id", "member_id", "state")
    }
    items = panel.items.select_related("application__organization", "institute__lead_unit").order_by("pk")
    rows = [
        ProgressRow(item=item, cells=[_progress_cell(m, declarations.get((item.pk, m.pk)),
                                                     sheets.get((item.pk, m.pk))) for m in members])
        for item in items
    ]
    return members, rows


def _progress_cell(member, declaration, sheet) -> ProgressCell:
    if declaration is None:
        return ProgressCell(member, AssignmentStatus.DECLARE)
    if declaration.has_conflict:
        return ProgressCell(member, AssignmentStatus.CONFLICT, statement=declaration.statement)
    sheet_id, state = sheet if sheet else (None, ScoreSheet.State.DRAFT)
    status = AssignmentStatus.SUBMITTED if state == ScoreSheet.State.SUBMITTED else AssignmentStatus.SCORING
    return ProgressCell(member, status, sheet_id=sheet_id)


def sheet_for_reopen(user, pk: int) -> ScoreSheet:
    """A sheet of a panel the user may see (raises ScoreSheet.DoesNotExist otherwise)."""
    return (
        ScoreSheet.objects.filter(member__panel__in=visible_panels(user))
        .select_related("member__expert__user", "member__panel__program", "item__application__organization",
                        "item__institute__lead_unit")
        .get(pk=pk)
    )
