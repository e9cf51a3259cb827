"""The project sheet (fiche projet): an A4 PDF of one project, rendered by WeasyPrint.

Everything is drawn by the server: the schedule chart is inline SVG built here (no browser, no
kaleido), the print CSS uses blocks and tables only (nested flex layouts are exponential in
WeasyPrint, #1166). Rendering happens in a Celery task (portfolio.tasks.render_project_sheet)
through ppm.reports, in the language of the user who asked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.selectors import objective_list, project_detail_get
from ppm.audit import audit_entries_for
from ppm.models import ReportJob
from ppm.pdf import render_pdf
from ppm.presentation import colour_for
from ppm.reports import ReportError

SHEET_KIND = "project_sheet"
SHEET_TEMPLATE = "portfolio/pdf/project_sheet.html"
RECENT_CHANGES = 12
CHANGE_VALUE_MAX = 160


def css_string(value: str) -> str:
    """`value` as a CSS string literal; everything but plain text is escaped (so no `</style>`)."""
    safe = set(" .,:;·-_()/'") | set("0123456789")
    out = []
    for char in value:
        if char.isalpha() or char in safe:
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return '"' + "".join(out) + '"'


def _counter_content(template: str) -> str:
    """ "Page %(page)s of %(pages)s" (translated) → CSS content with the page counters."""
    parts: list[str] = []
    rest = template
    while rest:
        positions = [(rest.find(token), token) for token in ("%(page)s", "%(pages)s") if token in rest]
        if not positions:
            parts.append(css_string(rest))
            break
        index, token = min(positions)
        if index:
            parts.append(css_string(rest[:index]))
        parts.append("counter(page)" if token == "%(page)s" else "counter(pages)")  # noqa: S105
        rest = rest[index + len(token) :]
    return " ".join(parts)


def page_css(*, project: Project, generated_at: datetime.datetime) -> SafeString:
    """The @page margin boxes: header (Pilotis · code · name), footer (page N of M, date)."""
    header = f"Pilotis · {project.code} · {project.name}"
    generated = _("Generated on %(date)s") % {
        "date": date_format(timezone.localtime(generated_at), "SHORT_DATETIME_FORMAT")
    }
    pages = _counter_content(_("Page %(page)s of %(pages)s"))
    return mark_safe(  # noqa: S308 - every string is escaped by css_string
        "@page {"
        f" @top-left {{ content: {css_string(header)}; }}"
        f" @bottom-left {{ content: {css_string(generated)}; }}"
        f" @bottom-right {{ content: {pages}; }}"
        " }"
    )


@dataclass(frozen=True)
class _Segment:
    start: datetime.date
    end: datetime.date
    status: str
    label: str


def _status_segments(status_changes, today: datetime.date) -> list[_Segment]:
    segments: list[_Segment] = []
    changes = list(status_changes)
    for index, change in enumerate(changes):
        start = timezone.localdate(change.at)
        end = timezone.localdate(changes[index + 1].at) if index + 1 < len(changes) else today
        segments.append(
            _Segment(start, max(start, end), change.target, str(ProjectStatus(change.target).label))
        )
    return segments


# The chart draws dates within these bounds; anything outside (the rules refuse it, but older data or a
# future rule change might hold it) is drawn at the edge, its label still giving the real date.
CHART_FIRST_DAY = datetime.date(1900, 1, 1)
CHART_LAST_DAY = datetime.date(2200, 12, 31)
TICK_STEPS_MONTHS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200)


def _clamp(day: datetime.date) -> datetime.date:
    return min(max(day, CHART_FIRST_DAY), CHART_LAST_DAY)


def _month_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First days of months between start and end, thinned to at most ~8 ticks."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = next((s for s in TICK_STEPS_MONTHS if months / s <= 8), TICK_STEPS_MONTHS[-1])
    year, month = start.year, start.month
    ticks = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        tick = datetime.date(year, month, 1)
        if tick > end:
            break
        if (tick.year * 12 + tick.month - 1) % step == 0:
            ticks.append(tick)
    return ticks


def schedule_chart_svg(
    *,
    planned_start: datetime.date | None,
    planned_end: datetime.date | None,
    status_changes,
    today: datetime.date,
) -> SafeString:
    """An inline SVG: the planned period as a bar, the status history as steps, today as a line."""
    segments = _status_segments(status_changes, today)
    dates = [today] + [d for d in (planned_start, planned_end) if d] + [s.start for s in segments]
    first, last = _clamp(min(dates)), _clamp(max(dates))
    if (last - first).days < 60:
        first, last = first - datetime.timedelta(days=30), last + datetime.timedelta(days=30)
    span = (last - first).days
    first -= datetime.timedelta(days=max(1, span // 30))
    last += datetime.timedelta(days=max(1, span // 30))
    span = (last - first).days

    width, label_width, right = 680.0, 92.0, 8.0
    plot = width - label_width - right

    def x(day: datetime.date) -> float:
        return round(label_width + plot * (min(max(day, first), last) - first).days / span, 1)

    text = 'font-family="DejaVu Sans, sans-serif" font-size="9"'
    parts: list[str] = []
    row_plan, row_status, row_height = 18, 50, 22
    axis_y = row_status + row_height + 8

    # Rows and their labels.
    for y, label in ((row_plan, _("Planned")), (row_status, _("Status"))):
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{plot}" height="{row_height}" fill="#f3f4f6"/>'
            f'<text x="0" y="{y + 14}" {text} fill="#111827">{xml_escape(label)}</text>'
        )
    if planned_start and planned_end:
        x0, x1 = x(planned_start), x(planned_end)
        parts.append(
            f'<rect x="{x0}" y="{row_plan + 3}" width="{max(x1 - x0, 1.5)}" height="{row_height - 6}" '
            f'rx="3" fill="#1d4ed8"/>'
        )
        period = " – ".join(date_format(day, "SHORT_DATE_FORMAT") for day in (planned_start, planned_end))
        if x1 - x0 > 120:
            parts.append(
                f'<text x="{x0 + 5}" y="{row_plan + 14}" {text} fill="#ffffff">{xml_escape(period)}</text>'
            )
        else:
            parts.append(
                f'<text x="{x1 + 4}" y="{row_plan + 14}" {text} fill="#111827">{xml_escape(period)}</text>'
            )
    else:
        no_dates = xml_escape(_("No planned dates"))  # outside the f-string: makemessages reads it
        parts.append(
            f'<text x="{label_width + 6}" y="{row_plan + 14}" {text} fill="#4b5563">{no_dates}</text>'
        )
    for segment in segments:
        x0, x1 = x(segment.start), x(segment.end)
        colour = colour_for(ProjectStatus, segment.status)
        parts.append(
            f'<rect x="{x0}" y="{row_status + 3}" width="{max(x1 - x0, 2)}" height="{row_height - 6}" '
            f'fill="{colour}"/>'
        )
        if x1 - x0 > 6.5 * len(segment.label) + 8:
            label = xml_escape(segment.label)
            parts.append(f'<text x="{x0 + 4}" y="{row_status + 14}" {text} fill="#ffffff">{label}</text>')

    # Time axis with month ticks.
    parts.append(
        f'<line x1="{label_width}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="#9ca3af"/>'
    )
    for tick in _month_ticks(first, last):
        tx = x(tick)
        parts.append(
            f'<line x1="{tx}" y1="{axis_y}" x2="{tx}" y2="{axis_y + 4}" stroke="#9ca3af"/>'
            f'<text x="{tx}" y="{axis_y + 14}" {text} fill="#374151" text-anchor="middle">'
            f"{xml_escape(date_format(tick, 'N Y'))}</text>"
        )

    # Today.
    tx = x(today)
    today_word = xml_escape(_("Today"))  # outside the f-string: makemessages reads it
    parts.append(
        f'<line x1="{tx}" y1="{row_plan - 6}" x2="{tx}" y2="{axis_y}" stroke="#dc2626" '
        f'stroke-width="1.5" stroke-dasharray="3 2"/>'
        f'<text x="{tx}" y="{row_plan - 8}" {text} fill="#dc2626" text-anchor="middle">'
        f"{today_word}</text>"
    )

    # Legend of the statuses shown.
    legend_y = axis_y + 30
    lx = label_width
    for status in dict.fromkeys(s.status for s in segments):
        label = str(ProjectStatus(status).label)
        colour = colour_for(ProjectStatus, status)
        parts.append(
            f'<rect x="{lx}" y="{legend_y - 8}" width="9" height="9" fill="{colour}"/>'
            f'<text x="{lx + 13}" y="{legend_y}" {text} fill="#111827">{xml_escape(label)}</text>'
        )
        lx += 13 + 6 * len(label) + 16
    height = legend_y + 6
    title = _("Planned period and status history")
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" width="{}" height="{}" '
        'role="img" aria-label="{}">{}</svg>',
        int(width),
        height,
        int(width),
        height,
        title,
        mark_safe("".join(parts)),  # noqa: S308 - escaped above
    )


def _short(value: str) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= CHANGE_VALUE_MAX else value[: CHANGE_VALUE_MAX - 1] + "…"


def project_sheet_context(project: Project, *, generated_at: datetime.datetime) -> dict:
    """Everything the sheet template shows, as plain data (a fixed number of queries)."""
    today = timezone.localdate(generated_at)
    status_changes = list(project.status_changes.all())
    objectives = list(
        objective_list().filter(projects=project).order_by("axis__order", "axis__code", "order", "code")
    )
    changes = [
        {
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.get_action_display(),
            "fields": [
                {"label": change["label"], "old": _short(change["old"]), "new": _short(change["new"])}
                for change in entry.display_changes
            ],
        }
        for entry in audit_entries_for(project)[:RECENT_CHANGES]
    ]
    return {
        "project": project,
        "generated_at": generated_at,
        "page_css": page_css(project=project, generated_at=generated_at),
        "objectives": objectives,
        "status_changes": status_changes,
        "changes": changes,
        "chart": schedule_chart_svg(
            planned_start=project.planned_start,
            planned_end=project.planned_end,
            status_changes=status_changes,
            today=today,
        ),
    }


def project_sheet_html(project: Project, *, generated_at: datetime.datetime | None = None) -> str:
    """The sheet as HTML (what WeasyPrint prints); in the active language."""
    context = project_sheet_context(project, generated_at=generated_at or timezone.now())
    return render_to_string(SHEET_TEMPLATE, context)


def project_sheet_pdf(project: Project, *, generated_at: datetime.datetime | None = None) -> bytes:
    return render_pdf(project_sheet_html(project, generated_at=generated_at))


def project_sheet_filename(project: Project) -> str:
    name = _("project sheet")  # outside the f-string: makemessages reads it
    return f"{slugify(name)}-{project.code}.pdf"


def project_sheet_render(job: ReportJob) -> tuple[str, bytes]:
    """Render function of ppm.reports: (download file name, PDF bytes) of the job's project."""
    try:
        project = project_detail_get(user=job.requested_by, pk=job.object_id)
    except Http404:
        raise ReportError(_("The project no longer exists.")) from None
    return project_sheet_filename(project), project_sheet_pdf(project)
