"""Factories for the expert pool, conflict-of-interest and draw tests: experts with USCC-coded
employers, former employments and ties, applications in expert review, rubrics, drawn panels."""
import datetime
import itertools

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from institutes.models import Application, IndustryField, Institute, ParticipatingUnit, Program
from portal.accounts.uscc_factory import make_uscc
from reviews.models import Expert, ExpertEmployment, ExpertTie, Panel, Rubric, RubricCriterion
from reviews.selectors.scoring import current_rubric
from reviews.services.draw import draw_panel
from tests.factories import ApplicationFactory, OrganizationFactory, UserFactory, program_manager

FIELD = "advanced-equipment"
OTHER_FIELD = "new-materials"
_serials = itertools.count(800_000)


def uscc() -> str:
    """A well-formed, unused unified social credit code."""
    return make_uscc("410105", next(_serials))


class PoolExpertFactory(factory.django.DjangoModelFactory):
    """An expert of the pool, without a login account unless `account=True`, in FIELD unless
    `field_codes` says otherwise."""

    class Meta:
        model = Expert
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"库专家{n}")
    kind = Expert.Kind.TECHNICAL
    pool = Expert.Pool.INDUSTRY
    employer_name = factory.Sequence(lambda n: f"某研究所{n}")
    employer_uscc = factory.LazyFunction(uscc)

    @factory.post_generation
    def field_codes(self, create, extracted, **kwargs):
        if create:
            self.fields.set(IndustryField.objects.filter(code__in=extracted or [FIELD]))

    @factory.post_generation
    def account(self, create, extracted, **kwargs):
        if create and extracted:
            give_account(self)


def give_account(expert: Expert):
    """A login account with the expert role, linked to the expert."""
    user = UserFactory()
    user.groups.add(Group.objects.get(name="expert"))
    Expert.objects.filter(pk=expert.pk).update(user=user)
    expert.user = user
    return user


def pool(*, management=1, technical=2, financial=0, field=FIELD, accounts=False) -> list[Expert]:
    """Active experts of one field: management and technical experts of the industry expert system,
    and `financial` experts of the financial expert pool."""
    return [
        *[PoolExpertFactory(kind=Expert.Kind.MANAGEMENT, field_codes=[field], account=accounts) for _ in range(management)],
        *[PoolExpertFactory(kind=Expert.Kind.TECHNICAL, field_codes=[field], account=accounts) for _ in range(technical)],
        *[PoolExpertFactory(kind=Expert.Kind.FINANCIAL, pool=Expert.Pool.FINANCIAL, field_codes=[field], account=accounts)
          for _ in range(financial)],
    ]


def employment(expert, uscc_code, *, ended_on, name="原工作单位", started_on=None) -> ExpertEmployment:
    return ExpertEmployment.objects.create(
        expert=expert, employer_name=name, employer_uscc=uscc_code, started_on=started_on, ended_on=ended_on,
    )


def tie(expert, uscc_code, *, description="持有股份", name="关联单位") -> ExpertTie:
    return ExpertTie.objects.create(
        expert=expert, organization_name=name, organization_uscc=uscc_code, description=description,
    )


def rubric_for(code="ZZ23", purpose=Panel.Purpose.APPLICATION_REVIEW) -> Rubric:
    """The rubric in force for the program and purpose, made (five criteria of 20) when none is."""
    program = Program.objects.get(code=code)
    rubric = current_rubric(program, purpose)
    if rubric is None:
        rubric = Rubric.objects.create(
            program=program, purpose=purpose, name=f"{code} {purpose}", effective_from=datetime.date(2020, 1, 1),
            pass_mark=80,
        )
        RubricCriterion.objects.bulk_create([
            RubricCriterion(rubric=rubric, code=f"c{i}", name=f"评分项{i}", max_points=20, order=i) for i in range(5)
        ])
    return rubric


def application_in_review(code="ZZ23", *, field=FIELD, participants=0, experts_to_avoid="", organization=None):
    """An application in expert review, with `participants` participating units."""
    application = ApplicationFactory(
        program=Program.objects.get(code=code), organization=organization or OrganizationFactory(),
        title="评审中的研究院", experts_to_avoid=experts_to_avoid,
    )
    Application.objects.filter(pk=application.pk).update(
        state=Application.State.EXPERT_REVIEW, industry_field=IndustryField.objects.get(code=field),
        submission_round=1, submitted_at=timezone.now(),
    )
    application.refresh_from_db()
    for i in range(participants):
        ParticipatingUnit.objects.create(application=application, name=f"参与单位{i}", uscc=uscc())
    return application


def cultivating_unit(code="HN23", *, field=FIELD) -> Institute:
    organization = OrganizationFactory()
    return Institute.objects.create(
        program=Program.objects.get(code=code), lead_unit=organization, name=f"{organization.name}创新中心",
        industry_field=IndustryField.objects.get(code=field), state=Institute.State.CULTIVATING,
        recognized_on=datetime.date(2025, 1, 1), is_cultivation_unit=True, cultivation_started_on=datetime.date(2025, 1, 1),
        cultivation_deadline=datetime.date(2027, 1, 1),
    )


def drawn_panel(code="ZZ23", *, items=None, size=3, seed="fixed-seed", manager=None, accounts=True) -> Panel:
    """A panel drawn through the service for one application (or `items`) from a fresh pool just
    large enough, with login accounts for the experts."""
    manager = manager or program_manager(code)
    items = items or [application_in_review(code)]
    rubric_for(code)
    pool(management=2, technical=size, financial=1 if code == "HN23" else 0, accounts=accounts)
    return draw_panel(
        program=Program.objects.get(code=code), industry_field=IndustryField.objects.get(code=FIELD),
        purpose=Panel.Purpose.APPLICATION_REVIEW, items=items, size=size, user=manager, seed=seed,
    )
