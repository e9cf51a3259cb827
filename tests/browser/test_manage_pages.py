"""The project office's management pages in Chromium: accessible (axe, EN and FR), usable on a
360 px phone without horizontal scrolling, search filtering the table in place (htmx)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.axe import assert_accessible

SECTIONS = {
    "manage": "manage:index",
    "directorates": "manage:directorates_list",
    "users": "manage:users_list",
    "axes": "portfolio:reference:axes_list",
    "objectives": "portfolio:reference:objectives_list",
    "tags": "portfolio:reference:tags_list",
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_manage_pages_are_accessible(signed_in, context, live_server, world, language):
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = signed_in("pmo")
    urls = {label: reverse(name) for label, name in SECTIONS.items()}
    urls["user form (new)"] = reverse("manage:users_create")
    urls["user form (edit)"] = reverse("manage:users_edit", args=[world.user("reader").pk])
    urls["objective form (edit)"] = reverse(
        "portfolio:reference:objectives_edit", args=[world.objectives[0].pk]
    )
    failures = []
    for label, url in urls.items():
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        try:
            assert_accessible(page, f"{label} ({language})")
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)


def test_manage_pages_fit_a_phone(signed_in, world):
    page = signed_in("pmo")
    page.set_viewport_size({"width": 360, "height": 740})
    for name in [*SECTIONS.values(), "manage:users_create"]:
        page.goto(reverse(name))
        width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name}: {width[0]} px wide on a {width[1]} px screen"


def test_search_filters_the_user_table_in_place_and_the_manager_edits_through_the_menu(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:dashboard"))
    page.locator("details.user-menu summary").click()
    page.locator(".user-menu__panel").get_by_role("link", name="Manage").click()
    page.get_by_role("link", name="Users").click()
    rows = page.locator("#manage-results tbody tr")
    expect(rows).to_have_count(len(world.users))
    page.get_by_label("Search").fill("manager-other")
    expect(rows).to_have_count(1)
    assert "q=manager-other" in page.url  # the filtered list is linkable
    rows.first.get_by_role("link").click()
    page.get_by_label("First name").fill("Renamed")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator(".messages, [role='status']").first).to_contain_text("saved")
    world.user("manager-other").refresh_from_db()
    assert world.user("manager-other").first_name == "Renamed"
