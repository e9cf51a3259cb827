"""Celery tasks of the resources app: thin, idempotent, given ids (never objects).

# --- capacity
The capacity plan (resources.snapshot): `build_capacity_snapshot(snapshot_id)` builds one stored
snapshot; `rebuild_default_capacity_snapshots` (beat, nightly) builds the default plans;
`send_capacity_report` (beat, monthly) renders the capacity report as PDF and XLSX and e-mails both to
the project office. Other parts never enqueue these themselves: they call
`resources.capacity_plan.capacity_plan_changed()` after their writes.
"""

from __future__ import annotations

from celery import shared_task

from ppm.reports import RELIABLE_TASK_OPTIONS


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def build_capacity_snapshot(self, snapshot_id: int) -> str:
    """Build CapacitySnapshot `snapshot_id`; a no-op when it is already built from the current data
    (a redelivered or debounced message). Returns what it did: built, unchanged, busy or missing."""
    from resources.capacity_plan import capacity_snapshot_run

    return capacity_snapshot_run(snapshot_id=snapshot_id)


@shared_task(**RELIABLE_TASK_OPTIONS)
def rebuild_default_capacity_snapshots() -> list[str]:
    """Nightly (beat): queue the default plans (by month and by week) and drop past snapshots."""
    from resources.capacity_plan import capacity_snapshots_nightly

    return capacity_snapshots_nightly()


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def render_capacity_report(self, job_id: int) -> None:
    """Render the capacity report of ReportJob `job_id` (PDF or XLSX; a no-op when it is ready)."""
    from ppm.reports import report_job_run
    from resources.capacity_report import capacity_report_render

    report_job_run(
        job_id=job_id, render=capacity_report_render, can_retry=self.request.retries < self.max_retries
    )


@shared_task(**RELIABLE_TASK_OPTIONS)
def send_capacity_report() -> int:
    """Monthly (beat): build the capacity report (PDF and XLSX) and e-mail it to the project office.
    Returns the number of recipients."""
    from resources.capacity_report import capacity_report_send

    return capacity_report_send()
