from celery import shared_task

from . import services


@shared_task(acks_late=True)
def cancel_overdue_revisions() -> int:
    return services.cancel_overdue_revisions()
