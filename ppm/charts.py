"""Chart figures for Plotly (drawn by static/js/charts.js), the Plotly locale, and the palette.

A view builds figures as plain JSON-ready dicts and ships each with `json_script`; a page then needs
only an element `<div class="chart__plot" data-chart="<json script id>">` and the script
`js/charts.js` (with `chart_locale()` shipped as `json_script("chart-locale")`).

A figure is `{"data": [...], "layout": {...}, "links": [[url per point] per trace], "height": px,
"compact": {...}}`: selecting a bar or a point opens its link (a project list filtered to what the
bar counts, a project page...). `compact` is what changes when the chart is narrower than 36 rem
(phones): `layout` (merged into the layout), `ticktext` (per axis letter) and `names` (of the traces).

Every user text that reaches Plotly (category and tick labels, hover text, legend names) goes through
`plotly_text`: Plotly renders a subset of HTML in those (`<b>`, `<a href>`, `<br>`...), so a
project named `<b>x</b><img src=x onerror=alert(1)>` must reach it as `&lt;b&gt;x…`, which it
shows as the literal text. User text is never put into a hovertemplate itself (where `%{...}`
would be read as a placeholder): it travels in `customdata`.
"""

import datetime
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.dates import MONTHS, MONTHS_AP, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ppm.presentation import PALETTE, PRIMARY, SERIES_COLOURS, Tone

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif'
TEXT_COLOUR = "#1b1f24"
GRID_COLOUR = "#e3e6ea"
TODAY_COLOUR = PALETTE[Tone.DANGER]
ROW_HEIGHT = 24  # px per bar of horizontal bar charts and timelines
COMPACT_LABEL = 20  # characters of a category label on a phone
COMPACT_TIMELINE_LABEL = 14


def plotly_text(value: object) -> str:
    """`value` as text Plotly shows literally (its pseudo-HTML escaped)."""
    text = "" if value is None else str(value)
    if "<" in text or ">" in text or "&" in text:
        return html.escape(text, quote=False)
    return text


def date_formatter(django_format: str) -> Callable[[datetime.date], str]:
    """A fast formatter for a numeric Django date format ("d/m/Y", "m/d/Y", "Y-m-d"): a roadmap formats
    two thousand dates per page. Other formats fall back to Django's date_format."""
    fields = {"d": "{0.day:02d}", "j": "{0.day}", "m": "{0.month:02d}", "n": "{0.month}", "Y": "{0.year:04d}"}
    if not django_format or not set(django_format) <= set(fields) | set("/.- "):
        return lambda day: formats.date_format(day, django_format or "SHORT_DATE_FORMAT")
    return "".join(fields.get(char, char) for char in django_format).format


def truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def label(value: object, length: int) -> str:
    """A category label: truncated to `length` characters, then escaped for Plotly."""
    return plotly_text(truncate("" if value is None else str(value), length))


@dataclass
class Point:
    """One bar (or point) of a chart: its category label, value, colour, link and hover lines."""

    label: str
    value: float
    colour: str = PRIMARY
    link: str | None = None
    hover: Sequence[object] = field(default_factory=tuple)


def base_layout(**overrides: Any) -> dict:
    layout = {
        "font": {"family": FONT, "size": 13, "color": TEXT_COLOUR},
        "margin": {"l": 48, "r": 16, "t": 12, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hoverlabel": {"font": {"family": FONT}},
        "showlegend": False,
        "bargap": 0.3,
    }
    layout.update(overrides)
    return layout


def count_axis(max_value: float, title: str) -> dict:
    """A count axis: whole numbers only, a step of 1 while the counts are small."""
    axis: dict[str, Any] = {
        "title": {"text": plotly_text(title)},
        "rangemode": "tozero",
        "tickformat": "d",
        "automargin": True,
        "gridcolor": GRID_COLOUR,
        "fixedrange": True,
    }
    if max_value <= 8:
        axis["dtick"] = 1
    return axis


def _hover(points: Sequence[Point]) -> tuple[list[list[str]], str]:
    lines = max((len(point.hover) for point in points), default=0)
    customdata = [
        [plotly_text(line) for line in point.hover] + [""] * (lines - len(point.hover)) for point in points
    ]
    template = "<br>".join(f"%{{customdata[{index}]}}" for index in range(lines)) + "<extra></extra>"
    return customdata, template


def bar_figure(points: Sequence[Point], *, value_title: str, label_length: int = 40) -> dict:
    """Horizontal bars, one per point, top to bottom; labels on the left (truncated, full on hover).
    Horizontal so that long category names stay readable on a phone."""
    labels = [label(point.label, label_length) for point in points]
    compact = [label(point.label, COMPACT_LABEL) for point in points]
    keys = [str(index) for index in range(len(points))]
    customdata, template = _hover(points)
    values = [point.value for point in points]
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": keys,
        "x": values,
        "marker": {"color": [point.colour for point in points]},
        "text": [plotly_text(value) for value in values],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": customdata,
        "hovertemplate": template,
    }
    return {
        "data": [trace],
        "layout": base_layout(
            margin={"l": 16, "r": 32, "t": 8, "b": 40},
            bargap=0.25,
            yaxis={
                "type": "category",
                "automargin": True,
                "autorange": "reversed",
                "tickvals": keys,
                "ticktext": labels,
                "fixedrange": True,
            },
            xaxis=count_axis(max(values, default=0), value_title),
        ),
        "links": [[point.link for point in points]],
        "height": max(180, len(points) * ROW_HEIGHT + 80),
        "compact": {"ticktext": {"y": compact}},
    }


@dataclass
class Group:
    """A named group of points drawn in one colour, with a legend entry (e.g. a strategic axis)."""

    name: str
    points: Sequence[Point]
    colour: str | None = None


def grouped_bar_figure(groups: Sequence[Group], *, value_title: str, label_length: int = 48) -> dict:
    """Horizontal bars in groups (one colour and legend entry per group), in the given order."""
    traces, links, labels, compact, keys = [], [], [], [], []
    for index, group in enumerate(groups):
        group_keys = [f"{index}.{position}" for position in range(len(group.points))]
        customdata, template = _hover(group.points)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": label(group.name, 60),
                "y": group_keys,
                "x": [point.value for point in group.points],
                "marker": {"color": group.colour or SERIES_COLOURS[index % len(SERIES_COLOURS)]},
                "customdata": customdata,
                "hovertemplate": template,
            }
        )
        links.append([point.link for point in group.points])
        keys += group_keys
        labels += [label(point.label, label_length) for point in group.points]
        compact += [label(point.label, COMPACT_LABEL) for point in group.points]
    max_value = max((point.value for group in groups for point in group.points), default=0)
    return {
        "data": traces,
        "layout": base_layout(
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
            margin={"l": 16, "r": 16, "t": 40, "b": 40},
            yaxis={
                "type": "category",
                "automargin": True,
                "categoryorder": "array",
                "categoryarray": keys,
                "autorange": "reversed",
                "tickvals": keys,
                "ticktext": labels,
                "fixedrange": True,
            },
            xaxis=count_axis(max_value, value_title),
        ),
        "links": links,
        "height": max(220, len(keys) * 30 + 110 + 24 * max(0, len(groups) - 2)),
        "compact": {
            "ticktext": {"y": compact},
            "names": [label(group.name, 30) for group in groups],
        },
    }


@dataclass
class Series:
    """A line of a time chart."""

    name: str
    values: Sequence[float]
    colour: str
    link: str | None = None
    dash: str = "solid"


def line_figure(days: Sequence[datetime.date], series: Sequence[Series], *, value_title: str) -> dict:
    """Lines over days, legend above the plot (never over the date axis)."""
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers" if len(days) > 1 else "markers",
            "name": plotly_text(line.name),
            "x": [day.isoformat() for day in days],
            "y": list(line.values),
            "line": {"color": line.colour, "width": 2, "dash": line.dash},
            "marker": {"color": line.colour, "size": 6},
            "customdata": [plotly_text(line.name)] * len(days),
            "hovertemplate": "%{customdata}: %{y}<extra>%{x}</extra>",
        }
        for line in series
    ]
    max_value = max((max(line.values, default=0) for line in series), default=0)
    return {
        "data": traces,
        "layout": base_layout(
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            margin={"l": 48, "r": 16, "t": 48, "b": 40},
            xaxis={"type": "date", "automargin": True, "gridcolor": GRID_COLOUR, "fixedrange": True},
            yaxis=count_axis(max_value, value_title),
        ),
        "links": [[line.link] * len(days) for line in series],
        "height": 360,
        "compact": {"layout": {"xaxis": {"nticks": 4, "tickangle": 0}}},
    }


@dataclass
class Span:
    """A bar of a timeline, from `start` to `end` inclusive."""

    key: str
    label: str
    start: datetime.date
    end: datetime.date
    colour: str
    link: str | None = None
    hover: Sequence[object] = field(default_factory=tuple)


TIMELINE_MARGIN_LEFT = 280
TIMELINE_COMPACT_MARGIN_LEFT = 128


def timeline_range(spans: Sequence[Span], today: datetime.date) -> list[str]:
    """The date range shown: every span and today, with a fortnight on each side."""
    days = [today, *(span.start for span in spans), *(span.end for span in spans)]
    margin = datetime.timedelta(days=15)
    return [(min(days) - margin).isoformat(), (max(days) + margin).isoformat()]


def timeline_figure(
    spans: Sequence[Span], *, today: datetime.date, x_range: Sequence[str], label_length: int = 32
) -> dict:
    """Bars from start to end, one row per span, in the given order. The dates are drawn by
    `timeline_axis_figure` (kept visible above a scrolling timeline): this one shows only the grid."""
    customdata, template = _hover(spans)  # type: ignore[arg-type]
    keys = [span.key for span in spans]
    day_ms = 24 * 3600 * 1000
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": keys,
        "base": [span.start.isoformat() for span in spans],
        # Durations in milliseconds on a date axis; the end day is included.
        "x": [((span.end - span.start).days + 1) * day_ms for span in spans],
        "marker": {"color": [span.colour for span in spans]},
        "customdata": customdata,
        "hovertemplate": template,
    }
    return {
        "data": [trace],
        "layout": base_layout(
            barmode="overlay",
            bargap=0.25,
            margin={"l": TIMELINE_MARGIN_LEFT, "r": 16, "t": 4, "b": 8, "autoexpand": False},
            xaxis={
                "type": "date",
                "range": list(x_range),
                "side": "top",
                "showticklabels": False,
                "gridcolor": GRID_COLOUR,
                "fixedrange": True,
            },
            yaxis={
                "type": "category",
                "automargin": False,
                "categoryorder": "array",
                "categoryarray": keys,
                "autorange": "reversed",
                "tickvals": keys,
                "ticktext": [label(span.label, label_length) for span in spans],
                "fixedrange": True,
            },
            shapes=[_today_line(today)],
        ),
        "links": [[span.link for span in spans]],
        "height": max(120, len(spans) * ROW_HEIGHT + 16),
        "compact": {
            "layout": {"margin": {"l": TIMELINE_COMPACT_MARGIN_LEFT}},
            "ticktext": {"y": [label(span.label, COMPACT_TIMELINE_LABEL) for span in spans]},
        },
    }


def timeline_axis_figure(*, today: datetime.date, x_range: Sequence[str]) -> dict:
    """The date axis of a timeline alone (with today's mark), to stay in view above its rows."""
    first, last = (datetime.date.fromisoformat(day) for day in x_range)
    # "Today" written on the side of its line where there is room for it.
    right_half = (today - first).days > 0.6 * max(1, (last - first).days)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": list(x_range),
                "y": [0, 0],
                "marker": {"opacity": 0},
                "hoverinfo": "skip",
            }
        ],
        "layout": base_layout(
            margin={"l": TIMELINE_MARGIN_LEFT, "r": 16, "t": 28, "b": 0, "autoexpand": False},
            xaxis={
                "type": "date",
                "range": list(x_range),
                "side": "top",
                "gridcolor": GRID_COLOUR,
                "fixedrange": True,
                "ticks": "outside",
                "tickangle": 0,
            },
            yaxis={"visible": False, "fixedrange": True},
            annotations=[
                {
                    "xref": "x",
                    "yref": "paper",
                    "x": today.isoformat(),
                    "y": 0.5,
                    "yanchor": "middle",
                    "xanchor": "right" if right_half else "left",
                    "xshift": -3 if right_half else 3,
                    "showarrow": False,
                    "text": plotly_text(_("Today")),
                    "bgcolor": "rgba(255,255,255,0.9)",
                    "font": {"color": TODAY_COLOUR},
                }
            ],
            shapes=[_today_line(today)],
        ),
        "height": 56,
        "compact": {"layout": {"margin": {"l": TIMELINE_COMPACT_MARGIN_LEFT}, "xaxis": {"nticks": 4}}},
    }


def _today_line(today: datetime.date) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": today.isoformat(),
        "x1": today.isoformat(),
        "y0": 0,
        "y1": 1,
        "line": {"color": TODAY_COLOUR, "width": 2, "dash": "dot"},
    }


# --- Locale ---------------------------------------------------------------------------------

# Django date-format characters and their d3-time-format (Plotly) equivalents.
D3_DATE_CODES = {
    "d": "%d",
    "j": "%-d",
    "m": "%m",
    "n": "%-m",
    "y": "%y",
    "Y": "%Y",
    "b": "%b",
    "M": "%b",
    "N": "%b",
    "F": "%B",
    "D": "%a",
    "l": "%A",
}


def d3_date_format(django_format: str, *, short_month: bool = False) -> str:
    """A Django date format ("j F Y") as a d3 one ("%-d %B %Y"): the locale's own order."""
    result = "".join(D3_DATE_CODES.get(char, char) for char in django_format.replace("\\", ""))
    return result.replace("%B", "%b") if short_month else result


def chart_locale() -> dict:
    """Plotly's locale for the active language: month and day names and number separators from
    Django's translations, so the charts' date axes read in the user's language (« janv. », « févr. »)."""
    weekdays = [str(WEEKDAYS[(index + 6) % 7]) for index in range(7)]  # Plotly starts on Sunday
    weekdays_abbr = [str(WEEKDAYS_ABBR[(index + 6) % 7]) for index in range(7)]
    return {
        # Not "en": registering over Plotly's base locale would replace its defaults.
        "name": f"pilotis-{(get_language() or 'en').lower()}",
        "format": {
            "days": weekdays,
            "shortDays": weekdays_abbr,
            "months": [str(MONTHS[number]) for number in range(1, 13)],
            # Associated-Press abbreviations ("janv.", "juil.", "Sept."): unambiguous in French too.
            "shortMonths": [str(MONTHS_AP[number]) for number in range(1, 13)],
            "decimal": formats.get_format("DECIMAL_SEPARATOR"),
            "thousands": formats.get_format("THOUSAND_SEPARATOR"),
            "date": d3_date_format(formats.get_format("SHORT_DATE_FORMAT")),
            "dayMonth": d3_date_format(formats.get_format("MONTH_DAY_FORMAT"), short_month=True),
            "dayMonthYear": d3_date_format(formats.get_format("DATE_FORMAT"), short_month=True),
            "month": d3_date_format(formats.get_format("YEAR_MONTH_FORMAT"), short_month=True),
            "year": "%Y",
            "time": "%H:%M:%S",
            "dateTime": "%x %X",
            "periods": ["AM", "PM"],
            "grouping": [3],
            "currency": ["", " €"],
        },
        "dictionary": {
            "Download plot as a PNG": _("Download the chart as a PNG image"),
            "Download plot": _("Download the chart"),
        },
    }
