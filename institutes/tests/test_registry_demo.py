import pytest

from demo import annual_reports
from demo.data import seed
from institutes.models import AnnualReport, Revocation

pytestmark = pytest.mark.django_db


def test_demo_hook_gives_the_applicant_an_institute_with_an_accepted_report_and_a_draft():
    users = seed()
    institute = annual_reports.seed(users)
    annual_reports.seed(users)  # idempotent
    states = sorted(institute.annual_reports.values_list("state", flat=True))
    assert states == [AnnualReport.State.ACCEPTED, AnnualReport.State.DRAFT]
    assert institute.lead_unit == users["applicant"].organization
    assert Revocation.objects.filter(state=Revocation.State.CONFIRMED).count() == 1
