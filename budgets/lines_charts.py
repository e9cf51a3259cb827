"""Figures of the budget pages (ppm.charts conventions: Plotly JSON shipped with json_script).

Amounts stay Decimal until the JSON boundary, where they become strings ("1234.50", which Plotly reads
as numbers); hover texts are the localised amounts (budgets.money.format_money)."""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from budgets.money import money_formatter, money_str
from ppm.charts import GRID_COLOUR, base_layout, plotly_text
from ppm.presentation import PALETTE, PRIMARY, Tone

COLOURS = {
    "planned": PRIMARY,
    "forecast": "#6b4fa3",
    "committed": PALETTE[Tone.WARNING],
    "paid": PALETTE[Tone.SUCCESS],
}


def _money_axis(title: str) -> dict:
    return {
        "title": {"text": plotly_text(title)},
        "rangemode": "tozero",
        "automargin": True,
        "gridcolor": GRID_COLOUR,
        "fixedrange": True,
        "tickformat": "~s",
    }


def _trace(name: str, months, values, colour: str, *, dash: str = "solid", kind: str = "scatter") -> dict:
    money = money_formatter(decimals=0)
    trace: dict[str, Any] = {
        "type": kind,
        "name": plotly_text(name),
        "x": [month.isoformat() for month in months],
        "y": [money_str(value) for value in values],
        "customdata": [plotly_text(money(value)) for value in values],
        "hovertemplate": f"{plotly_text(name)}: %{{customdata}}<extra>%{{x|%b %Y}}</extra>",
    }
    if kind == "scatter":
        trace["mode"] = "lines"
        trace["line"] = {"color": colour, "width": 2, "dash": dash}
    else:
        trace["marker"] = {"color": colour}
    return trace


def s_curve_figure(points) -> dict:
    """Cumulative planned, forecast, committed and paid by month."""
    months = [point.month for point in points]
    return {
        "data": [
            _trace(_("Planned (spread evenly)"), months, [p.planned for p in points], COLOURS["planned"]),
            _trace(_("Forecast"), months, [p.forecast for p in points], COLOURS["forecast"], dash="dash"),
            _trace(_("Committed"), months, [p.committed for p in points], COLOURS["committed"]),
            _trace(_("Paid"), months, [p.paid for p in points], COLOURS["paid"]),
        ],
        "layout": base_layout(
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            margin={"l": 56, "r": 16, "t": 48, "b": 40},
            xaxis={"type": "date", "automargin": True, "gridcolor": GRID_COLOUR, "fixedrange": True},
            yaxis=_money_axis(_("Cumulative (€)")),
        ),
        "height": 360,
        "compact": {"layout": {"xaxis": {"nticks": 4, "tickangle": 0}}},
    }


def cp_figure(cp: dict) -> dict:
    """Payments of each month (bars) and cumulative (line) against the voted CP (flat line)."""
    months = [row["month"] for row in cp["months"]]
    voted = cp["voted"]
    return {
        "data": [
            _trace(
                _("Paid in the month"), months, [r["paid"] for r in cp["months"]], COLOURS["paid"], kind="bar"
            ),
            _trace(
                _("Paid, cumulative"), months, [r["cumulative"] for r in cp["months"]], COLOURS["committed"]
            ),
            _trace(_("Voted CP"), months, [voted] * len(months), COLOURS["planned"], dash="dot"),
        ],
        "layout": base_layout(
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            margin={"l": 56, "r": 16, "t": 48, "b": 40},
            xaxis={
                "type": "date",
                "automargin": True,
                "gridcolor": GRID_COLOUR,
                "fixedrange": True,
                "tickformat": "%b",
            },
            yaxis=_money_axis(_("€")),
        ),
        "height": 340,
        "compact": {"layout": {"xaxis": {"nticks": 6, "tickangle": 0}}},
    }


def month_label(month) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")
