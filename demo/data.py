"""Demo organisations, accounts (one per role, plus the extra district departments that joint
recommendation needs) and applications in several states. Idempotent."""
import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from institutes.models import Application, ApplicationYear, IndustryField, Institute, IntellectualProperty, Program
from institutes.services import record_district_decision, start_application, submit_application
from portal.accounts.models import Organization, Region, User
from institutes.forms import DISTRICT_CHECKLIST
from reviews.models import Expert, Panel
from reviews.services.draw import draw_panel
from reviews.services.initial_review import pass_initial_review, record_part, start_initial_review
from reviews.services.panels import appoint_roles, open_scoring, respond_to_invitation
from portal.accounts.uscc_factory import make_uscc

DEMO_PASSWORD = "demo-pass-2026"

ORGANIZATIONS = [
    # key, name, district code, serial
    ("zz_equipment", "郑州智能装备股份有限公司", "410105", 101),
    ("zz_materials", "郑州新材料科技有限公司", "410103", 102),
    ("zz_revoked", "郑州某电子信息有限公司", "410102", 103),
    ("sjz_pharma", "石家庄生物医药集团有限公司", "130102", 104),
    ("zz_university", "郑州理工大学", "410105", 105),
]

ACCOUNTS = [
    # username, name, role, organization key, department, region codes
    ("applicant", "张明（申报单位）", "applicant", "zz_equipment", "", []),
    ("applicant2", "李华（申报单位）", "applicant", "zz_materials", "", []),
    ("applicant_sjz", "王芳（申报单位）", "applicant", "sjz_pharma", "", []),
    ("district", "赵强（金水区工信局）", "district", None, "industry", ["410105", "410103"]),
    ("district_finance", "钱丽（金水区财政局）", "district", None, "finance", ["410105", "410103"]),
    ("district_sjz", "孙伟（长安区科技局）", "district", None, "science", ["130102"]),
    ("manager", "周敏（市工信局）", "program_manager", None, "industry", []),
    ("manager2", "陈静（市工信局）", "program_manager", None, "industry", []),
    ("expert", "吴教授（专家）", "expert", "zz_university", "", []),
    ("expert2", "冯研究员（专家）", "expert", "zz_university", "", []),
    ("finance", "郑会计（市财政局）", "finance", None, "finance", ["410100"]),
    ("finance2", "王审核（市财政局）", "finance", None, "finance", ["410100"]),
]


@transaction.atomic
def seed() -> dict:
    organizations = {key: _organization(name, code, serial) for key, name, code, serial in ORGANIZATIONS}
    users = {row[0]: _account(row, organizations) for row in ACCOUNTS}
    for manager in ("manager", "manager2"):
        users[manager].managed_programs.set(Program.objects.all())
    _institutes(organizations)
    _experts(users)
    if not Application.objects.exists():
        _applications(users)
    _life_after_recognition(users, organizations)
    return users


def _life_after_recognition(users, organizations):
    """Annual reports and grades, subsidy claims, entitlements and a payout batch, then the notices
    of what is recognised, graded and paid (each hook is idempotent)."""
    from demo import annual_reports, claims, evaluation, notices, payouts, rules

    for hook in (annual_reports, evaluation, claims, payouts, notices, rules):
        hook.seed(users, organizations)


def _organization(name, district_code, serial):
    region = Region.objects.get(code=district_code)
    organization, _ = Organization.objects.get_or_create(
        uscc=make_uscc(district_code, serial), defaults={"name": name, "region": region}
    )
    return organization


def _account(row, organizations):
    username, full_name, role, org_key, department, region_codes = row
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": full_name, "email": f"{username}@demo.portal.local", "department": department,
            "organization": organizations.get(org_key),
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(Group.objects.get(name=role))
    if region_codes:
        user.regions.set(Region.objects.filter(code__in=region_codes))
    return user


# name, kind, pool, employer, fields, account
EXPERTS = [
    ("吴教授", "management", "industry", "郑州理工大学", ["advanced-equipment", "automotive"], "expert"),
    ("冯研究员", "technical", "industry", "河南省机械研究院", ["advanced-equipment", "new-materials"], "expert2"),
    ("陈高工", "technical", "industry", "中原装备集团", ["advanced-equipment"], None),
    ("褚处长", "management", "industry", "河南省科技评估中心", ["biomedicine", "automotive"], None),
    ("卫会计师", "financial", "financial", "河南会计师事务所", ["new-materials", "biomedicine"], None),
    ("蒋教授", "technical", "industry", "河南工业大学", ["new-materials", "chemicals"], None),
    ("沈经理", "financial", "financial", "中原投资公司", ["automotive", "biomedicine"], None),
    ("韩研究员", "technical", "industry", "郑州大学", ["new-materials", "electronic-information"], None),
]


def _experts(users):
    for serial, (name, kind, pool, employer, fields, account) in enumerate(EXPERTS, start=900):
        expert, _created = Expert.objects.get_or_create(
            name=name, defaults={
                "kind": kind, "pool": pool, "employer_name": employer, "employer_uscc": make_uscc("410100", serial),
                "region": Region.objects.get(code="410100"), "user": users.get(account),
            },
        )
        expert.fields.set(IndustryField.objects.filter(code__in=fields))


def _institutes(organizations):
    zz23 = Program.objects.get(code="ZZ23")
    Institute.objects.get_or_create(
        name="郑州市新材料产业研究院", defaults={
            "program": zz23, "lead_unit": organizations["zz_materials"],
            "industry_field": IndustryField.objects.get(code="new-materials"),
            "recognized_on": datetime.date(2023, 9, 1),
        },
    )
    Institute.objects.get_or_create(
        name="郑州市电子信息产业研究院", defaults={
            "program": zz23, "lead_unit": organizations["zz_revoked"],
            "industry_field": IndustryField.objects.get(code="electronic-information"),
            "recognized_on": datetime.date(2023, 6, 1), "state": Institute.State.REVOKED,
            "revoked_on": timezone.localdate() - datetime.timedelta(days=400),
        },
    )


def fill_zz23_application(application, *, field="advanced-equipment", revenue=Decimal("150000000")):
    """A complete ZZ23 application that passes every criterion (R&D ratio 4%)."""
    last_year = timezone.localdate().year - 1
    application.title = "郑州市智能装备产业研究院"
    application.industry_field = IndustryField.objects.get(code=field)
    application.contact_name = "张明"
    application.contact_phone = "0371-60000000"
    application.categories = ["industry_head", "little_giant"]
    for flag in ("is_high_tech", "has_provincial_platform", "completed_key_project", "has_rd_facilities",
                 "declares_not_dishonest"):
        setattr(application, flag, True)
    application.direction = "智能装备关键零部件与工业软件"
    application.targets = "三年内突破5项关键共性技术，孵化3家企业"
    application.roadmap = "第一年：平台搭建；第二年：中试验证；第三年：产业化推广"
    application.budget = Decimal("30000000")
    application.save()
    for offset in range(3):
        ApplicationYear.objects.update_or_create(
            application=application, year=last_year - 2 + offset,
            defaults={"operating_revenue": revenue, "rd_spending": revenue * Decimal("0.04"),
                      "fiscal_support": Decimal("1000000")},
        )
    IntellectualProperty.objects.get_or_create(
        application=application, number="ZL202310000001.X",
        defaults={"kind": "invention_patent", "title": "一种智能装备控制方法"},
    )
    return application


def _applications(users):
    zz23 = Program.objects.get(code="ZZ23")
    draft = start_application(users["applicant"], zz23)
    fill_zz23_application(draft)
    submitted = fill_zz23_application(start_application(users["applicant2"], zz23), field="automotive")
    submit_application(submitted, users["applicant2"])
    _recommended(users, "applicant2", field="biomedicine")
    _on_a_scoring_panel(_recommended(users, "applicant", field="advanced-equipment"), users)


def _recommended(users, applicant_name, *, field):
    zz23 = Program.objects.get(code="ZZ23")
    application = fill_zz23_application(start_application(users[applicant_name], zz23), field=field)
    submit_application(application, users[applicant_name])
    application.refresh_from_db()
    checklist = {key: True for key, _label in DISTRICT_CHECKLIST}
    record_district_decision(application, users["district"], "recommend", checklist=checklist, comment="材料齐全，同意推荐")
    application.refresh_from_db()
    return application


def _on_a_scoring_panel(application, users):
    """Initial review passed, a 3-expert panel drawn (the field's three demo experts), accepted,
    leader and deputy appointed, scoring open: `expert` and `expert2` can declare and score."""
    manager = users["manager"]
    start_initial_review(application, manager)
    record_part(application, manager, part="form", passed=True, findings="")
    pass_initial_review(application, manager)
    application.refresh_from_db()
    panel = draw_panel(
        program=application.program, industry_field=application.industry_field,
        purpose=Panel.Purpose.APPLICATION_REVIEW, items=[application], size=3, user=manager, seed="demo-2026",
    )
    for member in panel.members.select_related("expert__user"):
        respond_to_invitation(member, manager, accept=True)
    seats = {m.expert.kind: m for m in panel.members.select_related("expert")}
    appoint_roles(panel, manager, seats["management"], seats["technical"])
    panel.refresh_from_db()
    open_scoring(panel, manager)
