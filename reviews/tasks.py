"""Daily scheduled jobs of the review process (Celery beat). Thin: each calls one service, which
picks its own objects and changes each in its own transaction; running a job twice changes nothing
the second time."""
from celery import shared_task

from .services import publicity, recognition


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def close_ended_notices() -> int:
    """Close the public notices whose period has ended; their decision stays with the manager."""
    return publicity.close_ended_notices()


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def cancel_lapsed_cultivation() -> int:
    """Cancel the cultivation status of units past their cultivation or rectification deadline."""
    return recognition.cancel_lapsed_cultivation()
