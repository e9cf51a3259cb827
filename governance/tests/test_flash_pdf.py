"""The flash report PDF (read back with pdftotext), in the requester's language, and the project sheet's
weather block."""

import shutil
import subprocess
from datetime import date

import pytest
from django.utils import translation

from governance import flash, periods
from governance.flash_pdf import flash_report_html
from governance.models import Cadence
from portfolio.tests.factories import ProjectFactory
from ppm.pdf import render_pdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
    ),
]


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def report(manager_user, pmo_user):
    project = ProjectFactory(code="GED-2025", name="Gestion électronique des documents", manager=manager_user)
    report = flash.flash_report_draft(
        actor=manager_user, project=project, period=periods.period_get(Cadence.MONTHLY, date(2025, 3, 1))
    )
    data = {
        "weather": "rainy",
        "highlights": "Recette du lot 1 terminée",
        "dimensions": {
            d: {"weather": "sunny"} for d in ("schedule", "budget", "scope", "resources", "risks")
        },
        "items": [{"kind": "decision", "text": "Arbitrer le report du lot 3", "owner": "COPIL"}],
    }
    data["dimensions"]["schedule"] = {"weather": "stormy", "comment": "Éditeur en retard de six semaines"}
    report = flash.flash_report_update(
        actor=manager_user, report=report, expected_version=report.version, data=data
    )
    report = flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    return flash.flash_report_validate(actor=pmo_user, report=report, expected_version=report.version)


def test_pdf_holds_the_weather_dimensions_texts_and_items(report):
    text = pdf_text(render_pdf(flash_report_html(report)))
    for expected in (
        "GED-2025",
        "Rainy",
        "Stormy",
        "Éditeur en retard de six semaines",
        "Recette du lot 1 terminée",
        "Arbitrer le report du lot 3",
        "Validated",
    ):
        assert expected in text, expected


def test_pdf_in_french(report):
    with translation.override("fr"):
        html = flash_report_html(report)
    assert 'lang="fr"' in html
    assert "Décisions attendues" in html or "Decisions requested" in html


def test_project_sheet_shows_the_latest_validated_weather(report):
    from portfolio.sheet import project_sheet_html

    html = project_sheet_html(report.project)
    assert "Project weather" in html and "weather--rainy" in html
