"""Money in templates: `{% load budgets_money %}{{ amount|euros }}` (localised, see budgets.money)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from budgets.money import format_money, format_number, number_formatter

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


_FIGURES = ("planned", "forecast", "committed", "paid", "remaining")


@register.simple_tag
def budget_leaf_rows(projects) -> SafeString:
    """The project rows of the portfolio budget's envelope table, written in Python: the page lists every
    project of every section (2,000 rows and 10,000 amounts over the benchmark's portfolio), which the
    template language takes ~100 ms to draw. The same markup as a template row would give."""
    url = reverse("budgets:project_budget", args=[0]).replace("/0/", "/{}/", 1)
    number = number_formatter()
    rows = []
    for project in projects:
        figures = project.figures
        values = (getattr(figures, name) for name in _FIGURES)
        cells = "".join(
            f'<td class="num">{"" if value is None else escape(number(value))}</td>' for value in values
        )
        rows.append(
            f'<tr class="budget-leaf"><th scope="row"><a href="{url.format(int(project.key))}">'
            f"{escape(project.label)}</a></th>{cells}</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
