"""Baselines in a real browser: take a baseline on the page, change a task through the API, see the
drift in the comparison; the milestone trend on the project page; axe clean in English and French."""

import datetime
import json
import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.scheduling import services
from portfolio.scheduling.baselines import portfolio_baseline_take
from ppm.services import api_token_create
from tests.axe import assert_accessible

SCREENSHOTS = os.environ.get("PILOTIS_SCREENSHOTS")  # a directory: pages are saved there to look at


def _schedule(world):
    project = world.projects[0]
    pmo = world.user("pmo")
    cadrage = services.task_create(
        actor=pmo, project=project, name="Cadrage", duration=5, constraint_type="snet",
        constraint_date=datetime.date(2026, 3, 2),
    )  # fmt: skip
    marche = services.task_create(actor=pmo, project=project, name="Marché <public>", duration=10)
    copil = services.task_create(
        actor=pmo, project=project, name="COPIL de lancement", duration=0, milestone=True
    )
    services.link_create(actor=pmo, project=project, predecessor=cadrage, successor=marche, type="FS", lag=0)
    services.link_create(actor=pmo, project=project, predecessor=marche, successor=copil, type="FS", lag=0)
    return project, cadrage


def _shot(page, name):
    if SCREENSHOTS:
        for width in (360, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SCREENSHOTS}/{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def test_take_a_baseline_change_a_task_and_see_the_drift(signed_in, world, live_server):
    project, cadrage = _schedule(world)
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_baselines", args=[project.pk]))
    page.get_by_label("Name").first.fill("COPIL du 2 mars")
    page.get_by_role("button", name="Save the baseline").click()
    expect(page.locator("#messages")).to_contain_text("COPIL du 2 mars")
    expect(page.locator("#drift-table [data-finish-drift='0']")).to_have_count(3)

    # Cadrage takes three more days, through the API: its successors move with it.
    _token, raw = api_token_create(user=world.user("pmo"), name="browser")
    response = page.request.patch(
        f"{live_server.url}/api/v1/tasks/{cadrage.pk}/",
        headers={"Authorization": f"Token {raw}", "Content-Type": "application/json"},
        data=json.dumps({"duration": 8}),
    )
    assert response.status == 200, response.text()

    page.reload()
    rows = page.locator("#drift-table tbody tr")
    expect(rows.filter(has_text="Cadrage").locator("[data-finish-drift]")).to_have_attribute(
        "data-finish-drift", "3"
    )
    expect(rows.filter(has_text="COPIL de lancement").locator("[data-finish-drift]")).to_have_text("+3")
    expect(rows.filter(has_text="Marché <public>")).to_have_count(1)  # user text shown as text
    expect(page.locator("#drift-summary")).to_contain_text("3 working days late")

    # The milestone trend on the project page: a chart and its table.
    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    expect(page.locator("#milestone-trend-chart .main-svg").first).to_be_attached()
    expect(page.locator("#milestone-trend-table tbody tr")).to_have_count(1)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_baseline_pages_are_accessible(signed_in, context, live_server, world, language):
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    project, cadrage = _schedule(world)
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_baselines", args=[project.pk]))
    page.locator("#baseline-name").fill("COPIL 1")
    page.locator("form[action$='/take/'] [type='submit']").click()
    page.wait_for_load_state()
    services.task_update(actor=world.user("pmo"), task=cadrage, data={"duration": 7})
    portfolio_baseline_take(actor=world.user("pmo"), name="COPIL de portefeuille")
    pages = {
        "project baselines": reverse("portfolio:project_baselines", args=[project.pk]),
        "portfolio baselines": reverse("portfolio:portfolio_baselines"),
        "project page": reverse("portfolio:project_detail", args=[project.pk]),
        "profile": reverse("profile"),
    }
    failures = []
    for label, url in pages.items():
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if label == "project page":
            expect(page.locator("#milestone-trend-chart .main-svg").first).to_be_attached()
        try:
            assert_accessible(page, f"{label} ({language})")
        except AssertionError as error:
            failures.append(str(error))
        _shot(page, f"{label.replace(' ', '-')}-{language}")
        # No sideways scroll on a phone.
        page.set_viewport_size({"width": 360, "height": 800})
        page.reload()
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{label} ({language}) scrolls sideways at 360 px by {overflow} px"
        page.set_viewport_size({"width": 1280, "height": 900})
    assert not failures, "\n\n".join(failures)


def test_calendar_feed_from_the_profile(signed_in, world, live_server):
    _schedule(world)
    page = signed_in("manager")
    page.goto(reverse("profile"))
    page.get_by_role("button", name="Create a feed address").click()
    url = page.locator("#new-feed-url").input_value()
    assert url.startswith(live_server.url) and url.endswith(".ics")
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "COPIL de lancement" in response.text()
    page.get_by_role("button", name="Revoke").click()
    assert page.request.get(url).status == 404
