"""The task table page in Chromium: axe-clean in English and French, at 360 and 1440 px; a row edited in
place re-schedules the successors; a stale edit shows the conflict instead of overwriting."""

import datetime
import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.scheduling import services
from portfolio.scheduling.models import Task
from tests.axe import assert_accessible

SCREENSHOTS = Path(os.environ.get("PILOTIS_SCREENSHOTS", "/tmp/pilotis-screenshots"))


@pytest.fixture
def scheduled(world):
    project = world.projects[0]
    services.schedule_replace(
        project=project,
        actor=None,
        tasks=[
            {"key": 1, "name": "Cadrage"},
            {"key": 2, "parent": 1, "name": "Ateliers de recueil des besoins", "duration": 5},
            {"key": 3, "parent": 1, "name": "Note de cadrage", "duration": 3},
            {"key": 4, "name": "COPIL de lancement", "milestone": True},
            {"key": 5, "name": "Conception détaillée", "duration": 10},
        ],
        links=[
            {"predecessor": 2, "successor": 3},
            {"predecessor": 1, "successor": 4},
            {"predecessor": 4, "successor": 5},
        ],
    )
    return project


@pytest.mark.parametrize("language", ["en", "fr"])
def test_task_pages_are_accessible(signed_in, context, live_server, scheduled, language):
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = signed_in("pmo")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(reverse("portfolio:project_tasks", args=[scheduled.pk]))
        expect(page.locator("#task-table table")).to_be_visible()
        assert_accessible(page, f"task table ({language}, {width}px)")
        page.screenshot(path=str(SCREENSHOTS / f"tasks-{language}-{width}.png"), full_page=True)
        page.goto(reverse("portfolio:project_detail", args=[scheduled.pk]))
        expect(page.locator("#schedule-panel")).to_be_visible()
        assert_accessible(page, f"project page with schedule ({language}, {width}px)")
        page.screenshot(path=str(SCREENSHOTS / f"project-{language}-{width}.png"), full_page=True)


def test_edit_a_row_moves_successors_and_stale_edit_is_shown(signed_in, scheduled):
    page = signed_in("pmo")
    requests: list[str] = []  # the page's requests, named when the conflict is not shown
    page.on("requestfinished", lambda r: requests.append(f"{r.method} {r.url}"))
    page.goto(reverse("portfolio:project_tasks", args=[scheduled.pk]))
    workshops = Task.objects.get(name="Ateliers de recueil des besoins")
    design = Task.objects.get(name="Conception détaillée")
    before = design.start
    page.locator(f"#task-row-{workshops.pk} a", has_text="Edit").click()
    form = page.locator(f"#task-row-{workshops.pk} form")
    expect(form).to_be_visible()
    form.get_by_label("Duration (working days)").fill("10")
    assert_accessible(page, "task row form")
    form.get_by_role("button", name="Save").click()
    expect(page.locator(f"#task-row-{workshops.pk}")).to_contain_text("10 days")
    design.refresh_from_db()
    assert design.start == before + datetime.timedelta(days=7)
    # Someone else changes the task while the form is open: the save is refused and shown.
    edit_url = reverse("portfolio:task_row_edit", args=[workshops.pk])
    htmx_idle = "() => !document.querySelector('.htmx-request')"
    page.wait_for_function(htmx_idle)
    requests.clear()
    page.locator(f"#task-row-{workshops.pk} a", has_text="Edit").click()
    form = page.locator(f"#task-row-{workshops.pk} form")
    expect(form).to_be_visible()
    workshops.refresh_from_db()
    expect(form.locator("input[name=version]")).to_have_value(str(workshops.version))
    page.wait_for_function(htmx_idle)
    assert [r for r in requests if r.endswith(edit_url)] == [
        f"GET {page.url.split('/projects/')[0]}{edit_url}"
    ], f"one click, one form request: {requests}"
    services.task_update(actor=None, task=workshops, data={"notes": "changed elsewhere"})
    assert Task.objects.get(pk=workshops.pk).version == workshops.version + 1
    form.get_by_label("Duration (working days)").fill("2")
    form.get_by_role("button", name="Save").click()
    try:
        expect(page.locator(f"#task-row-{workshops.pk} [role=alert]")).to_contain_text("in the meantime")
    except AssertionError as error:
        raise AssertionError(f"{error}\nthe page's requests since the second Edit: {requests}") from None
    assert Task.objects.get(pk=workshops.pk).duration == 10  # their version stands, ours was not saved
