"""The rows of a project's task table (the accessible Gantt), written in Python.

A page shows up to 200 tasks, each row with two links, a delete form (its CSRF field and a translated
confirmation naming the task), dates and plural words: through the template engine that was most of
the page's time (`make bench`, a 2,500-task plan). `task_rows_html` writes the same rows as the
template did (portfolio/scheduling/partials/task_table.html), every user text escaped.
"""

from __future__ import annotations

from html import escape

from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ppm.lists import url_pattern


def _date(value, seen: dict) -> str:
    """The date in the language's short format ("—" when None), each distinct date formatted once (a
    plan's tasks share few dates; formatting costs more than the rest of a cell)."""
    text = seen.get(value)
    if text is None:
        text = seen[value] = escape(str(date_filter(value, "SHORT_DATE_FORMAT") or "—"))
    return text


def task_rows_html(tasks, *, project, csrf_token: str) -> SafeString:
    """The <tr> of each task of the page. `task.indent_css` and `task.can_edit` are set by the view;
    the delete form is written when the user may edit the schedule (`project.can_edit`)."""
    edit_url = url_pattern("portfolio:task_row_edit")
    delete_url = url_pattern("portfolio:task_delete")
    milestone = ' <span class="badge badge--accent">' + escape(_("milestone")) + "</span>"
    critical = ' <span class="badge badge--danger">' + escape(_("critical")) + "</span>"
    edit_word, delete_word = escape(_("Edit")), escape(_("Delete"))
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(csrf_token))}">'
    may_delete = bool(getattr(project, "can_edit", False))
    dates: dict = {}
    rows = []
    for task in tasks:
        pk = int(task.pk)
        name = escape(task.name)
        title = f"<strong>{name}</strong>" if task.is_summary else name
        if task.milestone:
            title += milestone
        if task.critical and not task.is_summary:
            title += critical
        issues = "".join(
            f'<p class="task-issue"><span aria-hidden="true">⚠</span> {escape(str(message))}</p>'
            for message in task.schedule_issue_messages
        )
        duration = ngettext("%(counter)s day", "%(counter)s days", task.duration) % {"counter": task.duration}
        actions = ""
        if task.can_edit:
            url = edit_url.format(pk)
            actions += (
                f'<a class="button button--small" href="{url}" hx-get="{url}" hx-target="#task-row-{pk}" '
                f'hx-swap="outerHTML">{edit_word}<span class="visually-hidden"> {name}</span></a>'
            )
        if may_delete:
            url = delete_url.format(pk)
            confirm = _("Delete the task “%(name)s”, its sub-tasks and their dependencies?") % {"name": name}
            actions += (
                f'<form class="task-delete" method="post" action="{url}" hx-post="{url}" '
                f'hx-target="#task-table" hx-swap="outerHTML">{csrf}'
                f'<input type="hidden" name="version" value="{int(task.version)}">'
                '<button type="submit" class="button button--small button--danger" '
                f'data-confirm="{confirm}">{delete_word}<span class="visually-hidden"> {name}</span>'
                "</button></form>"
            )
        total_float = "—" if task.total_float is None else str(int(task.total_float))
        summary = ' class="task-row--summary"' if task.is_summary else ""
        rows.append(
            f'<tr id="task-row-{pk}"{summary}>'
            f'<td class="nowrap">{escape(task.wbs)}</td>'
            f'<th scope="row" class="task-name" style="padding-inline-start: {escape(task.indent_css)}">'
            f"{title}{issues}</th>"
            f'<td class="nowrap">{_date(task.start, dates)}</td>'
            f'<td class="nowrap">{_date(task.finish, dates)}</td>'
            f'<td class="nowrap">{escape(duration)}</td>'
            f'<td class="nowrap"><progress max="100" value="{int(task.percent_complete)}" aria-hidden="true">'
            f"</progress> {int(task.percent_complete)} %</td>"
            f'<td class="nowrap">{total_float}</td>'
            f'<td class="nowrap">{actions}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every user text above is escaped
