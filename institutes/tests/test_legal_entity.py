"""The institute's own legal person (ZZ23 五（一）"由市财政给予产业研究院（法人形式）或依托牵头单位科研经费补助"):
recorded by the program manager on the institute page, USCC checked, audited; refusals say why."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from institutes.models import Grade, Institute
from institutes.services_annual import record_legal_entity
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from portal.audit.models import AuditEvent
from portal.workflow import TransitionRefused
from subsidies.models import Entitlement
from subsidies.services.entitlements import compute_yearly
from tests.factories import OrganizationFactory, program, program_manager
from tests.factories_institutes_annual import recognised
from tests.factories_subsidies_payouts import zz23_year_inputs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager():
    return program_manager("ZZ23")


def test_recording_a_new_legal_person_creates_it_audits_and_the_job_pays_it(manager):
    """ZZ23 五（一）"产业研究院（法人形式）": recorded on the institute, the yearly subsidy pays it."""
    institute = recognised(recognized_on=datetime.date(2023, 3, 1))
    zz23_year_inputs(institute, 2024, Grade.GOOD, "20000000.00")
    code = make_uscc("410105", 777001)
    record_legal_entity(institute, manager, uscc=code, name="郑州某产业研究院有限公司")
    institute.refresh_from_db()
    entity = Organization.objects.get(uscc=code)
    assert institute.legal_entity == entity and entity.kind == Organization.Kind.RESEARCH_INSTITUTE
    event = AuditEvent.objects.for_object(institute).get(action="record_legal_entity")
    assert (event.actor, event.data["old"], event.data["new"]["uscc"]) == (manager, None, code)
    compute_yearly(program("ZZ23"), 2024)
    e = Entitlement.objects.get(institute=institute)
    assert (e.payee_id, e.amount) == (entity.pk, Decimal("5000000.00"))


def test_refusals_say_why_and_change_nothing(manager):
    institute = recognised()
    with pytest.raises(TransitionRefused, match="registered name"):
        record_legal_entity(institute, manager, uscc=make_uscc("410105", 777002))
    with pytest.raises(TransitionRefused, match="lead unit's own code"):
        record_legal_entity(institute, manager, uscc=institute.lead_unit.uscc)
    taken = recognised()
    entity = OrganizationFactory()
    Institute.objects.filter(pk=taken.pk).update(legal_entity=entity)
    with pytest.raises(TransitionRefused, match="already recorded as the legal person"):
        record_legal_entity(institute, manager, uscc=entity.uscc)
    with pytest.raises(PermissionDenied):
        record_legal_entity(institute, program_manager("SJZ22"), uscc=entity.uscc)
    with pytest.raises(TransitionRefused, match="Nothing changed"):
        record_legal_entity(institute, manager, uscc="")
    institute.refresh_from_db()
    assert institute.legal_entity is None
    assert not AuditEvent.objects.filter(action="record_legal_entity").exists()


def test_the_page_form_validates_the_uscc_and_records(client, manager):
    institute = recognised()
    client.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("institutes:institute_legal_entity", args=[institute.pk])
    page = client.get(reverse("institutes:institute_detail", args=[institute.pk]))
    assert b'data-testid="legal-entity-form"' in page.content
    bad = make_uscc("410105", 777003)[:-1] + ("0" if make_uscc("410105", 777003)[-1] != "0" else "1")
    response = client.post(url, {"uscc": bad, "name": "某研究院"}, follow=True)
    assert "check character" in response.content.decode() or "校验" in response.content.decode()
    institute.refresh_from_db()
    assert institute.legal_entity is None
    good = make_uscc("410105", 777004)
    response = client.post(url, {"uscc": good.lower(), "name": "郑州某研究院有限公司"}, follow=True)
    institute.refresh_from_db()
    assert institute.legal_entity.uscc == good
    assert good in response.content.decode()
    client.post(url, {"uscc": ""})
    institute.refresh_from_db()
    assert institute.legal_entity is None
    assert AuditEvent.objects.filter(action="record_legal_entity").count() == 2


def test_a_revoked_institute_keeps_its_record(manager):
    institute = recognised(state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 1, 1))
    with pytest.raises(TransitionRefused, match="can no longer be changed"):
        record_legal_entity(institute, manager, uscc=make_uscc("410105", 777005), name="某")
