"""The transactional outbox: the one way the portal's code queues a Celery job.

`enqueue(task, *args)` writes an `OutboxMessage` in the open transaction, so the job exists exactly
when the change that asked for it is committed. After the commit the message is published at once
(the broker up: today's latency); when the broker is down the request still succeeds and the message
waits in the database. The relay (`relay_pending`, run every OUTBOX_RELAY_SECONDS by a thread in
each Celery worker process — portal.outbox.relay — and by `manage.py relay_outbox`) publishes what
is waiting once the broker answers again. Beat cannot be the relay: it needs the broker too.

A message is published once from the outbox's point of view: the publisher locks its rows
(`select_for_update(skip_locked=True)` on PostgreSQL, so two relays never take the same row) and
marks them sent in the same transaction. A crash between the broker's acceptance and that commit
publishes the message again later, so every task stays idempotent (each one's docstring says how).

Without a broker (development on SQLite: CELERY_TASK_ALWAYS_EAGER) a job runs in-process on commit,
as before, and no message is written.
"""
import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_BATCH = 100


def enqueue(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` to run once the open transaction commits (never if it rolls back)."""
    enqueue_many(task, [args], kwargs)


def enqueue_many(task, calls, kwargs=None) -> None:
    """Queue `task(*args, **kwargs)` for each `args` in `calls`: one row each, written in one query."""
    calls = [list(args) for args in calls]
    if not calls:
        return
    kwargs = kwargs or {}
    if current_app.conf.task_always_eager:
        transaction.on_commit(lambda: [task.delay(*args, **kwargs) for args in calls])
        return
    rows = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task_name=task.name, args=args, kwargs=kwargs) for args in calls]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: publish(ids))


def publish(ids=None, limit: int = RELAY_BATCH) -> int:
    """Send waiting messages (those of `ids`, or the oldest `limit`) to the broker; the number sent.
    Stops at the first broker error: the message keeps its place, with the error and one more attempt.
    Never raises for a broker error — the change that queued the job is already committed."""
    sent = 0
    with transaction.atomic():
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        rows = list(pending.order_by("pk")[:limit])
        done, failed = [], None
        for row in rows:
            try:
                # retry=False: a request must not wait for a broker that is down; the relay retries.
                current_app.send_task(row.task_name, args=row.args, kwargs=row.kwargs, retry=False)
            except Exception as error:  # noqa: BLE001 - any broker failure leaves the message waiting
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                failed = row
                logger.warning("outbox: could not publish %s #%s: %s", row.task_name, row.pk, row.last_error)
                break
            row.sent_at = timezone.now()
            done.append(row)
            sent += 1
        if done:
            OutboxMessage.objects.bulk_update(done, ["sent_at"])
        if failed is not None:
            OutboxMessage.objects.filter(pk=failed.pk).update(attempts=failed.attempts, last_error=failed.last_error)
    return sent


def relay_pending() -> int:
    """Publish everything waiting, oldest first, until the outbox is empty or the broker fails."""
    total = 0
    while True:
        sent = publish()
        total += sent
        if sent < RELAY_BATCH:
            return total


def pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()
