"""Template helpers of the contracts pages: amounts in the reader's style, percents."""

from decimal import Decimal

from django import template
from django.utils import formats

from budgets.contracts import money_format

register = template.Library()


@register.filter
def euros(value) -> str:
    """« 1 234 567,89 € » in French, "€1,234,567.89" in English; "—" for nothing."""
    if value is None or value == "":
        return "—"
    return money_format(Decimal(value))


@register.filter
def pct(value) -> str:
    """A percent with one decimal in the reader's style ("92.4 %" / « 92,4 % »)."""
    if value is None:
        return "—"
    return formats.number_format(value, decimal_pos=1, use_l10n=True) + "\u00a0%"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
