"""Reads of schedules: querysets and compact payloads whose query count does not grow with rows."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import CharField, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from portfolio.models import Project
from portfolio.scheduling import permissions as perms
from portfolio.scheduling.models import Baseline, CalendarException, Task, TaskLink, schedule_issue_messages
from ppm.slots import payload_extensions

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
    "issues",
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


@lru_cache(maxsize=512)
def _non_working_days(calendar, lo: date, hi: date) -> tuple[str, ...]:
    """ISO dates of the days `calendar` does not work in [lo, hi] (calendars are cached per process)."""
    result = []
    day = lo
    one = timedelta(days=1)
    while day <= hi:
        if not calendar.is_working(day):
            result.append(day.isoformat())
        day += one
    return tuple(result)


def _in_wbs_order(values: list[tuple]) -> list[tuple]:
    """Rows (id first, parent_id second, position last) in WBS order: a preorder walk of the tree,
    siblings by position then id. O(n), no string parsing."""
    children: dict[int | None, list[tuple]] = {}
    for row in values:
        children.setdefault(row[1], []).append(row)
    for siblings in children.values():
        siblings.sort(key=lambda row: (row[-1], row[0]))
    ordered: list[tuple] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(children.get(row[0], ())))
    return ordered


NO_ISSUES = frozenset({None, "", "[]", "null"})  # Task.schedule_issues read as text, holding nothing


def gantt_payload(project: Project, *, baseline: Baseline | None = None, user=None) -> dict[str, Any]:
    """Everything the Gantt draws, as rows of arrays (see GANTT_COLUMNS / LINK_COLUMNS), in WBS order.

    Queries: tasks, links, calendar exceptions, and the baseline's tasks when a baseline is given; the
    count does not depend on the number of tasks."""
    from portfolio.scheduling.services import project_calendar_from

    # Dates are read as ISO text (Cast): JSON needs strings, ISO strings sort like dates, and the
    # database formats them faster than Python converts 10,000 date objects.
    iso = {name: Cast(name, CharField()) for name in ("start", "finish", "constraint_date", "deadline")}
    baseline_dates: dict[int, tuple[str | None, str | None]] = {}
    if baseline is not None:
        for task_id, start, finish in (
            baseline.tasks.filter(task__isnull=False)
            .annotate(s_iso=Cast("start", CharField()), f_iso=Cast("finish", CharField()))
            .values_list("task_id", "s_iso", "f_iso")
        ):
            baseline_dates[task_id] = (start, finish)
    values = list(
        Task.objects.filter(project_id=project.pk)
        .annotate(
            **{f"{name}_iso": expression for name, expression in iso.items()},
            # As text: nearly every task has none ("[]"), and decoding 2,500 JSON values cost more than
            # the rest of the row; only the others are decoded.
            schedule_issues_text=Cast("schedule_issues", TextField()),
        )
        .values_list(  # type: ignore[misc]  # the stubs do not see the annotations made from a dict
            "id",
            "parent_id",
            "wbs",
            "name",
            "start_iso",
            "finish_iso",
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
            "constraint_date_iso",
            "deadline_iso",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
            "schedule_issues_text",
            "position",  # last: _in_wbs_order sorts siblings by it
        )
    )
    values = _in_wbs_order(values)
    rows = []
    no_baseline = (None, None)
    for v in values:
        assignee_name = v[15]
        if v[14] is not None:
            assignee_name = f"{v[21]} {v[22]}".strip() or v[23]
        base_start, base_finish = baseline_dates.get(v[0], no_baseline) if baseline_dates else no_baseline
        rows.append(
            [
                *v[:15],
                assignee_name,
                v[16],
                base_start,
                base_finish,
                v[17],
                v[18],
                v[19],
                v[20],
                schedule_issue_messages(json.loads(v[24])) if v[24] not in NO_ISSUES else None,
            ]
        )
    starts = [v[4] for v in values if v[4]] + [b[0] for b in baseline_dates.values() if b[0]]
    finishes = [v[5] for v in values if v[5]] + [b[1] for b in baseline_dates.values() if b[1]]
    first = date.fromisoformat(min(starts)) if starts else None
    last = date.fromisoformat(max(finishes)) if finishes else None
    links = [
        list(row)
        for row in TaskLink.objects.filter(project_id=project.pk).order_by("pk").values_list(*LINK_COLUMNS)
    ]
    closures = list(
        CalendarException.objects.filter(Q(project__isnull=True) | Q(project_id=project.pk)).values_list(
            "start", "end"
        )
    )
    non_working: list[str] = []
    if first is not None and last is not None:
        calendar = project_calendar_from(project, closures)
        lo, hi = first - NON_WORKING_MARGIN, last + NON_WORKING_MARGIN
        if (hi - lo).days <= NON_WORKING_MAX_DAYS:
            non_working = list(_non_working_days(calendar, lo, hi))
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
            # What other apps add (ppm.slots.payload_extensions: the latest weather…).
            "extensions": payload_extensions([project.pk]).get(project.pk, {}),
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
    issues: list[str] = []
    for milestone, critical, status, task_issues in Task.objects.filter(
        project_id=project.pk, is_summary=False
    ).values_list("milestone", "critical", "board_status", "schedule_issues"):
        counts["tasks"] += 1
        counts["milestones"] += int(milestone)
        counts["critical"] += int(critical)
        counts["done"] += int(status == "done")
        if task_issues:
            issues.extend(schedule_issue_messages(task_issues))
    next_milestones = list(
        Task.objects.filter(project_id=project.pk, milestone=True, start__gte=today)
        .order_by("start", "pk")
        .values("id", "name", "start", "total_float", "critical")[:3]
    )
    return {**counts, "next_milestones": next_milestones, "issues": issues}


SLIPPING_SHOWN = 5


def slipping_projects() -> dict[str, Any]:
    """The dashboard's "projects slipping": active projects whose forecast finish is after the planned end
    (count, and the most late first; 2 queries)."""
    from portfolio.rules import ACTIVE_STATUSES

    late = Project.objects.filter(status__in=ACTIVE_STATUSES, slippage_days__gt=0)
    return {
        "count": late.count(),
        "projects": list(
            late.order_by("-slippage_days", "code").values(
                "id", "code", "name", "slippage_days", "forecast_finish"
            )[:SLIPPING_SHOWN]
        ),
    }
