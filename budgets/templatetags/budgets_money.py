"""Money in templates: `{% load budgets_money %}{{ amount|euros }}` (localised, see budgets.money)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from budgets.money import format_money, format_number

register = template.Library()


@register.filter
def euros(value):
    """« 1 234,50 € » / « €1,234.50 »; empty for None."""
    if value is None or value == "":
        return ""
    return format_money(Decimal(value))


@register.filter
def euros_round(value):
    """Whole euros (dashboards): « 1 235 € » / « €1,235 »."""
    if value is None or value == "":
        return ""
    return format_money(Decimal(value), decimals=0)


@register.filter
def amount(value):
    """The number alone, localised with two decimals (tables with a € column header)."""
    if value is None or value == "":
        return ""
    return format_number(Decimal(value))


@register.filter
def amount_plain(value):
    """The number as typed back in a form field: localised decimal separator, no grouping."""
    if value is None or value == "":
        return ""
    return format_number(Decimal(value), grouping=False)


@register.filter
def sub_amount(value, other):
    """value − other (Decimal)."""
    return Decimal(value or 0) - Decimal(other or 0)
