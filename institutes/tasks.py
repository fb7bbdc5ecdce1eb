from celery import shared_task

from . import services


@shared_task(acks_late=True)
def cancel_overdue_revisions() -> int:
    return services.cancel_overdue_revisions()


@shared_task(acks_late=True)
def annual_report_jobs() -> tuple[int, int]:
    """Daily: remind institutes 30, 7 and 1 days before the report deadline; mark overdue reports."""
    from .services_annual import run_annual_report_jobs

    return run_annual_report_jobs()
