"""Signing in and out, and the login throttle, as a user sees them."""

import re

from django.urls import reverse
from playwright.sync_api import expect


def test_anonymous_visitor_is_sent_to_the_login_page_and_back(page, world, login):
    page.goto(reverse("portfolio:project_list"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + r"\?next="))

    form = page.locator("form:has(input[name='password'])")
    form.locator("input[name='username']").fill("pmo")
    form.locator("input[name='password']").fill("pilotis-test-pass-42")
    form.locator("[type='submit']").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("portfolio:project_list")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_wrong_password_then_throttled(page, world, console_errors):
    # A throttled login may answer 429, which Chromium reports as a failed resource load.
    console_errors.allow(r"status of 429")
    page.goto(reverse("login"))
    form = page.locator("form:has(input[name='password'])")
    for _attempt in range(5):
        form.locator("input[name='username']").fill("reader")
        form.locator("input[name='password']").fill("wrong-password")
        form.locator("[type='submit']").click()
        page.wait_for_load_state()
        expect(page).to_have_url(re.compile(re.escape(reverse("login"))))
    # Even the right password is refused now, with a message saying why and what to do.
    form.locator("input[name='username']").fill("reader")
    form.locator("input[name='password']").fill("pilotis-test-pass-42")
    form.locator("[type='submit']").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(re.escape(reverse("login"))))
    expect(page.locator("main")).to_contain_text(re.compile(r"too many", re.IGNORECASE))


def test_logout_ends_the_session(signed_in, world):
    page = signed_in("reader")
    page.goto(reverse("portfolio:dashboard"))
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("login"))))
    page.goto(reverse("portfolio:project_list"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + r"\?next="))
