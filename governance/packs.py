"""Portfolio report packs (PDF and XLSX), built as report jobs (ppm.reports) by Celery.

A pack covers a scope (all projects, a strategic objective, a directorate or a project office) as of a
date: a cover, the portfolio summary and trend, the weather map, slipped projects and milestones, budget
and capacity summaries where those apps hold data, then one page per project from its latest validated
flash report. The PDF is one WeasyPrint document (ppm.pdf: tagged PDF/UA-1, document language, tables
rather than charts so nothing needs alt text); the XLSX has a summary sheet, a weather map sheet and one
row per project. Progress is reported project by project while the pages are composed.

Params of a pack job: {"scope": "all|objective|directorate|project_office", "scope_id": int|None,
"as_of": "YYYY-MM-DD", "language": "en|fr"} (+ "schedule": name, for a scheduled run).
"""

from __future__ import annotations

import datetime
import io
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.models import (
    WEATHER_RANK,
    Dimension,
    FlashReportItem,
    ItemKind,
    ItemStatus,
    ProjectOffice,
    Weather,
)
from governance.steering import (
    budget_rows,
    budget_totals,
    late_milestones,
    slipped_projects,
    team_rows,
    weather_rows,
    weather_trend,
)
from portfolio.models import Objective, Project
from portfolio.rules import ProjectStatus
from ppm.models import Directorate, ReportJob
from ppm.reports import ReportError

PDF_KIND = "report_pack_pdf"
XLSX_KIND = "report_pack_xlsx"
KINDS = (PDF_KIND, XLSX_KIND)
TEMPLATE = "governance/steering_pack_pdf.html"
SCOPES = {
    "all": gettext_lazy("All projects"),
    "objective": gettext_lazy("Strategic objective"),
    "directorate": gettext_lazy("Directorate"),
    "project_office": gettext_lazy("Project office"),
}
SCOPE_MODELS: dict[str, Any] = {
    "objective": Objective,
    "directorate": Directorate,
    "project_office": ProjectOffice,
}
SUMMARY_ROWS = 25


@dataclass
class PackScope:
    scope: str
    scope_id: int | None
    as_of: datetime.date
    label: str

    @property
    def title(self) -> str:
        return self.label


def pack_scope(params: dict) -> PackScope:
    """The scope a pack's params name (ReportError when it no longer exists)."""
    scope = params.get("scope") or "all"
    if scope not in SCOPES:
        raise ReportError(_("Unknown scope."))
    as_of = parse_date(str(params.get("as_of") or "")) or timezone.localdate()
    scope_id = params.get("scope_id")
    if scope == "all":
        return PackScope("all", None, as_of, str(SCOPES["all"]))
    model = SCOPE_MODELS[scope]
    try:
        obj = model.objects.get(pk=scope_id)
    except (model.DoesNotExist, ValueError, TypeError):
        raise ReportError(_("The scope of this pack no longer exists.")) from None
    return PackScope(scope, obj.pk, as_of, f"{SCOPES[scope]} · {obj}")


def pack_projects(scope: PackScope) -> QuerySet[Project]:
    projects = Project.objects.exclude(
        status__in=(
            ProjectStatus.CLOSED,
            ProjectStatus.CANCELLED,
            ProjectStatus.NOT_RETAINED,
            ProjectStatus.DEMAND,
        )
    ).order_by()
    if scope.scope == "objective":
        projects = projects.filter(pk__in=Project.objects.filter(objectives=scope.scope_id).values("pk"))
    elif scope.scope == "directorate":
        projects = projects.filter(directorate__pk=scope.scope_id or 0)
    elif scope.scope == "project_office":
        projects = projects.filter(governance__project_office_id=scope.scope_id)
    return projects


def _weather_word(value: str) -> str:
    return str(dict(Weather.choices).get(value, _("No report")))


def pack_data(scope: PackScope, *, progress=None, projects: QuerySet[Project] | None = None) -> dict:
    """Everything a pack shows, in the active language. `progress(done, total)` is called per project;
    `projects` overrides the scope's projects (the benchmark's fixed sample)."""
    from budgets.models import BudgetTotal
    from resources.models import Allocation

    projects = pack_projects(scope) if projects is None else projects
    rows = weather_rows(projects, as_of=scope.as_of)
    report_ids = [row.report.pk for row in rows]
    items: dict[int, list] = {}
    for item in FlashReportItem.objects.filter(report_id__in=report_ids, status=ItemStatus.OPEN).order_by(
        "kind", "order", "pk"
    ):
        items.setdefault(item.report_id, []).append(item)
    pages = []
    started = time.perf_counter()
    for index, row in enumerate(rows, start=1):
        report = row.report
        report_items = items.get(report.pk, [])
        pages.append(
            {
                "row": row,
                "report": report,
                "project": row.project,
                "weather_word": _weather_word(report.weather),
                "dimensions": [(label, row.dimensions.get(code)) for code, label in Dimension.choices],
                "figures": [
                    (figure.get("label") or key, figure.get("value"))
                    for key, figure in (report.figures or {}).items()
                    if isinstance(figure, dict)
                ],
                "risks": [item for item in report_items if item.kind == ItemKind.RISK],
                "decisions": [item for item in report_items if item.kind == ItemKind.DECISION],
            }
        )
        if progress is not None:
            progress(index, len(rows))
    counts = {value: 0 for value in Weather.values}
    for row in rows:
        counts[row.report.weather] = counts.get(row.report.weather, 0) + 1
    has_budget = BudgetTotal.objects.filter(year=scope.as_of.year).exists()
    budget = budget_rows(projects, scope.as_of.year) if has_budget else []
    quarter, teams = team_rows(scope.as_of) if Allocation.objects.exists() else (None, [])
    return {
        "scope": scope,
        "projects_count": projects.count(),
        "rows": rows,
        "pages": pages,
        "counts": [(value, label, counts.get(value, 0)) for value, label in Weather.choices],
        "red": [
            row for row in rows if WEATHER_RANK.get(row.report.weather, 0) >= WEATHER_RANK[Weather.RAINY]
        ],
        "trend": weather_trend(projects, scope.as_of),
        "slipped": list(slipped_projects(projects)[:SUMMARY_ROWS]),
        "milestones": list(late_milestones(projects, scope.as_of)[:SUMMARY_ROWS]),
        "budget": budget[:SUMMARY_ROWS],
        "budget_totals": budget_totals(budget),
        "quarter": quarter,
        "teams": [row for row in teams if row["percent"] is None or row["percent"] >= 90][:SUMMARY_ROWS],
        "dimension_labels": [str(label) for _code, label in Dimension.choices],
        "dimension_codes": [code for code, _label in Dimension.choices],
        "generated_at": timezone.now(),
        "compose_seconds": time.perf_counter() - started,
    }


def pack_filename(scope: PackScope, extension: str) -> str:
    name = _("portfolio pack")  # outside the f-string: makemessages reads it
    return f"{slugify(name)}-{slugify(scope.label)[:60]}-{scope.as_of.isoformat()}.{extension}"


def pack_html(data: dict) -> str:
    from governance.templatetags import steering_tags  # noqa: F401 - the template loads it

    return render_to_string(TEMPLATE, data)


def _progress_reporter(job: ReportJob | None, start: int, end: int):
    if job is None:
        return None
    last = {"percent": -1}

    def report(done: int, total: int) -> None:
        percent = start + (end - start) * done // max(total, 1)
        if percent != last["percent"]:
            last["percent"] = percent
            job.set_progress(percent, _("Page %(done)s of %(total)s") % {"done": done, "total": total})

    return report


def pack_pdf(scope: PackScope, *, job: ReportJob | None = None) -> bytes:
    from ppm.pdf import render_pdf

    data = pack_data(scope, progress=_progress_reporter(job, 5, 60))
    html = pack_html(data)
    if job is not None:
        job.set_progress(60, _("Printing %(count)s pages") % {"count": len(data["pages"]) + 3})
    return render_pdf(html)


def pack_render_pdf(job: ReportJob) -> tuple[str, bytes]:
    """Render function of the "report_pack_pdf" kind."""
    scope = pack_scope(job.params)
    return pack_filename(scope, "pdf"), pack_pdf(scope, job=job)


def pack_xlsx(scope: PackScope, *, job: ReportJob | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = pack_data(scope, progress=_progress_reporter(job, 5, 80))
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    bold = Font(bold=True)
    summary.append([_("Portfolio report pack")])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([_("Scope"), scope.label])
    summary.append([_("As of"), scope.as_of])
    summary.append([_("Projects"), data["projects_count"]])
    summary.append([_("Projects with a validated report"), len(data["rows"])])
    summary.append([])
    summary.append([_("Weather"), _("Projects")])
    for _value, label, count in data["counts"]:
        summary.append([str(label), count])
    if data["budget_totals"]:
        summary.append([])
        summary.append([_("Budget %(year)s") % {"year": scope.as_of.year}])
        for key, label in (("planned", _("Planned")), ("committed", _("Committed")), ("paid", _("Paid"))):
            summary.append([label, float(data["budget_totals"][key])])
    for cell in summary["A"]:
        if cell.row in (2, 3, 4, 5, 7):
            cell.font = bold
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 40

    weather = book.create_sheet(_("Weather map")[:31])
    weather.append([_("Code"), _("Project"), _("Period"), _("Overall"), *data["dimension_labels"], _("Why")])
    for row in data["rows"]:
        weather.append(
            [
                row.project.code,
                row.project.name,
                str(row.report.period),
                _weather_word(row.report.weather),
                *[
                    _weather_word(row.dimensions[code].weather) if code in row.dimensions else ""
                    for code in data["dimension_codes"]
                ],
                row.why,
            ]
        )
    projects = book.create_sheet(_("Projects")[:31])
    projects.append(
        [
            _("Code"),
            _("Project"),
            _("Manager"),
            _("Status"),
            _("Weather"),
            _("Trend"),
            _("Percent complete"),
            _("Slippage (working days)"),
            _("Highlights"),
            _("Next steps"),
            _("Open risks"),
            _("Decisions requested"),
        ]
    )
    for page in data["pages"]:
        project, report = page["project"], page["report"]
        projects.append(
            [
                project.code,
                project.name,
                str(project.manager or ""),
                project.get_status_display(),
                page["weather_word"],
                report.get_trend_display(),
                report.percent_complete,
                project.slippage_days,
                report.highlights,
                report.next_steps,
                "\n".join(item.text for item in page["risks"]),
                "\n".join(item.text for item in page["decisions"]),
            ]
        )
    for sheet in (weather, projects):
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pack_render_xlsx(job: ReportJob) -> tuple[str, bytes]:
    """Render function of the "report_pack_xlsx" kind."""
    scope = pack_scope(job.params)
    return pack_filename(scope, "xlsx"), pack_xlsx(scope, job=job)


def pack_params(*, scope: str, scope_id: int | None, as_of: datetime.date) -> dict:
    return {"scope": scope, "scope_id": scope_id if scope != "all" else None, "as_of": as_of.isoformat()}


def pack_job_can_view(user, job: ReportJob) -> bool:
    from governance.permissions import RULES

    return bool(user and user.is_authenticated and RULES.allows(user, "pack.view"))


def pack_job_label(job: ReportJob) -> str:
    try:
        scope = pack_scope(job.params)
    except ReportError:
        return _("Scope removed")
    return f"{scope.label} · {date_format(scope.as_of, 'SHORT_DATE_FORMAT')}"
