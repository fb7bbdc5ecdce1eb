"""Factories for the site inspection, decision, public notice, objection and recognition tests:
panels, members and items made directly (not through the draw or the scoring), and applications put
straight into the state a step expects."""
import datetime
import hashlib
import itertools
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from institutes.lifecycle import add_months
from institutes.models import Application, IndustryField, Institute, Program, RecognitionRequest
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from reviews.models import (
    DecisionMeeting, Expert, NoticeItem, Objection, Panel, PanelItem, PanelMember, PublicNotice, Rubric,
)
from reviews.models.publicity import ThirdPartyRecognition
from tests.factories import (
    PDF_BYTES, ApplicationFactory, OrganizationFactory, UserFactory, program, program_manager, region,
)

_serials = itertools.count(900_000)
FIELD = "advanced-equipment"
FULL_PANEL = (PanelMember.Role.LEADER, PanelMember.Role.DEPUTY, PanelMember.Role.MEMBER, PanelMember.Role.MEMBER,
              PanelMember.Role.MEMBER)
S = Application.State


def in_state(application: Application, state: str) -> Application:
    Application.objects.filter(pk=application.pk).update(state=state)
    application.refresh_from_db()
    return application


def application_in(state: str, code: str = "ZZ23", **kwargs) -> Application:
    """An application with a title and an industry field, put directly into `state`."""
    application = ApplicationFactory(
        program=program(code), title=f"测试研究院{next(_serials)}",
        industry_field=IndustryField.objects.get(code=FIELD), **kwargs,
    )
    return in_state(application, state)


def applications_in(state: str, n: int, code: str = "ZZ23") -> list[Application]:
    """n applications in `state`, each from its own new lead unit, made with bulk inserts."""
    where = region("410105")
    serials = [next(_serials) for _ in range(n)]
    organizations = Organization.objects.bulk_create([
        Organization(name=f"公示企业{serial}有限公司", region=where, uscc=make_uscc(where.code, serial))
        for serial in serials
    ])
    creator = UserFactory(role="applicant", organization=organizations[0])
    field = IndustryField.objects.get(code=FIELD)
    return Application.objects.bulk_create([
        Application(program=program(code), organization=org, created_by=creator, reference=f"P-{serial}",
                    title=f"公示研究院{serial}", industry_field=field, state=state, submission_round=1)
        for serial, org in zip(serials, organizations)
    ])


def rubric(prog: Program, purpose: str = Panel.Purpose.APPLICATION_REVIEW) -> Rubric:
    found, _created = Rubric.objects.get_or_create(
        program=prog, purpose=purpose, effective_from=datetime.date(2000, 1, 1),
        defaults={"name": f"{prog.code} test rubric"},
    )
    return found


def expert(*, user=None, kind=Expert.Kind.TECHNICAL) -> Expert:
    serial = next(_serials)
    return Expert.objects.create(user=user, name=f"专家{serial}", kind=kind, employer_name=f"某大学{serial}")


def panel(code: str = "ZZ23", *, roles=FULL_PANEL, confirmed: bool = True, expert_users=()) -> Panel:
    """A ranked panel whose members (leader, deputy, members) all accepted and, when `confirmed`,
    confirmed its site-inspection list; `expert_users` are seated first."""
    prog = program(code)
    made = Panel.objects.create(
        program=prog, purpose=Panel.Purpose.APPLICATION_REVIEW, industry_field=IndustryField.objects.get(code=FIELD),
        rubric=rubric(prog), size=max(3, len(roles)), name=f"{code}专家组{next(_serials)}",
        state=Panel.State.RANKED, created_by=program_manager(code),
    )
    users = list(expert_users) + [None] * (len(roles) - len(expert_users))
    for role, user in zip(roles, users):
        kind = Expert.Kind.MANAGEMENT if role == PanelMember.Role.LEADER else Expert.Kind.TECHNICAL
        PanelMember.objects.create(
            panel=made, expert=expert(user=user, kind=kind), role=role, status=PanelMember.Status.ACCEPTED,
            site_list_confirmed_at=timezone.now() if confirmed else None,
        )
    return made


def members(of_panel: Panel) -> list[PanelMember]:
    return list(of_panel.members.select_related("expert").order_by("pk"))


def put_on(of_panel: Panel, application: Application, *, listed: bool | None = True) -> PanelItem:
    return PanelItem.objects.create(panel=of_panel, application=application, listed_for_inspection=listed)


def listed_panel(code: str = "ZZ23", *, listed: int = 2, not_listed: int = 1, **kwargs):
    """A panel with `listed` applications on its site-inspection list and `not_listed` off it, all
    still in expert review."""
    made = panel(code, **kwargs)
    on = [put_on(made, application_in(S.EXPERT_REVIEW, code)) for _ in range(listed)]
    off = [put_on(made, application_in(S.EXPERT_REVIEW, code), listed=False) for _ in range(not_listed)]
    return made, on, off


def meeting(code: str = "ZZ23", applications=(), *, user=None) -> DecisionMeeting:
    """A decision meeting approving `applications` (already awaiting the decision)."""
    made = DecisionMeeting.objects.create(
        program=program(code), held_on=timezone.localdate(), document_number="办公会〔2025〕1号", minutes="审定",
        recorded_by=user or program_manager(code),
    )
    made.applications.set(applications)
    return made


def notice(code: str = "ZZ23", applications=(), *, starts_on=None, ends_on=None, state=PublicNotice.State.OPEN,
           purpose=PublicNotice.Purpose.LISTING) -> PublicNotice:
    """A notice of `applications` (put into publicity) made directly; by default open from today
    for 5 days."""
    starts_on = starts_on or timezone.localdate()
    made = PublicNotice.objects.create(
        program=program(code), purpose=purpose, title=f"{code}公示{next(_serials)}", body="公示内容",
        starts_on=starts_on, working_days=5, ends_on=ends_on or starts_on + datetime.timedelta(days=6),
        state=state, opened_by=program_manager(code),
    )
    for application in applications:
        in_state(application, S.PUBLICITY)
        NoticeItem.objects.create(notice=made, application=application, published_name=application.title,
                                  published_lead_unit=application.organization.name)
    return made


def ended_notice(code: str = "ZZ23", applications=(), *, state=PublicNotice.State.CLOSED) -> PublicNotice:
    today = timezone.localdate()
    return notice(code, applications, starts_on=today - datetime.timedelta(days=10),
                  ends_on=today - datetime.timedelta(days=3), state=state)


def objection(of_notice: PublicNotice, *, item=None, state=Objection.State.RECEIVED, attachment: bytes = b"",
              ip="203.0.113.9") -> Objection:
    made = Objection(
        notice=of_notice, item=item, reference=f"YY-TEST-{next(_serials)}", name="公众", contact="13800000000",
        text="异议内容", state=state, ip_address=ip,
    )
    if attachment:
        made.attachment_sha256 = hashlib.sha256(attachment).hexdigest()
        made.attachment_name, made.attachment_content_type = "证据.pdf", "application/pdf"
        made.attachment.save("证据.pdf", ContentFile(attachment), save=False)
    made.save()
    return made


def objections(of_notice: PublicNotice, n: int) -> list[Objection]:
    start = next(_serials) * 100
    return Objection.objects.bulk_create([
        Objection(notice=of_notice, reference=f"YY-BULK-{start + i}", name="公众", contact="13800000000",
                  text="异议", ip_address="203.0.113.9")
        for i in range(n)
    ])


def cultivation_unit(organization=None, *, listed_on=None, state=Institute.State.CULTIVATING,
                     rectification_deadline=None) -> Institute:
    """An HN23 cultivation unit listed on `listed_on` (default a year ago), deadline 24 months on."""
    listed_on = listed_on or timezone.localdate() - datetime.timedelta(days=365)
    organization = organization or OrganizationFactory()
    return Institute.objects.create(
        program=program("HN23"), lead_unit=organization, name=f"{organization.name}创新中心",
        industry_field=IndustryField.objects.get(code=FIELD), state=state, recognized_on=listed_on,
        is_cultivation_unit=True, cultivation_started_on=listed_on, cultivation_deadline=add_months(listed_on, 24),
        rectification_deadline=rectification_deadline,
    )


def recognition_request(unit: Institute, *, state=RecognitionRequest.State.SUBMITTED, user=None,
                        materials: bytes = b"") -> RecognitionRequest:
    made = RecognitionRequest(
        institute=unit, state=state, summary="完成建设任务", filed_by=user or UserFactory(role="applicant"),
        during_rectification=unit.state == Institute.State.RECTIFYING,
    )
    if materials:
        made.materials_sha256 = hashlib.sha256(materials).hexdigest()
        made.materials_name, made.materials_content_type = "验收材料.pdf", "application/pdf"
        made.materials.save("验收材料.pdf", ContentFile(materials), save=False)
    made.save()
    return made


def third_party_record(application: Application, *, recognised: bool = True, user=None) -> ThirdPartyRecognition:
    made = ThirdPartyRecognition(
        application=application, agency="第三方评估机构", concluded_on=timezone.localdate(), recognised=recognised,
        summary="认定结论", evidence_name="认定报告.pdf", evidence_content_type="application/pdf",
        evidence_sha256=hashlib.sha256(PDF_BYTES).hexdigest(), recorded_by=user or program_manager("SJZ22"),
    )
    made.evidence.save("认定报告.pdf", ContentFile(PDF_BYTES), save=False)
    made.save()
    return made


def freeze_today(monkeypatch, day: datetime.date) -> None:
    """Make `timezone.localdate()` (without arguments) return `day` for the rest of the test."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return day if value is None and timezone is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def warm_content_types() -> None:
    """Load every content type into Django's per-process cache in one query, as a running server
    has after its first requests. A test run after a transactional test starts with the cache
    flushed, and django-zeal would take the audit trail's first `get_for_model` of two different
    models in one request for an N+1."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_models(*apps.get_models())


def scored_acceptance_panel(recognition: RecognitionRequest, *, total=Decimal(85)):
    """A 3-expert acceptance panel for the request's unit, every sheet submitted with `total`, scoring
    complete — what record_acceptance reads."""
    from tests.factories_reviews_scoring import make_panel, score_everything, set_state

    acceptance = make_panel(recognition.institute.program.code, Panel.Purpose.ACCEPTANCE, size=3)
    PanelItem.objects.create(panel=acceptance, institute=recognition.institute)
    score_everything(acceptance, lambda item_index, member_index: Decimal(total))
    return set_state(acceptance, Panel.State.RANKED)
