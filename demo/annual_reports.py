"""Demo data for the registry and annual reports: the demo applicant's unit runs a recognised ZZ23
institute with one accepted report (through the whole workflow) and this year's draft; the demo's
revoked institute gets its confirmed revocation record. Idempotent.

Wire it from demo.data.seed():  `annual_reports.seed(users, organizations)`."""
import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from institutes import services_annual
from institutes.models import AnnualReport, IndustryField, Institute, Program, Revocation
from portal.audit.services import record_event

INSTITUTE_NAME = "郑州市智能装备产业研究院"

FIGURES = {
    "summary": "完成高端数控装备关键部件攻关3项，建成中试验证平台1个，服务区内企业42家。",
    "plan": "围绕智能产线集成开展共性技术研发，新建可靠性实验室，推动5项成果在本地企业转化。",
    "budget": Decimal("8600000.00"), "budget_notes": "设备购置520万元，研发人员费用260万元，其他80万元。",
    "rd_spending": Decimal("12800000.00"), "funding_input": Decimal("9500000.00"), "new_achievements": 11,
    "technologies_transferred": 6, "invention_patents": 4, "standards": 2, "spin_offs": 1, "talents_introduced": 7,
}


@transaction.atomic
def seed(users: dict, organizations: dict | None = None) -> Institute:
    applicant = users["applicant"]
    lead_unit = (organizations or {}).get("zz_equipment") or applicant.organization
    institute, created = Institute.objects.get_or_create(
        name=INSTITUTE_NAME, defaults={
            "program": Program.objects.get(code="ZZ23"), "lead_unit": lead_unit,
            "industry_field": IndustryField.objects.get(code="advanced-equipment"),
            "recognized_on": datetime.date(timezone.localdate().year - 3, 3, 1),
            "recognition_document": "郑工信〔2023〕21号",
        },
    )
    if created:
        record_event(institute, action="create", action_label=_("Recognised"), actor=users["manager"],
                     to_state=institute.state, comment=institute.recognition_document)
    if not institute.annual_reports.exists():
        _accepted_report(institute, users)
        _draft_report(institute, applicant)
    _revocation_record(users)
    return institute


def _fill(report):
    AnnualReport.objects.filter(pk=report.pk).update(**FIGURES)
    report.refresh_from_db()


def _accepted_report(institute, users):
    year = timezone.localdate().year - 2
    report = services_annual.start_report(users["applicant"], institute, year)
    _fill(report)
    services_annual.submit_report(report, users["applicant"])
    services_annual.record_district_decision(report, users["district"], "pass", comment="材料齐全，数据与账目一致")
    services_annual.record_district_decision(report, users["district_finance"], "pass", comment="预算编制合理")
    services_annual.record_manager_decision(report, users["manager"], "accept", comment="")


def _draft_report(institute, applicant):
    report = services_annual.start_report(applicant, institute, timezone.localdate().year - 1)
    AnnualReport.objects.filter(pk=report.pk).update(summary=FIGURES["summary"], plan="（待完善）")


def _revocation_record(users):
    """The demo's revoked institute (revoked by data in demo.data) gets its decision record."""
    revoked = Institute.objects.filter(state=Institute.State.REVOKED, revocation__isnull=True).first()
    if revoked is None:
        return
    Revocation.objects.create(
        institute=revoked, grounds=Revocation.Grounds.TWO_FAILS, state=Revocation.State.CONFIRMED,
        reason="连续两年年度绩效评价结果为不合格。", proposed_on=revoked.revoked_on, decided_on=revoked.revoked_on,
        document_reference="郑工信〔2025〕7号", decided_by=users["manager"],
        facts={"fail_years": [revoked.revoked_on.year - 2, revoked.revoked_on.year - 1]},
    )
