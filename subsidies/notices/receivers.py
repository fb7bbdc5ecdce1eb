"""When notices are issued: an institute recognised on approval (created from its application,
active at once) or a cultivation unit recognised later (the `recognise` transition), and a payout
line marked paid. Each receiver only queues a job (through the outbox, sent after commit); the job issues and renders.

Receivers run once per object, also inside `transition_many`, so they stay cheap (no query): the
payout-notice job is queued once per (batch, payee) and transaction, however many of the payee's
lines the transaction marks paid, and it reads them all in one query."""
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from institutes.models import Institute
from portal.outbox.services import enqueue
from portal.workflow import state_changed


class _Queued:
    """The mark of a notice job queued in the open transaction, kept among its on-commit callbacks
    (so a rollback drops it with the job's outbox row); `key` identifies the job, and the call on
    commit closes the mark."""

    def __init__(self, task_name: str, *args):
        self.key = (task_name, *args)
        self.done = False

    def __call__(self):
        self.done = True


def _pending(key) -> bool:
    """Whether the open transaction already queued this job. Read from Django's own list of
    on-commit callbacks, which a rollback (of the transaction or of the savepoint that queued it)
    empties, so a job is never lost to a rolled-back duplicate."""
    connection = transaction.get_connection()
    return any(getattr(entry[1], "key", None) == key and not entry[1].done for entry in connection.run_on_commit)


def _after_commit(task_name: str, *args, once: bool = False) -> None:
    from subsidies import tasks_notices

    mark = _Queued(task_name, *args)
    if once and _pending(mark.key):
        return
    enqueue(getattr(tasks_notices, task_name), *args)
    transaction.on_commit(mark)


@receiver(post_save, sender=Institute, dispatch_uid="notices_institute_recognised_on_approval")
def institute_recognised_on_approval(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.application_id is None or instance.state != Institute.State.ACTIVE:
        return
    _after_commit("issue_recognition_notice", instance.pk)


@receiver(state_changed, dispatch_uid="notices_state_changed")
def state_changed_notices(sender, obj, action, from_state, to_state, **kwargs):
    if sender is Institute and action == "recognise":
        _after_commit("issue_recognition_notice", obj.pk)
    elif sender._meta.label == "subsidies.PayoutLine" and to_state == "paid" and from_state != to_state:
        if obj.kind != "payout":
            return  # a recovery line (money back from the payee) gets no payout notice
        if obj.batch_id:
            _after_commit("issue_batch_payout_notices", obj.batch_id, obj.payee_id, once=True)
        else:
            _after_commit("issue_payout_notice", obj.pk)
