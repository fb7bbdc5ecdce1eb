import pytest

from demo import notices as demo_notices
from subsidies.models import Notice
from tests.factories import applicant
from tests.factories_subsidies_notices import batch, paid_line, published_grade, recognised

pytestmark = pytest.mark.django_db


def test_demo_seed_issues_and_renders_each_kind_once(django_capture_on_commit_callbacks):
    user = applicant()
    unit = recognised(user.organization)
    published_grade(unit, 2025)
    paid_line(user.organization, in_batch=batch())
    with django_capture_on_commit_callbacks(execute=True):
        assert demo_notices.seed({"applicant": user}) == 3
    assert sorted(Notice.objects.filter(state="rendered").values_list("kind", flat=True)) == [
        "grade_subsidy", "payout", "recognition"]
    with django_capture_on_commit_callbacks(execute=True):
        demo_notices.seed({"applicant": user})
    assert Notice.objects.count() == 3 and set(Notice.objects.values_list("render_count", flat=True)) == {1}


def test_nav_shows_my_notices_to_applicants_and_notices_to_finance(as_user):
    from tests.factories_subsidies_notices import finance_user

    assert "nav-notices" in as_user(applicant()).get("/").content.decode()
    page = as_user(finance_user()).get("/").content.decode()
    assert "nav-notices" in page
