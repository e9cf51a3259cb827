"""Celery tasks of the portfolio: thin, idempotent, given ids (never objects)."""

from celery import shared_task
from django.utils import timezone

from portfolio.services import portfolio_snapshot_take
from portfolio.sheet import project_sheet_render
from ppm.reports import TRANSIENT_ERRORS, report_job_run


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=180,
    max_retries=3,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=60,
    retry_jitter=True,
)
def render_project_sheet(self, job_id: int) -> None:
    """Render the project sheet PDF of ReportJob `job_id` (a no-op when it is already ready)."""
    report_job_run(
        job_id=job_id, render=project_sheet_render, can_retry=self.request.retries < self.max_retries
    )


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=180,
    max_retries=3,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=60,
)
def take_portfolio_snapshot() -> str:
    """Store today's portfolio counts (Celery beat, nightly). Running it twice a day overwrites."""
    snapshot = portfolio_snapshot_take(day=timezone.localdate())
    return snapshot.day.isoformat()
