"""Chart figures: user text escaped for Plotly, links per bar, compact variants, locale."""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from ppm import charts

HOSTILE = "<b>x</b><img src=x onerror=alert(1)>"


def _json(figure: dict) -> str:
    return json.dumps(figure, cls=DjangoJSONEncoder)


def test_plotly_text_escapes_markup():
    assert charts.plotly_text(HOSTILE) == "&lt;b&gt;x&lt;/b&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert charts.plotly_text("R&D") == "R&amp;D"
    assert charts.plotly_text(None) == ""


def test_bar_figure_escapes_labels_and_hover_and_links_each_bar():
    points = [
        charts.Point(HOSTILE, 3, link="/projects/?directorate=1", hover=(f"{HOSTILE}: 3",)),
        charts.Point("Plain", 1, link="/projects/?directorate=2"),
    ]
    figure = charts.bar_figure(points, value_title="Projects")
    text = _json(figure)
    assert "<b>" not in text and "<img" not in text
    assert figure["layout"]["yaxis"]["ticktext"][0].startswith("&lt;b&gt;x")
    assert figure["data"][0]["customdata"][0] == [charts.plotly_text(f"{HOSTILE}: 3")]
    assert figure["data"][0]["hovertemplate"] == "%{customdata[0]}<extra></extra>"
    assert figure["links"] == [["/projects/?directorate=1", "/projects/?directorate=2"]]
    assert len(figure["compact"]["ticktext"]["y"][0]) <= len(charts.plotly_text("<b>x</b><img src=x on…"))


def test_grouped_and_line_figures_escape_names():
    grouped = charts.grouped_bar_figure(
        [charts.Group(HOSTILE, [charts.Point(HOSTILE, 2, hover=(HOSTILE,))])], value_title="n"
    )
    line = charts.line_figure(
        [datetime.date(2025, 3, 1)], [charts.Series(HOSTILE, [1], "#000000", "/projects/")], value_title="n"
    )
    for figure in (grouped, line):
        text = _json(figure)
        assert "<b>" not in text and "<img" not in text


def test_timeline_figure_and_its_axis_share_the_range():
    spans = [
        charts.Span(
            "A-1",
            f"A-1 · {HOSTILE}",
            datetime.date(2025, 1, 1),
            datetime.date(2025, 1, 31),
            "#000000",
            "/projects/1/",
            (HOSTILE,),
        ),
    ]
    today = datetime.date(2025, 6, 1)
    x_range = charts.timeline_range(spans, today)
    assert x_range == ["2024-12-17", "2025-06-16"]
    body = charts.timeline_figure(spans, today=today, x_range=x_range)
    axis = charts.timeline_axis_figure(today=today, x_range=x_range)
    assert body["layout"]["xaxis"]["range"] == axis["layout"]["xaxis"]["range"] == x_range
    assert body["layout"]["margin"]["l"] == axis["layout"]["margin"]["l"]
    # The end day is included: 31 days.
    assert body["data"][0]["x"] == [31 * 24 * 3600 * 1000]
    assert "<b>" not in _json(body)
    assert body["links"] == [["/projects/1/"]]


def test_chart_locale_is_the_active_language():
    with translation.override("fr"):
        locale = charts.chart_locale()
    assert locale["name"] == "pilotis-fr"
    assert locale["format"]["months"][0] == "janvier"
    assert locale["format"]["date"] == "%d/%m/%Y"
    with translation.override("en"):
        assert charts.chart_locale()["format"]["months"][0] == "January"


def test_date_formatter_writes_the_locale_short_date():
    day = datetime.date(2024, 9, 1)
    assert charts.date_formatter("d/m/Y")(day) == "01/09/2024"  # French
    assert charts.date_formatter("m/d/Y")(day) == "09/01/2024"  # English (US)
    assert charts.date_formatter("j N Y")(day) == "1 Sept. 2024"  # other formats: Django's date_format
