"""The form renderer (settings.FORM_RENDERER): Django's, with the select box written in Python.

Django renders a <select> by including one template per <option>: a filter form whose selects list 200
managers, 40 directorates and the objectives cost ~10 ms of template work per page (the project list's
Python share in `make bench`). This renderer writes the same HTML (byte for byte: tested against
Django's templates) for the stock select and option templates, and hands every other template — and any
widget whose options use another template — to Django's renderer unchanged.
"""

from __future__ import annotations

from html import escape

from django.forms.renderers import DjangoTemplates

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def html_text(value) -> str:
    """``{{ value }}`` under autoescaping: escaped (as django.utils.html.escape does) unless marked safe."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


def html_attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {html_text(name)}")
        else:
            parts.append(f' {html_text(name)}="{html_text(value)}"')
    return "".join(parts)


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{html_text(widget["name"])}"{html_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{html_text(group_name)}">')
        for option in options:
            if option.get("template_name") != OPTION_TEMPLATE:
                return None  # a custom option template: Django's renderer draws the whole select
            parts.append(
                f'\n  <option value="{html_text(option["value"])}"{html_attrs(option["attrs"])}>'
                f"{html_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts).strip()  # as Django's renderer returns a template's output


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = _select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
