"""Subsidy jobs (Celery). Thin: each calls one service; running a task twice changes nothing the
second time (the run or export row records that it is done). Notice jobs live in tasks_notices.py."""
from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_entitlements(run_id: int) -> dict:
    """Compute one program-year's yearly entitlements (services.entitlements.compute_yearly)."""
    from .services.entitlements import execute_run

    return execute_run(run_id)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def build_export(export_id: int) -> str:
    """Write a payout batch's XLSX or CSV into private storage."""
    from .services.exports import build

    return build(export_id)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def queue_yearly_entitlements(year: int | None = None) -> int:
    """Beat: queue this (or the given) year's run for every program with yearly rules."""
    from .services.entitlements import queue_all

    return queue_all(year)
