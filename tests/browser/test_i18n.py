"""The language switcher: the whole interface follows, and the choice sticks."""

import re

from django.urls import reverse
from playwright.sync_api import expect


def switch_language(page, code: str) -> None:
    page.locator(f"form.lang-switch button[value='{code}']").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_switch_to_french_and_back(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_list"))
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav).to_contain_text("Dashboard")

    switch_language(page, "fr")

    # Back on the same page, in French.
    expect(page).to_have_url(re.compile(re.escape(reverse("portfolio:project_list"))))
    nav = page.locator("nav.main-nav")
    expect(nav).to_contain_text("Tableau de bord")
    expect(nav).to_contain_text("Projets")
    expect(page.locator("form.lang-switch button[value='fr']")).to_have_attribute("aria-pressed", "true")
    # Domain vocabulary is translated too (statuses come from the lifecycle rules).
    expect(page.locator("main")).to_contain_text(re.compile("En cours|Cadrage"))

    # The choice sticks on the next page.
    page.goto(reverse("portfolio:dashboard"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Portfolio dashboard")

    switch_language(page, "en")
    expect(page.locator("nav.main-nav")).to_contain_text("Dashboard")


def test_login_page_in_french(page, world):
    page.goto(reverse("login"))
    switch_language(page, "fr")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in to Pilotis")
    # Django's own catalogue names the fields; ours names the rest.
    expect(page.get_by_label("Mot de passe")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Forgotten your password?")
