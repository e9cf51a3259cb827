"""Celery tasks of the budgets app."""

from celery import shared_task

from ppm.reports import RELIABLE_TASK_OPTIONS


@shared_task(**RELIABLE_TASK_OPTIONS)
def send_contract_alert_digest() -> int:
    """The weekly digest of framework-agreement alerts (idempotent per week: see budgets.consumption)."""
    from budgets.consumption import alert_digest_send

    return alert_digest_send()


# --- costing
@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def build_costing_snapshot(self, snapshot_id: int) -> str:
    """Build CostingSnapshot `snapshot_id`; a no-op when it is built from every change counted so far (a
    redelivered or superseded message). Returns what it did: built, unchanged, busy or missing."""
    from budgets.costing_snapshot import costing_snapshot_run

    return costing_snapshot_run(snapshot_id=snapshot_id)


@shared_task(**RELIABLE_TASK_OPTIONS)
def rebuild_costing_snapshot() -> int:
    """Nightly (beat): recompute the portfolio's costing, whatever changed. Returns the snapshot's id."""
    from budgets.costing_snapshot import costing_snapshot_nightly

    return costing_snapshot_nightly()
