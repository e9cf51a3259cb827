"""The flash report as an A4 tagged PDF (WeasyPrint through ppm.pdf), in the requester's language."""

from __future__ import annotations

from django.http import Http404
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from governance import flash
from ppm.models import ReportJob
from ppm.pdf import render_pdf
from ppm.reports import ReportError

TEMPLATE = "governance/pdf/flash_report.html"


def flash_report_html(report) -> str:
    from governance.flash_views import _dimension_rows, _figure_rows
    from governance.models import ItemKind

    previous = flash.previous_validated(report)
    items = list(report.items.all())
    context = {
        "report": report,
        "project": report.project,
        "dimensions": _dimension_rows(report, previous),
        "figures": _figure_rows(report),
        "risks": [item for item in items if item.kind == ItemKind.RISK],
        "decisions": [item for item in items if item.kind == ItemKind.DECISION],
        "page_css": "",
    }
    return render_to_string(TEMPLATE, context)


def flash_report_filename(report) -> str:
    return f"flash-{slugify(report.project.code)}-{report.period.start:%Y-%m-%d}-r{report.revision}.pdf"


def flash_report_render(job: ReportJob) -> tuple[str, bytes]:
    """Render function of ppm.reports: (file name, PDF bytes) of the job's report, as its requester
    sees it."""
    from governance.flash_selectors import flash_report_get_for_user

    try:
        report = flash_report_get_for_user(user=job.requested_by, pk=job.object_id)
    except Http404:
        raise ReportError(_("The flash report no longer exists.")) from None
    return flash_report_filename(report), render_pdf(flash_report_html(report))
