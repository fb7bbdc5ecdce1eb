"""factory_boy factories shared by every app's tests."""
import datetime
import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from institutes.models import (
    Application, ApplicationYear, IndustryField, Institute, IntellectualProperty, ParticipatingUnit, Program,
)
from portal.accounts.models import Organization, Region, User
from portal.accounts.uscc_factory import make_uscc

_serials = itertools.count(1000)
PASSWORD = "test-pass-2026"


def region(code="410105"):
    return Region.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    region = factory.LazyFunction(lambda: region("410105"))
    uscc = factory.LazyAttribute(lambda o: make_uscc(o.region.code, next(_serials)))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def region_codes(self, create, extracted, **kwargs):
        if extracted:
            self.regions.set(Region.objects.filter(code__in=extracted))

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def applicant(organization=None, **kwargs):
    return UserFactory(role="applicant", organization=organization or OrganizationFactory(), **kwargs)


def district_user(region_codes=("410105",), department="industry", **kwargs):
    return UserFactory(role="district", department=department, region_codes=list(region_codes), **kwargs)


def program_manager(*program_codes, **kwargs):
    user = UserFactory(role="program_manager", department="industry", **kwargs)
    user.managed_programs.set(Program.objects.filter(code__in=program_codes or ["ZZ23"]))
    return user


def program(code="ZZ23"):
    return Program.objects.get(code=code)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    program = factory.LazyFunction(lambda: program("ZZ23"))
    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.LazyAttribute(lambda a: UserFactory(role="applicant", organization=a.organization))
    reference = factory.Sequence(lambda n: f"T-{n:06d}")


def years(application, revenue, rd, fiscal=Decimal("0"), last_year=None):
    """Three financial years with the same figures; the last one is the previous calendar year."""
    last_year = last_year or timezone.localdate().year - 1
    for year in range(last_year - 2, last_year + 1):
        ApplicationYear.objects.create(
            application=application, year=year, operating_revenue=Decimal(revenue), rd_spending=Decimal(rd),
            fiscal_support=Decimal(fiscal),
        )


def complete_zz23(application, *, revenue="150000000", rd="6000000", fiscal="0", field="advanced-equipment"):
    """Fill an application so every ZZ23 criterion passes (ratio 4% by default)."""
    application.title = "测试产业研究院"
    application.industry_field = IndustryField.objects.get(code=field)
    application.contact_name = "联系人"
    application.contact_phone = "0371-00000000"
    application.categories = ["industry_head"]
    for flag in ("is_high_tech", "has_provincial_platform", "completed_key_project", "has_rd_facilities",
                 "declares_not_dishonest"):
        setattr(application, flag, True)
    application.direction = application.targets = application.roadmap = "内容"
    application.budget = Decimal("1000000")
    application.save()
    years(application, revenue, rd, fiscal)
    IntellectualProperty.objects.create(application=application, kind="invention_patent", title="专利", number="ZL1")
    return application


def institute(organization, *, state=Institute.State.ACTIVE, revoked_on=None, field="advanced-equipment", code="ZZ23"):
    return Institute.objects.create(
        program=program(code), lead_unit=organization, name=f"{organization.name}研究院",
        industry_field=IndustryField.objects.get(code=field), state=state,
        recognized_on=datetime.date(2022, 1, 1), revoked_on=revoked_on,
    )


def participant(application, name="参与单位", serial=None):
    return ParticipatingUnit.objects.create(
        application=application, name=name, uscc=make_uscc("410105", serial or next(_serials))
    )
