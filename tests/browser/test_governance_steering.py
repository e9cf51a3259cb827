"""Steering in the browser: a project's weather turns stormy on the map once its report is validated, a
tile drills down to its list, the bell shows the open alerts; the steering pages are axe-clean in English
and French."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from governance.alerts import alerts_evaluate
from governance.models import FlashReport, FlashReportDimension, ReportingPeriod
from portfolio.rules import ProjectStatus
from tests.axe import assert_accessible

TODAY = timezone.localdate()


def _period(months_back: int) -> ReportingPeriod:
    first = datetime.date(TODAY.year, TODAY.month, 1)
    for _step in range(months_back):
        first = datetime.date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    following = datetime.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    period, _created = ReportingPeriod.objects.get_or_create(
        cadence="monthly",
        start=first,
        defaults={
            "end": following - datetime.timedelta(days=1),
            "deadline": following + datetime.timedelta(days=4),
        },
    )
    return period


def _report(project, weather, months_back, status, why=""):
    report = FlashReport.objects.create(
        project=project, period=_period(months_back), status=status, weather=weather
    )
    FlashReportDimension.objects.create(report=report, dimension="schedule", weather=weather, comment=why)
    return report


def test_weather_map_turns_stormy_once_validated_and_drills_down(signed_in, world):
    project = world.projects[0]
    project.status = ProjectStatus.IN_PROGRESS
    project.slippage_days = 25
    project.save()
    _report(project, "sunny", 2, "validated")
    submitted = _report(project, "stormy", 1, "submitted", why="The integrator left the project.")
    alerts_evaluate(TODAY)

    page = signed_in("pmo")
    page.goto(reverse("governance:steering"))
    weather_map = page.get_by_test_id("tile-weather")
    row = weather_map.locator("tbody tr", has_text=project.code)
    expect(row).to_contain_text("Sunny")
    expect(page.get_by_test_id("kpi-red")).to_have_text("0")

    # The project office validates the report: the map changes.
    submitted.status = "validated"
    submitted.save(update_fields=["status"])
    page.reload()
    row = weather_map.locator("tbody tr").first
    expect(row).to_contain_text(project.code)
    expect(row).to_contain_text("Stormy")
    expect(row).to_contain_text("The integrator left the project.")
    expect(page.get_by_test_id("kpi-red")).to_have_text("1")

    # The tile drills down to its list, with the same filters.
    weather_map.get_by_role("link", name="See the weather of").click()
    expect(page).to_have_url(f"{page.url.split('/steering/')[0]}/steering/weather/")
    table = page.get_by_test_id("drilldown-table")
    expect(table.locator("tbody tr", has_text=project.code)).to_contain_text("Stormy")

    # The bell shows the open alert (slippage beyond 10 working days) and opens its menu.
    bell = page.locator(".steering-bell")
    expect(bell.get_by_test_id("bell-count")).to_have_text("1")
    bell.locator("summary").click()
    expect(bell.locator(".steering-bell__list")).to_contain_text(project.code)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_steering_pages_are_accessible(signed_in, context, live_server, world, language):
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    project = world.projects[0]
    project.status = ProjectStatus.IN_PROGRESS
    project.slippage_days = 25
    project.save()
    _report(project, "rainy", 1, "validated", why="Late deliveries.")
    _report(project, "sunny", 2, "validated")
    alerts_evaluate(TODAY)
    page = signed_in("pmo")
    failures = []
    for label, url in {
        "steering": reverse("governance:steering"),
        "drill-down": reverse("governance:steering_drilldown", args=["weather"]),
        "alerts": reverse("governance:alert_list"),
        "alert rules": reverse("governance:alert_rules"),
        "digest": reverse("governance:alert_subscription"),
        "packs": reverse("governance:pack_list"),
        "schedules": reverse("governance:pack_schedules"),
    }.items():
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if label == "steering":
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_attached()
            page.locator(".steering-bell summary").click()
            expect(page.locator(".steering-bell__list")).to_be_visible()
        try:
            assert_accessible(page, f"{label} ({language})")
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)
