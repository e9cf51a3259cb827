"""The rows of the project list, written in Python.

The list shows 25 projects a page, each row a dozen cells with a link, badges, dates and the columns
other apps register (ppm.slots): through the template engine that was about half of the page's
Python time (`make bench`). `project_rows_html` writes the same cells — every user text escaped,
dates in the active language's short format — and the template prints them.
"""

from __future__ import annotations

from html import escape

from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portfolio.templatetags.schedule import slippage_badge
from ppm.lists import url_pattern
from ppm.presentation import badge_html, tone_of_field
from ppm.slots import list_cell_html


def _text(value) -> str:
    """``{{ value }}`` under autoescaping: escaped unless marked safe; None and "" as the engine writes
    a missing value."""
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


def _date(value) -> str:
    return _text(date_filter(value, "SHORT_DATE_FORMAT") or "—")


def project_rows_html(projects, *, extra_columns, request=None) -> SafeString:
    """The <tr> of each project of the page (portfolio/partials/project_table.html's columns)."""
    detail_url = url_pattern("portfolio:project_detail")
    none = '<span class="muted">' + _text(_("none")) + "</span>"
    unsorted = [column for column in extra_columns if not column.sort_field]
    sorted_ = [column for column in extra_columns if column.sort_field]
    rows = []
    for project in projects:
        cells = [
            f'<td><a href="{detail_url.format(int(project.pk))}">{_text(project.code)}</a></td>',
            f"<td>{_text(project.name)}</td>",
            "<td>"
            + badge_html(project.status, project.get_status_display(), tone_of_field(project, "status"))
            + "</td>",
        ]
        cells += [f"<td>{_text(list_cell_html(column, project, request))}</td>" for column in unsorted]
        cells += [f"<td>{_text(list_cell_html(column, project, request))}</td>" for column in sorted_]
        directorate = project.directorate.name
        manager = project.manager
        objectives = [
            f'<abbr title="{_text(objective.name)}">{_text(objective.code)}</abbr>'
            for objective in project.objectives.all()
        ]
        cells += [
            f"<td>{_text(directorate)}</td>",
            f"<td>{_text(manager.get_full_name() or manager.username) if manager else none}</td>",
            f'<td class="nowrap">{_date(project.planned_start)}</td>',
            f'<td class="nowrap">{_date(project.planned_end)}</td>',
            f'<td class="nowrap">{slippage_badge(project.slippage_days)}</td>',
            f'<td><span class="priority priority--{_text(project.priority)}">'
            f"{_text(project.get_priority_display())}</span></td>",
            f"<td>{', '.join(objectives) if objectives else '—'}</td>",
        ]
        rows.append("<tr>\n        " + "\n        ".join(cells) + "\n      </tr>")
    return mark_safe("\n      ".join(rows))  # noqa: S308 - every user text above is escaped
