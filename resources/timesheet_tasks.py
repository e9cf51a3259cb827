"""Celery tasks of the timesheets (thin: the work is in resources.timesheet_reminders)."""

from celery import shared_task
from django.utils import timezone

from ppm.imports import import_job_run
from ppm.reports import RELIABLE_TASK_OPTIONS


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def import_time(self, job_id: int) -> None:
    """Import the time entries of ReportJob `job_id`'s table: all rows or none."""
    from resources.timesheet_imports import TimeImporter

    import_job_run(job_id=job_id, importer=TimeImporter(), can_retry=self.request.retries < self.max_retries)


@shared_task(**RELIABLE_TASK_OPTIONS)
def send_timesheet_reminders() -> dict:
    """Daily (Celery beat): remind people of missing weeks and approvers of waiting weeks; a rerun the
    same day sends nothing twice."""
    from resources.timesheet_reminders import reminders_send

    return reminders_send(today=timezone.localdate())
