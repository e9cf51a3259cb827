"""{% workload_cells %} writes the cells the workload grid's template wrote."""

from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from ppm.testing import same_markup

# The cells of one grid row before they were written in Python.
CELLS_TEMPLATE = """{% load i18n %}          {% for cell in row.cells %}
          <td class="num wl-cell{% if cell.deviates %} wl-cell--deviates{% endif %}{% if cell.error %} wl-cell--error{% endif %}">
            {% if can_edit %}
            <label class="visually-hidden" for="{{ cell.dom_id }}">{{ row.label }}{% if row.is_external %} ({% translate "outsourced" %}){% endif %}, {{ cell.period_long }}</label>
            <input id="{{ cell.dom_id }}" class="wl-input" name="days" type="text" inputmode="decimal" autocomplete="off" size="5"
                   value="{% if cell.error %}{{ cell.error_value }}{% elif cell.days %}{{ cell.days|floatformat:'-2' }}{% endif %}"
                   hx-post="{{ cell_url }}" hx-trigger="change" hx-vals="{{ cell.vals }}"
                   {% if cell.error %}aria-invalid="true" aria-describedby="{{ cell.dom_id }}-error"{% endif %}>
            {% elif cell.days %}{{ cell.days|floatformat:"-2" }}{% endif %}
            {% if cell.deviates %}<span class="wl-dev" title="{% translate 'Template figure' %}"><span aria-hidden="true">≠</span><span class="visually-hidden">{% translate "differs from the template:" %}</span> {{ cell.template_days|floatformat:"-2" }}</span>{% endif %}
            {% if cell.error %}<span class="wl-error" id="{{ cell.dom_id }}-error" role="alert">{{ cell.error }}</span>{% endif %}
          </td>
          {% endfor %}
"""  # noqa: E501


def _row(external: bool) -> dict:
    cells = [
        {
            "days": Decimal("12.50"),
            "dom_id": "cell-moe-1--0-2025-01",
            "period_long": "January 2025",
            "vals": '{"cell": "moe|1||0|2025-01", "version": 3}',
        },
        {
            "days": Decimal("0"),
            "dom_id": "cell-moe-1--0-2025-02",
            "period_long": "February 2025",
            "vals": '{"cell": "x"}',
            "deviates": True,
            "template_days": Decimal("4.25"),
        },
        {
            "days": None,
            "dom_id": "cell-moe-1--0-2025-03",
            "period_long": "March <2025>",
            "vals": '{"a": "<b>"}',
            "error": "Enter a number & try again",
            "error_value": "abc<",
        },
        {
            "days": Decimal("3"),
            "dom_id": "cell-4",
            "period_long": "April",
            "vals": "{}",
            "deviates": True,
            "template_days": Decimal("2.5"),
        },
    ]
    return {"label": "Développeur·se <MOE> & co", "is_external": external, "cells": cells}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("can_edit", [True, False])
@pytest.mark.parametrize("external", [True, False])
def test_cells_are_those_the_template_wrote(language, can_edit, external):
    context = {"row": _row(external), "can_edit": can_edit, "cell_url": "/projects/1/workload/cell/?a=1&b=2"}
    with translation.override(language):
        expected = engines["django"].from_string(CELLS_TEMPLATE).render(context)
        written = (
            engines["django"]
            .from_string("{% load workload_grid %}{% workload_cells row can_edit cell_url %}")
            .render(context)
        )
    assert same_markup(written) == same_markup(expected)
    assert "<MOE>" not in written
