"""The workload tab in Chromium: a ratio template applied from the tab derives the MOA and AMOA rows; a
cell edited inline is saved and marked as deviating from the template; the tab and the ratio templates
page are axe-clean in English and French at 1440 and 360 px, as the project office and as the project's
manager, and never scroll sideways (the grid scrolls in its own container)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from resources import workload
from resources.models import Allocation, RatioTemplate
from resources.tests.factories import RatioTemplateFactory
from tests.axe import assert_accessible

SCREENSHOTS = Path(os.environ.get("PILOTIS_SCREENSHOTS", "/tmp/pilotis-screenshots"))


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         && !(e.parentElement && e.parentElement.closest('.wl-scroll, .table-wrap')))
            .slice(0, 5)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px: {wide}"


@pytest.fixture
def template(world):
    """The default MOE 1 : MOA 1 : AMOA 0.5 template (a transactional test may have flushed it)."""
    existing = RatioTemplate.objects.filter(is_default=True).first()
    return existing or RatioTemplateFactory(name="MOE 1 : MOA 1 : AMOA 0,5", is_default=True)


def test_apply_a_template_then_edit_a_cell_inline(signed_in, world, template):
    project = world.projects[0]
    page = signed_in("manager")
    page.goto(reverse("resources:project_workload", args=[project.pk]) + "?year=2025")
    form = page.locator("#apply-template form")
    form.get_by_label("Estimate in the template's base family (days)").fill("200")
    form.get_by_label("First month").fill("2025-03")
    form.get_by_label("Last month").fill("2026-06")
    form.get_by_role("button", name="Apply the template").click()
    expect(page.locator(".message--success")).to_contain_text("applied")
    moa = page.locator("tbody.wl-family--moa")
    amoa = page.locator("tbody.wl-family--amoa")
    derived = Allocation.objects.filter(project=project, family="moa")
    assert sum(a.days for a in derived) == 200 and derived.count() == 16  # 2025-03 … 2026-06
    in_2025 = sum(a.days for a in derived if a.period_start.year == 2025)
    expect(moa.locator("tr.wl-subtotal td").last).to_have_text(f"{in_2025.normalize():f}")
    expect(amoa.locator("tr.wl-row").first).to_be_visible()
    assert sum(a.days for a in Allocation.objects.filter(project=project, family="amoa")) == 100

    cell = moa.locator("input.wl-input").nth(5)  # June 2025
    before = cell.input_value()
    cell.fill("25")
    cell.press("Tab")
    expect(moa.locator("td.wl-cell--deviates")).to_have_count(1)
    expect(moa.locator("td.wl-cell--deviates .wl-dev")).to_contain_text(before)
    june = Allocation.objects.get(project=project, family="moa", period_start="2025-06-01")
    assert june.days == 25 and june.deviates
    assert_accessible(page, "workload tab after an inline edit")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("username", ["pmo", "manager"])
def test_workload_pages_are_accessible_and_fit(
    signed_in, context, live_server, world, template, language, username
):
    project = world.projects[0]
    workload.ratio_template_apply(
        actor=None,
        project=project,
        template=template,
        estimate_days=180,
        start_month=project.planned_start,
        end_month=project.planned_end,
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = signed_in(username)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(reverse("resources:project_workload", args=[project.pk]) + "?year=2025")
        expect(page.locator("#workload-grid table").first).to_be_visible()
        _no_sideways_scroll(page)
        assert_accessible(page, f"workload tab ({username}, {language}, {width}px)")
        page.screenshot(path=str(SCREENSHOTS / f"workload-{username}-{language}-{width}.png"), full_page=True)
        page.goto(reverse("resources:ratio_template_list"))
        _no_sideways_scroll(page)
        assert_accessible(page, f"ratio templates ({username}, {language}, {width}px)")
        page.screenshot(
            path=str(SCREENSHOTS / f"templates-{username}-{language}-{width}.png"), full_page=True
        )
        page.goto(reverse("portfolio:project_detail", args=[project.pk]))
        expect(page.locator("#workload-panel")).to_be_visible()
        assert_accessible(page, f"project page workload panel ({username}, {language}, {width}px)")
