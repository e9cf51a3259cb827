"""Import an MS Project file through the project's import page, in English and in French; the
report says what was imported and what was mapped or ignored; a bad file writes nothing."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.models import Project
from portfolio.scheduling.models import Task
from portfolio.tests.test_mspdi import DATA  # noqa: E402 - shared/ beside the checkout, as in CI
from tests.axe import assert_accessible
from tests.browser.test_i18n import switch_language

SCREENSHOTS = Path("/tmp/mspdi-screens")
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"the MSPDI sample files are not at {DATA}")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_import_a_shared_mspdi_file_through_the_page(signed_in, world, tmp_path, console_errors):
    # A refused file is answered 400 with the form and its error, which Chromium logs.
    console_errors.allow(r"status of 400 .*/schedule/import/")
    project = Project.objects.get(code="ERP-2025")
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    page.get_by_role("link", name="Import an MS Project file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an MS Project file")
    assert_accessible(page, "MS Project import page")

    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]>'
        '<Project xmlns="http://schemas.microsoft.com/project"><Name>&a;</Name></Project>'
    )
    page.get_by_label("MS Project file (XML)").set_input_files(str(bomb))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".field--error")).to_contain_text("DTD")
    assert not Task.objects.filter(project=project).exists()
    assert_accessible(page, "MS Project import refused")

    page.get_by_label("MS Project file (XML)").set_input_files(str(DATA / "sample1.xml"))
    page.get_by_role("button", name="Import", exact=True).click()
    report = page.locator("#import-report")
    expect(report.get_by_role("status")).to_contain_text("22 tasks imported with 6 dependencies.")
    expect(report.get_by_role("table")).to_contain_text("several resources")
    assert Task.objects.filter(project=project).count() == 22
    assert_accessible(page, "MS Project import report")
    _shot(page, "import-report-1440-en")
    page.set_viewport_size({"width": 360, "height": 800})
    _shot(page, "import-report-360-en")
    page.set_viewport_size({"width": 1440, "height": 900})

    # French: located by ids, so that the test holds before and after the French catalogue is merged.
    switch_language(page, "fr")
    submit = page.locator("form.form button[type=submit]")
    page.locator("#id_file").set_input_files(str(DATA / "task-links-project2019-mspdi.xml"))
    submit.click()
    expect(page.locator(".field--error")).to_be_visible()
    assert Task.objects.filter(project=project).count() == 22
    page.locator("#id_file").set_input_files(str(DATA / "task-links-project2019-mspdi.xml"))
    page.locator("#id_replace").check()
    submit.click()
    expect(page.locator("#import-report").get_by_role("status")).to_contain_text("16")
    assert Task.objects.filter(project=project).count() == 16
    assert_accessible(page, "MS Project import report (FR)")
    _shot(page, "import-report-1440-fr")
    page.set_viewport_size({"width": 360, "height": 800})
    _shot(page, "import-report-360-fr")
