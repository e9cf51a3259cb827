"""The capacity report: PDF (WeasyPrint, A4 landscape) and XLSX (one sheet per dimension), from a snapshot.

- On demand, from the capacity page: report jobs `capacity_report_pdf` and `capacity_report_xlsx`
  (ppm.reports), for whoever may see the plan (capacity.view).
- Monthly, by beat (`resources.tasks.send_capacity_report`, schedule in the admin's periodic tasks):
  both files are rendered for the default plan and e-mailed to the project office (active users of role
  pmo with an e-mail address).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ppm.exports import neutralise
from ppm.mail import by_language
from ppm.models import ReportJob, User
from ppm.pdf import render_pdf
from ppm.reports import JobRequest
from ppm.roles import Role
from resources.models import CapacityDimension, CapacityRow, CapacitySnapshot, SnapshotStatus
from resources.permissions import RULES
from resources.snapshot import PlanParams, snapshot_build, snapshot_get_or_create

REPORT_PDF = "capacity_report_pdf"
REPORT_XLSX = "capacity_report_xlsx"
PDF_MONTHS = 12  # the PDF's heatmap tables: the next twelve periods (A4 landscape)
PDF_DIMENSIONS = (CapacityDimension.TEAM, CapacityDimension.PROFILE, CapacityDimension.FAMILY)
XLSX_DIMENSIONS = tuple(CapacityDimension.values)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_can_view(user, job: ReportJob) -> bool:
    return bool(
        user
        and user.is_authenticated
        and job.requested_by_id == user.pk
        and RULES.allows(user, "capacity.view")
    )


def report_prepare(request) -> JobRequest:
    """POST `query` (the page's filters, as a query string)."""
    from resources.capacity_views import CapacityPlanForm

    if not RULES.allows(request.user, "capacity.view"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(RULES.message("capacity.view"))
    form = CapacityPlanForm(QueryDict(request.POST.get("query", "")[:1000]), choices=False)
    if not form.is_valid():
        raise ValidationError(_("Unknown filters."))
    params, _dimension = form.plan()
    params = PlanParams(
        grain="month", statuses=params.statuses, objective=params.objective, directorate=params.directorate
    )
    return JobRequest(params={"plan": params.as_json()})


def _ready_snapshot(params: PlanParams) -> CapacitySnapshot:
    """The snapshot of these filters, built here (in the worker) when it never was."""
    snapshot = snapshot_get_or_create(params)
    if snapshot.status != SnapshotStatus.READY or snapshot.built_at is None:
        snapshot = snapshot_build(snapshot)
    return snapshot


def _labels(snapshot: CapacitySnapshot) -> list[str]:
    from resources.capacity_views import period_labels

    return period_labels(snapshot)


def _rows_by_dimension(snapshot: CapacitySnapshot, dimensions) -> dict[str, list[CapacityRow]]:
    rows: dict[str, list[CapacityRow]] = {dimension: [] for dimension in dimensions}
    for row in CapacityRow.objects.filter(snapshot=snapshot, dimension__in=dimensions).order_by(
        "dimension", "order"
    ):
        rows[row.dimension].append(row)
    return rows


def _mark(ratio: float | None, load: float) -> str:
    if ratio is None:
        return "over" if load > 0 else "none"
    if ratio > settings.PILOTIS_CAPACITY_OVERLOAD:
        return "over"
    if ratio < settings.PILOTIS_CAPACITY_UNDERLOAD:
        return "under"
    return "ok"


def capacity_report_pdf(snapshot: CapacitySnapshot) -> bytes:
    labels = _labels(snapshot)[:PDF_MONTHS]
    rows = _rows_by_dimension(snapshot, PDF_DIMENSIONS)
    tables = []
    for dimension in PDF_DIMENSIONS:
        lines = []
        for row in rows[dimension]:
            cells = []
            for ratio, load, capacity in list(zip(row.ratio, row.load, row.capacity, strict=False))[
                :PDF_MONTHS
            ]:
                cells.append(
                    {
                        "mark": _mark(ratio, load),
                        "percent": "—" if ratio is None else f"{round(ratio * 100)} %",
                        "load": round(load, 1),
                        "capacity": round(capacity, 1),
                    }
                )
            lines.append({"label": row.label, "cells": cells})
        tables.append({"title": CapacityDimension(dimension).label, "rows": lines})
    context = {
        "snapshot": snapshot,
        "generated_at": timezone.now(),
        "labels": labels,
        "tables": tables,
        "overloaded": snapshot.summary.get("overloaded_next_quarter") or [],
        "underload": round(settings.PILOTIS_CAPACITY_UNDERLOAD * 100),
        "filters": _filters_text(snapshot),
    }
    return render_pdf(render_to_string("resources/capacity_report_pdf.html", context))


def _filters_text(snapshot: CapacitySnapshot) -> str:
    params = PlanParams.from_json(snapshot.params)
    parts = [
        _("projects under study included")
        if params.includes_under_study
        else _("approved and in-progress projects")
    ]
    if params.objective:
        parts.append(_("objective #%(id)s") % {"id": params.objective})
    if params.directorate:
        parts.append(_("directorate #%(id)s") % {"id": params.directorate})
    return ", ".join(parts)


def _safe(value: Any) -> Any:
    """Text cells that a spreadsheet would read as a formula are neutralised (ppm.exports)."""
    return neutralise(value) if isinstance(value, str) else value


def capacity_report_xlsx(snapshot: CapacitySnapshot) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    labels = _labels(snapshot)
    rows = _rows_by_dimension(snapshot, XLSX_DIMENSIONS)
    book = Workbook()
    book.remove(book.active)
    over = PatternFill("solid", fgColor="F6C1B5")
    bold = Font(bold=True)
    figures = (
        ("capacity", _("Net capacity (d)")),
        ("gross", _("Gross capacity (d)")),
        ("load", _("Load (d)")),
        ("load_external", _("Outsourced load (d)")),
        ("load_unstaffed", _("Unstaffed load (d)")),
        ("ratio", _("Load ÷ capacity (%)")),
    )
    for dimension in XLSX_DIMENSIONS:
        sheet = book.create_sheet(str(CapacityDimension(dimension).label)[:31])
        sheet.append([str(CapacityDimension(dimension).label), _("Figure"), *labels])
        for cell in sheet[1]:
            cell.font = bold
        for row in rows[dimension]:
            for name, title in figures:
                values = getattr(row, name)
                if name == "ratio":
                    values = [None if value is None else round(value * 100, 1) for value in values]
                sheet.append([_safe(row.label), title, *values])
                if name == "ratio":
                    for cell, ratio in zip(sheet[sheet.max_row][2:], row.ratio, strict=False):
                        if ratio is not None and ratio > settings.PILOTIS_CAPACITY_OVERLOAD:
                            cell.fill = over
        sheet.freeze_panes = "C2"
        sheet.column_dimensions["A"].width = 32
        sheet.column_dimensions["B"].width = 22
    info = book.create_sheet(_("About")[:31])
    info.append(
        [
            _("Snapshot built on"),
            timezone.localtime(snapshot.built_at).strftime("%Y-%m-%d %H:%M") if snapshot.built_at else "",
        ]
    )
    info.append([_("Filters"), _filters_text(snapshot)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _filename(extension: str) -> str:
    name = _("capacity report")  # outside the f-string: makemessages reads it
    return f"{slugify(name)}-{timezone.localdate():%Y-%m}.{extension}"


def capacity_report_render(job: ReportJob) -> tuple[str, bytes]:
    """Render function of the report jobs (ppm.reports): PDF or XLSX of the job's filters."""
    params = PlanParams.from_json((job.params or {}).get("plan"))
    snapshot = _ready_snapshot(params)
    if job.kind == REPORT_XLSX:
        return _filename("xlsx"), capacity_report_xlsx(snapshot)
    return _filename("pdf"), capacity_report_pdf(snapshot)


def report_recipients() -> list:
    """The project office's people (active, with an e-mail), one per address."""
    by_address: dict[str, Any] = {}
    users = User.objects.filter(role=Role.PROJECT_OFFICE, is_active=True).exclude(email="")
    for user in users.order_by("pk"):
        by_address.setdefault(user.email, user)
    return [by_address[address] for address in sorted(by_address)]


def capacity_report_send() -> int:
    """Render the default plan's report (PDF and XLSX) and e-mail it to the project office, in each
    recipient's language (one rendering per language: ppm.mail)."""
    recipients = report_recipients()
    if not recipients:
        return 0
    snapshot = _ready_snapshot(PlanParams())
    for language, group in by_language(recipients).items():
        with translation.override(language):
            message = EmailMessage(
                subject=_("Pilotis · capacity report of %(month)s")
                % {"month": timezone.localdate().strftime("%m/%Y")},
                body=_(
                    "Please find attached the capacity report: the overloaded teams and roles of the next "
                    "quarter and the plan by month (PDF and spreadsheet).\n\nSnapshot built on %(date)s."
                )
                % {"date": timezone.localtime(snapshot.built_at).strftime("%d/%m/%Y %H:%M")},
                to=[user.email for user in group],
            )
            message.attach(_filename("pdf"), capacity_report_pdf(snapshot), "application/pdf")
            message.attach(_filename("xlsx"), capacity_report_xlsx(snapshot), XLSX_TYPE)
            message.send()
    return len(recipients)
