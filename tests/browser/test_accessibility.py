"""No serious or critical axe-core violation (WCAG 2.1 A/AA) on the main pages, in English and
French; keyboard users reach the content through the skip link and always see where focus is."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.axe import assert_accessible

LANGUAGES = ["en", "fr"]


def _set_language(context, live_server, code):
    context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


@pytest.mark.parametrize("language", LANGUAGES)
def test_login_page_is_accessible(page, context, live_server, world, language):
    _set_language(context, live_server, language)
    page.goto(reverse("login"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page, f"login ({language})")
    # With errors shown as well.
    page.locator("form:has(input[name='password']) [type='submit']").click()
    page.wait_for_load_state()
    assert_accessible(page, f"login with errors ({language})")


@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_in_pages_are_accessible(signed_in, context, live_server, world, language):
    _set_language(context, live_server, language)
    page = signed_in("pmo")
    project = world.projects[0]
    pages = {
        "dashboard": reverse("portfolio:dashboard"),
        "project list": reverse("portfolio:project_list"),
        "project page": reverse("portfolio:project_detail", args=[project.pk]),
        "project form (new)": reverse("portfolio:project_create"),
        "project form (edit)": reverse("portfolio:project_edit", args=[project.pk]),
        "profile": reverse("profile"),
        "password change": reverse("password_change"),
    }
    failures = []
    for label, url in pages.items():
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if label == "dashboard":
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_attached()
        try:
            assert_accessible(page, f"{label} ({language})")
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)


def test_form_with_errors_is_accessible(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_create"))
    page.locator("main form [type='submit']").last.click()
    page.wait_for_load_state()
    expect(page.locator("main [aria-invalid='true']").first).to_be_attached()
    assert_accessible(page, "project form with errors")


def _focus_is_visible(page) -> bool:
    """The focused element draws an outline or a box-shadow (a visible focus indicator)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
            return outline || (style.boxShadow && style.boxShadow !== "none");
        }"""
    )


def test_skip_link_is_first_in_tab_order_and_focus_is_visible(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_list"))
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, document.activeElement.getAttribute('href')]"
    )
    assert focused == ["skip-link", "#main"], focused
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_in_viewport()
    assert _focus_is_visible(page), "the focused skip link has no visible focus indicator"

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab moves into the content, not back to the header.
    page.keyboard.press("Tab")
    inside_main = page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    assert inside_main
    assert _focus_is_visible(page), "the first control of the content has no visible focus indicator"


def test_every_control_in_the_header_shows_focus(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:dashboard"))
    invisible = []
    for _step in range(12):
        page.keyboard.press("Tab")
        inside_header = page.evaluate("() => !!document.activeElement.closest('header, .skip-link')")
        if not inside_header:
            break
        if not _focus_is_visible(page):
            invisible.append(page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)"))
    assert not invisible, "no visible focus on:\n" + "\n".join(invisible)
