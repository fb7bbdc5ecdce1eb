from celery import shared_task

from .services import deliver


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def deliver_notification(user_ids: list[int], text: str, url: str, dedupe_key: str) -> int:
    return deliver(user_ids, text, url, dedupe_key)
