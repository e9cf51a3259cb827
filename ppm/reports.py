"""Generated files (reports, exports) as status-tracked, idempotent Celery jobs.

The pattern every report of Pilotis follows:

- the view calls :func:`report_job_request`. One :class:`~ppm.models.ReportJob` row exists per
  output key (kind, object, the object's version, language). The task is enqueued after the
  transaction commits, and only when the job is new, failed or stalled: asking twice renders once.
- the Celery task is thin: it takes the job id and calls :func:`report_job_run` with a render
  function ``render(job) -> (filename, bytes)``. A redelivered message finds the job READY and
  does nothing. The file's storage name derives from the key, so a rerun overwrites the file of
  an interrupted run instead of adding a second one.

Order of the writes in :func:`report_job_run`, so that a worker killed at any point (SIGKILL)
loses nothing and produces nothing twice: (1) commit RUNNING, (2) render and write the file,
(3) commit READY with the file's name. Killed before (3), the job stays RUNNING; the redelivered
message (``acks_late`` + ``reject_on_worker_lost``) renders again and overwrites the same file.
"""

import logging
import posixpath
import re
from collections.abc import Callable
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import OperationalError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ppm.models import ReportJob

logger = logging.getLogger(__name__)

# Errors worth retrying: the database went away or was locked for a moment. Tasks list these
# in `autoretry_for`; anything else fails the job at once with a readable message.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError,)
# Options every Pilotis task is declared with: acknowledged after it ran, redelivered when its
# worker dies, bounded in time, retried (with backoff) only on transient errors.
RELIABLE_TASK_OPTIONS: dict = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 120,
    "time_limit": 180,
    "max_retries": 3,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
}
# Runs of one job (retries and redeliveries together) before it is given up as FAILED.
MAX_ATTEMPTS = 5
# A job RUNNING for longer than this (far above every task's hard time limit) lost its worker:
# the filesystem broker does not redeliver after a crash, and Redis only after its visibility
# timeout. Asking again requeues it.
STALLED_RUNNING_AFTER = timedelta(minutes=15)
# A job still PENDING after this long lost its message (broker wiped, worker killed after
# taking the message on a broker without acknowledgements).
STALLED_PENDING_AFTER = timedelta(hours=2)

Render = Callable[[ReportJob], tuple[str, bytes]]


class ReportError(Exception):
    """A failure whose message is written for the user; it is shown as it is."""


def report_job_key(*, kind: str, instance: models.Model, version: int, language: str = "") -> str:
    """``{kind}:{app_label.model}:{pk}:v{version}``, plus ``:{language}`` for a localised output."""
    opts = (instance._meta.concrete_model or type(instance))._meta
    key = f"{kind}:{opts.app_label}.{opts.model_name}:{instance.pk}:v{version}"
    return f"{key}:{language}" if language else key


def report_job_is_stalled(job: ReportJob, *, now=None) -> bool:
    """True when the job's worker or message is evidently lost (see the STALLED_* delays)."""
    now = now or timezone.now()
    if job.status == ReportJob.Status.RUNNING:
        return job.started_at is not None and job.started_at < now - STALLED_RUNNING_AFTER
    if job.status == ReportJob.Status.PENDING:
        return job.created_at is not None and job.created_at < now - STALLED_PENDING_AFTER
    return False


def report_job_request(
    *, kind: str, instance: models.Model, version: int, requested_by, task, language: str = ""
) -> ReportJob:
    """The job producing `kind` for `instance` at `version`, queued if it has to run.

    A new job is queued; a FAILED or stalled one is reset and queued again (the user asked
    explicitly); a PENDING, RUNNING or READY one is returned as it is, so asking twice renders
    once. The task is sent only after the transaction commits, with the job id as only argument.
    """
    key = report_job_key(kind=kind, instance=instance, version=version, language=language)
    requester = requested_by if requested_by is not None and requested_by.is_authenticated else None
    with transaction.atomic():
        job, created = ReportJob.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "content_type": ContentType.objects.get_for_model(instance, for_concrete_model=True),
                "object_id": str(instance.pk),
                "object_version": version,
                "language": language,
                "requested_by": requester,
            },
        )
        if not created:
            job = ReportJob.objects.select_for_update().get(pk=job.pk)
            if job.status != ReportJob.Status.FAILED and not report_job_is_stalled(job):
                return job
            job.status = ReportJob.Status.PENDING
            job.error = ""
            job.attempts = 0
            job.started_at = job.finished_at = None
            # `created_at` reads "requested at": the retried job is the latest, and its
            # PENDING delay counts from now.
            job.created_at = timezone.now()
            job.requested_by = requester
            job.save(
                update_fields=[
                    "status",
                    "error",
                    "attempts",
                    "started_at",
                    "finished_at",
                    "created_at",
                    "requested_by",
                ]
            )
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue(task, job_id))
    return job


def _enqueue(task, job_id: int) -> None:
    """Send the task; if the broker is down, say so on the job instead of failing the request."""
    try:
        task.delay(job_id)
    except Exception:
        logger.exception("Could not queue report job %s", job_id)
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.FAILED,
            error=_("The task queue is unavailable. Please try again in a few minutes."),
            finished_at=timezone.now(),
        )


def report_job_latest(
    *, kind: str, instance: models.Model, language: str | None = None, status: str | None = None
) -> ReportJob | None:
    """The most recently requested job of `kind` for `instance` (optionally in one language
    or one status), or None. One query."""
    jobs = ReportJob.objects.filter(
        kind=kind,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
    )
    if language is not None:
        jobs = jobs.filter(language=language)
    if status is not None:
        jobs = jobs.filter(status=status)
    return jobs.order_by("-created_at", "-pk").first()


def report_storage_name(job: ReportJob, filename: str) -> str:
    """Deterministic storage name of the job's file: the key, made safe for every storage."""
    extension = posixpath.splitext(filename)[1].lower()
    extension = extension if re.fullmatch(r"\.[a-z0-9]{1,8}", extension) else ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", job.key).strip("-.")
    kind = re.sub(r"[^A-Za-z0-9_-]+", "-", job.kind) or "report"
    return f"{kind}/{stem}{extension}"


def _store(job: ReportJob, filename: str, content: bytes) -> str:
    """Write the file under its deterministic name, replacing what an interrupted run left."""
    name = report_storage_name(job, filename)
    target = job.file.field.generate_filename(job, name)
    storage = job.file.storage
    if storage.exists(target):
        # FileSystemStorage would otherwise save under "<name>_<random>.pdf".
        storage.delete(target)
    job.file.save(name, ContentFile(content), save=False)
    if job.file.name != target:
        logger.warning("Report job %s stored as %s instead of %s", job.pk, job.file.name, target)
    return job.file.name


def _mark(job_id: int, **fields) -> None:
    ReportJob.objects.filter(pk=job_id).update(**fields)


def _readable_error(error: BaseException) -> str:
    if isinstance(error, ReportError):
        return str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        return _("The file took too long to generate and was abandoned. Please try again later.")
    # The traceback goes to the log; the user gets what happened, not how.
    return _("The file could not be generated because of an unexpected error (%(error)s).") % {
        "error": type(error).__name__
    }


def report_job_run(*, job_id: int, render: Render, can_retry: bool = False) -> None:
    """Body of a report task: render job `job_id` once, store its file, mark it READY.

    Idempotent: a job already READY is left alone, so a redelivered message does nothing.
    On a transient error (TRANSIENT_ERRORS) the job goes back to PENDING and the error is
    re-raised for Celery to retry it, or, when `can_retry` is false (the last retry), the job is
    FAILED and the error re-raised for Celery's records. Any other error marks the job FAILED
    with a readable message (the traceback is logged) and is not re-raised.
    """
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("Report job %s no longer exists; nothing to do.", job_id)
            return
        if job.status == ReportJob.Status.READY:
            logger.info("Report job %s is already ready; redelivered message ignored.", job_id)
            return
        language = job.language or settings.LANGUAGE_CODE
        if job.attempts >= MAX_ATTEMPTS:
            with translation.override(language):
                job.error = _("Generation was abandoned after %(count)s attempts.") % {"count": job.attempts}
            job.status = ReportJob.Status.FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            return
        job.status = ReportJob.Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.finished_at = None
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "finished_at", "error"])

    with translation.override(language):
        try:
            filename, content = render(job)
            stored_name = _store(job, filename, content)
        except TRANSIENT_ERRORS as error:
            logger.warning("Report job %s: transient error %r (retry: %s)", job_id, error, can_retry)
            try:
                if can_retry:
                    _mark(
                        job_id,
                        status=ReportJob.Status.PENDING,
                        error=_("A temporary error occurred; generation will be retried."),
                    )
                else:
                    _mark(
                        job_id,
                        status=ReportJob.Status.FAILED,
                        error=_readable_error(error),
                        finished_at=timezone.now(),
                    )
            except TRANSIENT_ERRORS:
                logger.warning("Report job %s: could not record the transient error", job_id)
            raise
        except Exception as error:
            logger.exception("Report job %s failed", job_id)
            _mark(
                job_id,
                status=ReportJob.Status.FAILED,
                error=_readable_error(error),
                finished_at=timezone.now(),
            )
            return

    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job_id)
        job.file.name = stored_name
        job.filename = filename[:200]
        job.status = ReportJob.Status.READY
        job.error = ""
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "filename", "status", "error", "finished_at"])
