"""The project Gantt as a PDF (report kind ``gantt_pdf``): an SVG drawn here, printed by ppm.pdf.

The same payload as the browser's (selectors.gantt_payload), the zoom level of the view the user
exported, A4 or A3 landscape. The chart is cut in pages both ways: rows down, time across, the WBS
grid repeated on every page; each page says "Page N of M". Links are drawn where both tasks are on
the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from celery import shared_task
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ppm.models import ReportJob
from ppm.pdf import render_pdf
from ppm.reports import RELIABLE_TASK_OPTIONS, ReportError, report_job_run

# Page geometry in CSS px (96 per inch), margins of 10 mm removed, room for the title and footer.
PAPER = {"A4": (1047, 640), "A3": (1512, 960)}
ROW = 20
HEADER = 40
GRID = {"wbs": 44, "name": 230, "start": 72, "finish": 72}
GRID_WIDTH = sum(GRID.values())
# Pixels per calendar day at each zoom level (as on screen: a day column, a week column, ...).
DAY_WIDTH = {"day": 22.0, "week": 9.0, "month": 2.4, "quarter": 0.9, "year": 0.28}
CRITICAL = "#a4262c"
TASK = "#2f6aa8"
SUMMARY = "#1b1f24"
MILESTONE = "#5a3e8c"


@dataclass
class Row:
    id: int
    wbs: str
    name: str
    depth: int
    start: date | None
    finish: date | None
    percent: int
    milestone: bool
    summary: bool
    critical: bool
    baseline_start: date | None
    baseline_finish: date | None


def _css_string(text: str) -> str:
    """`text` as a CSS string literal (for `content:`): quotes, backslashes and line ends escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{escaped}"'


def _day(value) -> date | None:
    return date.fromisoformat(value) if value else None


def rows_from_payload(payload: dict) -> tuple[list[Row], list[tuple[int, int, str]]]:
    """The payload's rows (in WBS order, with their depth) and links (predecessor, successor, type)."""
    c = {name: i for i, name in enumerate(payload["columns"])}
    depth: dict[int, int] = {}
    rows = []
    for raw in payload["rows"]:
        parent = raw[c["parent_id"]]
        depth[raw[c["id"]]] = depth.get(parent, -1) + 1 if parent else 0
        rows.append(
            Row(
                id=raw[c["id"]],
                wbs=raw[c["wbs"]] or "",
                name=raw[c["name"]] or "",
                depth=depth[raw[c["id"]]],
                start=_day(raw[c["start"]]),
                finish=_day(raw[c["finish"]]),
                percent=raw[c["percent_complete"]] or 0,
                milestone=bool(raw[c["milestone"]]),
                summary=bool(raw[c["summary"]]),
                critical=bool(raw[c["critical"]]),
                baseline_start=_day(raw[c["baseline_start"]]),
                baseline_finish=_day(raw[c["baseline_finish"]]),
            )
        )
    lc = {name: i for i, name in enumerate(payload["link_columns"])}
    links = [
        (raw[lc["predecessor_id"]], raw[lc["successor_id"]], raw[lc["type"]]) for raw in payload["links"]
    ]
    return rows, links


def _range(rows: list[Row], today: date) -> tuple[date, date]:
    days = [d for r in rows for d in (r.start, r.finish, r.baseline_start, r.baseline_finish) if d]
    if not days:
        return today - timedelta(days=7), today + timedelta(days=30)
    return min(days) - timedelta(days=3), max(days) + timedelta(days=4)


def _scale_ticks(start: date, end: date, zoom: str) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
    """(upper, lower) scale ticks: the first day of each unit in [start, end] with its label."""

    def months(step: int):
        d = date(start.year, ((start.month - 1) // step) * step + 1, 1)
        while d <= end:
            yield d
            m = d.month - 1 + step
            d = date(d.year + m // 12, m % 12 + 1, 1)

    def years():
        for y in range(start.year, end.year + 1):
            yield date(y, 1, 1)

    if zoom == "day":
        upper = [(d, formats.date_format(d, "YEAR_MONTH_FORMAT")) for d in months(1)]
        lower = [
            (start + timedelta(days=i), str((start + timedelta(days=i)).day))
            for i in range((end - start).days + 1)
        ]
    elif zoom == "week":
        upper = [(d, formats.date_format(d, "YEAR_MONTH_FORMAT")) for d in months(1)]
        first = start - timedelta(days=start.weekday())
        lower = [
            (first + timedelta(weeks=i), formats.date_format(first + timedelta(weeks=i), "j/m"))
            for i in range((end - first).days // 7 + 1)
        ]
    elif zoom == "month":
        upper = [(d, str(d.year)) for d in years()]
        lower = [(d, formats.date_format(d, "M")) for d in months(1)]
    elif zoom == "quarter":
        upper = [(d, str(d.year)) for d in years()]
        letter = "T" if (translation.get_language() or "").startswith("fr") else "Q"
        lower = [(d, f"{letter}{(d.month - 1) // 3 + 1}") for d in months(3)]
    else:
        upper = []
        lower = [(d, str(d.year)) for d in years()]
    return upper, lower


def _text(
    x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", weight: str = "normal"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}">{escape(text)}</text>'
    )


def _clip(text: str, width: float, size: int = 11) -> str:
    limit = max(3, int(width / (size * 0.55)))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draw_page(
    rows: list[Row],
    links: list[tuple[int, int, str]],
    *,
    width: int,
    start: date,
    end: date,
    zoom: str,
    today: date,
) -> str:
    """One page's SVG: the grid of `rows` and the timeline from `start` to `end` (inclusive)."""
    day_width = DAY_WIDTH[zoom]
    height = HEADER + ROW * len(rows) + 1

    def x_of(d: date) -> float:
        return GRID_WIDTH + (d - start).days * day_width

    def clamp(x: float) -> float:
        return min(max(x, GRID_WIDTH), width)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" role="img">',
        f'<rect x="0" y="0" width="{width}" height="{HEADER}" fill="#f3f5f7"/>',
    ]
    # Grid header.
    x = 0
    for key, label in (
        ("wbs", _("WBS")),
        ("name", _("Task")),
        ("start", pgettext("task date", "Start")),
        ("finish", pgettext("task date", "Finish")),
    ):
        parts.append(_text(x + 4, HEADER - 8, label, weight="bold"))
        x += GRID[key]
    # Time scale.
    upper, lower = _scale_ticks(start, end, zoom)
    for index, (tick, label) in enumerate(upper):
        tx = clamp(x_of(tick))
        following = upper[index + 1][0] if index + 1 < len(upper) else None
        if following is not None and x_of(following) - tx < len(label) * 6 + 6:
            continue  # a unit begun before the page, too close to the next one to be labelled beside it
        parts.append(f'<line x1="{tx:.1f}" y1="0" x2="{tx:.1f}" y2="{HEADER / 2}" stroke="#c5ccd3"/>')
        parts.append(_text(tx + 3, 14, label, size=10))
    for tick, label in lower:
        tx = x_of(tick)
        if tx < GRID_WIDTH - 0.5 or tx > width:
            continue
        parts.append(f'<line x1="{tx:.1f}" y1="{HEADER / 2}" x2="{tx:.1f}" y2="{height}" stroke="#e3e7eb"/>')
        parts.append(_text(tx + 2, HEADER - 8, label, size=9))
    parts.append(f'<line x1="0" y1="{HEADER}" x2="{width}" y2="{HEADER}" stroke="#6b7682"/>')
    parts.append(f'<line x1="{GRID_WIDTH}" y1="0" x2="{GRID_WIDTH}" y2="{height}" stroke="#6b7682"/>')

    position: dict[int, tuple[float, float, float]] = {}
    date_format = "SHORT_DATE_FORMAT"
    for index, row in enumerate(rows):
        top = HEADER + index * ROW
        if index % 2:
            parts.append(f'<rect x="0" y="{top}" width="{width}" height="{ROW}" fill="#f8f9fb"/>')
        weight = "bold" if row.summary else "normal"
        indent = 4 + 10 * min(row.depth, 8)
        parts.append(_text(4, top + 14, row.wbs, size=10))
        parts.append(
            _text(GRID["wbs"] + indent, top + 14, _clip(row.name, GRID["name"] - indent - 4), weight=weight)
        )
        if row.start:
            parts.append(
                _text(
                    GRID["wbs"] + GRID["name"] + 4,
                    top + 14,
                    formats.date_format(row.start, date_format),
                    size=10,
                )
            )
        if row.finish:
            parts.append(
                _text(
                    GRID_WIDTH - GRID["finish"] + 4,
                    top + 14,
                    formats.date_format(row.finish, date_format),
                    size=10,
                )
            )
        colour = CRITICAL if row.critical else (SUMMARY if row.summary else TASK)
        if row.baseline_start and row.baseline_finish:
            bx1 = clamp(x_of(row.baseline_start))
            bx2 = clamp(x_of(row.baseline_finish + timedelta(days=1)))
            if bx2 > bx1:
                parts.append(
                    f'<rect x="{bx1:.1f}" y="{top + 14}" width="{bx2 - bx1:.1f}" height="4" fill="#8b96a3"/>'
                )
        if not row.start:
            continue
        finish = row.finish or row.start
        if row.milestone:
            mx = x_of(row.start)
            if GRID_WIDTH <= mx <= width:
                cy = top + 9
                parts.append(
                    f'<path d="M{mx:.1f} {cy - 6} L{mx + 6:.1f} {cy} '
                    f'L{mx:.1f} {cy + 6} L{mx - 6:.1f} {cy} Z" '
                    f'fill="{CRITICAL if row.critical else MILESTONE}"/>'
                )
                parts.append(_text(mx + 9, top + 13, _clip(row.name, 160, 10), size=10))
            position[row.id] = (mx, mx, top + 9)
            continue
        x1, x2 = x_of(row.start), x_of(finish + timedelta(days=1))
        position[row.id] = (x1, x2, top + 9)
        cx1, cx2 = clamp(x1), clamp(x2)
        if cx2 <= cx1:
            continue
        bar_height = 6 if row.summary else 11
        parts.append(
            f'<rect x="{cx1:.1f}" y="{top + 3}" width="{cx2 - cx1:.1f}" height="{bar_height}" rx="2" '
            f'fill="{colour}"/>'
        )
        if row.percent and not row.summary:
            px2 = clamp(x1 + (x2 - x1) * row.percent / 100)
            if px2 > cx1:
                parts.append(
                    f'<rect x="{cx1:.1f}" y="{top + 3}" width="{px2 - cx1:.1f}" height="{bar_height}" rx="2" '
                    'fill="#0a1e3c" fill-opacity="0.45"/>'
                )
    # Links whose two ends are on this page (elbows: out of one end, into the other).
    for predecessor, successor, link_type in links:
        if predecessor not in position or successor not in position:
            continue
        p1, p2, py = position[predecessor]
        s1, s2, sy = position[successor]
        fx = p1 if link_type in ("SS", "SF") else p2
        tx = s2 if link_type in ("FF", "SF") else s1
        if not (GRID_WIDTH <= fx <= width and GRID_WIDTH <= tx <= width):
            continue
        out = fx + (-6 if link_type in ("SS", "SF") else 6)
        into = tx + (6 if link_type in ("FF", "SF") else -6)
        colour = "#6b7682"
        parts.append(
            f'<path d="M{fx:.1f} {py} H{out:.1f} V{sy} H{into:.1f} L{tx:.1f} {sy}" fill="none" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        arrow = -1 if link_type in ("FF", "SF") else 1
        parts.append(f'<path d="M{tx:.1f} {sy} l{-4 * arrow} -3 v6 Z" fill="{colour}"/>')
    if start <= today <= end:
        tx = x_of(today)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{HEADER}" x2="{tx:.1f}" y2="{height}" '
            'stroke="#d97706" stroke-width="2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def gantt_pages(payload: dict, *, zoom: str, paper: str) -> list[str]:
    """The SVG of every page: rows cut down the page, time cut across, rows first then time."""
    page_width, page_height = PAPER[paper]
    rows, links = rows_from_payload(payload)
    today = date.fromisoformat(payload["today"]) if payload.get("today") else timezone.localdate()
    first, last = _range(rows, today)
    days_per_page = max(7, int((page_width - GRID_WIDTH) / DAY_WIDTH[zoom]))
    time_pages = max(1, math.ceil(((last - first).days + 1) / days_per_page))
    rows_per_page = max(1, (page_height - HEADER) // ROW)
    row_chunks = [rows[i : i + rows_per_page] for i in range(0, len(rows), rows_per_page)] or [[]]
    pages = []
    for chunk in row_chunks:
        for t in range(time_pages):
            start = first + timedelta(days=t * days_per_page)
            end = min(last, start + timedelta(days=days_per_page - 1))
            pages.append(
                draw_page(chunk, links, width=page_width, start=start, end=end, zoom=zoom, today=today)
            )
    return pages


def gantt_pdf_render(job: ReportJob) -> tuple[str, bytes]:
    """The render function of the ``gantt_pdf`` report job: ``(filename, PDF bytes)``."""
    from portfolio.models import Project
    from portfolio.scheduling.models import Baseline
    from portfolio.scheduling.selectors import gantt_payload

    params = job.params or {}
    if job.object_id is None:
        raise ReportError(_("This export names no project."))
    project = Project.objects.get(pk=job.object_id)
    baseline = None
    if params.get("baseline"):
        baseline = Baseline.objects.filter(project=project, pk=params["baseline"]).first()
    zoom = params.get("zoom", "week")
    paper = params.get("paper", "A4")
    language = params.get("language") or "en"
    with translation.override(language):
        job.set_progress(10, _("Reading the schedule"))
        payload = gantt_payload(project, baseline=baseline)
        job.set_progress(30, _("Drawing the chart"))
        pages = gantt_pages(payload, zoom=zoom, paper=paper)
        html: str = render_to_string(
            "portfolio/scheduling/gantt_pdf.html",
            {
                "project": project,
                "pages": pages,
                "paper": paper,
                "zoom": zoom,
                "baseline": baseline,
                "extensions": payload["project"]["extensions"],
                "generated": timezone.localtime(),
                "language": language,
            },
        )
        page_label = _("Page %(page)s of %(pages)s")
        before, _sep, rest = page_label.partition("%(page)s")
        middle, _sep, after = rest.partition("%(pages)s")
        footer = f"{project.code} · {formats.date_format(timezone.localtime(), 'SHORT_DATETIME_FORMAT')}"
        html = html.replace(
            "/*PAGE-COUNTER*/",
            f"content: {_css_string(before)} counter(page) {_css_string(middle)} counter(pages) "
            f"{_css_string(after)};",
        ).replace("/*FOOTER-LEFT*/", f"content: {_css_string(footer)};")
        job.set_progress(60, _("Printing the PDF"))
        pdf = render_pdf(html)
    return f"{project.code}-gantt.pdf", pdf


@shared_task(bind=True, name="portfolio.render_gantt_pdf", **RELIABLE_TASK_OPTIONS)
def render_gantt_pdf(self, job_id: int) -> None:
    """Render the Gantt PDF of ReportJob `job_id` (a no-op when it is already ready)."""
    report_job_run(job_id=job_id, render=gantt_pdf_render, can_retry=self.request.retries < self.max_retries)
