"""``{% field_html field %}``: templates/partials/field.html written in Python (ppm.form_renderer)."""

from django import template
from django.utils.safestring import mark_safe

from ppm.form_renderer import field_html as _field_html

register = template.Library()


@register.simple_tag
def field_html(field):
    return mark_safe(_field_html(field))  # noqa: S308 - every value escaped by field_html
