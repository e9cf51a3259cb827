"""Timesheet reads: the week grid, the approvals queue, the team view and the actuals.

**Actuals** (for the capacity and workload parts): ``approved_time(*, project_ids=None, resource_ids=None,
start, end, grain="month")`` returns rows ``{"project_id", "resource_id", "family", "period_start",
"days"}`` summed from the *approved* lines' entries between `start` and `end` (inclusive); ``family`` is
the person's main role family; ``period_start`` the first day of the month (grain "month") or the Monday
(grain "week"); ``project_id`` is None for non-project activities. ``planned_vs_actual(project, …)``
builds the project page's table from it and the allocations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext as _

from portfolio.scheduling.baselines import portfolio_calendar
from ppm.permissions import get_for_user, role_of
from resources.capacity import add_months, day_capacity, month_start
from resources.models import (
    Allocation,
    LineApproval,
    Resource,
    RoleFamily,
    TimeEntry,
    Timesheet,
    TimesheetLine,
    TimesheetStatus,
)
from resources.permissions import EDITORS, RULES
from resources.timesheets import (
    availability_of,
    display_time,
    format_days,
    format_time,
    week_days,
    week_start,
)

ZERO = Decimal("0")


# ------------------------------------------------------------------------------------------ scopes


def approved_people(user) -> QuerySet[Resource]:
    """The people whose timesheets `user` approves: their manager, else their team's manager."""
    if not getattr(user, "is_authenticated", False):
        return Resource.objects.none()
    return Resource.objects.filter(
        Q(manager=user) | Q(manager__isnull=True, team__manager=user), kind="person"
    ).exclude(user=user)


def timesheet_visible_to(user) -> QuerySet[Timesheet]:
    """Weeks `user` may see: their own, those of the people they approve, those with lines of projects
    they manage; every week for the project office and administrators."""
    role = role_of(user)
    base = Timesheet.objects.select_related("resource__team", "resource__user")
    if role is None:
        return base.none()
    if role in EDITORS:
        return base
    scope = (
        Q(resource__user=user)
        | Q(resource__manager=user)
        | Q(resource__manager__isnull=True, resource__team__manager=user)
    )
    scope |= Q(pk__in=TimesheetLine.objects.filter(project__manager=user).values("timesheet_id"))
    return base.filter(scope)


def may_view(user, timesheet: Timesheet) -> bool:
    """The rule (the person, their approver, editors) or the manager of one of the week's projects."""
    if RULES.allows(user, "timesheet.view", timesheet):
        return True
    return role_of(user) not in (None, "reader") and timesheet.lines.filter(project__manager=user).exists()


def timesheet_get_for_user(*, user, pk, action: str = "timesheet.view") -> Timesheet:
    """The week `pk` if visible to `user` (Http404 otherwise) and `action` allowed (403 otherwise)."""
    try:
        timesheet = timesheet_visible_to(user).get(pk=pk)
    except (Timesheet.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such timesheet.")) from None
    if action == "timesheet.view":
        if not may_view(user, timesheet):
            raise PermissionDenied(RULES.message(action))
        return timesheet
    RULES.check(user, action, timesheet)
    return timesheet


def line_get_for_user(*, user, pk) -> TimesheetLine:
    """A line of a week visible to `user` (Http404 otherwise), checked for timesheet_line.approve."""
    lines = TimesheetLine.objects.select_related("project", "timesheet__resource__team").filter(
        timesheet__in=timesheet_visible_to(user)
    )
    return get_for_user(lines, table=RULES, user=user, pk=pk, action="timesheet_line.approve")


def entry_visible_to(user) -> QuerySet[TimeEntry]:
    if role_of(user) in EDITORS:
        # Every entry: no join to restrict (a date range then reads the day index alone).
        return TimeEntry.objects.all()
    return TimeEntry.objects.filter(line__timesheet__in=timesheet_visible_to(user).values("pk"))


def entry_list(user, *, start=None, end=None, resource=None, project=None, status=None) -> QuerySet:
    """Time entries `user` may see (the export's and the API's rows), oldest first."""
    entries = entry_visible_to(user).select_related(
        "line__project", "line__task", "line__activity", "line__timesheet__resource"
    )
    if start:
        entries = entries.filter(day__gte=start)
    if end:
        entries = entries.filter(day__lte=end)
    if resource:
        entries = entries.filter(line__timesheet__resource=resource)
    if project:
        entries = entries.filter(line__project=project)
    if status:
        entries = entries.filter(line__timesheet__status=status)
    return entries.order_by("day", "line__timesheet__resource__name", "line_id")


# ------------------------------------------------------------------------------------------ the week


@dataclass
class GridRow:
    line: TimesheetLine | None
    project_id: int | None
    task_id: int | None
    activity_id: int | None
    label: str
    sublabel: str
    cells: list[dict]
    total: Decimal
    approval: str = LineApproval.PENDING
    approval_label: str = ""
    reason: str = ""
    total_display: str = ""


@dataclass
class WeekGrid:
    timesheet: Timesheet
    days: list[dict]
    rows: list[GridRow] = field(default_factory=list)
    total: Decimal = ZERO
    working_total: float = 0.0
    reasons: list[str] = field(default_factory=list)
    total_display: str = ""
    working_total_display: str = ""


def _line_label(line: TimesheetLine) -> tuple[str, str]:
    if line.project is not None:
        return f"{line.project.code} · {line.project.name}", (line.task.name if line.task is not None else "")
    return (line.activity.name if line.activity is not None else ""), ""


def week_grid(timesheet: Timesheet, *, typed: list[dict] | None = None) -> WeekGrid:
    """The week's rows × 7 days (Mon–Sun), each day with its total, the person's working time that day
    (pattern, absences, holidays of the organisation calendar) and whether it is a weekend or holiday.
    An unsaved week has no rows; `typed` (rows the person typed, refused) replaces the stored rows so
    that nothing typed is lost. Fixed number of queries."""
    calendar = portfolio_calendar()
    resource = timesheet.resource
    days = week_days(timesheet.week)
    absences = list(resource.absences.filter(start__lte=days[-1], end__gte=days[0]))
    availability = availability_of(resource, absences)
    lines = (
        []
        if timesheet.pk is None or typed is not None
        else list(
            timesheet.lines.select_related("project", "task", "activity", "decided_by")
            .prefetch_related(Prefetch("entries", queryset=TimeEntry.objects.order_by("day")))
            .order_by("order", "pk")
        )
    )
    holidays = dict(calendar.holidays_between(days[0], days[-1]))
    day_info: list[dict[str, Any]] = []
    for day in days:
        capacity = day_capacity(availability, calendar, day)
        working = capacity.gross - capacity.absent
        working_days = Decimal(str(round(working, 3)))
        day_info.append(
            {
                "date": day,
                "weekend": day.weekday() >= 5,
                "holiday": (not calendar.is_working(day)) and day.weekday() < 5,
                "holiday_name": holidays.get(day, ""),
                "absent": capacity.absent > 0,
                "working": working,
                # In the organisation's unit: what the live totals (typed in that unit) compare with.
                "working_unit": display_time(working_days),
                "working_display": format_time(working_days),
                "total": ZERO,
            }
        )
    grid = WeekGrid(timesheet=timesheet, days=day_info)
    for line in lines:
        values = {entry.day: entry.days for entry in line.entries.all()}
        label, sublabel = _line_label(line)
        cells = [
            {
                "date": day,
                "value": values.get(day, ZERO),
                "display": format_time(values[day]) if day in values else "",
            }
            for day in days
        ]
        total = sum(values.values(), ZERO)
        for info, cell in zip(day_info, cells, strict=True):
            info["total"] += cell["value"]
        grid.rows.append(
            GridRow(
                line=line,
                project_id=line.project_id,
                task_id=line.task_id,
                activity_id=line.activity_id,
                label=label,
                sublabel=sublabel,
                cells=cells,
                total=total,
                approval=line.approval,
                approval_label=line.get_approval_display(),
                reason=line.reason,
            )
        )
        if line.approval == LineApproval.REJECTED and line.reason:
            grid.reasons.append(f"{label}: {line.reason}")
        grid.total += total
    if typed is not None:
        grid.rows.extend(_typed_rows(typed, days))
    for info in day_info:
        info["total_display"] = format_time(info["total"])
        info["over"] = float(info["total"]) > info["working"] + 1e-9
    grid.working_total = sum(info["working"] for info in day_info)
    grid.total_display = format_time(grid.total)
    grid.working_total_display = format_time(Decimal(str(round(grid.working_total, 3))))
    for row in grid.rows:
        row.total_display = format_time(row.total) if row.line else ""
    return grid


def _typed_rows(typed: list[dict], days: list[date]) -> list[GridRow]:
    from portfolio.models import Project
    from portfolio.scheduling.models import Task
    from resources.models import NonProjectActivity

    def ids(key):
        return {int(r[key]) for r in typed if str(r.get(key) or "").isdigit()}

    projects = Project.objects.in_bulk(ids("project"))
    tasks = Task.objects.in_bulk(ids("task"))
    activities = NonProjectActivity.objects.in_bulk(ids("activity"))
    rows = []
    for row in typed:

        def pick(mapping, key, row=row):
            value = str(row.get(key) or "")
            return mapping.get(int(value)) if value.isdigit() else None

        project, task, activity = pick(projects, "project"), pick(tasks, "task"), pick(activities, "activity")
        label = f"{project.code} · {project.name}" if project else (activity.name if activity else "?")
        values = {str(k): str(v) for k, v in (row.get("days") or {}).items()}
        rows.append(
            GridRow(
                line=None,
                project_id=project and project.pk,
                task_id=task and task.pk,
                activity_id=activity and activity.pk,
                label=label,
                sublabel=task.name if task else "",
                cells=[{"date": d, "value": ZERO, "display": values.get(d.isoformat(), "")} for d in days],
                total=ZERO,
            )
        )
    return rows


def last_status_comment(timesheet: Timesheet) -> str:
    change = timesheet.status_changes.filter(target=TimesheetStatus.REJECTED).order_by("-at", "-pk").first()
    return change.comment if change else ""


def bookable_rows_for(resource: Resource, week: date):
    """What the row picker offers: the person's projects first (allocations around the week, assigned
    tasks, last weeks' lines), then every bookable project; tasks of those projects; activities."""
    from portfolio.scheduling.models import Task
    from resources.models import NonProjectActivity
    from resources.timesheets import bookable_projects

    near = Q(
        allocations__resource=resource,
        allocations__period_start__gte=add_months(month_start(week), -2),
        allocations__period_start__lte=add_months(month_start(week), 2),
    )
    mine_ids = set(bookable_projects().filter(near).values_list("pk", flat=True))
    if resource.user_id:
        mine_ids |= set(
            Task.objects.filter(assignee_id=resource.user_id).values_list("project_id", flat=True)[:200]
        )
    mine_ids |= set(
        TimesheetLine.objects.filter(
            timesheet__resource=resource,
            timesheet__week__gte=week - timedelta(weeks=8),
            project__isnull=False,
        ).values_list("project_id", flat=True)
    )
    projects = list(bookable_projects().only("pk", "code", "name").order_by("code"))
    mine = [p for p in projects if p.pk in mine_ids]
    others = [p for p in projects if p.pk not in mine_ids]
    tasks = list(
        Task.objects.filter(project_id__in=mine_ids)
        .values("pk", "project_id", "name", "wbs")
        .order_by("project_id", "wbs")[:2000]
    )
    activities = list(NonProjectActivity.objects.filter(is_active=True).order_by("name"))
    return {"mine": mine, "others": others, "tasks": tasks, "activities": activities}


# ------------------------------------------------------------------------------------ approvals queue


QUEUE_PAGE = 20
TEAM_PAGE = 50


def approvals_queue_count(user) -> int:
    """How many weeks wait for `user` (see approvals_queue)."""
    return _waiting_weeks(user).count() if getattr(user, "is_authenticated", False) else 0


def _waiting_weeks(user) -> QuerySet[Timesheet]:
    approves = Q(resource__manager=user) | Q(resource__manager__isnull=True, resource__team__manager=user)
    manages = Q(
        pk__in=TimesheetLine.objects.filter(project__manager=user, approval=LineApproval.PENDING).values(
            "timesheet_id"
        )
    )
    return (
        Timesheet.objects.filter(status=TimesheetStatus.SUBMITTED)
        .filter(approves | manages)
        .exclude(resource__user=user)
    )


def approvals_queue(user, *, page: int = 1) -> list[dict]:
    """Weeks waiting for `user`: the submitted weeks of the people they approve (every pending line) and
    those with pending lines of projects they manage (those lines only), oldest week first, grouped by
    person. Fixed number of queries."""
    if not getattr(user, "is_authenticated", False):
        return []
    start = (max(page, 1) - 1) * QUEUE_PAGE
    weeks = list(
        _waiting_weeks(user)
        .select_related("resource__team", "resource__primary_profile")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=TimesheetLine.objects.select_related("project", "task", "activity")
                .annotate(line_total=Sum("entries__days"))
                .order_by("order", "pk"),
            )
        )
        .order_by("week", "resource__name", "pk")[start : start + QUEUE_PAGE]
    )
    result = []
    for week in weeks:
        resource = week.resource
        team = resource.team
        is_approver = resource.manager_id == user.pk or (
            resource.manager_id is None and team is not None and team.manager_id == user.pk
        )
        lines = [
            line
            for line in week.lines.all()
            if is_approver or (line.project is not None and line.project.manager_id == user.pk)
        ]
        for line in lines:
            line.label, line.sublabel = _line_label(line)  # type: ignore[attr-defined]
        total = sum((line.line_total or ZERO for line in week.lines.all()), ZERO)  # type: ignore[attr-defined]
        result.append(
            {
                "timesheet": week,
                "resource": resource,
                "is_approver": bool(is_approver),
                "lines": lines,
                "pending": sum(1 for line in lines if line.approval == LineApproval.PENDING),
                "total": total,
                "total_display": format_days(total),
            }
        )
    return result


def approvals_waiting_count(user) -> int:
    return len(approvals_queue(user))


# ------------------------------------------------------------------------------------------ team view


def team_view(user, *, weeks: int = 8, today: date, page: int = 1) -> dict:
    """The people `user` approves × the last `weeks` weeks (this week included): each cell the week's
    status and total, or missing. Fixed number of queries."""
    last = week_start(today)
    mondays = [last - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    everyone = approved_people(user).filter(is_active=True)
    total = everyone.count()
    start = (max(page, 1) - 1) * TEAM_PAGE
    people = list(everyone.select_related("team").order_by("name", "pk")[start : start + TEAM_PAGE])
    sheets: list[dict[str, Any]] = [
        dict(row)
        for row in Timesheet.objects.filter(
            resource__in=[p.pk for p in people], week__gte=mondays[0], week__lte=last
        ).values("pk", "resource_id", "week", "status")
    ]
    # Totals from the weeks' ids: the lines are then read through their timesheet index.
    line_week = dict(
        TimesheetLine.objects.filter(timesheet_id__in=[s["pk"] for s in sheets]).values_list(
            "pk", "timesheet_id"
        )
    )
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line_id, days in (
        TimeEntry.objects.filter(line_id__in=list(line_week), day__gte=mondays[0])
        .values("line_id")
        .annotate(total=Sum("days"))
        .values_list("line_id", "total")
        .order_by()
    ):
        totals[line_week[line_id]] += days
    for sheet in sheets:
        sheet["total"] = totals.get(sheet["pk"])
    by_cell = {(s["resource_id"], s["week"]): s for s in sheets}
    labels = dict(TimesheetStatus.choices)
    rows = []
    for person in people:
        cells = []
        for monday in mondays:
            found = by_cell.get((person.pk, monday))
            if found is None:
                cells.append(
                    {
                        "week": monday,
                        "status": "missing",
                        "label": "",
                        "total": None,
                        "pk": None,
                        "past": monday < last,
                    }
                )
            else:
                cells.append(
                    {
                        "week": monday,
                        "status": found["status"],
                        "label": labels[found["status"]],
                        "total": format_time(found["total"] or ZERO),
                        "pk": found["pk"],
                        "past": monday < last,
                    }
                )
        missing = sum(1 for c in cells if c["past"] and c["status"] in ("missing", "draft"))
        rows.append({"resource": person, "cells": cells, "missing": missing})
    return {
        "weeks": mondays,
        "rows": rows,
        "total": total,
        "page": page,
        "has_next": start + TEAM_PAGE < total,
        "has_previous": page > 1,
    }


# ------------------------------------------------------------------------------------------ actuals


def approved_time(
    *, project_ids=None, resource_ids=None, start: date, end: date, grain: str = "month"
) -> list[dict]:
    """Approved time summed by project, person, family and period (see the module's docstring)."""
    entries = TimeEntry.objects.filter(day__gte=start, day__lte=end, line__approval=LineApproval.APPROVED)
    if project_ids is not None:
        entries = entries.filter(line__project_id__in=list(project_ids))
    if resource_ids is not None:
        entries = entries.filter(line__timesheet__resource_id__in=list(resource_ids))
    period = F("line__timesheet__week") if grain == "week" else TruncMonth("day")
    rows = (
        entries.annotate(period=period)
        .values(
            "line__project_id",
            "line__timesheet__resource_id",
            "line__timesheet__resource__primary_profile__family",
            "period",
        )
        .annotate(total=Sum("days"))
        .order_by()
    )
    result = [
        {
            "project_id": row["line__project_id"],
            "resource_id": row["line__timesheet__resource_id"],
            "family": row["line__timesheet__resource__primary_profile__family"],
            "period_start": row["period"].date() if hasattr(row["period"], "hour") else row["period"],
            "days": row["total"] or ZERO,
        }
        for row in rows
    ]
    result.sort(key=lambda r: (r["period_start"], r["project_id"] or 0, r["resource_id"]))
    return result


def planned_vs_actual(project, *, today: date, months: int = 6) -> dict:
    """Planned (allocations, by family and month) vs actual (approved time) of `project` over the last
    `months` months up to this one, with the totals to date."""
    first = add_months(month_start(today), -(months - 1))
    month_list = [add_months(first, i) for i in range(months)]
    end = add_months(month_start(today), 1) - timedelta(days=1)
    planned: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    planned_to_date: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for family, period_start, days in Allocation.objects.filter(
        project=project, period_start__lte=end
    ).values_list("family", "period_start", "days"):
        month = month_start(period_start)
        planned_to_date[family] += days
        if month >= first:
            planned[(family, month)] += days
    actual: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    actual_to_date: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in approved_time(project_ids=[project.pk], start=date(1900, 1, 1), end=end):
        actual_to_date[row["family"]] += row["days"]
        if row["period_start"] >= first:
            actual[(row["family"], row["period_start"])] += row["days"]
    rows = []
    for family, label in RoleFamily.choices:
        cells = [
            {"month": m, "planned": planned[(family, m)], "actual": actual[(family, m)]} for m in month_list
        ]
        if not planned_to_date[family] and not actual_to_date[family]:
            continue
        rows.append(
            {
                "family": family,
                "label": label,
                "cells": cells,
                "planned_total": planned_to_date[family],
                "actual_total": actual_to_date[family],
            }
        )
    return {"months": month_list, "rows": rows}


def missing_weeks_count(resource: Resource, *, today: date, weeks: int = 4) -> int:
    last = week_start(today) - timedelta(weeks=1)
    first = last - timedelta(weeks=weeks - 1)
    done = Timesheet.objects.filter(
        resource=resource,
        week__gte=first,
        week__lte=last,
        status__in=[TimesheetStatus.SUBMITTED, TimesheetStatus.APPROVED],
    ).aggregate(n=Count("pk"))["n"]
    return weeks - done
