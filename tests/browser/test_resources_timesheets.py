"""A person fills and submits a week; their manager approves it; the person sees it approved and locked.
Every page of the way is axe clean, in English and French."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from resources.models import Timesheet, TimesheetStatus
from resources.tests.factories import NonProjectActivityFactory, ResourceFactory, TeamFactory
from tests.axe import assert_accessible


@pytest.mark.parametrize("language", ["en", "fr"])
def test_fill_submit_approve_locked(page, context, live_server, world, signed_in, language):
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    manager = world.user("manager")
    person_user = world.user("contributor")
    team = TeamFactory(manager=manager, name="Études")
    ResourceFactory(user=person_user, team=team, name="Camille Contributor")
    NonProjectActivityFactory(code="RUN-B", name="Support")
    project = world.projects[0]
    project.status = "in_progress"
    project.save()
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())

    # The person fills the week: a project row, two days, saved, then submitted.
    page = signed_in("contributor")
    page.goto(reverse("resources:timesheet_week"))
    expect(page.locator(".ts-grid")).to_be_visible()
    assert_accessible(page, f"empty week ({language})")
    page.locator("#ts-add").select_option(f"p:{project.pk}")
    page.locator("button[name=action][value=add]").click()
    first = page.locator(f"input[name='row-0-{monday.isoformat()}']")
    expect(first).to_be_visible()
    first.fill("1")
    first.press("ArrowRight")
    page.keyboard.type("0.5")
    expect(page.locator(f"[data-total-for='{monday.isoformat()}']")).to_have_text("1")
    # Live totals in the language's decimal mark, as the server writes them.
    half = "0,5" if language == "fr" else "0.5"
    tuesday = monday + datetime.timedelta(days=1)
    expect(page.locator(f"[data-total-for='{tuesday.isoformat()}']")).to_have_text(half)
    assert_accessible(page, f"filled week ({language})")
    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".ts-weeknav .badge")).to_have_attribute("data-value", "submitted")
    expect(page.locator(f"[data-total-for='{tuesday.isoformat()}']")).to_have_text(half)
    expect(page.locator(".ts-grid tbody td.ts-num").first).to_have_text("1,5" if language == "fr" else "1.5")
    expect(page.locator(".ts-input")).to_have_count(0)
    sheet = Timesheet.objects.get(resource__user=person_user, week=monday)
    assert sheet.status == TimesheetStatus.SUBMITTED
    assert sorted(str(d) for d in sheet.lines.get().entries.values_list("days", flat=True)) == [
        "0.500",
        "1.000",
    ]

    # The manager approves the whole week from the approvals queue.
    context.clear_cookies()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = signed_in("manager")
    page.goto(reverse("resources:timesheet_approvals"))
    expect(page.locator(".ts-approval")).to_have_count(1)
    expect(page.locator(".ts-approval h2")).to_contain_text("(1,5 j)" if language == "fr" else "(1.5 days)")
    assert_accessible(page, f"approvals ({language})")
    page.locator(".ts-approval form").last.locator("button[value=approve]").click()
    expect(page.locator(".ts-approval")).to_have_count(0)
    sheet.refresh_from_db()
    assert sheet.status == TimesheetStatus.APPROVED
    page.goto(reverse("resources:timesheet_team"))
    assert_accessible(page, f"team view ({language})")

    # The person sees it approved and locked.
    context.clear_cookies()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = signed_in("contributor")
    page.goto(reverse("resources:timesheet_week"))
    expect(page.locator(".ts-weeknav .badge")).to_have_attribute("data-value", "approved")
    expect(page.locator(".ts-input")).to_have_count(0)
    expect(page.locator("button[name=action]")).to_have_count(0)
