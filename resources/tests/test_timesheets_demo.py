"""The timesheets' demo: 12 past weeks for people with an account, idempotent, with something for the
approvers and for the reminders."""

import datetime
from decimal import Decimal

import pytest

from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.tests.factories import UserFactory
from resources import demo_timesheets
from resources.models import Resource, TimeEntry, Timesheet, TimesheetStatus
from resources.tests.factories import (
    AllocationFactory,
    PersonWithAccountFactory,
    ResourceFactory,
    TeamFactory,
)
from resources.timesheet_reminders import missing_weeks

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 12, 3)


def test_demo_weeks_follow_allocations_and_are_idempotent():
    team = TeamFactory(manager=UserFactory(role=Role.PROJECT_MANAGER))
    people = [PersonWithAccountFactory(team=team) for _ in range(6)]
    ResourceFactory(team=team)  # no account: no timesheet
    project = ProjectFactory(status="in_progress")
    for month in (9, 10, 11, 12):
        AllocationFactory(project=project, resource=people[0], period_start=datetime.date(2025, month, 1))
    created = demo_timesheets.load(today=TODAY)
    assert created["timesheets"] == Timesheet.objects.count() > 6 * 8
    assert demo_timesheets.load(today=TODAY) == {}
    assert not Timesheet.objects.filter(resource__user__isnull=True).exists()
    assert TimeEntry.objects.filter(line__timesheet__resource=people[0], line__project=project).exists()
    statuses = set(Timesheet.objects.values_list("status", flat=True))
    assert {TimesheetStatus.APPROVED, TimesheetStatus.SUBMITTED, TimesheetStatus.REJECTED} <= statuses
    for sheet in Timesheet.objects.all():
        totals = {}
        for day, days in TimeEntry.objects.filter(line__timesheet=sheet).values_list("day", "days"):
            totals[day] = totals.get(day, Decimal(0)) + days
        assert all(total <= 1 for total in totals.values())
    assert missing_weeks(today=TODAY)
    assert Resource.objects.count() == 7
