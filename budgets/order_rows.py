"""The rows of the order tables (orders list, agreement page, project panel), written in Python.

Each row has two or three links and two amounts: through the template engine, `{% url %}` and the
`euros` filter were most of those pages' Python time (`make bench`). The cells are those the
templates wrote, every user text escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeString, mark_safe

from budgets.contracts import money_format
from ppm.lists import url_pattern
from ppm.presentation import badge_html, tone_of_field

LIST_CELLS = ("number", "title", "agreement", "project", "status", "amount", "ordered_on", "invoiced")
AGREEMENT_CELLS = ("number", "title", "project", "status", "amount", "invoiced")
PROJECT_CELLS = ("number", "title", "agreement_text", "status", "amount", "invoiced")


def order_rows_html(orders: Iterable, *, cells: Sequence[str]) -> SafeString:
    urls = {
        "order": url_pattern("budgets:order_detail"),
        "agreement": url_pattern("budgets:agreement_detail"),
        "project": url_pattern("portfolio:project_detail"),
    }
    rows = []
    for order in orders:
        parts = []
        for cell in cells:
            if cell == "number":
                url = urls["order"].format(int(order.pk))
                parts.append(f'<td class="nowrap"><a href="{url}">{escape(order.number)}</a></td>')
            elif cell == "title":
                parts.append(f"<td>{escape(order.title)}</td>")
            elif cell == "agreement":
                url = urls["agreement"].format(int(order.agreement_id))
                parts.append(
                    f'<td class="nowrap"><a href="{url}">{escape(order.agreement.reference)}</a></td>'
                )
            elif cell == "agreement_text":
                parts.append(f'<td class="nowrap">{escape(order.agreement.reference)}</td>')
            elif cell == "project":
                url = urls["project"].format(int(order.project_id))
                parts.append(f'<td><a href="{url}">{escape(order.project.code)}</a></td>')
            elif cell == "status":
                badge = badge_html(order.status, order.get_status_display(), tone_of_field(order, "status"))
                parts.append(f"<td>{badge}</td>")
            elif cell in ("amount", "invoiced"):
                parts.append(f'<td class="num nowrap">{escape(money_format(getattr(order, cell)))}</td>')
            elif cell == "ordered_on":
                day = date_filter(order.ordered_on, "SHORT_DATE_FORMAT") or "—"
                parts.append(f'<td class="nowrap">{escape(day)}</td>')
            else:
                raise ValueError(f"unknown order cell {cell!r}")
        rows.append("<tr>" + "".join(parts) + "</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 - every user text above is escaped
