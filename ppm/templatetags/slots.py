"""``{% slot "name" key=value … %}``: render every panel other apps registered for a slot (ppm.slots)."""

from django import template
from django.utils.safestring import mark_safe

from ppm.slots import extension_badges as _badges
from ppm.slots import (
    lazy_panel_placeholder,
    lazy_panels_fallback,
    list_cell_html,
    panel_html,
    panels_shown_in_place,
    slot_panels,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str, lazy: bool = False, **kwargs):
    """With ``lazy=True``, the panels registered as lazy are placeholders that htmx fills once the page
    has loaded (the page's view answers ``?panel=<key>`` with ppm.slots.slot_panel_response)."""
    request = context.get("request")
    defer = lazy and request is not None and not panels_shown_in_place(request)
    parts = []
    deferred = False
    for panel in slot_panels(name):
        if defer and panel.lazy:
            parts.append(lazy_panel_placeholder(panel, request))
            deferred = True
        else:
            parts.append(panel_html(panel, request, kwargs, context))
    if deferred:
        parts.append(lazy_panels_fallback(request))
    return mark_safe("".join(parts))  # noqa: S308 - rendered templates, autoescaped


@register.simple_tag(takes_context=True)
def list_cell(context, column, row):
    """One cell of a registered list column (ppm.slots.column_register): its template with ``row``,
    ``value`` (the row's attribute named by the column's key) and ``column``."""
    return list_cell_html(column, row, context.get("request"))


@register.inclusion_tag("partials/extension_badges.html")
def extension_badges(extensions, size: int = 16):
    """``{% extension_badges payload.project.extensions %}``: the badges other apps give a project."""
    return {"badges": _badges(extensions), "size": size}
