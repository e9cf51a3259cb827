"""Flash report pages, API, the weather column of the project list and the payload extensions."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from governance import flash, periods
from governance.models import Cadence, FlashReport, FlashReportDimension, FlashReportStatus, Weather
from governance.tests.factories import ReportingPeriodFactory
from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ProjectFactory
from ppm.testing import assert_same_queries_at_two_sizes, page_with_lazy_panels

pytestmark = pytest.mark.django_db
S = FlashReportStatus
DIMENSIONS = ("schedule", "budget", "scope", "resources", "risks")


def _validated_report(project, *, weather="sunny", start=date(2025, 9, 1), revision=1):
    period = periods.period_get(Cadence.MONTHLY, start)
    report = FlashReport.objects.create(
        project=project, period=period, status=S.VALIDATED, weather=weather, revision=revision
    )
    FlashReportDimension.objects.bulk_create(
        FlashReportDimension(report=report, dimension=d, weather=weather) for d in DIMENSIONS
    )
    return report


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --------------------------------------------------------------------------------------------- pages


def test_manager_writes_submits_and_pmo_validates_through_the_pages(client, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user, status=ProjectStatus.IN_PROGRESS)
    client.force_login(manager_user)
    history = client.get(reverse("governance:project_reports", args=[project.pk]))
    assert "Write this period" in history.content.decode()
    response = client.post(reverse("governance:report_draft", args=[project.pk]))
    report = FlashReport.objects.get(project=project)
    assert response["Location"] == reverse("governance:report_edit", args=[report.pk])
    form = {
        "version": report.version,
        "weather": "rainy",
        "highlights": "Recette terminée",
        "item-count": "1",
        "item-0-kind": "risk",
        "item-0-text": "Retard éditeur",
        "item-0-owner": "DSI",
        "item-0-due_date": "2025-12-01",
        "item-0-status": "open",
        **{f"dim-{d}-weather": "sunny" for d in DIMENSIONS},
        "dim-schedule-weather": "rainy",
        "dim-schedule-comment": "",
        "then": "submit",
    }
    # Rainy schedule without a comment: saved, but the submission is refused with the reason.
    response = client.post(reverse("governance:report_edit", args=[report.pk]), form, follow=True)
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.highlights == "Recette terminée"
    assert "Explain the weather" in response.content.decode()
    form.update(
        version=report.version,
        **{"dim-schedule-comment": "Éditeur en retard", "item-0-id": str(report.items.get().pk)},
    )
    client.post(reverse("governance:report_edit", args=[report.pk]), form)
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
    assert report.items.count() == 1
    # Locked once submitted.
    response = client.get(reverse("governance:report_edit", args=[report.pk]))
    assert response.status_code == 302
    client.force_login(pmo_user)
    queue = client.get(reverse("governance:report_queue"))
    assert project.code in queue.content.decode()
    client.post(
        reverse("governance:report_transition", args=[report.pk]),
        {"action": "validate", "version": report.version},
    )
    report.refresh_from_db()
    assert report.status == S.VALIDATED
    page = client.get(reverse("portfolio:project_list")).content.decode()
    assert "weather--rainy" in page


def test_edit_form_keeps_the_entries_on_a_validation_error(client, manager_user):
    project = ProjectFactory(manager=manager_user)
    report = flash.flash_report_draft(
        actor=manager_user, project=project, period=periods.period_get(Cadence.MONTHLY, date(2025, 3, 1))
    )
    client.force_login(manager_user)
    response = client.post(
        reverse("governance:report_edit", args=[report.pk]),
        {
            "version": report.version,
            "percent_complete": "140",
            "highlights": "Texte à garder",
            "item-count": "0",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Texte à garder" in body and "between 0 and 100" in body


def test_return_needs_a_comment_and_shows_it(client, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user)
    report = FlashReport.objects.create(project=project, period=ReportingPeriodFactory(), status=S.SUBMITTED)
    client.force_login(pmo_user)
    url = reverse("governance:report_transition", args=[report.pk])
    client.post(url, {"action": "return", "version": report.version, "comment": ""})
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
    client.post(url, {"action": "return", "version": report.version, "comment": "Compléter le budget"})
    report.refresh_from_db()
    assert report.status == S.RETURNED
    client.force_login(manager_user)
    assert (
        "Compléter le budget"
        in client.get(reverse("governance:report_detail", args=[report.pk])).content.decode()
    )


def test_readers_see_validated_reports_only_page_and_api(client, reader_user, manager_user):
    project = ProjectFactory(manager=manager_user)
    validated = _validated_report(project)
    draft = FlashReport.objects.create(
        project=project, period=periods.period_get(Cadence.MONTHLY, date(2025, 10, 1))
    )
    client.force_login(reader_user)
    assert client.get(reverse("governance:report_detail", args=[validated.pk])).status_code == 200
    assert client.get(reverse("governance:report_detail", args=[draft.pk])).status_code == 403
    history = client.get(reverse("governance:project_reports", args=[project.pk])).content.decode()
    assert reverse("governance:report_detail", args=[validated.pk]) in history
    assert reverse("governance:report_detail", args=[draft.pk]) not in history
    api = _api(reader_user)
    rows = api.get(reverse("api:flash-report-list")).json()["results"]
    assert [row["id"] for row in rows] == [validated.pk]
    assert api.get(reverse("api:flash-report-detail", kwargs={"pk": draft.pk})).status_code == 403
    assert client.get(reverse("governance:report_queue")).status_code == 403


def test_project_page_panel_shows_the_latest_validated_weather(client, reader_user):
    project = ProjectFactory()
    _validated_report(project, weather="cloudy", start=date(2025, 8, 1))
    _validated_report(project, weather="stormy", start=date(2025, 9, 1))
    client.force_login(reader_user)
    body = page_with_lazy_panels(client, reverse("portfolio:project_detail", args=[project.pk]))
    assert "Project weather" in body and "weather--stormy" in body
    assert reverse("governance:project_reports", args=[project.pk]) in body


# ----------------------------------------------------------------------------------------------- API


def test_api_draft_patch_with_if_match_submit_validate_revise(manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user)
    api = _api(manager_user)
    response = api.post(reverse("api:project-flash-report-draft", kwargs={"pk": project.pk}))
    assert response.status_code == 201
    report_id = response.json()["id"]
    assert api.post(reverse("api:project-flash-report-draft", kwargs={"pk": project.pk})).status_code == 200
    url = reverse("api:flash-report-detail", kwargs={"pk": report_id})
    etag = api.get(url)["ETag"]
    data = {
        "weather": "sunny",
        "dimensions": {d: {"weather": "sunny"} for d in DIMENSIONS},
        "highlights": "OK",
    }
    assert api.patch(url, data, format="json", HTTP_IF_MATCH='"999-1"').status_code == 412
    response = api.patch(url, data, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["highlights"] == "OK"
    response = api.post(
        reverse("api:flash-report-submit", kwargs={"pk": report_id}), HTTP_IF_MATCH=response["ETag"]
    )
    assert response.json()["status"] == "submitted"
    assert api.patch(url, {"highlights": "late"}, format="json").status_code == 409
    pmo = _api(pmo_user)
    assert (
        pmo.post(reverse("api:flash-report-return", kwargs={"pk": report_id}), {}, format="json").status_code
        == 400
    )
    assert (
        pmo.post(reverse("api:flash-report-validate", kwargs={"pk": report_id})).json()["status"]
        == "validated"
    )
    revision = api.post(reverse("api:flash-report-revise", kwargs={"pk": report_id}))
    assert revision.status_code == 201 and revision.json()["revision"] == 2
    rows = pmo.get(reverse("api:flash-report-list"), {"project": project.pk, "status": "validated"}).json()[
        "results"
    ]
    assert [(row["id"], row["is_current"]) for row in rows] == [(report_id, False)]


def test_api_flash_report_list_queries_do_not_grow(pmo_user):
    api = _api(pmo_user)
    seen = []

    def grow(count):
        for _ in range(count):
            _validated_report(ProjectFactory())

    def read():
        seen.append(len(api.get(reverse("api:flash-report-list"), {"page_size": 100}).json()["results"]))

    assert_same_queries_at_two_sizes(read, grow=grow, ceiling=10)
    assert seen[-1] == 30


def test_history_page_queries_do_not_grow(client, pmo_user):
    project = ProjectFactory()
    client.force_login(pmo_user)
    starts = iter(date(2020 + n // 12, n % 12 + 1, 1) for n in range(100))

    def grow(count):
        for _ in range(count):
            _validated_report(project, start=next(starts))

    def read():
        assert client.get(reverse("governance:project_reports", args=[project.pk])).status_code == 200

    assert_same_queries_at_two_sizes(read, grow=grow, ceiling=25)


# ----------------------------------------------------------------------------- project list column


def test_project_list_weather_column_sorts_filters_and_exports(client, pmo_user):
    sunny, stormy, none = (ProjectFactory(code=code) for code in ("P-SUN", "P-STORM", "P-NONE"))
    _validated_report(sunny, weather="sunny")
    _validated_report(stormy, weather="cloudy", start=date(2025, 8, 1))
    _validated_report(stormy, weather="stormy", start=date(2025, 9, 1))
    client.force_login(pmo_user)
    url = reverse("portfolio:project_list")

    def codes(response):
        body = response.content.decode()
        return [code for code in ("P-SUN", "P-STORM", "P-NONE") if code in body], body

    _found, body = codes(client.get(url, {"ordering": "flash_weather"}))
    assert body.index("P-SUN") < body.index("P-STORM") < body.index("P-NONE")
    _found, body = codes(client.get(url, {"ordering": "-flash_weather"}))
    assert body.index("P-STORM") < body.index("P-SUN") < body.index("P-NONE")
    found, _body = codes(client.get(url, {"weather": "stormy"}))
    assert found == ["P-STORM"]
    found, _body = codes(client.get(url, {"weather": "none"}))
    assert found == ["P-NONE"]
    export = client.get(reverse("portfolio:project_export", args=["csv"]), {"ordering": "code"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Weather"
    assert {row[0]: row[-1] for row in rows[1:]} == {"P-NONE": "", "P-STORM": "Stormy", "P-SUN": "Sunny"}


@pytest.mark.parametrize("page", ["portfolio:project_list", "portfolio:project_export"])
def test_project_list_with_weather_queries_do_not_grow(client, pmo_user, page):
    client.force_login(pmo_user)

    def grow(count):
        for index in range(count):
            _validated_report(ProjectFactory(), weather=Weather.values[index % 4])

    args = ["csv"] if page.endswith("export") else []

    def read():
        assert client.get(reverse(page, args=args), {"ordering": "-flash_weather"}).status_code == 200

    assert_same_queries_at_two_sizes(read, grow=grow, ceiling=15)


# ------------------------------------------------------------------------------------- payloads


def test_roadmap_gantt_and_board_payloads_carry_the_weather(pmo_user):
    from portfolio.scheduling.models import Task

    project = ProjectFactory(status=ProjectStatus.IN_PROGRESS, manager=pmo_user)
    Task.objects.create(
        project=project, name="Task", start=date(2025, 9, 1), finish=date(2025, 9, 5), duration=5
    )
    _validated_report(project, weather="rainy")
    from portfolio.filters import ProjectFilterSet
    from portfolio.scheduling.board import portfolio_board, task_board
    from portfolio.scheduling.roadmap import roadmap_payload
    from portfolio.scheduling.selectors import gantt_payload

    payload = roadmap_payload(ProjectFilterSet({}, queryset=project.__class__.objects.all()))
    assert payload["extensions"][str(project.pk)]["weather"]["weather"] == "rainy"
    assert gantt_payload(project)["project"]["extensions"]["weather"]["dimensions"]["budget"] == "rainy"
    columns = portfolio_board(projects=project.__class__.objects.all(), user=pmo_user)
    card = next(card for column in columns for card in column["cards"] if card["id"] == project.pk)
    assert card["extensions"]["weather"]["weather"] == "rainy"
    assert task_board(project=project, user=pmo_user)["project_extensions"]["weather"]["weather"] == "rainy"


def test_roadmap_gantt_and_boards_show_the_weather_beside_the_project(client, pmo_user):
    project = ProjectFactory(status=ProjectStatus.IN_PROGRESS, manager=pmo_user)
    _validated_report(project, weather="stormy")
    other = ProjectFactory(status=ProjectStatus.IN_PROGRESS, manager=pmo_user)
    client.force_login(pmo_user)
    icon = "img/weather/"
    # The roadmap's accessible table (the chart draws the same badge from the payload, roadmap.js).
    page = client.get(reverse("portfolio:roadmap")).content.decode()
    row = page[page.index(f">{project.code} – ") :]
    row = row[: row.index("</th>")]
    assert "Weather: Stormy" in row and icon in row
    other_row = page[page.index(f">{other.code} – ") :]
    assert "Weather:" not in other_row[: other_row.index("</th>")]
    # The project's Gantt and task board, in their header; the portfolio board, on the card.
    for name in ("portfolio:project_gantt", "portfolio:task_board"):
        header = client.get(reverse(name, args=[project.pk])).content.decode()
        header = header[: header.index("</h1>") + 400]
        assert "Weather: Stormy" in header and icon in header, name
        assert "Weather:" not in client.get(reverse(name, args=[other.pk])).content.decode()
    board = client.get(reverse("portfolio:portfolio_board")).content.decode()
    card = board[board.index(f'id="project-card-{project.pk}"') :]
    assert "Stormy" in card[: card.index("</li>")]


def test_payload_extension_costs_the_same_queries_for_one_project_or_many():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ppm.slots import payload_extensions

    projects = [ProjectFactory() for _ in range(5)]
    for project in projects:
        _validated_report(project, weather="cloudy")
    with CaptureQueriesContext(connection) as one:
        payload_extensions([projects[0].pk])
    with CaptureQueriesContext(connection) as many:
        data = payload_extensions([p.pk for p in projects])
    # The stored latest reports, their reports, their dimensions: each read by key (see the selector).
    assert len(many.captured_queries) == len(one.captured_queries) == 3
    assert {pk: value["weather"]["weather"] for pk, value in data.items()} == {
        p.pk: "cloudy" for p in projects
    }
    assert all(len(value["weather"]["dimensions"]) == 5 for value in data.values()), data


def test_latest_validated_revision_wins():
    from governance.flash_selectors import latest_weather_by_project

    project = ProjectFactory()
    _validated_report(project, weather="sunny", start=date(2025, 9, 1), revision=1)
    FlashReport.objects.filter(project=project).update(is_current=False)
    _validated_report(project, weather="rainy", start=date(2025, 9, 1), revision=2)
    _validated_report(project, weather="cloudy", start=date(2025, 8, 1))
    assert latest_weather_by_project([project.pk])[project.pk]["weather"] == "rainy"


@pytest.mark.parametrize("value", ["sunny", "cloudy", "rainy", "stormy", "", None])
def test_weather_cell_written_in_python_is_its_template(value):
    from django.template.loader import get_template
    from django.utils import translation

    from ppm.slots import list_columns

    (column,) = [column for column in list_columns("portfolio.projects") if column.key == "flash_weather"]
    for language in ("en", "fr"):
        with translation.override(language):
            expected = get_template(column.template).render({"row": None, "value": value, "column": column})
            assert str(column.render(None, value)) == expected.rstrip("\n")  # (the file's last newline)


def test_the_steering_menu_is_each_roles_own_in_one_process(client, pmo_user, manager_user):
    """The "Steering" menu is memoised (ppm.memo): the project office's entries never show to a project
    manager on the same page, nor the other way round."""
    queue, rules = reverse("governance:report_queue"), reverse("governance:alert_rules")
    steering = reverse("governance:steering")
    for user, office in ((pmo_user, True), (manager_user, False), (pmo_user, True)):
        client.force_login(user)
        page = client.get(reverse("portfolio:project_list")).content.decode()
        assert f'href="{steering}"' in page
        assert (f'href="{queue}"' in page) is office
        assert (f'href="{rules}"' in page) is office
    page = client.get(steering).content.decode()
    assert f'<a href="{steering}" aria-current="page">' in page
