"""`{% if user|may:"project.create" %}`: templates ask the declared rule tables, never roles."""

from django import template

from ppm.permissions import table_for

register = template.Library()


@register.filter
def may(user, action: str) -> bool:
    """Whether `user` may do `action` (a collection-level action: no object)."""
    return table_for(action).allows(user, action)
