"""The portfolio pages: rights per role, list filters and htmx, forms, lifecycle, query counts, CSP."""

import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Project, ProjectStatusChange
from portfolio.rules import ProjectStatus
from portfolio.services import project_transition, project_update
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, StrategicAxisFactory, TagFactory
from ppm.models import AuditEntry
from ppm.testing import assert_same_queries_at_two_sizes
from ppm.tests.factories import DirectorateFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def portfolio(directorate, manager_user, other_manager):
    """Three projects in different states, two axes, three objectives, a tag."""
    axis1 = StrategicAxisFactory(code="AX1", name="Digital public service", order=1)
    axis2 = StrategicAxisFactory(code="AX2", name="Efficient administration", order=2)
    objectives = [
        ObjectiveFactory(axis=axis1, code="OBJ1", name="Online procedures"),
        ObjectiveFactory(axis=axis1, code="OBJ2", name="Data governance"),
        ObjectiveFactory(axis=axis2, code="OBJ3", name="Modern workplace"),
    ]
    other_directorate = DirectorateFactory(code="DRH", name="Direction des ressources humaines")
    cloud = TagFactory(name="cloud")
    projects = {
        "erp": ProjectFactory(
            code="ERP-2025",
            name="Financial ERP replacement",
            directorate=directorate,
            manager=manager_user,
            status=ProjectStatus.IN_PROGRESS,
            objectives=[objectives[1]],
            tags=[cloud],
            priority=1,
        ),
        "grc": ProjectFactory(
            code="GRC-2025",
            name="Citizen relationship portal",
            directorate=directorate,
            manager=other_manager,
            status=ProjectStatus.FRAMING,
            objectives=[objectives[0]],
            description="Online requests for citizens.",
        ),
        "sirh": ProjectFactory(
            code="SIRH-2026",
            name="HR information system",
            directorate=other_directorate,
            manager=None,
            status=ProjectStatus.DEMAND,
            objectives=[objectives[2]],
            planned_start=datetime.date(2026, 1, 5),
            planned_end=datetime.date(2027, 6, 30),
        ),
    }
    return {"projects": projects, "objectives": objectives, "directorates": [directorate, other_directorate]}


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>.*?</tr>", body, re.DOTALL)


def _codes(response) -> list[str]:
    return re.findall(r'/projects/\d+/">([^<]+)</a>', _table_html(response))


def _table_html(response) -> str:
    html = response.content.decode()
    start = html.find("results__bar")
    return html[start:] if start >= 0 else html


# --- Access ---------------------------------------------------------------------------------


def test_forbidden_page_is_friendly(client, reader_user):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_create"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not do this" in html
    assert "Only the project office and administrators create projects." in html
    assert "Traceback" not in html


def test_unknown_project_is_a_friendly_404(client, reader_user):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_detail", args=[999999]))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    assert client.get(reverse("portfolio:project_edit", args=[999999])).status_code == 404


def test_transition_is_post_only(client, pmo_user, portfolio):
    client.force_login(pmo_user)
    url = reverse("portfolio:project_transition", args=[portfolio["projects"]["grc"].pk])
    assert client.get(url).status_code == 405


# --- Dashboard --------------------------------------------------------------------------------


def test_dashboard_shows_kpis_and_chart_data(client, reader_user, portfolio):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    kpis = {k["label"]: k["value"] for k in response.context["kpis"]}
    assert list(kpis.values()) == [3, 1, 0, 0, 1, 0]  # the last: projects slipping (none scheduled)
    charts = response.context["charts"]
    assert {s["key"]: s["count"] for s in charts["statuses"]}["framing"] == 1
    assert [row["code"] for row in charts["roadmap"]] == ["ERP-2025", "GRC-2025", "SIRH-2026"]
    assert charts["roadmap"][0]["url"] == reverse(
        "portfolio:project_detail", args=[portfolio["projects"]["erp"].pk]
    )
    assert {o["code"]: o["count"] for o in charts["objectives"]} == {"OBJ1": 1, "OBJ2": 1, "OBJ3": 1}
    # Each chart is a figure shipped with json_script and drawn by the generic charts.js.
    for name in ("status", "directorate", "objective", "roadmap"):
        assert f'data-chart="figure-{name}"' in html
        assert f'id="figure-{name}" type="application/json"' in html
    assert 'id="chart-locale" type="application/json"' in html
    assert "vendor/plotly/plotly.min.js" in html
    assert "js/charts.js" in html
    # Accessible fallbacks: a summary on every plot and the figures in a table.
    assert html.count('class="visually-hidden chart__summary"') == 4  # the trend waits for snapshots
    assert "Financial ERP replacement" in html
    # No snapshot yet: the trend explains when it will appear.
    assert "The first snapshot of the portfolio is taken tonight" in html


def test_dashboard_trend_from_snapshots(client, reader_user, portfolio):
    from portfolio.models import PortfolioSnapshot

    PortfolioSnapshot.objects.create(day=datetime.date(2025, 3, 1), total=2, by_status={"demand": 2})
    PortfolioSnapshot.objects.create(
        day=datetime.date(2025, 3, 2), total=3, by_status={"demand": 2, "in_progress": 1}
    )
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:dashboard"))
    trend = response.context["charts"]["trend"]
    assert trend["days"] == [datetime.date(2025, 3, 1), datetime.date(2025, 3, 2)]
    series = {s["key"]: s["values"] for s in trend["series"]}
    assert series["demand"] == [2, 2]
    assert series["in_progress"] == [0, 1]
    html = response.content.decode()
    assert "taken tonight" not in html
    assert 'id="chart-trend"' in html
    assert html.count('class="visually-hidden chart__summary"') == 5


def test_dashboard_charts_and_trend_table_follow_the_portfolio_and_the_language(
    client, reader_user, pmo_user, portfolio
):
    """The unfiltered charts and the trend table are cached with the dashboard's data (same
    fingerprint): a change shows at the next view, and each language has its own."""
    from portfolio.models import PortfolioSnapshot

    PortfolioSnapshot.objects.create(day=datetime.date(2025, 3, 1), total=2, by_status={"demand": 2})
    client.force_login(reader_user)
    url = reverse("portfolio:dashboard")

    def demand_count(response):
        return next(s["count"] for s in response.context["charts"]["statuses"] if s["key"] == "demand")

    first = client.get(url)
    assert "03/01/2025" in first.content.decode()  # the trend table's day, English short date
    before = demand_count(first)
    assert demand_count(client.get(url)) == before  # served from the cache
    project_transition(actor=pmo_user, project=portfolio["projects"]["sirh"], action="start_framing")
    PortfolioSnapshot.objects.create(day=datetime.date(2025, 3, 2), total=2, by_status={"demand": 1})
    again = client.get(url)
    assert demand_count(again) == before - 1
    assert "03/02/2025" in again.content.decode()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    html = french.content.decode()
    assert "02/03/2025" in html and "03/02/2025" not in html
    assert next(s["label"] for s in french.context["charts"]["statuses"] if s["key"] == "demand") == "Demande"


def test_dashboard_first_figure_counts_active_projects(client, reader_user, portfolio, directorate):
    ProjectFactory(code="OLD-1", directorate=directorate, status=ProjectStatus.CLOSED)
    ProjectFactory(code="OLD-2", directorate=directorate, status=ProjectStatus.CANCELLED)
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:dashboard"))
    first = response.context["kpis"][0]
    assert first["label"] == "Active projects"
    assert first["value"] == 3  # the closed and the cancelled project are not counted
    # It links to the list of exactly those projects.
    listed = client.get(first["url"])
    assert sorted(_codes(listed)) == ["ERP-2025", "GRC-2025", "SIRH-2026"]


def _figure(html: str, name: str) -> dict:
    match = re.search(rf'<script id="figure-{name}" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match, f"no figure {name}"
    return json.loads(match.group(1))


def test_chart_figures_carry_user_text_escaped(client, reader_user, portfolio):
    hostile = "<b>x</b><img src=x onerror=alert(1)>"
    project = portfolio["projects"]["erp"]
    project.name = hostile
    project.save()
    portfolio["directorates"][1].name = hostile
    portfolio["directorates"][1].save()
    objective = portfolio["objectives"][0]
    objective.name = hostile
    objective.save()
    client.force_login(reader_user)
    html = client.get(reverse("portfolio:dashboard")).content.decode()
    for name in ("status", "directorate", "objective", "roadmap"):
        figure = _figure(html, name)
        text = json.dumps(figure)
        # json_script escapes < > & as \u003C...: decoded, no markup may be left for Plotly to render.
        assert "<img" not in text and "<b>" not in text, name
    roadmap = _figure(html, "roadmap")
    assert any(tick.startswith("ERP-2025 · &lt;b&gt;x") for tick in roadmap["layout"]["yaxis"]["ticktext"])
    assert "%{" not in json.dumps(roadmap["data"][0]["customdata"])
    directorate = _figure(html, "directorate")
    assert any(tick.startswith("&lt;b&gt;x") for tick in directorate["layout"]["yaxis"]["ticktext"])


def test_every_dashboard_bar_links_to_its_list(client, reader_user, portfolio):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:dashboard"))
    html = response.content.decode()
    status = _figure(html, "status")
    assert status["links"][0] == [f"/projects/?status={key}" for key in ProjectStatus.values]
    directorate = _figure(html, "directorate")
    assert sorted(directorate["links"][0]) == sorted(
        f"/projects/?directorate={d.pk}" for d in portfolio["directorates"]
    )
    objective = _figure(html, "objective")
    assert sorted(link for links in objective["links"] for link in links) == sorted(
        f"/projects/?objective={o.pk}" for o in portfolio["objectives"]
    )
    roadmap = _figure(html, "roadmap")
    erp = portfolio["projects"]["erp"]
    assert reverse("portfolio:project_detail", args=[erp.pk]) in roadmap["links"][0]
    # The same links in the data tables, for keyboard and screen-reader users.
    assert 'href="/projects/?status=framing"' in html
    assert f'href="/projects/?directorate={portfolio["directorates"][1].pk}"' in html
    assert f'href="/projects/?objective={portfolio["objectives"][2].pk}"' in html
    # And the bar's list really holds what the bar counts.
    framing = client.get("/projects/?status=framing")
    assert _codes(framing) == ["GRC-2025"]


def test_roadmap_puts_active_projects_first(client, reader_user, portfolio, directorate):
    ProjectFactory(
        code="AAA-OLD",
        directorate=directorate,
        status=ProjectStatus.CLOSED,
        planned_start=datetime.date(2020, 1, 1),
        planned_end=datetime.date(2021, 1, 1),
    )
    client.force_login(reader_user)
    charts = client.get(reverse("portfolio:dashboard")).context["charts"]
    codes = [row["code"] for row in charts["roadmap"]]
    assert codes[-1] == "AAA-OLD"  # earliest start, but closed: last
    assert codes[:3] == ["ERP-2025", "GRC-2025", "SIRH-2026"]
    assert [key for key in charts["figures"]["roadmap"]["data"][0]["y"]] == codes


def test_roadmap_filters_by_axis_objective_directorate_and_year(client, reader_user, portfolio):
    client.force_login(reader_user)
    url = reverse("portfolio:dashboard")
    objectives = portfolio["objectives"]
    erp, grc, sirh = (portfolio["projects"][key] for key in ("erp", "grc", "sirh"))
    grc.planned_start, grc.planned_end = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)
    grc.save()
    erp.planned_start, erp.planned_end = datetime.date(2025, 1, 1), datetime.date(2026, 12, 31)
    erp.save()
    cases = [
        ({"roadmap-axis": objectives[0].axis_id}, ["GRC-2025", "ERP-2025"]),
        ({"roadmap-axis": objectives[2].axis_id}, ["SIRH-2026"]),
        ({"roadmap-objective": objectives[1].pk}, ["ERP-2025"]),
        ({"roadmap-directorate": portfolio["directorates"][1].pk}, ["SIRH-2026"]),
        ({"roadmap-year": 2024}, ["GRC-2025"]),
        ({"roadmap-year": 2026}, ["ERP-2025", "SIRH-2026"]),
        ({"roadmap-year": 2026, "roadmap-directorate": portfolio["directorates"][0].pk}, ["ERP-2025"]),
        ({"roadmap-year": "not a year"}, ["GRC-2025", "ERP-2025", "SIRH-2026"]),
    ]
    for params, expected in cases:
        response = client.get(url, params)
        assert [row["code"] for row in response.context["charts"]["roadmap"]] == expected, params
    # The other charts are not filtered.
    response = client.get(url, {"roadmap-year": 2024})
    assert sum(s["count"] for s in response.context["charts"]["statuses"]) == 3
    assert "filters applied" in response.content.decode()


def test_roadmap_filter_query_count_is_the_same_at_3_and_30(client, reader_user, directorate, manager_user):
    axis = StrategicAxisFactory()
    objectives = [ObjectiveFactory(axis=axis) for _ in range(3)]
    client.force_login(reader_user)
    counts = []
    for size in (3, 30):
        Project.objects.all().delete()
        _make_projects(size, directorate, objectives, manager_user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("portfolio:dashboard"), {"roadmap-objective": objectives[0].pk})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _make_projects(count: int, directorate, objectives, manager):
    tag = TagFactory(name="bulk")
    for index in range(count):
        ProjectFactory(
            code=f"BULK-{index:03d}",
            directorate=directorate,
            manager=manager,
            status=ProjectStatus.values[index % len(ProjectStatus.values)],
            objectives=objectives[: 1 + index % 3],
            tags=[tag],
        )


def _project_grower(directorate, objectives, manager):
    """`grow(n)` for assert_same_queries_at_two_sizes: n more projects like _make_projects makes."""
    tag = TagFactory(name="bulk")
    made = []

    def grow(count: int) -> None:
        for _ in range(count):
            index = len(made)
            made.append(
                ProjectFactory(
                    code=f"BULK-{index:03d}",
                    directorate=directorate,
                    manager=manager,
                    status=ProjectStatus.values[index % len(ProjectStatus.values)],
                    objectives=objectives[: 1 + index % 3],
                    tags=[tag],
                )
            )

    grow.made = made
    return grow


def test_dashboard_query_count_does_not_grow(client, reader_user, directorate, manager_user):
    axis = StrategicAxisFactory()
    objectives = [ObjectiveFactory(axis=axis) for _ in range(3)]
    client.force_login(reader_user)

    def dashboard():
        cache.clear()  # the live computation, not the cached summary
        response = client.get(reverse("portfolio:dashboard"))
        assert response.status_code == 200
        expected = Project.objects.exclude(status=ProjectStatus.CANCELLED).count()
        assert len(response.context["charts"]["roadmap"]) == expected

    grow = _project_grower(directorate, objectives, manager_user)
    assert_same_queries_at_two_sizes(dashboard, grow=grow, ceiling=20)


def test_dashboard_and_list_queries_are_the_same_at_3_and_30(client, reader_user, directorate, manager_user):
    axis = StrategicAxisFactory()
    objectives = [ObjectiveFactory(axis=axis) for _ in range(3)]
    client.force_login(reader_user)
    counts = []
    for size in (3, 30):
        Project.objects.all().delete()
        _make_projects(size, directorate, objectives, manager_user)
        per_page = []
        for url in (reverse("portfolio:dashboard"), reverse("portfolio:project_list")):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            per_page.append(len(queries))
        counts.append(per_page)
    assert counts[0] == counts[1]


# --- Project list -----------------------------------------------------------------------------


def test_list_query_count_does_not_grow(client, reader_user, directorate, manager_user):
    axis = StrategicAxisFactory()
    objectives = [ObjectiveFactory(axis=axis) for _ in range(3)]
    client.force_login(reader_user)
    grow = _project_grower(directorate, objectives, manager_user)

    def project_list():
        response = client.get(reverse("portfolio:project_list"))
        assert len(_rows(response.content.decode())) == min(len(grow.made), 25)

    def filtered_list():
        response = client.get(
            reverse("portfolio:project_list"), {"directorate": directorate.pk, "status": "demand"}
        )
        assert len(_rows(response.content.decode())) == len(grow.made[:: len(ProjectStatus.values)])

    assert_same_queries_at_two_sizes(project_list, grow=grow, ceiling=12)
    Project.objects.all().delete()
    grow.made.clear()
    assert_same_queries_at_two_sizes(filtered_list, grow=grow, ceiling=12)


def test_list_shows_the_columns(client, reader_user, portfolio, manager_user):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_list"))
    html = response.content.decode()
    assert _codes(response) == ["ERP-2025", "GRC-2025", "SIRH-2026"]
    erp_row = next(row for row in _rows(html) if "ERP-2025" in row)
    assert "Financial ERP replacement" in erp_row
    assert 'class="badge badge--success" data-value="in_progress">In progress<' in erp_row
    assert "Direction des systèmes d&#x27;information" in erp_row
    assert manager_user.get_full_name() in erp_row
    assert "OBJ2" in erp_row
    assert "Critical" in erp_row
    assert 'class="button button--primary"' not in html.split("results__bar")[0].split("page-header")[1]


def test_list_filters_by_status_directorate_objective_tag_priority_and_manager(
    client, reader_user, portfolio, other_manager
):
    client.force_login(reader_user)
    url = reverse("portfolio:project_list")
    objectives = portfolio["objectives"]
    cases = [
        ({"status": ["in_progress", "demand"]}, ["ERP-2025", "SIRH-2026"]),
        ({"directorate": portfolio["directorates"][1].pk}, ["SIRH-2026"]),
        ({"objective": objectives[0].pk}, ["GRC-2025"]),
        ({"tag": "cloud"}, ["ERP-2025"]),
        ({"priority": 1}, ["ERP-2025"]),
        ({"manager": other_manager.pk}, ["GRC-2025"]),
        ({"q": "citizens"}, ["GRC-2025"]),
        ({"q": "hr system"}, ["SIRH-2026"]),
    ]
    for params, expected in cases:
        assert _codes(client.get(url, params)) == expected, params


def test_list_sorts_by_column_and_marks_the_header(client, reader_user, portfolio):
    client.force_login(reader_user)
    url = reverse("portfolio:project_list")
    response = client.get(url, {"ordering": "-name"})
    assert _codes(response) == ["SIRH-2026", "ERP-2025", "GRC-2025"]
    html = response.content.decode()
    assert re.search(
        r'<th scope="col" aria-sort="descending">\s*<a class="sort-link" href="\?ordering=name"', html
    )
    # The other columns offer an ascending sort.
    assert 'href="?ordering=code"' in html
    assert _codes(client.get(url, {"ordering": "planned_start"}))[-1] == "SIRH-2026"


def test_list_paginates_and_page_links_keep_the_filters(client, reader_user, directorate):
    for index in range(30):
        ProjectFactory(code=f"P-{index:03d}", directorate=directorate, status=ProjectStatus.DEMAND)
    ProjectFactory(code="OTHER", directorate=directorate, status=ProjectStatus.CLOSED)
    client.force_login(reader_user)
    url = reverse("portfolio:project_list")
    first = client.get(url, {"status": "demand", "ordering": "code"})
    assert len(_codes(first)) == 25
    html = first.content.decode()
    assert "30 projects" in html
    assert 'href="?status=demand&amp;ordering=code&amp;page=2"' in html
    second = client.get(url, {"status": "demand", "ordering": "code", "page": 2})
    assert _codes(second) == [f"P-{index:03d}" for index in range(25, 30)]
    # A page number out of range or not a number still answers with a page.
    assert client.get(url, {"page": "999"}).status_code == 200
    assert client.get(url, {"page": "abc"}).status_code == 200


def test_list_htmx_request_gets_only_the_results(client, reader_user, portfolio):
    client.force_login(reader_user)
    url = reverse("portfolio:project_list")
    response = client.get(
        url, {"status": "framing"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="project-results"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<table" in html
    assert _codes(response) == ["GRC-2025"]
    assert "HX-Request" in response["Vary"]
    # The sort state travels back to the filter form out of band.
    assert 'id="filter-ordering"' in html and 'hx-swap-oob="true"' in html
    # Export links follow the filters.
    assert reverse("portfolio:project_export", args=["csv"]) + "?status=framing" in html
    # A history restore (or any other htmx request) gets the whole page.
    restore = client.get(
        url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true", HTTP_HX_TARGET="project-results"
    )
    assert "<html" in restore.content.decode()


def test_list_wires_htmx_on_filters_and_search(client, reader_user, portfolio):
    client.force_login(reader_user)
    html = client.get(reverse("portfolio:project_list")).content.decode()
    assert 'hx-target="#project-results"' in html
    assert 'hx-push-url="true"' in html
    assert 'hx-trigger="input changed delay:300ms"' in html
    assert 'type="search" name="q"' in html


def test_list_ignores_bad_filter_values(client, reader_user, portfolio):
    client.force_login(reader_user)
    response = client.get(
        reverse("portfolio:project_list"),
        {"directorate": "abc", "status": "nope", "q": "a\x00b", "priority": "9"},
    )
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_new_project_button_only_for_creators(client, pmo_user, reader_user, portfolio):
    create_url = reverse("portfolio:project_create")
    client.force_login(reader_user)
    assert f'href="{create_url}"' not in client.get(reverse("portfolio:project_list")).content.decode()
    client.force_login(pmo_user)
    assert f'href="{create_url}"' in client.get(reverse("portfolio:project_list")).content.decode()


# --- Project page -----------------------------------------------------------------------------


def test_project_page_shows_fields_objectives_tags_and_history(client, reader_user, pmo_user, portfolio):
    project = portfolio["projects"]["erp"]
    project_update(actor=pmo_user, project=project, data={"name": "Financial ERP (phase 2)"})
    ProjectStatusChange.objects.create(
        project=project,
        source="approved",
        target="in_progress",
        action="start",
        comment="Kick-off done",
        actor=pmo_user,
    )
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_detail", args=[project.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Financial ERP (phase 2)" in html
    assert "Digital public service" in html and "OBJ2" in html  # the objective with its axis
    assert "cloud" in html
    assert "Kick-off done" in html
    # The audit trail: who, what changed, old → new.
    assert str(pmo_user) in html
    assert "Financial ERP replacement</del>" in html
    assert "Financial ERP (phase 2)</ins>" in html
    # A reader gets neither the edit link nor the lifecycle buttons.
    assert reverse("portfolio:project_edit", args=[project.pk]) not in html
    assert reverse("portfolio:project_transition", args=[project.pk]) not in html


def test_project_page_offers_the_allowed_moves_to_the_manager(client, manager_user, portfolio):
    project = portfolio["projects"]["erp"]  # in progress, managed by manager_user
    client.force_login(manager_user)
    html = client.get(reverse("portfolio:project_detail", args=[project.pk])).content.decode()
    assert reverse("portfolio:project_transition", args=[project.pk]) in html
    actions = re.findall(r'name="action" value="([a-z_]+)"', html)
    # Irreversible moves come after the others, each behind a confirmation step.
    assert actions == ["put_on_hold", "close", "cancel"]
    assert f'name="version" value="{project.version}"' in html
    assert reverse("portfolio:project_edit", args=[project.pk]) in html


def test_project_page_includes_the_sheet_block(client, reader_user, portfolio):
    from portfolio import sheet_views

    if not hasattr(sheet_views, "sheet_context"):
        pytest.skip("the project sheet is not built yet")
    client.force_login(reader_user)
    html = client.get(
        reverse("portfolio:project_detail", args=[portfolio["projects"]["erp"].pk])
    ).content.decode()
    assert '<div id="sheet-status">' in html


# --- Lifecycle through the page ---------------------------------------------------------------


def _transition(client, project, action, version=None, comment=""):
    return client.post(
        reverse("portfolio:project_transition", args=[project.pk]),
        {"action": action, "version": version or project.version, "comment": comment},
        follow=True,
    )


def test_allowed_transition_moves_the_project_and_says_so(client, pmo_user, portfolio):
    project = portfolio["projects"]["grc"]  # framing, has a manager and dates
    client.force_login(pmo_user)
    response = _transition(client, project, "approve", comment="Committee of 3 March")
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED
    html = response.content.decode()
    assert "Status changed from “Framing” to “Approved”." in html
    assert "Committee of 3 March" in html
    change = project.status_changes.last()
    assert (change.source, change.target, change.actor) == ("framing", "approved", pmo_user)
    assert AuditEntry.objects.filter(object_id=str(project.pk), action=AuditEntry.Action.TRANSITION).exists()


def test_refused_transition_shows_why(client, pmo_user, portfolio):
    project = portfolio["projects"]["sirh"]  # demand, no manager
    project.status = ProjectStatus.FRAMING
    project.save()
    client.force_login(pmo_user)
    response = _transition(client, project, "approve")
    project.refresh_from_db()
    assert project.status == ProjectStatus.FRAMING
    html = response.content.decode()
    assert "message--error" in html
    assert "without a project manager" in html


def test_unknown_or_illegal_action_is_refused_with_a_message(client, pmo_user, portfolio):
    project = portfolio["projects"]["sirh"]  # demand
    client.force_login(pmo_user)
    assert "Unknown lifecycle action" in _transition(client, project, "explode").content.decode()
    assert "is not possible from the status" in _transition(client, project, "close").content.decode()
    project.refresh_from_db()
    assert project.status == ProjectStatus.DEMAND


def test_stale_transition_says_someone_else_changed_it(client, pmo_user, portfolio):
    project = portfolio["projects"]["grc"]
    stale_version = project.version
    project_update(actor=pmo_user, project=project, data={"name": "Renamed meanwhile"})
    client.force_login(pmo_user)
    response = _transition(client, project, "approve", version=stale_version)
    project.refresh_from_db()
    assert project.status == ProjectStatus.FRAMING
    assert "changed by someone else meanwhile" in response.content.decode()


def test_transition_incomplete_form_is_refused(client, pmo_user, portfolio):
    project = portfolio["projects"]["grc"]
    client.force_login(pmo_user)
    response = client.post(
        reverse("portfolio:project_transition", args=[project.pk]), {"action": "approve"}, follow=True
    )
    assert "The status change was incomplete" in response.content.decode()
    project.refresh_from_db()
    assert project.status == ProjectStatus.FRAMING


# --- Create and edit --------------------------------------------------------------------------


def _form_data(portfolio, **overrides):
    data = {
        "code": "NEW-1",
        "name": "A new project",
        "description": "Why and what.",
        "directorate": portfolio["directorates"][0].pk,
        "manager": "",
        "planned_start": "2026-01-05",
        "planned_end": "2026-12-18",
        "priority": "2",
        "objectives": [portfolio["objectives"][0].pk, portfolio["objectives"][2].pk],
        "tags": "cloud, Citizens ,cloud",
    }
    data.update(overrides)
    return data


def test_create_project(client, pmo_user, portfolio):
    client.force_login(pmo_user)
    response = client.post(reverse("portfolio:project_create"), _form_data(portfolio))
    project = Project.objects.get(code="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:project_detail", args=[project.pk])
    assert project.status == ProjectStatus.DEMAND
    assert project.planned_start == datetime.date(2026, 1, 5)
    assert sorted(o.code for o in project.objectives.all()) == ["OBJ1", "OBJ3"]
    assert sorted(t.name for t in project.tags.all()) == ["Citizens", "cloud"]
    entry = AuditEntry.objects.get(object_id=str(project.pk), action=AuditEntry.Action.CREATE)
    assert entry.actor == pmo_user
    assert entry.changes["name"]["new"] == "A new project"
    page = client.get(response["Location"]).content.decode()
    assert "Project “NEW-1 · A new project” created." in page


def test_create_form_renders_objectives_grouped_by_axis(client, pmo_user, portfolio):
    client.force_login(pmo_user)
    html = client.get(reverse("portfolio:project_create")).content.decode()
    assert html.index("AX1 · Digital public service") < html.index("OBJ1 · Online procedures")
    assert html.index("AX2 · Efficient administration") < html.index("OBJ3 · Modern workplace")
    assert 'type="date" name="planned_start"' in html
    assert 'name="version"' not in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"planned_end": "2025-12-31"}, "planned_end", "must not be before the planned start"),
        ({"code": "ERP-2025"}, "code", "already exists"),
        ({"code": "bad code!"}, "code", "Use letters, digits"),
        ({"name": ""}, "name", "This field is required."),
        ({"planned_start": "2026-02-30"}, "planned_start", "Enter a valid date."),
        ({"directorate": "999999"}, "directorate", "Select a valid choice."),
        ({"priority": "9"}, "priority", "Select a valid choice."),
        ({"name": "nul\x00byte"}, "name", "Null characters are not allowed."),
        ({"tags": "x" * 51}, "tags", "at most 50 characters"),
    ],
)
def test_create_validation_errors_are_shown_next_to_the_field(
    client, pmo_user, portfolio, overrides, field, message
):
    client.force_login(pmo_user)
    response = client.post(reverse("portfolio:project_create"), _form_data(portfolio, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "There is a problem" in html
    assert not Project.objects.filter(code="NEW-1").exists()


def test_service_validation_error_becomes_a_form_error(client, pmo_user, portfolio):
    # An approved project needs a manager: the service refuses to remove it.
    project = portfolio["projects"]["erp"]
    client.force_login(pmo_user)
    data = _form_data(portfolio, code=project.code, manager="", version=project.version)
    response = client.post(reverse("portfolio:project_edit", args=[project.pk]), data)
    assert response.status_code == 200
    assert "without a project manager" in " ".join(response.context["form"].non_field_errors())
    project.refresh_from_db()
    assert project.manager is not None


def test_edit_project_records_an_audit_entry(client, manager_user, portfolio):
    project = portfolio["projects"]["erp"]
    client.force_login(manager_user)
    get = client.get(reverse("portfolio:project_edit", args=[project.pk]))
    assert get.context["form"].initial["tags"] == "cloud"
    assert f'name="version" value="{project.version}"' in get.content.decode()
    data = _form_data(
        portfolio,
        code=project.code,
        name="ERP, phase 2",
        manager=manager_user.pk,
        version=project.version,
        tags="cloud, finance",
    )
    response = client.post(reverse("portfolio:project_edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "ERP, phase 2"
    assert project.version == 2
    assert sorted(t.name for t in project.tags.all()) == ["cloud", "finance"]
    entry = AuditEntry.objects.filter(object_id=str(project.pk), action=AuditEntry.Action.UPDATE).get()
    assert entry.actor == manager_user
    assert entry.changes["name"] == {
        "label": "name",
        "old": "Financial ERP replacement",
        "new": "ERP, phase 2",
    }


def test_edit_with_a_stale_version_shows_the_conflict_and_overwrites_nothing(client, pmo_user, portfolio):
    project = portfolio["projects"]["grc"]
    form_version = project.version
    # Someone else saves first.
    project_update(actor=pmo_user, project=project, data={"name": "Their name"})
    client.force_login(pmo_user)
    data = _form_data(
        portfolio, code=project.code, name="My name", manager=project.manager_id, version=form_version
    )
    response = client.post(reverse("portfolio:project_edit", args=[project.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this project while you were editing it" in html
    conflicts = {row["label"]: (row["yours"], row["current"]) for row in response.context["conflicts"]}
    assert conflicts["Name"] == ("My name", "Their name")
    # The form now holds the stored values and the current version.
    form = response.context["form"]
    assert form.initial["version"] == form_version + 1
    assert f'value="{form_version + 1}"' in html
    project.refresh_from_db()
    assert project.name == "Their name"
    assert project.version == form_version + 1


def test_edit_without_version_is_an_error(client, pmo_user, portfolio):
    project = portfolio["projects"]["grc"]
    client.force_login(pmo_user)
    data = _form_data(portfolio, code=project.code, manager=project.manager_id)
    response = client.post(reverse("portfolio:project_edit", args=[project.pk]), data)
    assert response.status_code == 200
    assert "version" in response.context["form"].errors


# --- Content-Security-Policy: no inline scripts ------------------------------------------------


def test_pages_have_a_csp_and_no_inline_script(client, pmo_user, portfolio):
    project = portfolio["projects"]["erp"]
    urls = [
        reverse("portfolio:dashboard"),
        reverse("portfolio:project_list"),
        reverse("portfolio:project_detail", args=[project.pk]),
        reverse("portfolio:project_create"),
        reverse("portfolio:project_edit", args=[project.pk]),
        reverse("profile"),
    ]
    client.force_login(pmo_user)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not EVENT_HANDLER_ATTRIBUTE.search(html), (url, EVENT_HANDLER_ATTRIBUTE.search(html).group(0))
        assert "<script src=" in html
        assert "//cdn" not in html and "https://" not in html.split("<body", 1)[0], url
    client.logout()
    login = client.get(reverse("login"))
    assert "script-src 'self'" in login["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(login.content.decode())


def test_inline_script_regex_catches_inline_code():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script id="d" type="application/json">{}</script>')
    assert EVENT_HANDLER_ATTRIBUTE.search('<button onclick="x()">')
