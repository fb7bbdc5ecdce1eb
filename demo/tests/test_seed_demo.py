import pytest
from django.core.management import call_command

from demo.data import ACCOUNTS
from institutes.models import Application
from portal.accounts.models import User
from reviews.models import Panel

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_one_account_per_role_and_a_scoring_panel_and_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    roles = set(User.objects.filter(username__in=[a[0] for a in ACCOUNTS]).values_list("groups__name", flat=True))
    assert roles == {"applicant", "district", "program_manager", "expert", "finance"}
    assert Application.objects.count() == 4
    panel = Panel.objects.get()
    assert panel.state == Panel.State.SCORING
    seated = set(panel.members.values_list("expert__user__username", flat=True))
    assert {"expert", "expert2"} <= seated


def test_demo_has_a_rule_version_waiting_for_the_second_manager(client):
    """Four-eyes on the money's rules can be tried in the browser: `manager` proposed, `manager2` decides."""
    from django.urls import reverse

    from subsidies.models import PolicyRuleVersion

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    proposal = PolicyRuleVersion.objects.get(state=PolicyRuleVersion.State.PROPOSED)
    assert proposal.code == "ZZ23-3" and proposal.created_by.username == "manager"
    client.force_login(User.objects.get(username="manager2"), backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("subsidies:rule_detail", args=["ZZ23-3"])).content.decode()
    assert reverse("subsidies:rule_version_decide", args=[proposal.pk]) in page
