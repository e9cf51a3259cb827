"""The timesheets' part of the demonstration data (run by resources/demo.py after people and workload).

For every person linked to a user account: the 12 past weeks (before this one), filled from their
allocations of the month when they have some, else from the projects of their assigned tasks, else
from non-project activities; most weeks approved by their approver, the last one or two submitted and
waiting for approval for some people, a few weeks missing (so that the reminders have something to
say) and one week returned with a reason. Deterministic (a seeded generator per person) and idempotent
(a week that exists is left as it is).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import ngettext_lazy

from portfolio.scheduling.models import Task
from resources.capacity import month_start
from resources.models import (
    Allocation,
    LineApproval,
    NonProjectActivity,
    Resource,
    TimeEntry,
    Timesheet,
    TimesheetLine,
    TimesheetStatus,
    TimesheetStatusChange,
)
from resources.timesheets import bookable_projects, week_start, working_time_by_day

WEEKS = 12
KINDS = {
    "timesheets": ngettext_lazy("%(count)d timesheet week", "%(count)d timesheet weeks", "count"),
    "time_entries": ngettext_lazy("%(count)d time entry", "%(count)d time entries", "count"),
}
RETURN_REASON = "Le mardi était férié pour le service : merci de corriger la saisie."


def _targets(person: Resource, month: date, bookable: set[int]) -> list[tuple[int | None, int | None]]:
    """(project id, activity id) rows for a person's week in `month`."""
    projects = list(
        Allocation.objects.filter(
            resource=person,
            period_start__gte=month - timedelta(days=31),
            period_start__lte=month + timedelta(days=31),
            project__in=bookable,
        )
        .values_list("project_id", flat=True)
        .distinct()
        .order_by("project_id")[:3]
    )
    if not projects and person.user_id:
        projects = list(
            Task.objects.filter(assignee_id=person.user_id, project__in=bookable)
            .values_list("project_id", flat=True)
            .distinct()
            .order_by("project_id")[:3]
        )
    rows: list[tuple[int | None, int | None]] = [(pk, None) for pk in projects]
    activities = list(
        NonProjectActivity.objects.filter(is_active=True).order_by("code").values_list("pk", flat=True)
    )
    if activities:
        rows.append((None, activities[person.pk % len(activities)]))
    return rows


def load(*, today: date) -> Counter:
    created: Counter = Counter()
    this_week = week_start(today)
    mondays = [this_week - timedelta(weeks=i) for i in range(WEEKS, 0, -1)]
    bookable = set(bookable_projects().values_list("pk", flat=True))
    people = list(
        Resource.objects.filter(user__isnull=False, kind="person")
        .select_related("team", "user")
        .order_by("name", "pk")
    )
    returned_done = Timesheet.objects.filter(status=TimesheetStatus.REJECTED, week__in=mondays).exists()
    for index, person in enumerate(people):
        rng = random.Random(f"timesheets-{person.name}")
        approver = person.approver
        existing = set(
            Timesheet.objects.filter(resource=person, week__in=mondays).values_list("week", flat=True)
        )
        waiting = index % 3 == 0  # a third of the people have their last week(s) waiting
        for position, monday in enumerate(mondays):
            if monday in existing:
                continue
            last = position >= WEEKS - 2
            if position in (WEEKS - 3, WEEKS - 6) and index % 4 == 1:
                continue  # missing weeks: the reminders' material
            if last and not waiting and position == WEEKS - 1 and index % 2:
                continue  # last week not entered yet
            targets = _targets(person, month_start(monday), bookable)
            if not targets:
                continue
            working = working_time_by_day(person, monday)
            status = TimesheetStatus.APPROVED
            if last and waiting:
                status = TimesheetStatus.SUBMITTED
            elif last:
                status = TimesheetStatus.DRAFT if position == WEEKS - 1 else TimesheetStatus.APPROVED
            if approver is None and status == TimesheetStatus.APPROVED:
                status = TimesheetStatus.SUBMITTED
            reject = (
                not returned_done
                and status == TimesheetStatus.APPROVED
                and position == WEEKS - 3
                and approver
            )
            if reject:
                status = TimesheetStatus.REJECTED
                returned_done = True
            now = timezone.now()
            timesheet = Timesheet.objects.create(
                resource=person,
                week=monday,
                status=status,
                submitted_at=now if status != TimesheetStatus.DRAFT else None,
                decided_at=now if status in (TimesheetStatus.APPROVED, TimesheetStatus.REJECTED) else None,
            )
            created["timesheets"] += 1
            approval = {
                TimesheetStatus.APPROVED: LineApproval.APPROVED,
                TimesheetStatus.REJECTED: LineApproval.APPROVED,
            }.get(status, LineApproval.PENDING)
            lines = [
                TimesheetLine.objects.create(
                    timesheet=timesheet,
                    project_id=project,
                    activity_id=activity,
                    order=order,
                    approval=approval,
                    decided_by=approver if approval == LineApproval.APPROVED else None,
                    decided_at=now if approval == LineApproval.APPROVED else None,
                )
                for order, (project, activity) in enumerate(targets)
            ]
            if reject:
                lines[0].approval = LineApproval.REJECTED
                lines[0].reason = RETURN_REASON
                lines[0].save(update_fields=["approval", "reason"])
            entries = []
            for day, available in sorted(working.items()):
                halves = int(round(available * 2))
                for _half in range(halves):
                    line = lines[0] if rng.random() < 0.55 else rng.choice(lines)
                    entries.append((line, day))
            totals: Counter = Counter(entries)
            TimeEntry.objects.bulk_create(
                TimeEntry(line=line, day=day, days=Decimal("0.5") * count)
                for (line, day), count in totals.items()
            )
            created["time_entries"] += len(totals)
            moves = []
            if status != TimesheetStatus.DRAFT:
                moves.append(("draft", "submitted", "submit", "", person.user))
            if status == TimesheetStatus.APPROVED:
                moves.append(("submitted", "approved", "approve", "", approver))
            if status == TimesheetStatus.REJECTED:
                moves.append(("submitted", "rejected", "return", RETURN_REASON, approver))
            TimesheetStatusChange.objects.bulk_create(
                TimesheetStatusChange(timesheet=timesheet, source=s, target=t, action=a, comment=c, actor=u)
                for s, t, a, c, u in moves
            )
    return created
