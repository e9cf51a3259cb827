"""The project sheet draws any planned period: at the rules' bounds and beyond (clamped), never a crash."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.utils import translation

from portfolio.selectors import project_detail_get
from portfolio.sheet import project_sheet_pdf, schedule_chart_svg
from portfolio.tests.factories import ProjectFactory

TODAY = datetime.date(2026, 11, 30)
WIDTH = 680


def _coordinates(svg: str) -> list[float]:
    return [float(value) for value in re.findall(r'\bx[12]?="(-?[\d.]+)"', svg)]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(1900, 1, 1), datetime.date(1929, 12, 31)),  # the rules' lower bound, 30 years
        (datetime.date(2170, 1, 1), datetime.date(2200, 12, 31)),  # the upper bound
        (datetime.date(1900, 1, 1), datetime.date(2200, 12, 31)),  # both bounds
        (datetime.date(2000, 1, 1), datetime.date(2045, 12, 31)),  # over 40 years (crashed before)
        (datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),  # the extreme dates Python allows
        (datetime.date(9999, 12, 31), datetime.date(9999, 12, 31)),
        (datetime.date(1, 1, 1), datetime.date(1, 1, 2)),
    ],
)
def test_chart_draws_extreme_periods_inside_its_frame(start, end):
    svg = str(schedule_chart_svg(planned_start=start, planned_end=end, status_changes=[], today=TODAY))

    assert svg.startswith("<svg")
    assert all(0 <= x <= WIDTH for x in _coordinates(svg))
    # The label gives the real dates, even where the bar is drawn at the edge.
    assert str(end.year) in svg
    # A readable number of ticks on the time axis.
    assert 1 <= svg.count('text-anchor="middle"') - 1 <= 12


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(1900, 1, 1), datetime.date(2200, 12, 31)),
        (datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    ],
)
def test_sheet_pdf_renders_at_the_bounds(pmo_user, start, end):
    project = ProjectFactory(code="LONG-1", name="A very long plan", planned_start=start, planned_end=end)
    with translation.override("en"):
        data = project_sheet_pdf(project_detail_get(user=pmo_user, pk=project.pk))

    assert data.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert "LONG-1" in text
    assert str(end.year) in text
