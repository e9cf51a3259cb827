"""``{% workload_cells row can_edit cell_url %}``: one row's cells of the workload grid, in Python.

A project's plan shows a dozen months for each family, role and person, each cell an input with its
label, its posted values and, where it differs from the ratio template, the template's figure: through
the template engine those cells were most of the workload tab's time (`make bench`). Same markup as
the template wrote, every text escaped.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ppm.presentation import floatformat2

register = template.Library()


@register.simple_tag
def workload_cells(row: dict, can_edit: bool, cell_url: str) -> SafeString:
    outsourced = " (" + escape(_("outsourced")) + ")" if row.get("is_external") else ""
    label = escape(str(row["label"])) + outsourced
    template_figure = escape(_("Template figure"))
    differs = escape(_("differs from the template:"))
    url = escape(str(cell_url))
    parts = []
    for cell in row["cells"]:
        error = cell.get("error")
        days = cell.get("days")
        classes = "num wl-cell"
        if cell.get("deviates"):
            classes += " wl-cell--deviates"
        if error:
            classes += " wl-cell--error"
        dom_id = escape(str(cell.get("dom_id", "")))
        if can_edit:
            if error:
                value = escape(str(cell.get("error_value", "")))
            else:
                value = escape(floatformat2(days)) if days else ""
            invalid = f' aria-invalid="true" aria-describedby="{dom_id}-error"' if error else ""
            period = escape(str(cell.get("period_long", "")))
            content = (
                f'<label class="visually-hidden" for="{dom_id}">{label}, {period}'
                f'</label><input id="{dom_id}" class="wl-input" name="days" type="text" inputmode="decimal" '
                f'autocomplete="off" size="5" value="{value}" hx-post="{url}" hx-trigger="change" '
                f'hx-vals="{escape(str(cell.get("vals", "")))}"{invalid}>'
            )
        else:
            content = escape(floatformat2(days)) if days else ""
        if cell.get("deviates"):
            content += (
                f'<span class="wl-dev" title="{template_figure}"><span aria-hidden="true">≠</span>'
                f'<span class="visually-hidden">{differs}</span> '
                f"{escape(floatformat2(cell.get('template_days')))}</span>"
            )
        if error:
            content += f'<span class="wl-error" id="{dom_id}-error" role="alert">{escape(str(error))}</span>'
        parts.append(f'<td class="{classes}">{content}</td>')
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
