"""Building, cancelling and marking a whole batch paid cost the same number of queries for 5 lines
as for 50 (portal.workflow.transition_many), and stay all or nothing."""
import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from portal import workflow
from portal.audit.models import AuditEvent
from portal.workflow import StaleObject
from subsidies.models import Entitlement, PayoutBatch, PayoutLine
from subsidies.services import payouts as services
from tests.factories_subsidies_payouts import batch_with_lines, finance_user, many_entitlements

pytestmark = pytest.mark.django_db
ES = Entitlement.State

# savepoint, entitlements, the builder's paying authorities, insert batch, (transition_many: savepoint,
# claim, write back, audit, release), insert lines, batch totals, build event, release
# + the paying authority's programs (the entitlements' permission check, once per user object)
BUILD_QUERIES = 14
# savepoint, lock the batch row, pending lines, (lines: savepoint, claim, write back, audit, release), (entitlements: 5),
# payee members, batch refresh, pending left?, (close the batch: savepoint, claim, its condition,
# save, audit, release; check_transition also reads the condition), release
# + the officer's paying authorities and their programs (entitlement permission, once per user object)
MARK_ALL_PAID_QUERIES = 26
# savepoint, (cancel the batch: savepoint, claim, save, audit, release), batched entitlements,
# (remove them: 5), release + the officer's paying authorities and their programs (once per user object)
CANCEL_QUERIES = 15


@pytest.fixture
def clerk():
    user = finance_user()
    user.role_names  # noqa: B018 — cached on the user after the first permission check, as in a request
    for model in (Entitlement, PayoutBatch, PayoutLine):
        ContentType.objects.get_for_model(model)  # the content-type cache is warm in a running portal
    return user


@pytest.mark.parametrize("n", [5, 50])
def test_build_batch_queries(clerk, django_assert_num_queries, n):
    rows = many_entitlements(n)
    with django_assert_num_queries(BUILD_QUERIES):
        batch = services.build_batch(clerk, Entitlement.objects.filter(pk__in=[e.pk for e in rows]))
    assert batch.line_count == n == batch.lines.count()
    assert set(Entitlement.objects.values_list("state", "version")) == {(ES.BATCHED, 1)}
    assert AuditEvent.objects.filter(action="add_to_batch").count() == n


@pytest.mark.parametrize("n", [5, 50])
def test_mark_all_paid_queries(clerk, django_assert_num_queries, n):
    batch = batch_with_lines(finance_user(), n, state=PayoutBatch.State.APPROVED)
    with django_assert_num_queries(MARK_ALL_PAID_QUERIES):
        assert services.mark_all_paid(batch, clerk, day=datetime.date(2025, 3, 1), voucher_number="记-1") == n
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.CLOSED
    assert set(PayoutLine.objects.values_list("state", "settled_on")) == {
        (PayoutLine.State.PAID, datetime.date(2025, 3, 1))}
    assert set(Entitlement.objects.values_list("state", flat=True)) == {ES.PAID}
    assert AuditEvent.objects.filter(action="mark_paid").count() == 2 * n  # each line and its entitlement


@pytest.mark.parametrize("n", [5, 50])
def test_cancel_batch_queries(clerk, django_assert_num_queries, n):
    batch = batch_with_lines(finance_user(), n)
    with django_assert_num_queries(CANCEL_QUERIES):
        services.cancel_batch(batch, clerk)
    assert set(Entitlement.objects.values_list("state", flat=True)) == {ES.APPROVED}
    assert AuditEvent.objects.filter(action="remove_from_batch").count() == n


def test_mark_all_paid_is_all_or_nothing(clerk, monkeypatch):
    batch = batch_with_lines(finance_user(), 4, state=PayoutBatch.State.APPROVED)
    last = batch.lines.order_by("pk").last()
    claim = workflow._claim

    def someone_else_first(model, objects):
        if model is Entitlement:  # another officer changes an entitlement after the lines were read
            Entitlement.objects.filter(pk=last.entitlement_id).update(version=5)
        claim(model, objects)

    monkeypatch.setattr(workflow, "_claim", someone_else_first)
    with pytest.raises(StaleObject):
        services.mark_all_paid(batch, clerk, voucher_number="记-1")
    assert set(PayoutLine.objects.values_list("state", "version")) == {(PayoutLine.State.PENDING, 0)}
    assert set(Entitlement.objects.values_list("state", flat=True)) == {ES.BATCHED}
    assert not AuditEvent.objects.exists()
