"""The form renderer (settings.FORM_RENDERER): Django's, with the select box, the checkboxes and the radio
buttons written in Python.

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


# Checkboxes and radio buttons (django/forms/widgets/multiple_input.html and its option templates).
MULTIPLE_TEMPLATES = frozenset(
    {"django/forms/widgets/checkbox_select.html", "django/forms/widgets/radio.html"}
)
INPUT_OPTION_TEMPLATES = frozenset(
    {"django/forms/widgets/checkbox_option.html", "django/forms/widgets/radio_option.html"}
)


def _input_option(option: dict) -> str:
    """checkbox_option.html / radio_option.html (input_option.html, input.html), trailing newlines kept."""
    attrs = option["attrs"]
    value = option["value"]
    tag = (
        f'<input type="{html_text(option["type"])}" name="{html_text(option["name"])}"'
        + ("" if value is None else f' value="{html_text(value)}"')
        + f"{html_attrs(attrs)}>\n"
    )
    if not option.get("wrap_label"):
        return tag + "\n\n"
    label_for = f' for="{html_text(attrs["id"])}"' if attrs.get("id") else ""
    return f"<label{label_for}>{tag} {html_text(option['label'])}</label>\n\n"


def _multiple_input(widget: dict) -> str | None:
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{html_text(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{html_text(attrs["class"])}"')
    parts.append(">")
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{html_text(group_name)}</label>")
        for option in options:
            if option.get("template_name") not in INPUT_OPTION_TEMPLATES:
                return None  # a custom option template: Django's renderer draws the whole widget
            parts.append(f"<div>\n    {_input_option(option)}</div>")
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts).strip()


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if "widget" in context:
            html = None
            if template_name == SELECT_TEMPLATE:
                html = _select(context["widget"])
            elif template_name in MULTIPLE_TEMPLATES:
                html = _multiple_input(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)


# ------------------------------------------------------------------ templates/partials/field.html


def field_html(field) -> str:
    """templates/partials/field.html written in Python, byte for byte (tested against the template): a
    form's label, hint, errors and widget. Every filter form and edit form includes the partial once per
    field, which cost more than the page's own rows on small pages (``{% field_html field %}``)."""
    from django.utils.html import conditional_escape
    from django.utils.translation import gettext

    auto_id = conditional_escape(field.auto_id)
    label = conditional_escape(field.label)
    optional = ""
    if not field.field.required and getattr(field.form, "mark_optional", False):
        word = gettext("optional")
        optional = f' <span class="field__optional">({conditional_escape(word)})</span>'
    help_text = field.help_text
    hint = ""
    if help_text:
        hint = f'<p class="field__hint" id="{auto_id}_helptext">{conditional_escape(help_text)}</p>'
    errors = field.errors
    parts = ['\n<div class="field', " field--error" if errors else "", '">\n  ']
    if field.use_fieldset:
        described = field.aria_describedby
        parts.append(
            f'\n    <fieldset id="{auto_id}_fieldset" aria-labelledby="{auto_id}_legend"'
            + (f' aria-describedby="{conditional_escape(described)}"' if described else "")
            + f'>\n      <legend class="field__label" id="{auto_id}_legend">{label}{optional}</legend>'
            f"\n      {hint}\n      {conditional_escape(errors)}"
            f"\n      {conditional_escape(field)}\n    </fieldset>\n  "
        )
    else:
        parts.append(
            f'\n    <label for="{conditional_escape(field.id_for_label)}">{label}{optional}</label>'
            f"\n    {hint}\n    {conditional_escape(errors)}\n    {conditional_escape(field)}\n  "
        )
    parts.append("\n</div>\n")
    return "".join(parts)
