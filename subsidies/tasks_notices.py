"""Celery jobs of the PDF notices. Thin: each takes ids, looks the objects up and calls one service.
Idempotent (a notice is issued once per subject and rendered only when its content changed),
`acks_late`, retried; the last failed attempt marks the notice "rendering failed" for the manager.

Workers load this module through CELERY_IMPORTS / subsidies.tasks (Celery autodiscovers only
`tasks` modules)."""
from celery import shared_task

from institutes.models import Institute
from portal.workflow import TransitionRefused

from .models import Notice
from .services import notices as service

RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=RETRIES, default_retry_delay=5)
def render_notice(self, notice_id: int) -> str:
    """Render notice `notice_id` if its content changed; "rendered", "unchanged" or "failed"."""
    try:
        return service.render_notice(notice_id)
    except Notice.DoesNotExist:
        return "missing"
    except Exception as error:  # noqa: BLE001 — any failure is retried, the last one recorded
        if gives_up(self.request, self.max_retries):
            service.record_failure(notice_id, f"{type(error).__name__}: {error}")
            return "failed"
        raise self.retry(exc=error, countdown=5 * (self.request.retries + 1))


def gives_up(request, max_retries: int) -> bool:
    """The last attempt, or an eager run (no worker, no broker: nothing would run the retry)."""
    return bool(request.is_eager) or request.retries >= max_retries


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def issue_recognition_notice(institute_id: int) -> int | None:
    institute = Institute.objects.select_related("program").get(pk=institute_id)
    try:
        return service.issue_recognition_notice(institute).pk
    except TransitionRefused:
        return None


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def issue_payout_notice(line_id: int) -> int | None:
    from .models import PayoutLine

    line = PayoutLine.objects.select_related("program").get(pk=line_id)
    try:
        return service.issue_payout_notice(line).pk
    except TransitionRefused:
        return None


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def issue_batch_payout_notices(batch_id: int, payee_id: int) -> list[int]:
    """The payout notice(s) of one payee's paid lines in one batch (queued once per transaction)."""
    return [notice.pk for notice in service.issue_batch_payout_notices(batch_id, payee_id)]
