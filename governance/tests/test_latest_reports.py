"""The stored latest validated reports (governance.latest_reports): equal to the live answer after each
kind of write, and what the steering dashboard and its API read from them."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance import flash, periods
from governance.flash_selectors import latest_report_ids
from governance.latest_reports import latest_reports_check, latest_reports_compute, latest_reports_refresh
from governance.models import Cadence, FlashReport, FlashReportStatus, LatestReport
from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = FlashReportStatus


def stored() -> dict[int, int]:
    return dict(LatestReport.objects.values_list("project_id", "report_id"))


def live() -> dict[int, int]:
    rows = latest_report_ids(Project.objects.all(), validated=True).values_list("pk", "latest_report")
    return {project_id: report_id for project_id, report_id in rows if report_id is not None}


def assert_exact() -> None:
    assert latest_reports_check() == []
    assert stored() == live()


@pytest.fixture
def months():
    return [periods.period_get(Cadence.MONTHLY, date(2025, month, 1)) for month in (1, 2, 3)]


def _validated(project, period, actor, pmo, weather="sunny"):
    report = flash.flash_report_draft(actor=actor, project=project, period=period)
    data = {
        "weather": weather,
        "dimensions": {
            code: {"weather": weather, "comment": "Why" if weather != "sunny" else ""}
            for code in ("schedule", "budget", "scope", "resources", "risks")
        },
    }
    report = flash.flash_report_update(actor=actor, report=report, expected_version=report.version, data=data)
    report = flash.flash_report_submit(actor=actor, report=report, expected_version=report.version)
    return flash.flash_report_validate(actor=pmo, report=report, expected_version=report.version)


def test_the_workflow_keeps_the_stored_report_exact(months, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user, status=ProjectStatus.IN_PROGRESS)
    january, february, march = months
    draft = flash.flash_report_draft(actor=manager_user, project=project, period=february)
    assert stored() == {}  # a draft is no validated report
    assert_exact()

    first = _validated(project, january, manager_user, pmo_user)
    assert stored() == {project.pk: first.pk}
    draft.delete()  # the draft of February, never validated
    second = _validated(project, february, manager_user, pmo_user, weather="rainy")
    assert stored() == {project.pk: second.pk}
    assert_exact()

    # A revision: the validated revision stays the latest word until the new one is validated.
    revision = flash.flash_report_revise(actor=manager_user, report=second, expected_version=second.version)
    assert stored() == {project.pk: second.pk}
    data = {"weather": "stormy", "dimensions": {"schedule": {"weather": "stormy", "comment": "Late"}}}
    revision = flash.flash_report_update(
        actor=manager_user, report=revision, expected_version=revision.version, data=data
    )
    revision = flash.flash_report_submit(
        actor=manager_user, report=revision, expected_version=revision.version
    )
    revision = flash.flash_report_validate(actor=pmo_user, report=revision, expected_version=revision.version)
    assert stored() == {project.pk: revision.pk}
    assert_exact()

    # An earlier period validated later does not displace the latest period.
    other = ProjectFactory(manager=manager_user, status=ProjectStatus.IN_PROGRESS)
    late = _validated(other, march, manager_user, pmo_user)
    _validated(other, january, manager_user, pmo_user)
    assert stored()[other.pk] == late.pk
    assert_exact()


def test_direct_writes_and_deletions_keep_it_exact(months):
    project = ProjectFactory()
    january, february, _march = months
    older = FlashReport.objects.create(project=project, period=january, status=S.VALIDATED, weather="sunny")
    newer = FlashReport.objects.create(project=project, period=february, status=S.SUBMITTED, weather="rainy")
    assert stored() == {project.pk: older.pk}

    newer.status = S.VALIDATED
    newer.save()
    assert stored() == {project.pk: newer.pk}

    # The stored report is validated no more (an administrator's correction): the previous one is back.
    newer.status = S.RETURNED
    newer.save()
    assert stored() == {project.pk: older.pk}
    assert_exact()

    newer.status = S.VALIDATED
    newer.save()
    newer.delete()
    assert stored() == {project.pk: older.pk}
    older.delete()
    assert stored() == {}
    assert_exact()

    # The stored row copies the report's weather, and follows it.
    again = FlashReport.objects.create(project=project, period=january, status=S.VALIDATED, weather="rainy")
    assert LatestReport.objects.get(project=project).weather == "rainy"
    again.weather = "stormy"
    again.save()
    assert LatestReport.objects.get(project=project).weather == "stormy"
    assert_exact()
    assert stored() == {project.pk: again.pk}
    project.delete()
    assert stored() == {}


def test_refresh_rebuilds_after_bulk_writes_and_reports_the_differences(months):
    january, february, _march = months
    projects = [ProjectFactory() for _index in range(3)]
    FlashReport.objects.bulk_create(
        [
            FlashReport(project=project, period=period, status=S.VALIDATED, weather="cloudy")
            for project in projects
            for period in (january, february)
        ]
    )
    assert stored() == {}
    assert len(latest_reports_check()) == 3
    assert latest_reports_refresh() == 3
    assert_exact()
    assert latest_reports_refresh() == 0  # nothing left to write
    assert set(latest_reports_compute([projects[0].pk])) == {projects[0].pk}


def test_api_figures_are_the_pages_figures_and_amounts_have_cents(client, months):
    """The API reads the figures without the tiles' preview rows: the same figures as the page; amounts
    as decimal strings with their cents, the same on SQLite and PostgreSQL."""
    from budgets import services as budgets
    from governance import steering

    today = timezone.localdate()
    project = ProjectFactory(status=ProjectStatus.IN_PROGRESS)
    FlashReport.objects.create(project=project, period=months[2], status=S.VALIDATED, weather="stormy")
    budgets.budget_line_create(
        actor=None,
        project=project,
        data={"label": "Line", "section": "investment", "nature": "services"},
        planned={today.year: "1700"},
    )
    user = UserFactory(role=Role.COMMITTEE_MEMBER)
    projects, filterset = steering.steering_projects(user, {})
    page_figures = steering.steering_figures(steering.steering_tiles(user, projects, filterset, today))
    api = APIClient()
    api.force_authenticate(user)
    figures = api.get("/api/v1/steering/").json()
    assert figures == page_figures
    assert figures["weather"]["stormy"] == 1
    assert figures["budget"]["planned"] == "1700.00"
    assert figures["budget"]["committed"] == "0.00"
