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


# ---- view tests: filed applications, attachments and file contents ------------------------------

def submit_directly(application, *, round_=1):
    """Put an application in the district queue without running the workflow (for view tests)."""
    Application.objects.filter(pk=application.pk).update(
        state=Application.State.SUBMITTED, submission_round=round_, submitted_at=timezone.now(),
    )
    application.refresh_from_db()
    return application


def submitted_applications(n, *, organization=None, code="ZZ23", title="批量申报研究院", region_code="410105"):
    """n submitted applications made with bulk inserts: of `organization` when given, otherwise each
    from its own new organisation registered in `region_code`."""
    prog = program(code)
    fields = list(IndustryField.objects.all()[:5])
    if organization is None:
        where = region(region_code)
        organizations = Organization.objects.bulk_create([
            Organization(name=f"批量企业{serial}有限公司", region=where, uscc=make_uscc(where.code, serial))
            for serial in (next(_serials) for _ in range(n))
        ])
    else:
        organizations = [organization] * n
    creator = UserFactory(role="applicant", organization=organizations[0])
    now = timezone.now()
    start = next(_serials) * 1000
    return Application.objects.bulk_create([
        Application(
            program=prog, organization=org, created_by=creator, reference=f"B-{start + i:09d}",
            title=f"{title}{i}", industry_field=fields[i % len(fields)], state=Application.State.SUBMITTED,
            submission_round=1, submitted_at=now,
        )
        for i, org in enumerate(organizations)
    ])


PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def zip_bytes(*member_names):
    """A zip archive holding the named members (an OOXML .docx/.xlsx needs word/… or xl/… parts)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name in member_names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


def docx_bytes():
    return zip_bytes("word/document.xml")


def xlsx_bytes():
    return zip_bytes("xl/workbook.xml")


def attachment(application, *, content=PDF_BYTES, name="营业执照.pdf", kind="business_license", user=None):
    """An attachment stored through the real storage, bypassing the editability check."""
    import hashlib

    from django.core.files.base import ContentFile

    from institutes.models import Attachment

    item = Attachment(
        application=application, kind=kind, original_name=name, content_type="application/pdf",
        size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user or application.created_by,
    )
    item.file.save(name, ContentFile(content), save=False)
    item.save()
    return item

