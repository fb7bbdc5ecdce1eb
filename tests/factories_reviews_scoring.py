"""Factories for the scoring tests: experts with login accounts, panels already scoring with accepted
members, their items, declarations and sheets — built directly, not through the draw."""
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from institutes.models import Application, IndustryField, Program
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from reviews.models import ConflictDeclaration, Expert, Panel, PanelItem, PanelMember, Score, ScoreSheet
from reviews.selectors.scoring import current_rubric
from tests.factories import UserFactory, program_manager, region

_serials = itertools.count(700_000)
ROLES = [PanelMember.Role.LEADER, PanelMember.Role.DEPUTY] + [PanelMember.Role.MEMBER] * 3
KINDS = {PanelMember.Role.LEADER: Expert.Kind.MANAGEMENT, PanelMember.Role.DEPUTY: Expert.Kind.TECHNICAL}


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    user = factory.SubFactory(UserFactory, role="expert")
    name = factory.Sequence(lambda n: f"专家{n}")
    kind = Expert.Kind.TECHNICAL
    employer_name = factory.Sequence(lambda n: f"某大学{n}")


def expert_user(**kwargs):
    """A user with the expert role and an expert profile in the pool."""
    return ExpertFactory(**kwargs).user


def make_panel(code="HN23", purpose=Panel.Purpose.APPLICATION_REVIEW, *, size=5, items=0,
               state=Panel.State.SCORING, manager=None, name=None, experts=()) -> Panel:
    """A panel of `size` accepted experts (leader, deputy, members) with `items` applications;
    `experts` seats existing experts first, in that role order."""
    program = Program.objects.get(code=code)
    panel = Panel.objects.create(
        program=program, purpose=purpose, industry_field=IndustryField.objects.get(code="advanced-equipment"),
        rubric=current_rubric(program, purpose), size=size, name=name or f"{code}评审专家组{next(_serials)}",
        state=state, created_by=manager or program_manager(code),
    )
    chosen = list(experts) + [
        ExpertFactory(kind=KINDS.get(role, Expert.Kind.TECHNICAL)) for role in ROLES[len(experts):size]
    ]
    for role, expert in zip(ROLES[:size], chosen):
        PanelMember.objects.create(panel=panel, expert=expert, role=role, status=PanelMember.Status.ACCEPTED)
    add_items(panel, items)
    return panel


def set_state(panel: Panel, state: str) -> Panel:
    Panel.objects.filter(pk=panel.pk).update(state=state)
    panel.refresh_from_db()
    return panel


def members(panel: Panel) -> list[PanelMember]:
    return list(panel.members.select_related("expert__user").order_by("pk"))


def leader(panel: Panel) -> PanelMember:
    return panel.members.select_related("expert__user").get(role=PanelMember.Role.LEADER)


def add_items(panel: Panel, n: int, *, organization=None) -> list[PanelItem]:
    """n applications in expert review (bulk inserts), each from its own new lead unit unless
    `organization` is given, put on the panel."""
    if n == 0:
        return []
    where = region("410105")
    serials = [next(_serials) for _ in range(n)]
    organizations = [organization] * n if organization else Organization.objects.bulk_create([
        Organization(name=f"受评企业{serial}有限公司", region=where, uscc=make_uscc(where.code, serial))
        for serial in serials
    ])
    creator = UserFactory(role="applicant", organization=organizations[0])
    applications = Application.objects.bulk_create([
        Application(
            program=panel.program, organization=org, created_by=creator, reference=f"R-{serial:09d}",
            title=f"受评研究院{serial}", industry_field=panel.industry_field, state=Application.State.EXPERT_REVIEW,
            submission_round=1, submitted_at=timezone.now(),
        )
        for serial, org in zip(serials, organizations)
    ])
    return PanelItem.objects.bulk_create([PanelItem(panel=panel, application=a) for a in applications])


def declare(member: PanelMember, item: PanelItem, *, conflict=False, statement="") -> ConflictDeclaration:
    """A declaration as the service records it: no conflict opens a draft sheet."""
    declaration = ConflictDeclaration.objects.create(
        member=member, item=item, has_conflict=conflict, statement=statement or ("曾任职于牵头单位" if conflict else "")
    )
    if not conflict:
        ScoreSheet.objects.create(member=member, item=item)
    return declaration


def submit_sheet(member: PanelMember, item: PanelItem, total) -> ScoreSheet:
    """The member's submitted sheet on the item (declaring no conflict first if not done yet)."""
    if not ConflictDeclaration.objects.filter(member=member, item=item).exists():
        declare(member, item)
    sheet = ScoreSheet.objects.get(member=member, item=item)
    criteria = list(member.panel.rubric.criteria.all())
    Score.objects.bulk_create([Score(sheet=sheet, criterion=c, points=p)
                               for c, p in zip(criteria, split_points(total, criteria))])
    ScoreSheet.objects.filter(pk=sheet.pk).update(
        state=ScoreSheet.State.SUBMITTED, total=Decimal(total), submitted_at=timezone.now())
    sheet.refresh_from_db()
    return sheet


def split_points(total, criteria) -> list[Decimal]:
    """Points per criterion, each within its maximum, adding up to `total`."""
    remaining, points = Decimal(total), []
    for criterion in criteria:
        given = min(remaining, criterion.max_points)
        points.append(given)
        remaining -= given
    if remaining:
        raise ValueError(f"{total} exceeds the rubric's maximum")
    return points


def score(panel: Panel, totals: dict) -> None:
    """Declarations (no conflict), submitted sheets and their scores in bulk.
    `totals` maps (member, item) to the sheet's total."""
    criteria = list(panel.rubric.criteria.all())
    now = timezone.now()
    ConflictDeclaration.objects.bulk_create([
        ConflictDeclaration(member=m, item=i, has_conflict=False) for m, i in totals
    ])
    sheets = ScoreSheet.objects.bulk_create([
        ScoreSheet(member=m, item=i, state=ScoreSheet.State.SUBMITTED, total=Decimal(t), submitted_at=now)
        for (m, i), t in totals.items()
    ])
    Score.objects.bulk_create([
        Score(sheet=sheet, criterion=c, points=p)
        for sheet, total in zip(sheets, totals.values())
        for c, p in zip(criteria, split_points(total, criteria))
    ])


def score_everything(panel: Panel, total_for=lambda item_index, member_index: Decimal(85)) -> None:
    """Every member submits on every item; `total_for(item index, member index)` gives the totals."""
    seats = members(panel)
    items = list(panel.items.order_by("pk"))
    score(panel, {(m, i): total_for(ii, mi) for ii, i in enumerate(items) for mi, m in enumerate(seats)})
