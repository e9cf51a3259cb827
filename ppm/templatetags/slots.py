"""``{% slot "name" key=value … %}``: render every panel other apps registered for a slot (ppm.slots)."""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from ppm.slots import extension_badges as _badges
from ppm.slots import list_cell_html, slot_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str, **kwargs):
    request = context.get("request")
    parts = []
    for panel in slot_panels(name):
        values = dict(kwargs)
        if panel.context is not None:
            extra = panel.context(request, **kwargs)
            if extra is None:
                continue
            values.update(extra)
        values.setdefault("request", request)
        values.setdefault("user", getattr(request, "user", None))
        for key in ("namespace", "url_name", "perms", "csrf_token", "LANGUAGE_CODE"):
            if key in context and key not in values:
                values[key] = context[key]
        parts.append(get_template(panel.template).render(values, request))
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
