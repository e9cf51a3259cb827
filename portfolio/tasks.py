"""Celery tasks of the portfolio: thin, idempotent, given ids (never objects)."""

from celery import shared_task
from django.utils import timezone

from portfolio.imports import ProjectImporter
from portfolio.services import portfolio_snapshot_take
from portfolio.sheet import project_sheet_render
from ppm.imports import import_job_run
from ppm.reports import RELIABLE_TASK_OPTIONS, report_job_run


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def render_project_sheet(self, job_id: int) -> None:
    """Render the project sheet PDF of ReportJob `job_id` (a no-op when it is already ready)."""
    report_job_run(
        job_id=job_id, render=project_sheet_render, can_retry=self.request.retries < self.max_retries
    )


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def import_projects(self, job_id: int) -> None:
    """Import the projects of ReportJob `job_id`'s table: all rows or none (no-op when done)."""
    import_job_run(
        job_id=job_id, importer=ProjectImporter(), can_retry=self.request.retries < self.max_retries
    )


@shared_task(**RELIABLE_TASK_OPTIONS)
def take_portfolio_snapshot() -> str:
    """Store today's portfolio counts (Celery beat, nightly). Running it twice a day overwrites."""
    snapshot = portfolio_snapshot_take(day=timezone.localdate())
    return snapshot.day.isoformat()
