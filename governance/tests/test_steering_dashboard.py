"""Steering dashboard: the tiles' numbers on a small portfolio, drill-downs, filters, API figures and
constant query counts (dashboard, drill-downs, alerts list, API)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from governance.alerts import alerts_evaluate
from governance.flash import flash_report_revise
from governance.flash_selectors import latest_weather_by_project
from governance.models import (
    Alert,
    AlertRule,
    FlashReport,
    FlashReportDimension,
    FlashReportItem,
    ItemKind,
    ProjectGovernance,
    ProjectOffice,
    ReportingPeriod,
)
from portfolio.rules import ProjectStatus
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.testing import assert_same_queries_at_two_sizes
from ppm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def period(months_back: int) -> ReportingPeriod:
    first = datetime.date(TODAY.year, TODAY.month, 1)
    for _step in range(months_back):
        first = datetime.date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    following = datetime.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    value, _created = ReportingPeriod.objects.get_or_create(
        cadence="monthly",
        start=first,
        defaults={
            "end": following - datetime.timedelta(days=1),
            "deadline": following + datetime.timedelta(days=4),
        },
    )
    return value


def report(project, *, weather="sunny", months_back=1, status="validated", why="", decision=""):
    result = FlashReport.objects.create(
        project=project, period=period(months_back), status=status, weather=weather
    )
    FlashReportDimension.objects.create(report=result, dimension="schedule", weather=weather, comment=why)
    FlashReportDimension.objects.create(report=result, dimension="budget", weather="sunny")
    if decision:
        FlashReportItem.objects.create(report=result, kind=ItemKind.DECISION, text=decision)
    return result


def in_progress(**kwargs):
    return ProjectFactory(status=ProjectStatus.IN_PROGRESS, **kwargs)


@pytest.fixture
def pmo_client(client):
    client.force_login(UserFactory(role=Role.PROJECT_OFFICE))
    return client


def test_tiles_numbers_and_red_first_with_why(pmo_client):
    stormy = in_progress(code="STORM-1")
    report(stormy, weather="stormy", why="The vendor went bankrupt.", decision="Choose a new vendor.")
    report(stormy, weather="sunny", months_back=2)
    sunny = in_progress(code="SUN-1")
    report(sunny)
    missing = in_progress(code="MISS-1")
    report(missing, months_back=2)
    in_progress(code="SLIP-1", slippage_days=12)
    late = in_progress(code="LATE-1")
    Task.objects.create(
        project=late,
        name="Kick-off",
        milestone=True,
        finish=TODAY - datetime.timedelta(days=9),
        start=TODAY - datetime.timedelta(days=9),
    )
    response = pmo_client.get(reverse("governance:steering"))
    tiles = response.context["tiles"]
    assert tiles["weather"]["count"] == 3
    assert [row.project.code for row in tiles["weather"]["rows"]][0] == "STORM-1"
    assert tiles["weather"]["red"] == 1
    assert tiles["weather"]["rows"][0].why == "The vendor went bankrupt."
    # Reports are due for the previous month once its deadline passed (day 5 of this month).
    due = TODAY > period(1).deadline
    missing_codes = {row["project"].code for row in tiles["missing"]["rows"]}
    assert ("MISS-1" in missing_codes) is due
    assert "STORM-1" not in missing_codes
    assert [project.code for project in tiles["slipped"]["rows"]] == ["SLIP-1"]
    assert [task.name for task in tiles["slipped"]["milestones"]] == ["Kick-off"]
    assert [item.text for item in tiles["decisions"]["rows"]] == ["Choose a new vendor."]
    assert tiles["budget"]["shown"] is False and tiles["teams"]["shown"] is False
    page = response.content.decode()
    assert "The vendor went bankrupt." in page and "Stormy" in page


def test_drilldowns_list_what_is_behind_each_tile(pmo_client):
    stormy = in_progress(code="STORM-2")
    report(stormy, weather="stormy", why="Blocked.", decision="Arbitrate.")
    in_progress(code="SLIP-2", slippage_days=7)
    expected = {
        "weather": "STORM-2",
        "slipped": "SLIP-2",
        "decisions": "Arbitrate.",
        "trend": '<td class="num">1</td>',
    }
    for tile, text in expected.items():
        response = pmo_client.get(reverse("governance:steering_drilldown", args=[tile]))
        assert response.status_code == 200
        assert text in response.content.decode(), tile
    for tile in ("missing", "milestones", "drift", "budget", "teams"):
        assert pmo_client.get(reverse("governance:steering_drilldown", args=[tile])).status_code == 200
    assert pmo_client.get("/steering/nothing/").status_code == 404


def test_filters_by_project_office_and_status(pmo_client):
    office = ProjectOffice.objects.create(code="NUM", name="Numérique")
    inside = in_progress(code="IN-1")
    ProjectGovernance.objects.create(project=inside, project_office=office)
    outside = in_progress(code="OUT-1")
    report(inside, weather="rainy", why="Inside.")
    report(outside, weather="stormy", why="Outside.")
    response = pmo_client.get(reverse("governance:steering"), {"project_office": office.pk})
    assert [row.project.code for row in response.context["tiles"]["weather"]["rows"]] == ["IN-1"]
    drill = pmo_client.get(
        reverse("governance:steering_drilldown", args=["weather"]), {"project_office": office.pk}
    )
    assert "Inside." in drill.content.decode() and "Outside." not in drill.content.decode()
    closed = pmo_client.get(reverse("governance:steering"), {"status": ProjectStatus.CLOSED})
    assert closed.context["tiles"]["weather"]["count"] == 0


def test_filters_offer_any_as_their_empty_choice(pmo_client):
    form = pmo_client.get(reverse("governance:steering")).context["filterset"].form
    for name in ("objective", "directorate", "project_office", "committee", "status"):
        assert list(form.fields[name].choices)[0][1] == "Any", name


def test_only_validated_reports_count(pmo_client):
    project = in_progress(code="DRAFT-1")
    report(project, weather="stormy", status="draft")
    report(project, weather="sunny", months_back=2)
    tiles = pmo_client.get(reverse("governance:steering")).context["tiles"]
    assert [row.report.weather for row in tiles["weather"]["rows"]] == ["sunny"]


def test_a_validated_report_under_revision_still_counts(pmo_client):
    project = in_progress(code="REV-1")
    validated = report(project, weather="stormy", why="Still blocked.")
    report(project, weather="sunny", months_back=2)
    flash_report_revise(actor=None, report=validated)

    tiles = pmo_client.get(reverse("governance:steering")).context["tiles"]

    # The revision is a draft: the committee still sees the validated word of the latest period, not
    # the month before.
    assert [row.report.pk for row in tiles["weather"]["rows"]] == [validated.pk]
    assert latest_weather_by_project([project.pk])[project.pk]["report"] == validated.pk


def test_readers_are_refused(client):
    client.force_login(UserFactory(role=Role.READER))
    assert client.get(reverse("governance:steering")).status_code == 403


def test_api_figures_with_filters():
    office = ProjectOffice.objects.create(code="SOL", name="Solidarités")
    project = in_progress(code="API-1", slippage_days=20)
    ProjectGovernance.objects.create(project=project, project_office=office)
    report(project, weather="rainy")
    in_progress(code="API-2", slippage_days=3)
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.COMMITTEE_MEMBER))
    body = client.get("/api/v1/steering/").json()
    assert body["weather"]["rainy"] == 1 and body["projects_slipped"] == 2
    body = client.get("/api/v1/steering/", {"project_office": office.pk}).json()
    assert body["projects_slipped"] == 1
    assert client.get("/api/v1/steering/", {"project_office": 99999}).status_code == 400


def _grow_portfolio(n: int) -> None:
    for _index in range(n):
        project = in_progress(slippage_days=15)
        report(project, weather="rainy", why="x", decision="Decide")
        report(project, weather="sunny", months_back=2)
        Task.objects.create(
            project=project, name="M", milestone=True, finish=TODAY - datetime.timedelta(days=3)
        )
    alerts_evaluate(TODAY)


def test_dashboard_queries_do_not_grow(pmo_client):
    def action():
        response = pmo_client.get(reverse("governance:steering"))
        assert response.status_code == 200 and response.context["tiles"]["weather"]["count"] > 0

    assert_same_queries_at_two_sizes(action, grow=_grow_portfolio, ceiling=40, sizes=(2, 8))


@pytest.mark.parametrize(
    "tile", ["weather", "missing", "slipped", "milestones", "decisions", "trend", "drift"]
)
def test_drilldown_queries_do_not_grow(pmo_client, tile):
    def action():
        assert pmo_client.get(reverse("governance:steering_drilldown", args=[tile])).status_code == 200

    assert_same_queries_at_two_sizes(action, grow=_grow_portfolio, ceiling=25, sizes=(2, 8))


def test_alert_list_and_api_queries_do_not_grow(pmo_client):
    rule, _created = AlertRule.objects.get_or_create(code="forecast_slippage")

    def grow(n):
        for _index in range(n):
            project = in_progress()
            Alert.objects.create(
                rule=rule, cause_key=f"q:{project.pk}", project=project, message="forecast_slippage"
            )

    api = APIClient()
    api.force_authenticate(UserFactory(role=Role.PROJECT_OFFICE))

    def action():
        assert pmo_client.get(reverse("governance:alert_list")).status_code == 200
        assert api.get("/api/v1/alerts/").json()["count"] > 0
        assert api.get("/api/v1/steering/").status_code == 200

    assert_same_queries_at_two_sizes(action, grow=grow, ceiling=70)


# The weather drill-down's row before it was written in Python (steering_views.weather_rows_html).
WEATHER_ROW_TEMPLATE = """{% load steering_tags %}{% for row in rows %}<tr>
    <th scope="row"><a href="{% url 'portfolio:project_detail' row.project.pk %}">{{ row.project.code }}</a> <span class="steering-name">{{ row.project.name }}</span></th>
    <td>{{ row.report.period.end|date:"YEAR_MONTH_FORMAT" }}</td>
    <td>{% steering_weather row.report.weather %}</td>
    {% for code, label in dimensions %}{% if code != "overall" %}<td>{% with dim=row.dimensions|get_item:code %}{% if dim %}{% steering_weather dim.weather %}{% else %}—{% endif %}{% endwith %}</td>{% endif %}{% endfor %}
    <td class="steering-why">{{ row.why }}</td>
  </tr>{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_weather_rows_are_those_the_template_wrote(pmo_client, language):
    from django.template import engines
    from django.utils import translation

    from governance import steering
    from governance.steering_views import weather_rows_html

    report(ProjectFactory(code="RED", name="<b>Rouge</b> & co"), weather="stormy", why="Retard <i>grave</i>")
    report(ProjectFactory(code="SUN", name="Soleil"), weather="sunny")
    projects, _filterset = steering.steering_projects(UserFactory(role=Role.PROJECT_OFFICE))
    rows = [steering.weather_row(r) for r in steering.weather_reports(projects)]
    assert [row.project.code for row in rows] == ["RED", "SUN"]
    context = {"rows": rows, "dimensions": steering.DIMENSIONS}
    with translation.override(language):
        expected = engines["django"].from_string(WEATHER_ROW_TEMPLATE).render(context)
        written = weather_rows_html(rows, steering.DIMENSIONS)
    assert str(written) == expected
    assert "&lt;b&gt;Rouge&lt;/b&gt; &amp; co" in written and "Retard &lt;i&gt;grave&lt;/i&gt;" in written
    page = pmo_client.get(reverse("governance:steering_drilldown", args=["weather"])).content.decode()
    assert "&lt;b&gt;Rouge&lt;/b&gt; &amp; co" in page and page.index("RED") < page.index("SUN")


def test_missing_drilldown_pages_build_only_their_rows(pmo_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period(2)  # due: its deadline has passed
    for index in range(53):
        ProjectFactory(code=f"LATE-{index:02}", status=ProjectStatus.IN_PROGRESS)
    url = reverse("governance:steering_drilldown", args=["missing"])
    first = pmo_client.get(url).content.decode()
    assert "53 rows" in first and first.count("LATE-") == 50
    with CaptureQueriesContext(connection) as queries:
        second = pmo_client.get(url, {"page": 2}).content.decode()
    assert second.count("LATE-") == 3 and "LATE-52" in second and "LATE-00" not in second
    assert len(queries) <= 12


def _budget(project, planned, *, committed="0", paid="0", year=TODAY.year):
    """A budget line of `project` through the budgets services (which keep the precomputed totals)."""
    from budgets import services as budgets

    line = budgets.budget_line_create(
        actor=None,
        project=project,
        data={"label": f"Line {planned}", "section": "investment", "nature": "services"},
        planned={year: planned},
    )
    for kind, amount in (("committed", committed), ("paid", paid)):
        if amount != "0":
            budgets.execution_entry_add(
                actor=None, line=line, kind=kind, date=datetime.date(year, 1, 15), amount=amount
            )
    return line


def test_budget_tile_drilldown_and_api_figures(pmo_client):
    from ppm.tests.factories import DirectorateFactory

    directorate = DirectorateFactory()
    half = in_progress(code="BUD-HALF", directorate=directorate)
    _budget(half, "1000.00", committed="700.00")
    _budget(half, "500.00", committed="50.00")
    full = in_progress(code="BUD-FULL")
    _budget(full, "200.00", committed="200.00", paid="100.00")
    _budget(in_progress(code="BUD-NEXT"), "999.00", year=TODAY.year + 1)
    tiles = pmo_client.get(reverse("governance:steering")).context["tiles"]
    assert tiles["budget"]["shown"] is True
    assert [
        (row["code"], row["planned"], row["committed"], row["paid"], row["percent"])
        for row in tiles["budget"]["rows"]
    ] == [
        ("BUD-FULL", Decimal("200.00"), Decimal("200.00"), Decimal("100.00"), 100),
        ("BUD-HALF", Decimal("1500.00"), Decimal("750.00"), Decimal("0.00"), 50),
    ]
    assert tiles["budget"]["totals"] == {
        "planned": Decimal("1700.00"),
        "committed": Decimal("950.00"),
        "paid": Decimal("100.00"),
        "percent": 55,
        "paid_percent": 5,
    }
    filtered = pmo_client.get(reverse("governance:steering"), {"directorate": directorate.pk})
    assert [row["code"] for row in filtered.context["tiles"]["budget"]["rows"]] == ["BUD-HALF"]
    drill = pmo_client.get(reverse("governance:steering_drilldown", args=["budget"])).content.decode()
    assert "BUD-FULL" in drill and "BUD-HALF" in drill and "BUD-NEXT" not in drill
    api = APIClient()
    api.force_authenticate(UserFactory(role=Role.COMMITTEE_MEMBER))
    figures = api.get("/api/v1/steering/").json()["budget"]
    # Amounts as strings (SQLite's SUM drops the trailing zeros: compared as Decimal).
    assert {key: Decimal(value) if isinstance(value, str) else value for key, value in figures.items()} == {
        "planned": Decimal("1700.00"),
        "committed": Decimal("950.00"),
        "paid": Decimal("100.00"),
        "percent": 55,
        "paid_percent": 5,
    }


def test_budget_tile_and_drilldown_queries_do_not_grow(pmo_client):
    def grow(n):
        for index in range(n):
            project = in_progress()
            _budget(project, f"{100 + index}.00", committed="10.00", paid="5.00")
            _budget(project, "1.00", year=TODAY.year - 1)

    def action():
        response = pmo_client.get(reverse("governance:steering"))
        assert response.context["tiles"]["budget"]["shown"] is True
        assert pmo_client.get(reverse("governance:steering_drilldown", args=["budget"])).status_code == 200

    assert_same_queries_at_two_sizes(action, grow=grow, ceiling=60, sizes=(3, 30))


def test_steering_filter_selects_are_those_djangos_iterator_writes():
    from governance.steering import SteeringFilterSet
    from governance.steering_views import _tune_steering_form
    from portfolio.tests.factories import ObjectiveFactory
    from ppm.lists import tune_filter_form

    ObjectiveFactory(code="OS<2>", name="Mieux & plus")
    ProjectOffice.objects.create(name="PMO <numérique>")
    data = {"objective": "", "directorate": ""}
    plain = SteeringFilterSet(data, queryset=ProjectFactory._meta.model.objects.all())
    tune_filter_form(plain.form, any_label="Any")
    expected = {
        name: str(plain.form[name]) for name in ("objective", "directorate", "project_office", "committee")
    }
    tuned = SteeringFilterSet(data, queryset=ProjectFactory._meta.model.objects.all())
    _tune_steering_form(tuned)
    assert {name: str(tuned.form[name]) for name in expected} == expected
    assert "OS&lt;2&gt; · Mieux &amp; plus" in expected["objective"]


def test_tile_counts_read_with_their_rows_are_the_full_counts(pmo_client):
    # Each tile's count comes with its first rows (a window count before the LIMIT): past the eight
    # rows a tile shows, it is still the count of every row, as the drill-down lists them.
    from governance import steering
    from governance.alerts import latest_due_periods

    period(1), period(2)
    due = latest_due_periods(TODAY)["monthly"]  # one of those two: the reports below are older
    for index in range(11):
        project = in_progress(code=f"TILE-{index:02}", slippage_days=5 + index)
        report(project, weather="rainy", months_back=3, why="x", decision=f"Decide {index}")
        Task.objects.create(
            project=project, name="M", milestone=True, finish=TODAY - datetime.timedelta(days=3 + index)
        )
        if index % 3 == 0:  # a report of the period due, not submitted: still missing, with its status
            FlashReport.objects.create(project=project, period=due, status="draft", weather="sunny")
    alerts_evaluate(TODAY)  # the late milestones, missing reports... raise more alerts than a tile shows
    tiles = pmo_client.get(reverse("governance:steering")).context["tiles"]
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    projects, _filterset = steering.steering_projects(pmo)
    open_alerts = steering.open_alerts(pmo, projects, filtered=False)
    assert tiles["alerts"]["count"] == open_alerts.count() > 8
    assert [alert.pk for alert in tiles["alerts"]["rows"]] == [
        alert.pk for alert in open_alerts.order_by("-raised_at", "-pk")[:8]
    ]
    slipped = steering.slipped_projects(projects)
    milestones = steering.late_milestones(projects, TODAY)
    decisions = steering.decision_items(projects)
    assert tiles["slipped"]["count"] == slipped.count() == 11
    assert tiles["slipped"]["rows"] == list(slipped[:8])
    assert tiles["slipped"]["milestone_count"] == milestones.count() == 11
    assert tiles["slipped"]["milestones"] == list(milestones[:8])
    assert tiles["decisions"]["count"] == decisions.count() == 11
    assert tiles["decisions"]["rows"] == list(decisions[:8])
    # The missing tile's statuses come with its rows; the drill-down's builder reads them apart.
    every_missing, missing_count = steering.missing_tile(projects, TODAY)
    assert tiles["missing"]["count"] == missing_count == 11
    assert len(tiles["missing"]["rows"]) == 8
    assert tiles["missing"]["rows"] == every_missing[:8]
    assert {row["status"] for row in tiles["missing"]["rows"]} == {"draft", ""}


def test_team_loads_sum_each_person_capacity_and_keep_the_teams_order():
    from governance.alerts import _weekdays, team_loads
    from ppm.tests.factories import DirectorateFactory
    from resources.models import Allocation, Team
    from resources.tests.factories import ResourceFactory

    directorate = DirectorateFactory(name="DSI")
    start, end = datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)
    weekdays = _weekdays(start, end)
    studies = Team.objects.create(code="T1", name="Études", directorate=directorate)
    ops = Team.objects.create(code="T2", name="Exploitation", directorate=directorate)
    vacant = Team.objects.create(code="T3", name="Appui", directorate=directorate)
    idle = Team.objects.create(code="T4", name="Réserve", directorate=directorate)
    project = in_progress()
    people = [
        ResourceFactory(team=studies),
        ResourceFactory(team=studies),
        ResourceFactory(team=studies, week_pattern=["1", "1", "0.5", "1", "0.5"]),
        ResourceFactory(team=studies, is_active=False),
        ResourceFactory(team=ops, week_pattern=["1", "1", "0", "1", "1"]),
        ResourceFactory(team=vacant, is_active=False),  # the team's only person left: no capacity
        ResourceFactory(team=idle),  # no allocation this quarter: not listed
    ]
    for person, days in zip(people[:6], (60, 50, 40, 30, 20, 10), strict=True):
        Allocation.objects.create(
            project=project, family="moe", resource=person, period_start=start, days=days
        )
    Allocation.objects.create(
        project=project,
        family="moe",
        resource=people[6],
        period_start=end + datetime.timedelta(days=1),
        days=5,
    )
    capacity = {"Études": weekdays * (5 + 5 + 4) / 5, "Exploitation": weekdays * 4 / 5}
    allocated = {"Études": 180.0, "Exploitation": 20.0, "Appui": 10.0}
    expected = [
        {
            "team_id": team.pk,
            "team": team.name,
            "directorate": "DSI",
            "allocated": allocated[team.name],
            "capacity": round(capacity.get(team.name, 0.0), 1),
            "percent": int(allocated[team.name] * 100 / capacity[team.name])
            if team.name in capacity
            else None,
        }
        for team in (vacant, studies, ops)  # no capacity first, then by load, ties in name order
    ]
    assert team_loads(start, end) == expected


def test_tiles_narrow_rows_show_what_the_full_rows_show(pmo_client, monkeypatch):
    # The tiles read only the columns they show (weather, slipped, decisions, alerts): the page is the
    # one the lists' full rows wrote.
    import re

    from governance import steering

    for index in range(10):
        project = in_progress(code=f"ROW-{index:02}", name=f"Projet <{index}> & co", slippage_days=4 + index)
        weather = ("stormy", "rainy", "sunny")[index % 3]
        created = report(project, weather=weather, why=f"Why {index}", decision=f"D {index}")
        # As bad as the schedule, its own comment: which one explains the weather is a matter of order.
        FlashReportDimension.objects.create(
            report=created, dimension="risks", weather=weather, comment=f"R {index}"
        )
        Task.objects.create(
            project=project, name="M", milestone=True, finish=TODAY - datetime.timedelta(days=2 + index)
        )
    alerts_evaluate(TODAY)
    user = UserFactory(role=Role.PROJECT_OFFICE)
    pmo_client.force_login(user)

    def page() -> str:
        html = pmo_client.get(reverse("governance:steering")).content.decode()
        return re.sub(r'(csrfmiddlewaretoken" value="|CSRFToken": ")[^"]+', "", html)

    narrow = page()
    real_tiles = steering.steering_tiles

    def full_tiles(user, projects, filterset, today, *, rows=True):
        tiles = real_tiles(user, projects, filterset, today, rows=rows)
        ids = steering.weather_report_ids(projects, limit=steering.TILE_ROWS)
        tiles["weather"]["rows"] = [steering.weather_row(r) for r in steering.weather_reports_of(ids)]
        tiles["slipped"]["rows"] = list(steering.slipped_projects(projects)[: steering.TILE_ROWS])
        tiles["decisions"]["rows"] = list(steering.decision_items(projects)[: steering.TILE_ROWS])
        alerts = steering.open_alerts(user, projects, filtered=False)
        tiles["alerts"]["rows"] = list(alerts.order_by("-raised_at", "-pk")[: steering.TILE_ROWS])
        return tiles

    monkeypatch.setattr(steering, "steering_tiles", full_tiles)
    full = page()
    assert "Projet &lt;1&gt; &amp; co" in narrow and "D 1" in narrow and "R 1" in narrow
    assert narrow == full


# The weather tile's rows before they were written in Python (steering_views.weather_tile_rows_html).
WEATHER_TILE_ROWS_TEMPLATE = """{% load steering_tags %}      {% for row in tiles.weather.rows %}
        <tr>
          <th scope="row"><a href="{% url 'portfolio:project_detail' row.project.pk %}">{{ row.project.code }}</a> <span class="steering-name">{{ row.project.name }}</span></th>
          <td>{% steering_weather row.report.weather %}</td>
          {% for code, label in dimensions %}{% if code != "overall" %}<td>{% with dim=row.dimensions|get_item:code %}{% if dim %}{% steering_weather dim.weather text=False %}{% else %}—{% endif %}{% endwith %}</td>{% endif %}{% endfor %}
          <td class="steering-why">{{ row.why|truncatechars:140 }}</td>
        </tr>
      {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_weather_tile_rows_are_those_the_template_wrote(pmo_client, language):
    from django.template import Context, Template
    from django.utils import translation

    from governance import steering
    from governance.steering_views import weather_tile_rows_html

    quoted = in_progress(code="Q'1<b>", name='L\'"école" & <i>co</i>')
    report(quoted, weather="stormy", why="Pourquoi « ça » & <script>x</script> " * 8)
    plain = in_progress(code="P-2", name="Plain")
    bare = FlashReport.objects.create(project=plain, period=period(1), status="validated", weather="")
    FlashReportDimension.objects.create(report=bare, dimension="risks", weather="", comment="")
    cloudy = in_progress(code="C-3", name="Cloudy")
    report(cloudy, weather="cloudy", why="")
    with translation.override(language):
        tiles = pmo_client.get(reverse("governance:steering")).context["tiles"]
        rows = tiles["weather"]["rows"]
        assert len(rows) == 3
        context = {"tiles": {"weather": {"rows": rows}}, "dimensions": steering.DIMENSIONS}
        expected = Template(WEATHER_TILE_ROWS_TEMPLATE).render(Context(context))
        written = "      " + weather_tile_rows_html(rows, steering.DIMENSIONS)
    assert written == expected
    assert "Q&#x27;1&lt;b&gt;" in written and "…" in written


def test_missing_tile_follows_each_projects_cadence_and_filters(pmo_client):
    # Projects report on their governance row's cadence (monthly without one); the tile's rows carry the
    # status of the report of their own cadence's period, as the drill-down's rows do.
    from governance import steering

    monthly = period(2)
    fortnightly = ReportingPeriod.objects.create(
        cadence="fortnightly",
        start=TODAY - datetime.timedelta(days=40),
        end=TODAY - datetime.timedelta(days=27),
        deadline=TODAY - datetime.timedelta(days=23),
    )
    office = ProjectOffice.objects.create(code="NUM", name="Numérique")

    def project(code, cadence=None, office=None, reports=()):
        created = in_progress(code=code)
        if cadence:
            ProjectGovernance.objects.update_or_create(
                project=created, defaults={"cadence": cadence, "project_office": office}
            )
        for on, status in reports:
            FlashReport.objects.create(project=created, period=on, status=status, weather="sunny")
        return created

    project("A", "fortnightly", office)
    project("B", "fortnightly", reports=[(fortnightly, "draft")])
    project("C", "fortnightly", reports=[(monthly, "submitted")])
    project("D", "monthly", reports=[(monthly, "submitted")])
    project("E", reports=[(monthly, "draft")])
    project("F", reports=[(monthly, "validated")])
    project("G", "fortnightly", office, reports=[(fortnightly, "validated")])
    tiles = pmo_client.get(reverse("governance:steering")).context["tiles"]
    seen = [(row["project"].code, row["period"], row["status"]) for row in tiles["missing"]["rows"]]
    assert seen == [
        ("A", fortnightly, ""),
        ("B", fortnightly, "draft"),
        ("C", fortnightly, ""),
        ("E", monthly, "draft"),
    ]
    assert tiles["missing"]["count"] == 4
    projects, _filterset = steering.steering_projects(UserFactory(role=Role.PROJECT_OFFICE))
    assert steering.missing_tile(projects, TODAY)[0] == tiles["missing"]["rows"]
    filtered = pmo_client.get(reverse("governance:steering"), {"project_office": office.pk}).context["tiles"]
    assert [row["project"].code for row in filtered["missing"]["rows"]] == ["A"]
    assert filtered["missing"]["count"] == 1


@pytest.mark.django_db
def test_the_filters_reference_options_are_cached_until_one_changes(client, settings, committee_user):
    from django.core.cache import cache

    from governance.models import Committee
    from portfolio.models import Objective, StrategicAxis
    from ppm.models import Directorate

    settings.PILOTIS_USER_CACHE = True
    cache.clear()
    TOKEN = r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"'
    axis = StrategicAxis.objects.create(code="A1", name="Axe")
    objective = Objective.objects.create(axis=axis, code="O1", name="Usagers")
    Directorate.objects.create(code="DSI", name="Direction du numérique")
    client.force_login(committee_user)
    url = reverse("governance:steering")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert "O1 · Usagers" in page and "Direction du numérique" in page
    with CaptureQueriesContext(connection) as second:
        again = client.get(url).content.decode()
    assert re.sub(TOKEN, "", again) == re.sub(TOKEN, "", page)

    # The four option lists (objectives, directorates, project offices, committees) came from the cache.
    def option_queries(captured):
        return [q["sql"] for q in captured.captured_queries if re.search(OPTIONS, q["sql"])]

    tables = "portfolio_objective|ppm_directorate|governance_projectoffice|governance_committee"
    OPTIONS = rf'FROM "({tables})"( INNER JOIN \S+ ON .*)? ORDER'
    assert len(option_queries(first)) == 4
    assert option_queries(second) == []

    objective.name = "Usagers et territoires"
    objective.save()
    Committee.objects.create(code="CN", name="Comité numérique")
    page = client.get(url).content.decode()
    assert "O1 · Usagers et territoires" in page and "Comité numérique" in page
    cache.clear()
