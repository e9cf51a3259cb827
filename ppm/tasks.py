"""Celery tasks of the core: the generic report task and the housekeeping of report jobs."""

from celery import shared_task

from ppm.reports import (
    RELIABLE_TASK_OPTIONS,
    ReportError,
    report_job_run,
    report_jobs_fail_stalled,
    report_jobs_purge,
    report_kind_get,
)


def _render_of(job):
    try:
        kind = report_kind_get(job.kind)
    except LookupError:
        raise ReportError(f"Unknown report kind {job.kind!r}.") from None
    if kind.render is None:
        raise ReportError(f"Report kind {job.kind!r} has no render function.")
    return kind.render(job)


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def run_report_job(self, job_id: int) -> None:
    """Render ReportJob `job_id` with its kind's render function (no-op when already ready).
    Kinds declared with a `render` and no task of their own run here."""
    report_job_run(job_id=job_id, render=_render_of, can_retry=self.request.retries < self.max_retries)


@shared_task(**RELIABLE_TASK_OPTIONS)
def fail_stalled_report_jobs() -> int:
    """Mark jobs whose worker died or whose message was lost as FAILED (Celery beat, every 10 min)."""
    return report_jobs_fail_stalled()


@shared_task(**RELIABLE_TASK_OPTIONS)
def purge_report_jobs() -> dict[str, int]:
    """Delete superseded and old report jobs with their files (Celery beat, nightly)."""
    return report_jobs_purge()
