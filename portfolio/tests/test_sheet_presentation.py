"""The project sheet's presentation: the status badge in the palette's tone, French short dates and the
label separator of the change list left to the translation (« Statut : », with a narrow no-break space)."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from portfolio import services
from portfolio.rules import ProjectStatus
from portfolio.sheet import project_sheet_html
from portfolio.tests.factories import ProjectFactory
from ppm.presentation import PALETTE, Tone

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(pmo_user, directorate):
    project = ProjectFactory(
        code="GED-2025",
        directorate=directorate,
        status=ProjectStatus.FRAMING,
        planned_start=datetime.date(2025, 3, 1),
        planned_end=datetime.date(2027, 6, 30),
    )
    return services.project_update(
        actor=pmo_user, project=project, data={"priority": 1}, expected_version=project.version
    )


def test_sheet_status_badge_uses_the_palette(project):
    html = project_sheet_html(project, generated_at=timezone.now())
    assert '<span class="badge badge--accent" data-value="framing">Framing</span>' in html
    assert f".badge--accent {{ background: {PALETTE[Tone.ACCENT]};" in html


def test_sheet_in_french_writes_short_dates_and_translated_separators(project):
    with translation.override("fr"):
        html = project_sheet_html(project, generated_at=timezone.now())
        label = gettext("%(label)s:") % {"label": gettext("Priority")}
    assert "01/03/2025" in html and "30/06/2027" in html
    assert "1 mars 2025" not in html
    # "Priorité :" once the catalogue has « %(label)s : » (narrow no-break space), never a bare "Priorité:".
    assert f"<li>{label} " in html
