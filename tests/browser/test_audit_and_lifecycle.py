"""The audit log page and the lifecycle's confirmation step in Chromium: accessible (EN, FR), usable at
360 px wide without horizontal scrolling, no script needed to confirm."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.services import project_update
from tests.axe import assert_accessible


def _set_language(context, live_server, code):
    context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_audit_log_page_is_accessible_and_fits_a_phone(signed_in, context, live_server, world, language):
    project = world.projects[0]
    project_update(actor=world.user("pmo"), project=project, data={"name": "=Renamed on purpose"})
    _set_language(context, live_server, language)
    page = signed_in("pmo")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(reverse("audit_log"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("table.audit-log tbody tr")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page, f"audit log ({language})")
    page.locator("details.audit-filters > summary").click()
    page.locator("select[name='action']").select_option("update")
    page.locator("details.audit-filters form [type='submit']").click()
    page.wait_for_load_state()
    expect(page.locator("table.audit-log tbody tr")).to_have_count(1)
    assert_accessible(page, f"audit log filtered ({language})")


def test_the_menu_shows_the_audit_log_to_the_project_office_only(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("profile"))
    page.locator("details.user-menu summary").click()
    expect(page.locator(".user-menu__panel").get_by_role("link", name="Audit log")).to_be_visible()
    page = signed_in("manager")
    page.goto(reverse("profile"))
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)


def test_confirming_an_irreversible_move_is_accessible(signed_in, world):
    project = world.projects[0]  # in progress
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    page.locator("details.confirm-move[data-move='close'] > summary").click()
    expect(page.get_by_role("button", name="Confirm: Close", exact=True)).to_be_visible()
    assert_accessible(page, "project page, confirming close")


@pytest.mark.urls("ppm.tests.urls_domain_errors")
def test_an_htmx_request_refused_by_the_domain_shows_its_message(signed_in, world, console_errors):
    """ppm/error_middleware.py sends the message for #messages; static/js/app.js lets htmx show it."""
    console_errors.allow(r"status of 409")
    page = signed_in("reader")
    page.goto(reverse("profile"))
    page.evaluate("htmx.ajax('GET', '/test-domain-error/illegal/', {target: '#main', swap: 'innerHTML'})")
    expect(page.locator("#messages")).to_contain_text("Not from here.")
    expect(page.locator("#messages .message--error")).to_have_count(1)
    expect(page.locator("#messages")).not_to_contain_text("The request failed")
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # the page itself was not replaced
