"""The timesheets' part of the benchmark (run by resources/bench.py after its seed).

Seed: for the 400 internal people of resources/bench.py, the 12 weeks before the benchmark's "today"
(ANCHOR): 5 lines a week (4 projects of the person's team plus an activity), each day's time spread
over them (0.2 day per line and day): 4,800 weeks, 24,000 lines, 120,000 time entries (in proportion
for fewer than 1,000 projects, ppm.bench.scaled). Weeks are
approved except the last: submitted for a quarter of the people, draft for the others, missing for one
in ten. The benchmark's project-office user manages every bench team (so that they approve everyone):
the approvals queue and the team view are theirs.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, USER_PREFIX, Screen, at_most_queries, scaled
from ppm.models import User
from ppm.roles import Role
from resources.bench import ANCHOR, TEAM_PREFIX
from resources.models import (
    LineApproval,
    NonProjectActivity,
    Resource,
    ResourceKind,
    Team,
    TimeEntry,
    Timesheet,
    TimesheetLine,
    TimesheetStatus,
)

WEEKS = 12
LINES = 5
SEEDED_MODELS = (Timesheet, TimesheetLine, TimeEntry)  # parents first


def _mondays():
    last = ANCHOR - timedelta(days=ANCHOR.weekday())
    return [last - timedelta(weeks=i) for i in range(WEEKS, 0, -1)]


def seed(*, projects: int) -> None:
    from portfolio.models import Project

    pmo = (
        User.objects.filter(role=Role.PROJECT_OFFICE, username__startswith=USER_PREFIX).order_by("pk").first()
    )
    if pmo is not None:
        Team.objects.filter(code__startswith=TEAM_PREFIX).update(manager=pmo)
    people = list(
        Resource.objects.filter(
            kind=ResourceKind.PERSON, is_external=False, team__code__startswith=TEAM_PREFIX
        )
        .order_by("pk")
        .values_list("pk", "team_id")
    )
    people = people[: scaled(len(people), projects, least=10)]
    project_ids = list(Project.objects.order_by("pk").values_list("pk", flat=True)[:2000])
    activity = NonProjectActivity.objects.order_by("pk").first()
    mondays = _mondays()
    now = timezone.now()
    sheets = []
    for n, (person, _team) in enumerate(people):
        for position, monday in enumerate(mondays):
            last = position == WEEKS - 1
            if last and n % 10 == 0:
                continue
            status = TimesheetStatus.APPROVED
            if last:
                status = TimesheetStatus.SUBMITTED if n % 4 == 1 else TimesheetStatus.DRAFT
            sheets.append(
                Timesheet(resource_id=person, week=monday, status=status, submitted_at=now, decided_at=now)
            )
    sheets = Timesheet.objects.bulk_create(sheets, batch_size=2000)
    lines = []
    for sheet in sheets:
        approval = LineApproval.APPROVED if sheet.status == TimesheetStatus.APPROVED else LineApproval.PENDING
        base = (sheet.resource_id * 7) % max(len(project_ids) - LINES, 1)
        for order in range(LINES):
            is_activity = order == LINES - 1 and activity is not None
            lines.append(
                TimesheetLine(
                    timesheet_id=sheet.pk,
                    project_id=None if is_activity else project_ids[base + order],
                    activity=activity if is_activity else None,
                    order=order,
                    approval=approval,
                )
            )
    lines = TimesheetLine.objects.bulk_create(lines, batch_size=5000)
    week_of = {sheet.pk: sheet.week for sheet in sheets}
    share = Decimal("0.2")
    TimeEntry.objects.bulk_create(
        (
            TimeEntry(line_id=line.pk, day=week_of[line.timesheet_id] + timedelta(days=day), days=share)
            for line in lines
            for day in range(5)
        ),
        batch_size=10000,
    )


def screens() -> list:
    mondays = _mondays()
    sheet = Timesheet.objects.filter(week=mondays[-2]).order_by("pk").first()
    week = mondays[-1]
    entries = f"/api/v1/time-entries/?start={week.isoformat()}&end={(week + timedelta(days=6)).isoformat()}"
    found = []
    if sheet is not None:
        found.append(
            Screen(
                "Timesheet week",
                f"/timesheet/{sheet.pk}/",
                [QUALITY_BAR, at_most_queries(20), NO_LARGE_SEQ_SCAN],
            )
        )
    found += [
        Screen(
            "Approvals queue", "/timesheets/approvals/", [QUALITY_BAR, at_most_queries(20), NO_LARGE_SEQ_SCAN]
        ),
        Screen(
            "Timesheet month for 500 people (team view)",
            f"/timesheets/team/?weeks=5&week={week.isoformat()}",
            [QUALITY_BAR, at_most_queries(20), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "API time entries",
            entries,
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
    ]
    return found
