"""The costing page's table rows written in Python (`{% costing_rows rows group %}`, costing_tags)."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from budgets.money import format_money
from ppm.lists import url_pattern

register = template.Library()


@register.simple_tag
def costing_rows(rows, group: str) -> SafeString:
    """The rows of the roll-up table (50 per page, 8 amounts each): the template language took ~10 ms to
    draw them. The same markup a template row gave: the label (a link to the project when by project),
    then the lines' voted, forecast, committed and paid amounts, the internal and external workload cost,
    planned and actual."""
    url = url_pattern("portfolio:project_detail")
    lines = []
    for row in rows:
        label = escape(row.label)
        head = f'<a href="{url.format(int(row.key.pk))}">{label}</a>' if group == "project" else label
        work = row.workload
        amounts = (
            row.planned,
            row.forecast,
            row.committed,
            row.paid,
            work.planned_internal,
            work.actual_internal,
            work.planned_external,
            work.actual_external,
        )
        cells = "".join(f'<td class="num nowrap">{escape(format_money(amount))}</td>' for amount in amounts)
        lines.append(f'<tr>\n      <th scope="row">{head}</th>{cells}</tr>')
    return mark_safe("".join(lines))  # noqa: S308 - every value above is escaped
