"""The Celery app. Without REDIS_URL the settings make every task run eagerly in-process."""
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect(weak=False)
@signals.beat_init.connect(weak=False)
def _refuse_development_fallbacks(**kwargs):
    """Celery logs and swallows a signal handler's exceptions; SystemExit stops the process."""
    from portal.production import missing_message

    if message := missing_message():
        raise SystemExit(message)


@signals.worker_init.connect(weak=False)
def _start_outbox_relay(**kwargs):
    from portal.outbox import relay

    relay.start()


@signals.worker_shutdown.connect(weak=False)
def _stop_outbox_relay(**kwargs):
    from portal.outbox import relay

    relay.stop()


def _eager_tasks_are_their_own_unit_of_work() -> None:
    """Without a broker a task runs eagerly inside the request that queued it (on commit). A worker
    would run each job on its own, so django-zeal (development and tests) watches each eager job in
    a context of its own: ten jobs each reading one row are not an N+1 of the request, while an N+1
    inside one job is still reported. Outside a watched request nothing changes, and nothing at all
    unless the settings installed zeal (DEBUG on)."""
    try:
        import zeal
        from zeal.listeners import _nplusone_context
    except ImportError:
        return
    from celery.signals import task_postrun, task_prerun
    from django.apps import apps

    tokens = {}

    @task_prerun.connect(weak=False, dispatch_uid="zeal_eager_task_context")
    def _enter(task_id=None, task=None, **kwargs):
        if (task is not None and task.request.is_eager and apps.is_installed("zeal")
                and _nplusone_context.get().enabled):
            tokens[task_id] = zeal.setup()

    @task_postrun.connect(weak=False, dispatch_uid="zeal_eager_task_context_exit")
    def _leave(task_id=None, **kwargs):
        token = tokens.pop(task_id, None)
        if token is not None:
            zeal.teardown(token)


_eager_tasks_are_their_own_unit_of_work()
