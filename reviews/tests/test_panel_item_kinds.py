"""Which institutes each panel purpose takes: an HN23 centre rectifying after a failed yearly
assessment is assessed again by the annual evaluation, never by a cultivation unit's acceptance panel."""
import datetime

import pytest

from institutes.models import Institute
from reviews.models import Panel
from reviews.models.panels import PANEL_ITEM_KINDS
from reviews.selectors.evaluation import due_institutes
from tests import factories

pytestmark = pytest.mark.django_db


def _unit(*, state, cultivation):
    unit = factories.institute(factories.OrganizationFactory(), code="HN23")
    Institute.objects.filter(pk=unit.pk).update(
        state=state, is_cultivation_unit=cultivation,
        cultivation_deadline=datetime.date(2026, 6, 30) if cultivation else None,
        rectification_deadline=datetime.date(2026, 6, 30) if state == Institute.State.RECTIFYING else None,
    )
    unit.refresh_from_db()
    return unit


def test_a_centre_rectifying_after_its_yearly_assessment_is_evaluated_again_not_accepted():
    centre = _unit(state=Institute.State.RECTIFYING, cultivation=False)
    assert PANEL_ITEM_KINDS[Panel.Purpose.ANNUAL_EVALUATION].accepts(centre)
    assert not PANEL_ITEM_KINDS[Panel.Purpose.ACCEPTANCE].accepts(centre)
    assert centre.pk in {due.institute_id for due in due_institutes(centre.program, 2025)}


def test_a_rectifying_cultivation_unit_goes_to_acceptance_not_to_the_annual_evaluation():
    unit = _unit(state=Institute.State.RECTIFYING, cultivation=True)
    assert PANEL_ITEM_KINDS[Panel.Purpose.ACCEPTANCE].accepts(unit)
    assert not PANEL_ITEM_KINDS[Panel.Purpose.ANNUAL_EVALUATION].accepts(unit)
    assert unit.pk not in {due.institute_id for due in due_institutes(unit.program, 2025)}


def test_revoked_institutes_are_on_no_panel():
    revoked = factories.institute(factories.OrganizationFactory(), code="HN23", state=Institute.State.REVOKED,
                                  revoked_on=datetime.date(2025, 3, 1))
    assert not any(kind.accepts(revoked) for kind in PANEL_ITEM_KINDS.values())
