"""Imports as long jobs: an uploaded table is checked whole, then written whole, or not at all.

The pattern every import of Pilotis follows (the first client is portfolio.imports):

- the upload view calls :func:`import_job_request`: the file is capped in size, its type is
  checked by its content (CSV text or an XLSX workbook, whatever its name says), and it is
  stored as the job's file under a generated name (``reports/<kind>/<token>/upload.<ext>``).
  The job's params hold the file's SHA-256 and the requester, so sending the same file twice
  imports it once.
- the Celery task calls :func:`import_job_run` with an :class:`Importer`:
  1. every row is read and validated (``validate_row``) before anything is written; any bad row
     fails the job with every row's errors kept on it (``row_errors``: line, field, message);
  2. then all rows are written (``write_row``) in ONE transaction that also marks the job READY:
     an error on any row rolls everything back and is reported the same way, and a worker killed
     midway leaves nothing half-imported (the redelivered message starts over).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ppm.models import ReportJob
from ppm.reports import (
    ERROR_FILE,
    ERROR_ROWS,
    TRANSIENT_ERRORS,
    ReportError,
    _appended,
    report_job_claim,
    report_job_fail,
    report_job_request,
    report_job_store,
)

logger = logging.getLogger(__name__)

MAX_ROWS = 5000
# Progress: validation is the first half, writing the second.
PROGRESS_STEPS = 20


class ImportFileError(ReportError):
    """The file itself cannot be read as a table (shown to the user as it is)."""

    code = ERROR_FILE


class Importer:
    """What an app provides for one kind of import. A fresh instance serves one run, so it may
    keep state across rows (e.g. codes already seen in the file)."""

    def read_rows(self, job: ReportJob) -> Iterable[tuple[int, dict[str, str]]]:
        """(line number, {column: text}) of every data row; default: the job's table file."""
        with job.file.open("rb") as handle:
            content = handle.read()
        return table_rows(content, sniff_table(content))

    def validate_row(self, job: ReportJob, line: int, row: dict[str, str]) -> Any:
        """The row's cleaned data, or ValidationError (with a message_dict for field errors)."""
        raise NotImplementedError

    def write_row(self, job: ReportJob, cleaned: Any) -> None:
        """Write one validated row (inside the import's transaction); ValidationError or
        PermissionDenied reject the row (and so the whole import)."""
        raise NotImplementedError

    def before_writes(self, job: ReportJob, rows: list[Any]) -> None:
        """Inside the import's transaction, before the first row is written, with every validated row:
        e.g. lock, in one fixed order, every row another writer could hold (two imports locking as
        their rows come would deadlock on each other's)."""

    def after_writes(self, job: ReportJob) -> None:
        """Inside the import's transaction, after the last row: work done once for the whole file
        (e.g. totals recomputed), not once per row."""


# --- the uploaded file -----------------------------------------------------------------------


def sniff_table(content: bytes) -> str:
    """ "xlsx" or "csv" judged by the content, else ValidationError."""
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            names = set()
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise ValidationError(_("This file is not a spreadsheet (XLSX) or a CSV file."), code="type")
    if b"\x00" in content:
        raise ValidationError(_("This file is not a spreadsheet (XLSX) or a CSV file."), code="type")
    try:
        _decode(content)
    except UnicodeDecodeError:
        raise ValidationError(
            _("This file is not a spreadsheet (XLSX) or a CSV file."), code="type"
        ) from None
    return "csv"


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows save "CSV" in the ANSI code page.
        text = content.decode("cp1252")
        if any(ord(char) < 32 and char not in "\r\n\t" for char in text):
            raise
        return text


def _header(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date) and getattr(value, "hour", 0) == 0:
        value = value.date()  # a date typed in a spreadsheet arrives as midnight
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def table_rows(content: bytes, fmt: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV (delimiter , ; or tab, UTF-8 or Windows-1252) or of an XLSX's first sheet, as
    (line number, {lower-cased header: text}); blank rows are skipped. ImportFileError when the
    table is unreadable, has no header or has more than MAX_ROWS rows."""
    if fmt == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            raw: Iterable[tuple] = workbook.worksheets[0].iter_rows(values_only=True)
        except Exception as error:
            raise ImportFileError(_("The spreadsheet could not be read.")) from error
    else:
        text = _decode(content)
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        raw = (tuple(values) for values in csv.reader(io.StringIO(text), dialect))
    try:
        iterator = iter(raw)
        header = [_header(value) for value in next(iterator, ())]
        if not any(header):
            raise ImportFileError(_("The file is empty or has no header row."))
        count = 0
        for line, values in enumerate(iterator, start=2):
            cells = [_cell(value) for value in values]
            if not any(cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(count)d rows; split it into smaller files.")
                    % {"count": MAX_ROWS}
                )
            yield (
                line,
                {name: cells[index] if index < len(cells) else "" for index, name in enumerate(header)},
            )
    except csv.Error as error:
        raise ImportFileError(_("The CSV file could not be read (%(error)s).") % {"error": error}) from error


def import_job_request(
    *, kind: str, upload: UploadedFile, requested_by, language: str = "", max_bytes: int | None = None
) -> ReportJob:
    """Check an uploaded table (size, type by content) and queue its import job (once per file
    and requester). ValidationError when the file is refused."""
    limit = settings.PILOTIS_IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("The file is too large (at most %(size)d KB).") % {"size": limit // 1024}, code="size"
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            _("The file is too large (at most %(size)d KB).") % {"size": limit // 1024}, code="size"
        )
    if not content.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    fmt = sniff_table(content)
    params = {"sha256": hashlib.sha256(content).hexdigest(), "requested_by": requested_by.pk}
    original = posixpath.basename((upload.name or "").replace("\\", "/"))[:200]

    def store(job: ReportJob) -> None:
        if not job.file:
            report_job_store(job, f"upload.{fmt}", content)
            job.filename = original or f"upload.{fmt}"
            job.save(update_fields=["file", "filename"])

    return report_job_request(
        kind=kind, params=params, requested_by=requested_by, language=language, on_queue=store
    )


# --- the run ---------------------------------------------------------------------------------


def _row_errors(line: int, error: BaseException) -> list[dict]:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return [
            {"line": line, "field": "" if field == NON_FIELD_ERRORS else field, "message": str(message)}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    if isinstance(error, ValidationError):
        return [{"line": line, "field": "", "message": str(message)} for message in error.messages]
    return [{"line": line, "field": "", "message": str(error)}]


class _Rollback(Exception):
    pass


def _fail_rows(job: ReportJob, errors: list[dict], rows: int) -> None:
    bad_lines = len({error["line"] for error in errors})
    message = ngettext(
        "%(count)d row has errors; nothing was imported. Correct the file and send it again.",
        "%(count)d rows have errors; nothing was imported. Correct the file and send it again.",
        bad_lines,
    ) % {"count": bad_lines}
    now = timezone.now()
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.FAILED,
        error=message,
        error_code=ERROR_ROWS,
        row_errors=errors[: ReportJob.ROW_ERRORS_MAX],
        result={"rows": rows, "invalid_rows": bad_lines},
        finished_at=now,
        log=_appended(job.log, message, now=now),
    )


def import_job_run(*, job_id: int, importer: Importer, can_retry: bool = False) -> None:
    """Body of an import task (idempotent like ppm.reports.report_job_run): validate every row,
    then write them all in one transaction that also marks the job READY, or write nothing."""
    job = report_job_claim(job_id)
    if job is None:
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            _import(job, importer)
        except TRANSIENT_ERRORS as error:
            logger.warning("Import job %s: transient error %r (retry: %s)", job_id, error, can_retry)
            report_job_fail(job, error, can_retry=can_retry)
            raise
        except Exception as error:
            if not isinstance(error, ReportError):
                logger.exception("Import job %s failed", job_id)
            report_job_fail(job, error, can_retry=False)


def _import(job: ReportJob, importer: Importer) -> None:
    rows = list(importer.read_rows(job))
    if not rows:
        raise ImportFileError(_("The file has no data row."))
    total = len(rows)
    step = max(1, total // PROGRESS_STEPS)
    errors: list[dict] = []
    cleaned_rows: list[tuple[int, Any]] = []
    job.set_progress(0, _("Checking %(count)d rows…") % {"count": total})
    for index, (line, row) in enumerate(rows, start=1):
        try:
            cleaned_rows.append((line, importer.validate_row(job, line, row)))
        except (ValidationError, PermissionDenied) as error:
            errors.extend(_row_errors(line, error))
        if index % step == 0:
            job.set_progress(50 * index // total)
    if errors:
        _fail_rows(job, errors, total)
        return

    job.set_progress(50, _("Importing %(count)d rows…") % {"count": total})
    try:
        with transaction.atomic():
            importer.before_writes(job, [cleaned for _line, cleaned in cleaned_rows])
            for index, (line, cleaned) in enumerate(cleaned_rows, start=1):
                try:
                    with transaction.atomic():
                        importer.write_row(job, cleaned)
                except (ValidationError, PermissionDenied) as error:
                    errors.extend(_row_errors(line, error))
                if index % step == 0:
                    job.set_progress(50 + 50 * index // total)
            if errors:
                raise _Rollback
            importer.after_writes(job)
            now = timezone.now()
            message = ngettext("%(count)d row imported.", "%(count)d rows imported.", total) % {
                "count": total
            }
            # Conditional: if another run took this job over meanwhile, this one writes nothing.
            # (No row lock earlier: progress is written on a second connection meanwhile.)
            marked = ReportJob.objects.filter(
                pk=job.pk, status=ReportJob.Status.RUNNING, attempts=job.attempts
            ).update(
                status=ReportJob.Status.READY,
                progress=100,
                result={"rows": total, "imported": total},
                row_errors=[],
                error="",
                error_code="",
                finished_at=now,
                log=_appended(job.log, message, now=now),
            )
            if not marked:
                logger.warning("Import job %s was taken over by another run; this one is undone.", job.pk)
                transaction.set_rollback(True)
    except _Rollback:
        _fail_rows(job, errors, total)
