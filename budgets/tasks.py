"""Celery tasks of the budgets app."""

from celery import shared_task

from ppm.reports import RELIABLE_TASK_OPTIONS


@shared_task(**RELIABLE_TASK_OPTIONS)
def send_contract_alert_digest() -> int:
    """The weekly digest of framework-agreement alerts (idempotent per week: see budgets.consumption)."""
    from budgets.consumption import alert_digest_send

    return alert_digest_send()
