"""Flash reports in Chromium: the project manager opens the prefilled draft of the current period,
adjusts it and submits it; the project office validates it; the project list shows the new weather.
axe clean in English and French on the history, the report, the form and the queue."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from governance.models import FlashReport
from portfolio.scheduling.models import Task
from tests.axe import assert_accessible

DIMENSIONS = ("schedule", "budget", "scope", "resources", "risks")


def _set_language(context, live_server, code):
    context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


@pytest.fixture
def project(world):
    project = world.projects[0]  # in progress, managed by "manager"
    Task.objects.create(project=project, name="Go-live", milestone=True, duration=0)
    return project


def test_manager_writes_and_submits_pmo_validates_list_shows_weather(
    signed_in, project, context, live_server, world
):
    from tests.browser.conftest import _login_fast

    page = signed_in("manager")
    page.goto(reverse("governance:project_reports", args=[project.pk]))
    assert_accessible(page, "flash history (en)")
    page.get_by_role("button", name="Write this period's report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Flash report of")
    assert_accessible(page, "flash form (en)")
    # The overall weather and each dimension: accessible radio groups (fieldset + legend).
    page.get_by_role("group", name="Overall weather").get_by_label("Cloudy").check()
    for dimension in DIMENSIONS:
        page.locator(f"input[name='dim-{dimension}-weather'][value='sunny']").check()
    page.locator("input[name='dim-budget-weather'][value='rainy']").check()
    page.get_by_label("Comment on “Budget”").fill("Dépassement sur les licences")
    page.get_by_label("Highlights of the period").fill("Recette du lot 1 terminée")
    page.get_by_role("button", name="Add a row").click()
    page.locator("#item-0-text").fill("Retard de l'éditeur")
    page.locator("#item-0-owner").fill("DSI")
    page.get_by_role("button", name="Save and submit").click()
    expect(page.locator("#messages")).to_contain_text("submitted to the project office")
    report = FlashReport.objects.get(project=project)
    assert report.status == "submitted"
    assert report.items.get().text == "Retard de l'éditeur"
    assert_accessible(page, "flash report (en)")

    context.clear_cookies()
    _login_fast(context, live_server, world.user("pmo"))
    page.goto(reverse("governance:report_queue"))
    assert_accessible(page, "flash queue (en)")
    page.locator("section[aria-labelledby=queue-title]").get_by_role("link", name=project.code).click()
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#messages")).to_contain_text("validated")
    page.goto(reverse("portfolio:project_list") + "?weather=cloudy")
    expect(page.locator("table.table--projects tbody tr")).to_have_count(1)
    expect(page.locator("table.table--projects")).to_contain_text("Cloudy")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_flash_pages_are_accessible(signed_in, project, context, live_server, world, language):
    from governance import flash

    report = flash.flash_report_draft(actor=world.user("manager"), project=project)
    _set_language(context, live_server, language)
    page = signed_in("manager")
    for url in (
        reverse("governance:project_reports", args=[project.pk]),
        reverse("governance:report_detail", args=[report.pk]),
        reverse("governance:report_edit", args=[report.pk]),
        reverse("portfolio:project_detail", args=[project.pk]),
    ):
        page.goto(url)
        assert_accessible(page, f"{url} ({language})")
        page.set_viewport_size({"width": 360, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
        page.set_viewport_size({"width": 1280, "height": 800})
