"""The budget report (ppm.reports kinds "budget_report_pdf" and "budget_report_xlsx"): the envelopes'
summary by section, the portfolio by objective and by directorate, the CP consumption of the year and the
largest gaps between forecast and planned, with the execution up to a chosen day (`as_of`).

Requested from /budgets/ (the generic /jobs/<kind>/request/ view, POST `as_of`), or monthly by beat
(`budgets.lines_tasks.send_monthly_budget_report`, scheduled by migration 0002_lines_report_schedule),
which e-mails the project office and finance users a link. Whoever may see budgets may follow and download
a report (it holds portfolio figures, nothing personal).
"""

from __future__ import annotations

import datetime
import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from budgets import selectors
from budgets.money import format_money
from budgets.permissions import RULES
from ppm.models import ReportJob
from ppm.pdf import render_pdf
from ppm.reports import JobRequest, ReportError

PDF_KIND = "budget_report_pdf"
XLSX_KIND = "budget_report_xlsx"
TEMPLATE = "budgets/lines_report_pdf.html"
MONEY_FORMAT = "#,##0.00"


def can_view(user, job: ReportJob) -> bool:
    return bool(user and user.is_authenticated and RULES.allows(user, "budget.view"))


def prepare(request) -> JobRequest:
    from django.core.exceptions import PermissionDenied, ValidationError

    if not RULES.allows(request.user, "budget.view"):
        raise PermissionDenied(RULES.message("budget.view"))
    text = (request.POST.get("as_of") or "").strip()
    as_of = parse_date(text) if text else timezone.localdate()
    if as_of is None:
        raise ValidationError(_("Enter the day as 2025-03-31."))
    return JobRequest(params={"as_of": as_of.isoformat()})


def report_data(as_of: datetime.date) -> dict:
    filters = selectors.BudgetFilters(as_of=as_of)
    envelopes = list(selectors.envelope_list())
    summaries = selectors.envelope_summaries(envelopes, filters)
    portfolio = selectors.portfolio_budget(filters, projects=False)
    return {
        "as_of": as_of,
        "generated_at": timezone.localtime(),
        "envelopes": [(envelope, summaries[envelope.pk]) for envelope in envelopes],
        "portfolio": portfolio,
        "cp": selectors.cp_consumption_by_month(as_of.year, as_of=as_of),
        "gaps": selectors.top_gaps(filters),
    }


def _as_of(job: ReportJob) -> datetime.date:
    as_of = parse_date(str(job.params.get("as_of") or ""))
    if as_of is None:
        raise ReportError(_("The report's day is missing."))
    return as_of


def render_pdf_report(job: ReportJob) -> tuple[str, bytes]:
    as_of = _as_of(job)
    html = render_to_string(TEMPLATE, report_data(as_of))
    return f"budget-report-{as_of.isoformat()}.pdf", render_pdf(html)


def render_xlsx_report(job: ReportJob) -> tuple[str, bytes]:
    as_of = _as_of(job)
    data = report_data(as_of)
    workbook = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list]) -> None:
        ws = workbook.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if hasattr(cell.value, "as_tuple"):
                    cell.number_format = MONEY_FORMAT
        for index in range(1, len(header) + 1):
            ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = 18 if index > 1 else 40
        ws.freeze_panes = "A2"

    workbook.remove(workbook.active)
    figures = [_("Planned (€)"), _("Forecast (€)"), _("Committed (€)"), _("Paid (€)")]
    sheet(
        _("Envelopes"),
        [_("Envelope"), _("Section"), _("Authority (€)"), *figures, _("Over-allocation (€)")],
        [
            [
                envelope.code,
                str(s.section.get_section_display()),
                s.authority,
                s.figures.planned,
                s.figures.forecast,
                s.figures.committed,
                s.figures.paid,
                s.over_allocation,
            ]
            for envelope, sections in data["envelopes"]
            for s in sections
        ],
    )
    for title, groups in (
        (_("Objectives"), data["portfolio"]["by_objective"]),
        (_("Directorates"), data["portfolio"]["by_directorate"]),
    ):
        sheet(
            title,
            [_("Name"), *figures],
            [
                [g.label or "—", g.figures.planned, g.figures.forecast, g.figures.committed, g.figures.paid]
                for g in groups
            ],
        )
    sheet(
        _("CP consumption"),
        [_("Month"), _("Paid (€)"), _("Cumulative (€)")],
        [[m["month"], m["paid"], m["cumulative"]] for m in data["cp"]["months"]],
    )
    sheet(
        _("Gaps"),
        [_("Project"), _("Planned (€)"), _("Forecast (€)"), _("Forecast − planned (€)")],
        [
            [
                f"{g['project'].code} · {g['project'].name}",
                g["figures"].planned,
                g["figures"].forecast,
                g["figures"].gap,
            ]
            for g in data["gaps"]
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return f"budget-report-{as_of.isoformat()}.xlsx", buffer.getvalue()


def money(value) -> str:
    return format_money(value, decimals=0)
