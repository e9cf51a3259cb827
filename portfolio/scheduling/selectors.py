"""Reads of schedules: querysets and compact payloads whose query count does not grow with rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portfolio.models import Project
from portfolio.scheduling import permissions as perms
from portfolio.scheduling.models import Baseline, CalendarException, Task, TaskLink

GANTT_COLUMNS = (
    "id",
    "parent_id",
    "wbs",
    "name",
    "start",
    "finish",
    "duration",
    "percent_complete",
    "milestone",
    "summary",
    "critical",
    "total_float",
    "free_float",
    "version",
    "assignee_id",
    "assignee_name",
    "board_status",
    "baseline_start",
    "baseline_finish",
    "mode",
    "constraint_type",
    "constraint_date",
    "deadline",
)
LINK_COLUMNS = ("id", "predecessor_id", "successor_id", "type", "lag", "version")
# How far the non-working days of the payload reach beyond the schedule (the Gantt's margins).
NON_WORKING_MARGIN = timedelta(days=31)
NON_WORKING_MAX_DAYS = 366 * 12


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def tasks_visible_to(user) -> QuerySet[Task]:
    """Every task the user may read: every signed-in user reads every schedule."""
    if not (user and user.is_authenticated and user.is_active):
        return Task.objects.none()
    return Task.objects.all()


def task_list(*, project: Project | None = None) -> QuerySet[Task]:
    """Tasks with what the API shows, in WBS order, in a fixed number of queries."""
    queryset = Task.objects.select_related("assignee")
    if project is not None:
        queryset = queryset.filter(project_id=project.pk)
    return queryset.order_by("project_id", "wbs", "pk")


def task_get_for_user(*, user, pk) -> Task:
    """The task (with its project and assignee), or Http404."""
    try:
        return tasks_visible_to(user).select_related("project", "assignee").get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such task.") from None


def link_get_for_user(*, user, pk) -> TaskLink:
    if not (user and user.is_authenticated and user.is_active):
        raise Http404("No such link.")
    try:
        return TaskLink.objects.select_related("project", "predecessor", "successor").get(pk=pk)
    except (TaskLink.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such link.") from None


def link_list(*, project: Project) -> QuerySet[TaskLink]:
    return TaskLink.objects.filter(project_id=project.pk).order_by("pk")


def calendar_exception_list(*, project: Project | None = None, organisation_only: bool = False):
    queryset = CalendarException.objects.all()
    if organisation_only:
        return queryset.filter(project__isnull=True).order_by("start", "pk")
    if project is not None:
        queryset = queryset.filter(Q(project__isnull=True) | Q(project_id=project.pk))
    return queryset.order_by("start", "pk")


def _wbs_key(wbs: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in wbs.split(".")) if wbs else ()
    except ValueError:
        return ()


def gantt_payload(project: Project, *, baseline: Baseline | None = None, user=None) -> dict[str, Any]:
    """Everything the Gantt draws, as rows of arrays (see GANTT_COLUMNS / LINK_COLUMNS), in WBS order.

    Queries: tasks, links, calendar exceptions, and the baseline's tasks when a baseline is given; the
    count does not depend on the number of tasks."""
    from portfolio.scheduling.services import project_calendar_from

    baseline_dates: dict[int, tuple[date | None, date | None]] = {}
    if baseline is not None:
        for task_id, start, finish in baseline.tasks.filter(task__isnull=False).values_list(
            "task_id", "start", "finish"
        ):
            baseline_dates[task_id] = (start, finish)
    values = list(
        Task.objects.filter(project_id=project.pk).values_list(
            "id",
            "parent_id",
            "wbs",
            "name",
            "start",
            "finish",
            "duration",
            "percent_complete",
            "milestone",
            "is_summary",
            "critical",
            "total_float",
            "free_float",
            "version",
            "assignee_id",
            "assignee_name",
            "board_status",
            "mode",
            "constraint_type",
            "constraint_date",
            "deadline",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
        )
    )
    values.sort(key=lambda v: (_wbs_key(v[2]), v[0]))
    rows = []
    first: date | None = None
    last: date | None = None
    for v in values:
        (tid, parent_id, wbs, name, start, finish, duration, percent, milestone, summary, critical) = v[:11]
        (total_float, free_float, version, assignee_id, assignee_name, board_status, mode) = v[11:18]
        (constraint_type, constraint_date, deadline, first_name, last_name, username) = v[18:24]
        if assignee_id is not None:
            assignee_name = f"{first_name} {last_name}".strip() or username
        base_start, base_finish = baseline_dates.get(tid, (None, None))
        for day in (start, finish, base_start, base_finish):
            if day is not None:
                first = day if first is None or day < first else first
                last = day if last is None or day > last else last
        rows.append(
            [
                tid,
                parent_id,
                wbs,
                name,
                _iso(start),
                _iso(finish),
                duration,
                percent,
                milestone,
                summary,
                critical,
                total_float,
                free_float,
                version,
                assignee_id,
                assignee_name,
                board_status,
                _iso(base_start),
                _iso(base_finish),
                mode,
                constraint_type,
                _iso(constraint_date),
                _iso(deadline),
            ]
        )
    links = [
        list(row)
        for row in TaskLink.objects.filter(project_id=project.pk).order_by("pk").values_list(*LINK_COLUMNS)
    ]
    closures = list(
        CalendarException.objects.filter(project__isnull=True).values_list("start", "end")
    ) + list(CalendarException.objects.filter(project_id=project.pk).values_list("start", "end"))
    non_working: list[str] = []
    if first is not None and last is not None:
        calendar = project_calendar_from(project, closures)
        lo, hi = first - NON_WORKING_MARGIN, last + NON_WORKING_MARGIN
        if (hi - lo).days <= NON_WORKING_MAX_DAYS:
            day = lo
            while day <= hi:
                if not calendar.is_working(day):
                    non_working.append(day.isoformat())
                day += timedelta(days=1)
    return {
        "project": {
            "id": project.pk,
            "code": project.code,
            "name": project.name,
            "planned_start": _iso(project.planned_start),
            "planned_end": _iso(project.planned_end),
            "forecast_start": _iso(project.forecast_start),
            "forecast_finish": _iso(project.forecast_finish),
            "slippage_days": project.slippage_days,
            "schedule_version": project.schedule_version,
            "calendar_subdiv": project.calendar_subdiv,
        },
        "columns": list(GANTT_COLUMNS),
        "rows": rows,
        "link_columns": list(LINK_COLUMNS),
        "links": links,
        "baseline": (
            {"id": baseline.pk, "name": baseline.name, "taken_at": baseline.taken_at.isoformat()}
            if baseline is not None
            else None
        ),
        "non_working": non_working,
        "today": timezone.localdate().isoformat(),
        "can_edit": bool(user is not None and perms.can_edit_schedule(user, project)),
    }


def project_schedule_summary(project: Project) -> dict[str, Any]:
    """What the project page's "Schedule" panel shows: counts and the next milestones (2 queries)."""
    today = timezone.localdate()
    counts = {"tasks": 0, "milestones": 0, "critical": 0, "done": 0}
    for milestone, critical, status in Task.objects.filter(
        project_id=project.pk, is_summary=False
    ).values_list("milestone", "critical", "board_status"):
        counts["tasks"] += 1
        counts["milestones"] += int(milestone)
        counts["critical"] += int(critical)
        counts["done"] += int(status == "done")
    next_milestones = list(
        Task.objects.filter(project_id=project.pk, milestone=True, start__gte=today)
        .order_by("start", "pk")
        .values("id", "name", "start", "total_float", "critical")[:3]
    )
    return {**counts, "next_milestones": next_milestones}
