from celery import shared_task

from .services import deliver_many


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def deliver_notifications(batch: list) -> int:
    """Many notifications, each `[user_ids, text, url, dedupe_key]`; a redelivery creates nothing twice."""
    return deliver_many([tuple(item) for item in batch])
