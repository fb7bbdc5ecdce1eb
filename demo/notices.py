"""Demo PDF notices: a recognition notice for each active institute of the demo applicants' units,
a grade-and-subsidy notice for each published grade, and a payout notice for each paid payout
line. Rendered by the Celery job (eagerly without Redis). Idempotent: a notice is issued once per
subject and rendered only when its content changed.

Wire it from demo.data.seed(), after the institutes, grades and payouts:
`notices.seed(users, organizations)`."""
from institutes.models import AnnualGrade, Institute
from portal.workflow import WorkflowError
from subsidies.models import PayoutLine
from subsidies.services import notices as service


def seed(users: dict, organizations: dict | None = None) -> int:
    units = {user.organization_id for user in users.values() if user.organization_id and user.has_role("applicant")}
    units |= {org.pk for org in (organizations or {}).values()}
    issued = 0
    for institute in Institute.objects.filter(lead_unit_id__in=units, state=Institute.State.ACTIVE,
                                              is_cultivation_unit=False).select_related("program"):
        service.issue_recognition_notice(institute)
        issued += 1
    for grade in AnnualGrade.objects.published().filter(institute__lead_unit_id__in=units).select_related(
            "institute__program"):
        try:
            service.issue_grade_notice(grade.institute, grade.year)
            issued += 1
        except WorkflowError:
            pass
    for line in PayoutLine.objects.filter(payee_id__in=units, kind=PayoutLine.Kind.PAYOUT,
                                          state=PayoutLine.State.PAID).select_related("program"):
        service.issue_payout_notice(line)
        issued += 1
    return issued
