"""Every page fits a 360 px phone and a 1440 px desktop, in English and French; on a phone the project's
actions come before its history and the list's filters are folded; the charts show user text as text,
keep the roadmap's dates in view and open the matching list when a bar is selected; the API docs sit
in the application's frame."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.models import Project
from portfolio.tests.factories import ProjectFactory
from tests.axe import assert_accessible

PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1440, "height": 900}
HOSTILE_NAME = "<b>x</b><img src=x onerror=alert(1)>"
SHOTS = Path("/tmp/shots-presentation")


def _set_language(context, live_server, code):
    context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def _pages(world) -> dict[str, str]:
    project = world.projects[0]
    return {
        "dashboard": reverse("portfolio:dashboard"),
        "project list": reverse("portfolio:project_list"),
        "project page": reverse("portfolio:project_detail", args=[project.pk]),
        "project form (new)": reverse("portfolio:project_create"),
        "project form (edit)": reverse("portfolio:project_edit", args=[project.pk]),
        "profile": reverse("profile"),
        "password change": reverse("password_change"),
        "API docs": reverse("api-docs"),
        "not found": "/no-such-page/",
    }


def _point_at(page, locator, *, click: bool = False) -> None:
    """Move the mouse onto a Plotly bar (its drag layer lies above the bars) and click if asked."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    x, y = box["x"] + min(box["width"] / 2, 20), box["y"] + box["height"] / 2
    page.mouse.move(x - 2, y)
    page.mouse.move(x, y)
    if click:
        page.mouse.click(x, y)


def _overflow(page) -> tuple[int, int]:
    return page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1440px"])
def test_no_page_scrolls_sideways(signed_in, context, live_server, world, language, viewport, console_errors):
    console_errors.allow(r"status of 404 .*/no-such-page/")
    # A long unbroken name and a hostile one: neither may widen the page.
    world.projects[0].name = "Dématérialisation" * 8
    world.projects[0].save()
    _set_language(context, live_server, language)
    page = signed_in("pmo")
    page.set_viewport_size(viewport)
    too_wide = []
    for label, url in _pages(world).items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if label == "dashboard":
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_attached()
        if label == "API docs":
            expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible()
        scroll_width, inner_width = _overflow(page)
        if scroll_width > inner_width:
            too_wide.append(f"{label}: {scroll_width} px wide in a {inner_width} px window")
        if SHOTS.is_dir():
            name = label.replace(" ", "-").replace("(", "").replace(")", "")
            page.screenshot(
                path=str(SHOTS / f"test-{name}-{language}-{viewport['width']}.png"), full_page=True
            )
    page.goto(reverse("login"))  # signed in: the login page still renders
    assert not too_wide, "\n".join(too_wide)


def test_login_page_fits_a_phone(page, world):
    page.set_viewport_size(PHONE)
    page.goto(reverse("login"))
    assert _overflow(page)[0] <= PHONE["width"]


def test_project_actions_come_before_the_history_on_a_phone(signed_in, world):
    page = signed_in("pmo")
    page.set_viewport_size(PHONE)
    page.goto(reverse("portfolio:project_detail", args=[world.projects[0].pk]))
    lifecycle = page.locator("#lifecycle-title").bounding_box()
    sheet = page.locator("#sheet-title").bounding_box()
    history = page.locator("#history-title").bounding_box()
    assert lifecycle["y"] < history["y"]
    assert sheet["y"] < history["y"]
    # On a wide screen they are a column beside the summary, at the top.
    page.set_viewport_size(DESKTOP)
    lifecycle = page.locator("#lifecycle-title").bounding_box()
    summary = page.locator("#summary-title").bounding_box()
    assert lifecycle["x"] > summary["x"] + summary["width"] / 2
    assert abs(lifecycle["y"] - summary["y"]) < 5


def test_list_filters_are_folded_on_a_phone(signed_in, world):
    page = signed_in("reader")
    page.set_viewport_size(PHONE)
    page.goto(reverse("portfolio:project_list"))
    fold = page.locator("details.filters__fold")
    expect(fold).not_to_have_attribute("open", "")
    first_row = page.locator("#project-results tbody tr").first
    assert first_row.bounding_box()["y"] < PHONE["height"], "the first project is below the first screen"
    fold.locator("summary").click()
    expect(page.locator("#filter-form")).to_be_visible()
    # On a wide screen they start unfolded; once a filter is applied, on a phone too.
    page.set_viewport_size(DESKTOP)
    page.goto(reverse("portfolio:project_list"))
    expect(page.locator("#filter-form")).to_be_visible()
    page.set_viewport_size(PHONE)
    page.goto(reverse("portfolio:project_list") + "?status=demand")
    expect(page.locator("#filter-form")).to_be_visible()


def test_chart_labels_show_user_text_as_text(signed_in, world, console_errors):
    project = ProjectFactory(
        code="XSS-1",
        name=HOSTILE_NAME,
        directorate=world.directorates[0],
        status="in_progress",
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2026, 1, 1),
    )
    world.directorates[1].name = "<i>Direction</i><img src=y onerror=alert(2)>"
    world.directorates[1].save()
    page = signed_in("pmo")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(reverse("portfolio:dashboard"))
    roadmap = page.locator("#chart-roadmap")
    expect(roadmap.locator(".main-svg").first).to_be_attached()
    expect(page.locator("#chart-directorate .main-svg").first).to_be_attached()
    # No element was made from the names: no <img>, no bold, in any chart.
    assert page.locator(".js-plotly-plot img").count() == 0
    assert page.locator(".js-plotly-plot svg b, .js-plotly-plot svg i").count() == 0
    ticks = " ".join(roadmap.locator(".ytick text").all_text_contents())
    assert f"{project.code} · <b>x</b>" in ticks
    directorate_ticks = " ".join(page.locator("#chart-directorate .ytick text").all_text_contents())
    assert "<i>Direction</i>" in directorate_ticks
    # The hover label too.
    _point_at(page, roadmap.locator(".bars .point path").first)
    hover = page.locator(".hoverlayer .hovertext").first
    expect(hover).to_be_visible()
    assert page.locator(".hoverlayer img").count() == 0
    assert not dialogs


def test_roadmap_dates_stay_in_view_and_bars_open_the_project(signed_in, world):
    for index in range(40):
        ProjectFactory(
            code=f"RM-{index:02d}",
            directorate=world.directorates[0],
            status="approved",
            planned_start=datetime.date(2025, 1, 1) + datetime.timedelta(days=7 * index),
            planned_end=datetime.date(2026, 6, 30),
        )
    page = signed_in("reader")
    page.goto(reverse("portfolio:dashboard"))
    frame = page.locator(".chart__scroll")
    axis = page.locator("#chart-roadmap-axis")
    expect(page.locator("#chart-roadmap .main-svg").first).to_be_attached()
    expect(axis.locator(".xtick").first).to_be_attached()
    frame.evaluate("element => { element.scrollTop = element.scrollHeight; }")
    page.wait_for_timeout(100)
    assert abs(axis.bounding_box()["y"] - frame.bounding_box()["y"]) < 3, "the date axis scrolled away"
    # Labels are code · name; active projects come before closed ones.
    ticks = page.locator("#chart-roadmap .ytick text").all_text_contents()
    assert any(tick.startswith("RM-00 · ") for tick in ticks)
    closed = [i for i, tick in enumerate(ticks) if tick.startswith("ARCH-")]
    active = [i for i, tick in enumerate(ticks) if tick.startswith("RM-")]
    assert not closed or min(closed) > max(active)
    # Selecting a bar opens its project.
    frame.evaluate("element => { element.scrollTop = 0; }")
    first = Project.objects.filter(planned_start__isnull=False).exclude(status__in=["closed", "cancelled"])
    first = first.order_by("planned_start", "code").first()
    _point_at(page, page.locator("#chart-roadmap .bars .point path").first, click=True)
    page.wait_for_url(f"**{reverse('portfolio:project_detail', args=[first.pk])}")


def test_status_bar_opens_the_matching_list(signed_in, world):
    page = signed_in("reader")
    page.goto(reverse("portfolio:dashboard"))
    chart = page.locator("#chart-status")
    expect(chart.locator(".main-svg").first).to_be_attached()
    # The bars run top to bottom in the lifecycle's order: the fourth is "in progress".
    _point_at(page, chart.locator(".bars .point path").nth(3), click=True)
    page.wait_for_url("**/projects/?status=in_progress")
    expect(page.locator("#project-results tbody tr")).to_have_count(
        Project.objects.filter(status="in_progress").count()
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_api_docs_have_the_application_frame(signed_in, context, live_server, world, language):
    _set_language(context, live_server, language)
    page = signed_in("reader")
    page.goto(reverse("portfolio:dashboard"))
    # Not in the main menu any more: in the account menu and the footer.
    expect(page.locator(".main-nav a[href='/api/docs/']")).to_have_count(0)
    expect(page.locator(".user-menu a[href='/api/docs/']")).to_have_count(1)
    expect(page.locator(".site-footer a[href='/api/docs/']")).to_have_count(1)
    page.goto(reverse("api-docs"))
    expect(page.locator(".site-header .brand")).to_be_visible()
    expect(page.locator(".breadcrumb a").first).to_have_attribute("href", reverse("portfolio:dashboard"))
    titles = page.locator(".swagger-ui .opblock-tag")
    expect(titles.first).to_be_visible()
    expected = "Axes stratégiques" if language == "fr" else "Strategic axes"
    expect(page.locator(".swagger-ui")).to_contain_text(expected)
    assert_accessible(page, f"API docs ({language})")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1440px"])
def test_dashboard_labels_are_not_cut_and_the_legend_clears_the_dates(signed_in, world, viewport):
    from portfolio.models import PortfolioSnapshot

    for day in range(1, 31):
        PortfolioSnapshot.objects.create(
            day=datetime.date(2025, 3, day), total=4, by_status={"demand": 1, "in_progress": 2, "closed": 1}
        )
    world.directorates[0].name = "Direction des systèmes d'information et de la transformation numérique"
    world.directorates[0].save()
    page = signed_in("reader")
    page.set_viewport_size(viewport)
    page.goto(reverse("portfolio:dashboard"))
    for chart_id in ("chart-status", "chart-directorate", "chart-objective", "chart-roadmap", "chart-trend"):
        chart = page.locator(f"#{chart_id}")
        expect(chart.locator(".main-svg").first).to_be_attached()
        chart.scroll_into_view_if_needed()
        frame = chart.bounding_box()
        for tick in chart.locator(".ytick text, .xtick text").all():
            box = tick.bounding_box()
            if box is None or box["width"] == 0:
                continue
            assert box["x"] >= frame["x"] - 1, f"{chart_id}: label {tick.text_content()!r} cut on the left"
            assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, (
                f"{chart_id}: label cut on the right"
            )
    # The trend's legend sits above the plot, never over its dates.
    trend = page.locator("#chart-trend")
    legend = trend.locator(".legend").bounding_box()
    dates = [tick.bounding_box() for tick in trend.locator(".xtick text").all()]
    assert dates and all(legend["y"] + legend["height"] <= box["y"] for box in dates if box)
