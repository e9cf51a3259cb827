"""``{% audit_entry_items entries %}``: the items of a history list (ppm.audit.audit_entry_items_html)."""

from django import template

from ppm.audit import audit_entry_items_html

register = template.Library()


@register.simple_tag
def audit_entry_items(entries):
    return audit_entry_items_html(entries)
