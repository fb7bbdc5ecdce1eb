"""`transition_many`: the door for many objects at once keeps every guarantee of `transition`
(checks, optimistic lock, audit, signal), all or nothing, in a constant number of queries."""
import datetime

import pytest
import rules
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext

from portal import workflow
from portal.audit.models import AuditEvent
from portal.workflow import StaleObject, TransitionRefused, state_changed, transition, transition_many
from subsidies.models import Entitlement, Notice, PayoutBatch, PayoutLine
from tests.factories import applicant
from tests.factories_subsidies_payouts import batch_with_lines, finance_user, many_entitlements

pytestmark = pytest.mark.django_db
ES = Entitlement.State


@pytest.fixture
def clerk():
    return finance_user()


@pytest.fixture
def batch(clerk):
    return PayoutBatch.objects.create(reference="PB-MANY-1", built_by=clerk)


def states(rows):
    return list(Entitlement.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk").values_list("state", "version"))


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("object_id").values_list(
        "object_id", "from_state", "to_state", "actor_id", "comment", "data"))


def test_takes_the_action_on_every_object_with_one_event_each(clerk, batch):
    rows = many_entitlements(3)
    results = transition_many(rows, "add_to_batch", clerk, comment="第一批", batch=batch, data={"via": "test"})
    assert results == [{"batch": batch.pk}] * 3
    assert states(rows) == [(ES.BATCHED, 1)] * 3
    assert [(row.state, row.version) for row in rows] == [(ES.BATCHED, 1)] * 3  # the objects are current
    assert events("add_to_batch") == [
        (row.pk, ES.APPROVED, ES.BATCHED, clerk.pk, "第一批", {"via": "test", "batch": batch.pk}) for row in rows
    ]
    assert set(AuditEvent.objects.values_list("action_label", flat=True)) == {gettext("Add to payout batch")}


def test_each_object_keeps_its_own_from_state_and_version(clerk):
    computed, held = many_entitlements(2, state=ES.COMPUTED)
    Entitlement.objects.filter(pk=held.pk).update(state=ES.HELD, version=7, hold_reason="待核")
    held.refresh_from_db()
    transition_many([computed, held], "approve", clerk)
    assert states([computed, held]) == [(ES.APPROVED, 1), (ES.APPROVED, 8)]
    assert [(e[1], e[2]) for e in events("approve")] == [(ES.COMPUTED, ES.APPROVED), (ES.HELD, ES.APPROVED)]


def test_writes_the_fields_the_method_changed_and_auto_now(clerk):
    rows = many_entitlements(2, state=ES.COMPUTED)
    before = {row.pk: row.updated_at for row in Entitlement.objects.filter(pk__in=[r.pk for r in rows])}
    transition_many(rows, "approve", clerk)
    saved = {row.pk: row for row in Entitlement.objects.filter(pk__in=[r.pk for r in rows])}
    assert all(saved[row.pk].approved_by_id == clerk.pk for row in rows)
    assert all(saved[row.pk].updated_at > before[row.pk] for row in rows)
    transition_many(list(saved.values()), "hold", clerk, comment="材料不全")
    assert set(Entitlement.objects.filter(pk__in=saved).values_list("state", "hold_reason")) == {
        (ES.HELD, "材料不全")}


def test_explicit_fields(clerk):
    rows = many_entitlements(2, state=ES.COMPUTED)
    transition_many(rows, "hold", clerk, comment="待定", fields=["hold_reason"])
    assert set(Entitlement.objects.filter(pk__in=[r.pk for r in rows]).values_list("state", "hold_reason")) == {
        (ES.HELD, "待定")}


def test_a_stale_member_rolls_everything_back(clerk, batch):
    rows = many_entitlements(3)
    Entitlement.objects.filter(pk=rows[1].pk).update(version=1)  # someone else changed it meanwhile
    with pytest.raises(StaleObject):
        transition_many(rows, "add_to_batch", clerk, batch=batch)
    assert states(rows) == [(ES.APPROVED, 0), (ES.APPROVED, 1), (ES.APPROVED, 0)]
    assert not AuditEvent.objects.exists()


def test_a_member_moved_on_by_someone_else_is_stale(clerk, batch):
    rows = many_entitlements(2)
    Entitlement.objects.filter(pk=rows[0].pk).update(state=ES.HELD)  # same version, other state
    with pytest.raises(StaleObject):
        transition_many(rows, "add_to_batch", clerk, batch=batch)
    assert states(rows) == [(ES.HELD, 0), (ES.APPROVED, 0)]


def test_stale_in_a_later_chunk_rolls_back_the_earlier_chunks(clerk, batch, monkeypatch):
    monkeypatch.setattr(workflow, "CHUNK", 2)
    rows = many_entitlements(5)
    Entitlement.objects.filter(pk=rows[4].pk).update(version=3)
    with pytest.raises(StaleObject):
        transition_many(rows, "add_to_batch", clerk, batch=batch)
    assert [state for state, _version in states(rows)] == [ES.APPROVED] * 5
    assert [version for _state, version in states(rows)] == [0, 0, 0, 0, 3]


def test_chunks_claim_and_write_every_object(clerk, batch, monkeypatch):
    monkeypatch.setattr(workflow, "CHUNK", 2)
    rows = many_entitlements(5)
    transition_many(rows, "add_to_batch", clerk, batch=batch)
    assert states(rows) == [(ES.BATCHED, 1)] * 5
    assert AuditEvent.objects.filter(action="add_to_batch").count() == 5


def test_one_object_in_the_wrong_state_refuses_all(clerk, batch):
    rows = many_entitlements(3)
    Entitlement.objects.filter(pk=rows[2].pk).update(state=ES.COMPUTED)
    rows[2].refresh_from_db()
    with pytest.raises(TransitionRefused):
        transition_many(rows, "add_to_batch", clerk, batch=batch)
    assert states(rows) == [(ES.APPROVED, 0), (ES.APPROVED, 0), (ES.COMPUTED, 0)]
    assert not AuditEvent.objects.exists()


def test_one_unmet_condition_refuses_all(clerk):
    approved = batch_with_lines(clerk, 2, state=PayoutBatch.State.APPROVED)
    draft = batch_with_lines(clerk, 1, state=PayoutBatch.State.DRAFT)
    lines = list(PayoutLine.objects.filter(batch__in=[approved, draft]).select_related("batch").order_by("pk"))
    with pytest.raises(TransitionRefused, match=gettext("the batch is not approved")):
        transition_many(lines, "mark_paid", clerk, day=datetime.date(2025, 1, 2))
    assert set(PayoutLine.objects.values_list("state", "version")) == {(PayoutLine.State.PENDING, 0)}


@pytest.fixture
def refuse_one():
    """The entitlement permission refused for one object only (permissions are usually role-based)."""
    name = "subsidies.review_entitlement"
    original = rules.permissions.permissions[name]
    refused = set()
    rules.set_perm(name, original & rules.predicate(lambda user, obj: obj is None or obj.pk not in refused))
    yield refused
    rules.set_perm(name, original)


def test_permission_refused_for_one_changes_nothing(clerk, batch, refuse_one):
    rows = many_entitlements(3)
    refuse_one.add(rows[1].pk)
    with pytest.raises(PermissionDenied):
        transition_many(rows, "add_to_batch", clerk, batch=batch)
    assert states(rows) == [(ES.APPROVED, 0)] * 3
    assert not AuditEvent.objects.exists()


def test_permission_refused_for_a_user_without_the_role(batch):
    rows = many_entitlements(2)
    with pytest.raises(PermissionDenied):
        transition_many(rows, "add_to_batch", applicant(), batch=batch)
    assert states(rows) == [(ES.APPROVED, 0)] * 2


def test_the_system_takes_only_system_transitions(batch):
    rows = many_entitlements(2)
    with pytest.raises(PermissionDenied):
        transition_many(rows, "add_to_batch", None, batch=batch)
    transition_many(rows, "recompute", None)
    assert states(rows) == [(ES.COMPUTED, 1)] * 2
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {None}


def test_signal_sent_once_per_object_inside_the_transaction(clerk, batch):
    heard = []

    def listen(sender, obj, action, from_state, to_state, actor, comment, data, **kwargs):
        heard.append((sender, obj.pk, action, from_state, to_state, actor, comment, data))

    rows = many_entitlements(3)
    state_changed.connect(listen, dispatch_uid="test_workflow_many")
    try:
        transition_many(rows, "add_to_batch", clerk, comment="批量", batch=batch)
    finally:
        state_changed.disconnect(dispatch_uid="test_workflow_many")
    assert heard == [(Entitlement, row.pk, "add_to_batch", ES.APPROVED, ES.BATCHED, clerk, "批量",
                      {"batch": batch.pk}) for row in rows]


def test_a_failing_receiver_rolls_everything_back(clerk, batch):
    def explode(sender, obj, **kwargs):
        raise RuntimeError("receiver failed")

    rows = many_entitlements(2)
    state_changed.connect(explode, dispatch_uid="test_workflow_many_explode")
    try:
        with pytest.raises(RuntimeError):
            transition_many(rows, "add_to_batch", clerk, batch=batch)
    finally:
        state_changed.disconnect(dispatch_uid="test_workflow_many_explode")
    assert states(rows) == [(ES.APPROVED, 0)] * 2
    assert not AuditEvent.objects.exists()


def test_same_result_as_transition_one_by_one(clerk, batch):
    one, many = many_entitlements(1), many_entitlements(2)
    transition(one[0], "add_to_batch", clerk, comment="c", batch=batch)
    transition_many(many, "add_to_batch", clerk, comment="c", batch=batch)
    compared = ("state", "version", "approved_by_id", "hold_reason", "amount")
    rows = {e.pk: e for e in Entitlement.objects.all()}
    assert {tuple(getattr(rows[e.pk], f) for f in compared) for e in one + many} == {
        (ES.BATCHED, 1, None, "", rows[one[0].pk].amount)} | {
        (ES.BATCHED, 1, None, "", rows[e.pk].amount) for e in many}
    assert len({(e[1], e[2], e[4], str(e[5])) for e in events("add_to_batch")}) == 1


def test_nothing_to_do_costs_nothing(clerk, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert transition_many([], "add_to_batch", clerk) == []


def test_objects_of_one_model_each_once(clerk, batch):
    rows = many_entitlements(2)
    with pytest.raises(ValueError):
        transition_many([rows[0], rows[0]], "add_to_batch", clerk, batch=batch)
    with pytest.raises(ValueError):
        transition_many([rows[0], batch], "add_to_batch", clerk, batch=batch)
    with pytest.raises(TransitionRefused):
        transition_many(rows, "no_such_action", clerk)


# savepoint, claim, write back, audit events, release
QUERIES = 5


@pytest.mark.parametrize("n", [5, 50])
def test_constant_number_of_queries(clerk, batch, django_assert_num_queries, n):
    rows = many_entitlements(n)
    ContentType.objects.get_for_model(Entitlement)  # warm the content-type cache, as in a running portal
    clerk.role_names  # noqa: B018 — the roles are cached on the user after the first permission check
    # so are the paying authority and its programs (two queries, once per request whatever n)
    clerk.has_perm("subsidies.review_entitlement", rows[0])
    with django_assert_num_queries(QUERIES):
        transition_many(rows, "add_to_batch", clerk, batch=batch)
    assert AuditEvent.objects.filter(action="add_to_batch").count() == n


@pytest.mark.parametrize("n", [5, 50])
def test_constant_number_of_queries_for_lines_with_a_condition(clerk, django_assert_num_queries, n):
    made = batch_with_lines(clerk, n, state=PayoutBatch.State.APPROVED)
    lines = list(made.lines.select_related("batch").order_by("pk"))  # the condition reads line.batch
    ContentType.objects.get_for_model(PayoutLine)
    clerk.role_names  # noqa: B018
    with django_assert_num_queries(QUERIES):
        transition_many(lines, "mark_paid", clerk, day=datetime.date(2025, 1, 2))
    assert set(PayoutLine.objects.values_list("state", "settled_on")) == {
        (PayoutLine.State.PAID, datetime.date(2025, 1, 2))}


def test_a_changed_file_is_stored_as_save_would():
    from tests.factories_subsidies_notices import pending_notice

    notices = [pending_notice(), pending_notice()]
    transition_many(notices, "mark_rendered", None, content_hash="a" * 64, context={"title": "通知"},
                    pdf=ContentFile(b"%PDF-1.7 test", name="x.pdf"), rendered_at=timezone.now())
    for notice in Notice.objects.filter(pk__in=[n.pk for n in notices]):
        assert notice.state == Notice.State.RENDERED and notice.render_count == 1 and notice.title == "通知"
        assert notice.file.storage.exists(notice.file.name)
        assert notice.file.read() == b"%PDF-1.7 test"
