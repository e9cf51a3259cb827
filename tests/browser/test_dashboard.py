"""The portfolio dashboard draws its Plotly charts from data shipped with json_script (CSP-safe)."""

from django.urls import reverse
from playwright.sync_api import expect

from portfolio.models import Project


def test_dashboard_draws_its_charts_without_console_errors(page, world, login, live_server):
    login(page, "pmo")
    page.goto(reverse("portfolio:dashboard"))

    charts = page.locator(".js-plotly-plot")
    expect(charts.nth(2)).to_be_visible()  # at least three charts
    assert charts.count() >= 3
    for index in range(charts.count()):
        expect(charts.nth(index).locator(".main-svg").first).to_be_attached()
    # The counts are the portfolio's, not placeholders.
    expect(page.locator("main")).to_contain_text(str(Project.objects.count()))
    # plotly.js is served by Pilotis itself, never by a CDN.
    scripts = page.eval_on_selector_all("script[src]", "nodes => nodes.map(n => n.src)")
    assert any("plotly" in src for src in scripts), scripts
    assert all(src.startswith(live_server.url + "/") for src in scripts), scripts


def test_roadmap_data_table_is_built_when_opened(page, world, login):
    login(page, "pmo")
    page.goto(reverse("portfolio:dashboard"))
    details = page.locator("[data-roadmap-table]")
    details.locator("summary").click()
    planned = Project.objects.filter(planned_start__isnull=False, planned_end__isnull=False).exclude(
        status="cancelled"
    )
    # Active projects first (the issue asks it), then by planned start.
    first = planned.exclude(status="closed").order_by("planned_start", "code").first()
    rows = details.locator("tbody tr")
    expect(rows).to_have_count(planned.count())
    expect(rows.first.locator("th a")).to_have_text(f"{first.code} · {first.name}")
    expect(rows.first.locator("th a")).to_have_attribute(
        "href", reverse("portfolio:project_detail", args=[first.pk])
    )
    # Closing and opening again does not duplicate the rows.
    details.locator("summary").click()
    details.locator("summary").click()
    expect(rows).to_have_count(planned.count())
