"""Long jobs (generated reports, exports, imports) as status-tracked, idempotent Celery jobs.

The pattern every long job of Pilotis follows:

- each app declares its kinds in its ``AppConfig.ready()`` with :func:`report_kind_register`
  (name, Celery task, who may see a job, how the generic request view reads a request). The core
  knows no app: it looks kinds up by name.
- a view calls :func:`report_job_request`. One :class:`~ppm.models.ReportJob` row exists per
  key: kind + a hash of the params (the language among them), plus the object and its version
  where there is one. The task is enqueued after the transaction commits, and only when the job
  is new, failed or stalled: asking twice renders once.
- the Celery task is thin: it takes the job id and calls :func:`report_job_run` with a render
  function ``render(job) -> (filename, bytes)`` (or :func:`ppm.imports.import_job_run`). A
  redelivered message finds the job READY and does nothing. The file's storage name is fixed
  per job (``reports/<kind>/<random token>/<name>``), so a rerun overwrites the file of an
  interrupted run instead of adding a second one, and nobody can guess it. Files are only served
  by the permission-checked download view (ppm.report_views); ``/media/`` is never served.
- render functions report their progress with ``job.set_progress(percent, message)``: it is
  committed at once, outside the render's own transaction, so the poll view shows it.
- a job whose worker died (RUNNING past the hard time limit) or whose message was lost (PENDING
  too long) is marked FAILED with a clear reason, by the poll view and by a periodic sweep
  (:func:`report_jobs_fail_stalled`); :func:`report_jobs_purge` deletes superseded and old jobs
  with their files (nightly).

Order of the writes in :func:`report_job_run`, so that a worker killed at any point (SIGKILL)
loses nothing and produces nothing twice: (1) commit RUNNING, (2) render and write the file,
(3) commit READY with the file's name. Killed before (3), the job stays RUNNING; the redelivered
message (``acks_late`` + ``reject_on_worker_lost``) renders again and overwrites the same file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mimetypes
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from ppm.models import ReportJob

StrOrPromise = str | Promise
logger = logging.getLogger(__name__)

# Errors worth retrying: the database went away or was locked for a moment. Tasks list these
# in `autoretry_for`; anything else fails the job at once with a readable message.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError,)
# Options every Pilotis task is declared with: acknowledged after it ran, redelivered when its
# worker dies, bounded in time (the one set of limits: settings.CELERY_TASK_*_TIME_LIMIT),
# retried (with backoff) only on transient errors.
RELIABLE_TASK_OPTIONS: dict = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
    "max_retries": 3,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
}
# Runs of one job (retries and redeliveries together) before it is given up as FAILED.
MAX_ATTEMPTS = 5
# A run never lasts longer than the hard time limit (Celery kills it then): a job still RUNNING
# a minute after that lost its worker. The filesystem broker does not redeliver after a crash,
# and Redis only after its visibility timeout.
STALLED_RUNNING_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
# A job still PENDING after this long lost its message (broker wiped, worker killed after taking
# the message on a broker without acknowledgements): far above a busy queue's wait.
STALLED_PENDING_AFTER = timedelta(hours=2)

# Stable codes of ReportJob.error_code.
ERROR_STALLED = "stalled"
ERROR_TIMEOUT = "timeout"
ERROR_QUEUE = "queue"
ERROR_ATTEMPTS = "attempts"
ERROR_TRANSIENT = "transient"
ERROR_ROWS = "rows"
ERROR_FILE = "file"
ERROR_OTHER = "error"

Render = Callable[[ReportJob], tuple[str, bytes]]


class ReportError(Exception):
    """A failure whose message is written for the user; it is shown as it is."""

    code = ERROR_OTHER


# --- the registry of kinds -------------------------------------------------------------------


@dataclass(frozen=True)
class JobRequest:
    """What the generic request view needs to queue a job: its params and, if any, its object."""

    params: dict
    instance: models.Model | None = None
    version: int | None = None


def requester_only(user, job: ReportJob) -> bool:
    """Default visibility of a job: the user who asked for it."""
    return bool(user and user.is_authenticated and job.requested_by_id == user.pk)


@dataclass(frozen=True)
class ReportKind:
    """A kind of long job, declared by its app (``AppConfig.ready()``).

    - ``task``: the Celery task run with the job id (``task.delay(job_id)``);
    - ``can_view(user, job)``: may this user follow the job and download its file (the poll and
      download views answer 404 otherwise);
    - ``prepare(request)``: for the generic request view, the params and object of a POSTed
      request, raising Http404/PermissionDenied/ValidationError; None when the kind has its own
      request view (an upload form, say);
    - ``render(job)``: ``(filename, bytes)``, for kinds whose task is the generic one;
    - ``downloadable``: whether the job's file is offered for download (an import's is its input).
    """

    name: str
    task: Any
    can_view: Callable[[Any, ReportJob], bool] = requester_only
    prepare: Callable[[HttpRequest], JobRequest] | None = None
    render: Render | None = None
    label: StrOrPromise = ""
    downloadable: bool = True
    content_type: str = ""


_KINDS: dict[str, ReportKind] = {}


def report_kind_register(kind: ReportKind) -> ReportKind:
    """Declare a kind (idempotent for the same declaration; another one under the same name is an
    error)."""
    if not re.fullmatch(r"[a-z0-9_]{1,50}", kind.name):
        raise ImproperlyConfigured(f"Report kind names are 1-50 of [a-z0-9_]: {kind.name!r}")
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"Report kind {kind.name!r} is declared twice.")
    _KINDS[kind.name] = kind
    return kind


def report_kind_get(name: str) -> ReportKind:
    """The declared kind, or LookupError."""
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"Unknown report kind {name!r}") from None


def report_kinds() -> dict[str, ReportKind]:
    return dict(_KINDS)


# --- keys ------------------------------------------------------------------------------------


def report_params_hash(params: dict) -> str:
    """SHA-256 of the params' canonical JSON (sorted keys): equal params, equal hash."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _object_label(instance: models.Model) -> str:
    opts = (instance._meta.concrete_model or type(instance))._meta
    return f"{opts.app_label}.{opts.model_name}"


def report_job_key(
    *,
    kind: str,
    params: dict | None = None,
    instance: models.Model | None = None,
    version: int | None = None,
    language: str = "",
) -> str:
    """``{kind}[:{app_label.model}:{pk}[:v{version}]]:{sha256 of the params}``.

    `language`, when given, is added to the params (a localised output is another output)."""
    params = _with_language(params, language)
    key = kind
    if instance is not None:
        key += f":{_object_label(instance)}:{instance.pk}"
    if version is not None:
        key += f":v{version}"
    return f"{key}:{report_params_hash(params)}"


def _with_language(params: dict | None, language: str | None) -> dict:
    params = dict(params or {})
    if language:
        params["language"] = language
    return params


# --- stalled jobs ----------------------------------------------------------------------------


def report_job_is_stalled(job: ReportJob, *, now: datetime | None = None) -> bool:
    """True when the job's worker or message is evidently lost (see the STALLED_* delays)."""
    now = now or timezone.now()
    if job.status == ReportJob.Status.RUNNING:
        return job.started_at is not None and job.started_at < now - STALLED_RUNNING_AFTER
    if job.status == ReportJob.Status.PENDING:
        return job.created_at is not None and job.created_at < now - STALLED_PENDING_AFTER
    return False


def _stalled_reason(job: ReportJob) -> str:
    with translation.override(job.language or settings.LANGUAGE_CODE):
        if job.status == ReportJob.Status.RUNNING:
            return _(
                "The worker stopped responding: generation started more than %(minutes)d minutes ago "
                "and never finished. Please try again."
            ) % {"minutes": STALLED_RUNNING_AFTER.total_seconds() // 60}
        return _(
            "No worker picked up this request within %(hours)d hours (the task queue may have been "
            "reset). Please try again."
        ) % {"hours": STALLED_PENDING_AFTER.total_seconds() // 3600}


def report_job_fail_if_stalled(job: ReportJob, *, now: datetime | None = None) -> bool:
    """Mark a stalled job FAILED with a clear reason (in the database and on `job`); True if it
    was. Only the state that was read is failed: a job restarted meanwhile is left alone."""
    now = now or timezone.now()
    if not report_job_is_stalled(job, now=now):
        return False
    reason = _stalled_reason(job)
    log = _appended(job.log, reason, now=now)
    updated = ReportJob.objects.filter(
        pk=job.pk, status=job.status, started_at=job.started_at, created_at=job.created_at
    ).update(status=ReportJob.Status.FAILED, error=reason, error_code=ERROR_STALLED, finished_at=now, log=log)
    if not updated:
        job.refresh_from_db()
        return False
    job.status, job.error, job.error_code, job.finished_at, job.log = (
        ReportJob.Status.FAILED,
        reason,
        ERROR_STALLED,
        now,
        log,
    )
    logger.warning("Report job %s (%s) stalled: marked failed", job.pk, job.kind)
    return True


def report_jobs_fail_stalled(*, now: datetime | None = None) -> int:
    """Periodic sweep: mark every stalled job FAILED. Returns how many were."""
    now = now or timezone.now()
    candidates = ReportJob.objects.filter(
        Q(status=ReportJob.Status.RUNNING, started_at__lt=now - STALLED_RUNNING_AFTER)
        | Q(status=ReportJob.Status.PENDING, created_at__lt=now - STALLED_PENDING_AFTER)
    )
    return sum(report_job_fail_if_stalled(job, now=now) for job in candidates.iterator())


# --- requesting ------------------------------------------------------------------------------


def report_job_request(
    *,
    kind: str,
    params: dict | None = None,
    instance: models.Model | None = None,
    version: int | None = None,
    requested_by=None,
    task=None,
    language: str = "",
    on_queue: Callable[[ReportJob], None] | None = None,
) -> ReportJob:
    """The job producing `kind` for these params (and `instance` at `version`), queued if it has to.

    A new job is queued; a FAILED or stalled one is reset and queued again (the user asked
    explicitly); a PENDING, RUNNING or READY one is returned as it is, so asking twice renders
    once. `task` defaults to the registered kind's. `on_queue(job)` runs inside the transaction
    when the job is (re)queued (an import stores its upload there). The task is sent only after
    the transaction commits, with the job id as only argument.
    """
    params = _with_language(params, language)
    json.dumps(params)  # params must be plain JSON: fail here, not in the worker
    task = task if task is not None else report_kind_get(kind).task
    key = report_job_key(kind=kind, params=params, instance=instance, version=version)
    requester = requested_by if requested_by is not None and requested_by.is_authenticated else None
    with transaction.atomic():
        job, created = ReportJob.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "params": params,
                "params_hash": report_params_hash(params),
                "content_type": (
                    ContentType.objects.get_for_model(instance, for_concrete_model=True) if instance else None
                ),
                "object_id": instance.pk if instance is not None else None,
                "object_version": version,
                "language": params.get("language", ""),
                "requested_by": requester,
            },
        )
        if not created:
            job = ReportJob.objects.select_for_update().get(pk=job.pk)
            if job.status != ReportJob.Status.FAILED and not report_job_is_stalled(job):
                return job
            job.status = ReportJob.Status.PENDING
            job.error = job.error_code = ""
            job.attempts = job.progress = 0
            job.row_errors, job.result = [], {}
            job.started_at = job.finished_at = None
            # `created_at` reads "requested at": the retried job is the latest, and its
            # PENDING delay counts from now.
            job.created_at = timezone.now()
            job.requested_by = requester
            job.log = _appended(job.log, "requested again", now=job.created_at)
            job.save(
                update_fields=[
                    "status",
                    "error",
                    "error_code",
                    "attempts",
                    "progress",
                    "row_errors",
                    "result",
                    "started_at",
                    "finished_at",
                    "created_at",
                    "requested_by",
                    "log",
                ]
            )
        if on_queue is not None:
            on_queue(job)
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
            error_code=ERROR_QUEUE,
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
        object_id=instance.pk,
    )
    if language is not None:
        jobs = jobs.filter(language=language)
    if status is not None:
        jobs = jobs.filter(status=status)
    return jobs.order_by("-created_at", "-pk").first()


def report_job_get_for_user(*, user, pk) -> tuple[ReportJob, ReportKind]:
    """The job and its kind if `user` may see it, else Http404 (a job one may not see does not
    exist for them)."""
    job = ReportJob.objects.filter(pk=pk).select_related("requested_by").first()
    if job is None:
        raise Http404(_("No such job."))
    try:
        kind = report_kind_get(job.kind)
    except LookupError:
        raise Http404(_("No such job.")) from None
    if not kind.can_view(user, job):
        raise Http404(_("No such job."))
    return job, kind


# --- progress and log ------------------------------------------------------------------------


def _appended(log: list | None, message: str, *, now: datetime | None = None) -> list:
    lines = [*(log or []), {"at": (now or timezone.now()).isoformat(), "message": str(message)[:500]}]
    return lines[-ReportJob.LOG_MAX_LINES :]


def report_job_set_progress(job: ReportJob, *, percent: int, message: str = "") -> None:
    """Record `percent` (clamped to 0–100) and an optional log line on `job`, committed now.

    Outside a transaction it is a plain UPDATE. Inside one (an import writing its rows), it goes
    through a second connection on PostgreSQL so that the poll view sees it before the render's
    transaction commits (falling back to the render's own connection when that one holds the row
    or created it). SQLite has a single writer: there it is written in the render's transaction
    and shows when that commits."""
    job.progress = max(0, min(100, int(percent)))
    fields: dict[str, Any] = {"progress": job.progress}
    if message:
        job.log = _appended(job.log, message)
        fields["log"] = job.log
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block and connection.vendor == "postgresql":
        if _update_on_side_connection(job.pk, fields):
            return
    ReportJob.objects.filter(pk=job.pk).update(**fields)


def _update_on_side_connection(pk: int, fields: dict[str, Any]) -> bool:
    """UPDATE the job on a connection of its own (autocommit); False if that was not possible."""
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        quote = side.ops.quote_name
        assignments, values = [], []
        for name, value in fields.items():
            field = ReportJob._meta.get_field(name)
            assert isinstance(field, models.Field) and field.column
            assignments.append(f"{quote(field.column)} = %s")
            values.append(field.get_db_prep_save(value, connection=side))
        # Column names come from the model, values are parameters.
        sql = f"UPDATE {quote(ReportJob._meta.db_table)} SET {', '.join(assignments)} WHERE id = %s"  # noqa: S608
        with side.cursor() as cursor:
            # The render's transaction may hold the row: give up at once rather than wait for it.
            cursor.execute("SET lock_timeout = '500ms'")
            cursor.execute(sql, [*values, pk])
            return cursor.rowcount == 1
    except Exception:
        logger.info("Progress of report job %s written in the render's transaction", pk, exc_info=True)
        return False
    finally:
        side.close()


# --- running ---------------------------------------------------------------------------------


def report_storage_name(job: ReportJob, filename: str) -> str:
    """Storage name of the job's file, relative to ``reports/``: ``<kind>/<token>/<name>``.

    Fixed per job (a rerun overwrites), unguessable (the job's random token), safe for every
    storage (no colon, no path separator from the file name)."""
    stem, extension = posixpath.splitext(posixpath.basename(filename.replace("\\", "/")))
    extension = extension.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", extension) else ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:80] or "file"
    kind = re.sub(r"[^A-Za-z0-9_-]+", "-", job.kind) or "report"
    return f"{kind}/{job.token}/{stem}{extension}"


def report_job_store(job: ReportJob, filename: str, content: bytes) -> str:
    """Write the job's file under its fixed name, replacing what an interrupted run left.
    Sets ``job.file`` (not saved); returns the storage name."""
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


def readable_error(error: BaseException) -> tuple[str, str]:
    """(message for the user, error code) of an exception that failed a job."""
    if isinstance(error, ReportError):
        return str(error), error.code
    if isinstance(error, SoftTimeLimitExceeded):
        return _(
            "The file took too long to generate and was abandoned. Please try again later."
        ), ERROR_TIMEOUT
    # The traceback goes to the log; the user gets what happened, not how.
    return _("The file could not be generated because of an unexpected error (%(error)s).") % {
        "error": type(error).__name__
    }, ERROR_OTHER


def report_job_claim(job_id: int) -> ReportJob | None:
    """Start a run of job `job_id`: commit it RUNNING (one more attempt) and return it, or None
    when there is nothing to do (no such job, already READY, or given up after MAX_ATTEMPTS)."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("Report job %s no longer exists; nothing to do.", job_id)
            return None
        if job.status == ReportJob.Status.READY:
            logger.info("Report job %s is already ready; redelivered message ignored.", job_id)
            return None
        now = timezone.now()
        if job.attempts >= MAX_ATTEMPTS:
            with translation.override(job.language or settings.LANGUAGE_CODE):
                job.error = _("Generation was abandoned after %(count)s attempts.") % {"count": job.attempts}
            job.status = ReportJob.Status.FAILED
            job.error_code = ERROR_ATTEMPTS
            job.finished_at = now
            job.log = _appended(job.log, job.error, now=now)
            job.save(update_fields=["status", "error", "error_code", "finished_at", "log"])
            return None
        job.status = ReportJob.Status.RUNNING
        job.attempts += 1
        job.progress = 0
        job.started_at = now
        job.finished_at = None
        job.error = job.error_code = ""
        job.log = _appended(job.log, f"attempt {job.attempts} started", now=now)
        job.save(
            update_fields=[
                "status",
                "attempts",
                "progress",
                "started_at",
                "finished_at",
                "error",
                "error_code",
                "log",
            ]
        )
    return job


def report_job_fail(job: ReportJob, error: BaseException, *, can_retry: bool) -> None:
    """Record why a run failed. Transient errors put the job back to PENDING when Celery will
    retry (`can_retry`), else FAILED; the caller re-raises them. Other errors: FAILED."""
    now = timezone.now()
    try:
        if isinstance(error, TRANSIENT_ERRORS) and can_retry:
            message = _("A temporary error occurred; generation will be retried.")
            _mark(
                job.pk,
                status=ReportJob.Status.PENDING,
                error=message,
                error_code=ERROR_TRANSIENT,
                log=_appended(job.log, message, now=now),
            )
            return
        message, code = readable_error(error)
        _mark(
            job.pk,
            status=ReportJob.Status.FAILED,
            error=message,
            error_code=code,
            finished_at=now,
            log=_appended(job.log, message, now=now),
        )
    except TRANSIENT_ERRORS:
        logger.warning("Report job %s: could not record the error %r", job.pk, error)


def report_job_run(*, job_id: int, render: Render, can_retry: bool = False) -> None:
    """Body of a report task: render job `job_id` once, store its file, mark it READY.

    Idempotent: a job already READY is left alone, so a redelivered message does nothing.
    On a transient error (TRANSIENT_ERRORS) the job goes back to PENDING and the error is
    re-raised for Celery to retry it, or, when `can_retry` is false (the last retry), the job is
    FAILED and the error re-raised for Celery's records. Any other error marks the job FAILED
    with a readable message (the traceback is logged) and is not re-raised.
    """
    job = report_job_claim(job_id)
    if job is None:
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            filename, content = render(job)
            stored_name = report_job_store(job, filename, content)
        except TRANSIENT_ERRORS as error:
            logger.warning("Report job %s: transient error %r (retry: %s)", job_id, error, can_retry)
            report_job_fail(job, error, can_retry=can_retry)
            raise
        except Exception as error:
            logger.exception("Report job %s failed", job_id)
            report_job_fail(job, error, can_retry=False)
            return

    with transaction.atomic():
        locked = ReportJob.objects.select_for_update().get(pk=job_id)
        locked.file.name = stored_name
        locked.filename = filename[:200]
        locked.status = ReportJob.Status.READY
        locked.error = locked.error_code = ""
        locked.progress = 100
        locked.finished_at = timezone.now()
        locked.log = _appended(job.log, "ready", now=locked.finished_at)
        locked.save(
            update_fields=[
                "file",
                "filename",
                "status",
                "error",
                "error_code",
                "progress",
                "finished_at",
                "log",
            ]
        )


# --- downloads -------------------------------------------------------------------------------


def report_job_file_response(job: ReportJob, *, content_type: str = "") -> FileResponse:
    """The READY job's file as an attachment (never rendered inline, never sniffed), or Http404."""
    if job.status != ReportJob.Status.READY or not job.file:
        raise Http404(_("This file is not available (yet)."))
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing; generate it again.")) from None
    filename = job.filename or posixpath.basename(job.file.name)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- retention -------------------------------------------------------------------------------


def _delete_file(job: ReportJob) -> None:
    if not job.file:
        return
    storage, name = job.file.storage, job.file.name
    try:
        storage.delete(name)
    except Exception:
        logger.warning("Could not delete the file %s of report job %s", name, job.pk, exc_info=True)
        return
    # FileSystemStorage leaves the job's token folder behind.
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(os.path.dirname(storage.path(name)))


def report_jobs_purge(*, now: datetime | None = None, retention_days: int | None = None) -> dict[str, int]:
    """Delete, with their files: (1) finished jobs superseded by a READY job of the same kind,
    object and params for a newer version of the object (older versions of a project's sheet);
    (2) every job requested more than `retention_days` ago (settings.PILOTIS_REPORT_RETENTION_DAYS).
    Jobs in progress are kept unless past the age. Returns the counts deleted."""
    now = now or timezone.now()
    days = settings.PILOTIS_REPORT_RETENTION_DAYS if retention_days is None else retention_days
    newer_ready = ReportJob.objects.filter(
        kind=OuterRef("kind"),
        content_type=OuterRef("content_type"),
        object_id=OuterRef("object_id"),
        params_hash=OuterRef("params_hash"),
        status=ReportJob.Status.READY,
        object_version__gt=OuterRef("object_version"),
    )
    superseded = ReportJob.objects.filter(
        object_id__isnull=False,
        object_version__isnull=False,
        status__in=(ReportJob.Status.READY, ReportJob.Status.FAILED),
    ).filter(Exists(newer_ready))
    expired = ReportJob.objects.filter(created_at__lt=now - timedelta(days=days))
    counts = {"superseded": 0, "expired": 0}
    for label, queryset in (("superseded", superseded), ("expired", expired)):
        for job in queryset.only("pk", "file").iterator():
            _delete_file(job)
            counts[label] += ReportJob.objects.filter(pk=job.pk).delete()[0]
    if any(counts.values()):
        logger.info("Report retention: deleted %(superseded)s superseded and %(expired)s old jobs", counts)
    return counts
