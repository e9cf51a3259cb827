"""Writes to a project's schedule. Each service is one transaction that checks, validates, saves, audits
(with the project as the parent object) and re-schedules the project before it commits.

Conventions
-----------
* Keyword-only arguments; `actor` is the user acting (None for system jobs such as the demo, which
  skip the permission checks: only code paths without a user pass None).
* Every service locks the project row first (`lock_for_update`): two writes to one schedule run one
  after the other, and each re-schedule sees the other's result.
* `expected_version` (the version the caller read) makes a write refuse with StaleVersionError (412)
  when the object changed in the meantime.
* A task's `version` counts edits of its own fields (what a user typed or dragged). The scheduler's
  outputs (dates of automatic tasks, late dates, floats, critical flag, WBS number, summary roll-ups)
  are refreshed without bumping it, so that an edit elsewhere in the plan does not turn every open
  Gantt row stale; `Project.schedule_version` is bumped at each re-schedule instead (a cache key).

Rules decided here
------------------
* Dates: giving `start` to an automatic task pins it with a "start no earlier than" constraint on that
  date (as MS Project does when a bar is dragged); giving `finish` changes its duration. A manual task
  keeps the dates it is given. A summary task takes its dates, duration and progress from its children:
  giving it dates or a duration is refused.
* Milestones have no duration (saved as 0).
* Board status and progress stay coherent: "done" ⇔ 100 %. Moving a card to "done" sets 100 %;
  setting 100 % moves the card to "done"; lowering the progress of a done task moves it back to "in
  progress"; moving a 100 % card out of "done" sets its progress to 0 % ("to do") or 90 %
  (in progress, blocked).
* Scheduler refusals (cycle, self-link, link onto a summary the scheduler cannot honour, …) become a
  `ScheduleError` (400, code from the engine, the tasks named in the message and in `task_ids`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.models import Project
from portfolio.scheduling import engine
from portfolio.scheduling import permissions as perms
from portfolio.scheduling.calendar import WorkingCalendar, french_calendar
from portfolio.scheduling.models import BoardStatus, CalendarException, Task, TaskLink, TaskMode
from ppm.audit import AuditRecord, audit_record, audit_record_bulk, audited
from ppm.bulk import bulk_update
from ppm.exceptions import DomainNotFound, DomainPermissionError, DomainValidationError
from ppm.models import AuditEntry
from ppm.versioning import check_version, lock_for_update, save_versioned


class ScheduleError(DomainValidationError):
    """A schedule the scheduler refuses; `code` is the engine's (cycle, self_link…), `task_ids` the tasks."""

    code = "schedule"

    def __init__(self, message: str, *, code: str, task_ids: Sequence = ()):
        super().__init__(message, code=code)
        self.task_ids = [tid for tid in task_ids]

    def as_dict(self) -> dict:
        return {**super().as_dict(), "task_ids": self.task_ids}


TASK_AUDITED_FIELDS = (
    "name",
    "notes",
    "parent",
    "position",
    "mode",
    "duration",
    "start",
    "finish",
    "percent_complete",
    "milestone",
    "constraint_type",
    "constraint_date",
    "deadline",
    "assignee",
    "assignee_name",
    "estimate_days",
    "board_status",
)
# Fields `task_update` accepts: every audited one, plus the card's place on the board (parent and
# position move the task, see task_move).
TASK_EDITABLE_FIELDS = frozenset(TASK_AUDITED_FIELDS) | {"board_position"}
LINK_AUDITED_FIELDS = ("predecessor", "successor", "type", "lag")
EXCEPTION_AUDITED_FIELDS = ("name", "start", "end")
_DATE_FIELDS = frozenset({"start", "finish", "duration"})
_OUTPUT_FIELDS = (
    "wbs",
    "is_summary",
    "start",
    "finish",
    "duration",
    "late_start",
    "late_finish",
    "total_float",
    "free_float",
    "critical",
    "percent_complete",
    "schedule_issues",
)

# -- calendars ---------------------------------------------------------------------------------------

_BASE_CALENDARS: dict[str, WorkingCalendar] = {}
_BASE_LOCK = threading.Lock()


def base_calendar(subdiv: str = "") -> WorkingCalendar:
    """Monday–Friday minus the French public holidays of `subdiv`: computed once per process."""
    key = subdiv or ""
    with _BASE_LOCK:
        calendar = _BASE_CALENDARS.get(key)
        if calendar is None:
            calendar = _BASE_CALENDARS[key] = french_calendar(subdiv=key or None)
    return calendar


_PROJECT_CALENDARS: dict[tuple, WorkingCalendar] = {}
_PROJECT_CALENDARS_MAX = 256


def calendar_with_closures(subdiv: str, closures: Iterable[tuple[date, date]]) -> WorkingCalendar:
    """The holidays of `subdiv` with these closed-day ranges.

    Calendars are kept per process by (subdivision, closures): their working-day index is built once,
    not at every re-schedule, Gantt payload or capacity plan build (a calendar is immutable and
    thread-safe)."""
    key = (subdiv or "", tuple(sorted(set(closures))))
    calendar = _PROJECT_CALENDARS.get(key)
    if calendar is None:
        calendar = base_calendar(key[0]).with_closures(list(key[1]))
        with _BASE_LOCK:
            if len(_PROJECT_CALENDARS) >= _PROJECT_CALENDARS_MAX:
                _PROJECT_CALENDARS.clear()
            _PROJECT_CALENDARS[key] = calendar
    return calendar


def project_calendar_from(project: Project, closures: Iterable[tuple[date, date]]) -> WorkingCalendar:
    """The project's holidays with these closed-day ranges (for callers that loaded them already)."""
    return calendar_with_closures(project.calendar_subdiv or "", closures)


def project_calendar(project: Project) -> WorkingCalendar:
    """The project's working calendar: its holidays, the organisation's and its own closed days."""
    closures = CalendarException.objects.filter(
        Q(project__isnull=True) | Q(project_id=project.pk)
    ).values_list("start", "end")
    return project_calendar_from(project, closures)


def project_schedule_start(project: Project) -> date:
    """Where automatic tasks start: the approved planned start, else the day the project was created."""
    if project.planned_start is not None:
        return project.planned_start
    created = project.created_at or timezone.now()
    return timezone.localdate(created) if timezone.is_aware(created) else created.date()


# -- helpers -----------------------------------------------------------------------------------------


def _check_edit(actor, project: Project) -> None:
    if actor is not None and not perms.can_edit_schedule(actor, project):
        raise DomainPermissionError(_("You may not edit the schedule of this project."))


def _lock_project(project: Project | int) -> Project:
    pk = project.pk if isinstance(project, Project) else project
    return lock_for_update(Project, pk)


def _full_clean(instance, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise DomainValidationError(
            field_errors={field: list(messages) for field, messages in error.message_dict.items()}
        ) from None


def _quote(name: str) -> str:
    return engine._quote(name)


def _apply_board_rules(task: Task, changed: set[str]) -> None:
    """Keep "done" ⇔ 100 % (see the module's docstring)."""
    if "board_status" in changed and "percent_complete" not in changed:
        if task.board_status == BoardStatus.DONE:
            task.percent_complete = 100
        elif task.percent_complete == 100:
            task.percent_complete = 0 if task.board_status == BoardStatus.TODO else 90
    elif "percent_complete" in changed and "board_status" not in changed:
        if task.percent_complete == 100:
            task.board_status = BoardStatus.DONE
        elif task.board_status == BoardStatus.DONE:
            task.board_status = BoardStatus.IN_PROGRESS
    elif "percent_complete" in changed and (task.board_status == BoardStatus.DONE) != (
        task.percent_complete == 100
    ):
        raise DomainValidationError(
            field_errors={"percent_complete": [_("A task is done exactly when it is 100 % complete.")]}
        )
    # Neither changed: an edit of other fields leaves them as they are.


def _next_board_position(project_id: int, status: str) -> int:
    top = Task.objects.filter(project_id=project_id, board_status=status).aggregate(m=Max("board_position"))[
        "m"
    ]
    return 0 if top is None else top + 1


def _renumber_siblings(
    project_id: int, parent_id: int | None, *, place: Task | None = None, at: int = 0
) -> None:
    """Number the children of `parent_id` 0..n-1 in order, `place` (already re-parented) at index `at`."""
    siblings = list(
        Task.objects.filter(project_id=project_id, parent_id=parent_id)
        .order_by("position", "pk")
        .only("pk", "position")
    )
    if place is not None:
        siblings = [t for t in siblings if t.pk != place.pk]
        at = max(0, min(at, len(siblings)))
        siblings.insert(at, place)
    changed = []
    for index, sibling in enumerate(siblings):
        if sibling.position != index:
            sibling.position = index
            changed.append(sibling)
    if changed:
        bulk_update(Task, changed, ["position"])
    if place is not None:
        place.position = at


def _check_parent(task: Task | None, parent: Task | None, project: Project) -> None:
    if parent is None:
        return
    if parent.project_id != project.pk:
        raise DomainValidationError(
            field_errors={"parent": [_("The parent task belongs to another project.")]}
        )
    if task is None or task.pk is None:
        return
    parents = dict(Task.objects.filter(project_id=project.pk).values_list("pk", "parent_id"))
    node: int | None = parent.pk
    while node is not None:
        if node == task.pk:
            raise DomainValidationError(
                field_errors={
                    "parent": [
                        _("%(task)s cannot be moved under itself or one of its sub-tasks.")
                        % {"task": _quote(task.name)}
                    ]
                }
            )
        node = parents.get(node)


# -- the re-schedule -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RescheduleResult:
    schedule: engine.Schedule
    project: Project


def _engine_task(row: Mapping[str, Any], summary: bool) -> engine.Task:
    manual = row["mode"] == TaskMode.MANUAL and not summary and row["start"] is not None
    constraint = engine.ConstraintType(row["constraint_type"]) if row["constraint_type"] else None
    return engine.Task(
        id=row["id"],
        name=row["name"],
        duration=0 if row["milestone"] else row["duration"],
        milestone=row["milestone"],
        parent_id=row["parent_id"],
        manual_start=row["start"] if manual else None,
        manual_finish=row["finish"] if manual and not row["milestone"] else None,
        constraint=constraint,
        constraint_date=row["constraint_date"] if constraint else None,
        deadline=row["deadline"],
        percent_complete=float(row["percent_complete"]),
    )


def project_reschedule(*, project: Project) -> RescheduleResult:
    """Run the scheduler on the project's tasks and links and store its outputs, the WBS numbers and the
    project's forecast and slippage. Called by every schedule service inside its transaction (the
    caller holds the project's lock); raises ScheduleError when the scheduler refuses the schedule."""
    fields = (
        "id",
        "parent_id",
        "position",
        "name",
        "mode",
        "duration",
        "start",
        "finish",
        "percent_complete",
        "milestone",
        "constraint_type",
        "constraint_date",
        "deadline",
        *(f for f in _OUTPUT_FIELDS if f not in ("start", "finish", "duration", "percent_complete")),
    )
    rows = list(Task.objects.filter(project_id=project.pk).order_by("position", "pk").values(*fields))
    has_children = {row["parent_id"] for row in rows if row["parent_id"] is not None}
    tasks = [_engine_task(row, row["id"] in has_children) for row in rows]
    links = [
        engine.Link(predecessor_id=p, successor_id=s, type=engine.LinkType(t), lag=lag)
        for p, s, t, lag in TaskLink.objects.filter(project_id=project.pk)
        .order_by("pk")
        .values_list("predecessor_id", "successor_id", "type", "lag")
    ]
    calendar = project_calendar(project)
    try:
        numbers = engine.wbs_numbers(tasks)
        result = engine.schedule(
            tasks, links, calendar=calendar, project_start=project_schedule_start(project)
        )
    except engine.SchedulingError as error:
        raise ScheduleError(error.message, code=error.code, task_ids=error.task_ids) from None
    issues: dict[Any, list[dict]] = {}
    for violation in result.violations:
        issues.setdefault(violation.task_id, []).append(violation.as_data())
    changed: list[Task] = []
    for row in rows:
        scheduled = result.tasks[row["id"]]
        summary = row["id"] in has_children
        values = {
            "wbs": numbers[row["id"]],
            "is_summary": summary,
            "start": scheduled.early_start,
            "finish": scheduled.early_finish,
            "duration": scheduled.duration if summary or row["milestone"] else row["duration"],
            "late_start": scheduled.late_start,
            "late_finish": scheduled.late_finish,
            "total_float": scheduled.total_float,
            "free_float": scheduled.free_float,
            "critical": scheduled.critical,
            "percent_complete": round(scheduled.percent_complete) if summary else row["percent_complete"],
            "schedule_issues": issues.get(row["id"], []),
        }
        if any(row[name] != value for name, value in values.items()):
            changed.append(Task(id=row["id"], **values))
    if changed:
        bulk_update(Task, changed, list(_OUTPUT_FIELDS), batch_size=500)
    slippage = None
    if result.finish is not None and project.planned_end is not None:
        one = timedelta(days=1)
        slippage = calendar.index(result.finish + one) - calendar.index(project.planned_end + one)
    Project.objects.filter(pk=project.pk).update(
        forecast_start=result.start,
        forecast_finish=result.finish,
        slippage_days=slippage,
        schedule_version=F("schedule_version") + 1,
    )
    project.forecast_start = result.start
    project.forecast_finish = result.finish
    project.slippage_days = slippage
    project.schedule_version = (project.schedule_version or 0) + 1
    return RescheduleResult(schedule=result, project=project)


@transaction.atomic
def project_reschedule_locked(*, project: Project) -> RescheduleResult:
    """`project_reschedule` in its own transaction, with the project's lock (jobs, management commands)."""
    return project_reschedule(project=_lock_project(project))


# -- tasks ---------------------------------------------------------------------------------------------


def _set_dates(task: Task, data: Mapping[str, Any], calendar_of) -> None:
    """Apply start / finish / duration (see the module's rules) to a non-summary task."""
    start = data.get("start", task.start)
    finish = data.get("finish", task.finish)
    if "duration" in data and data["duration"] is not None:
        task.duration = data["duration"]
    if task.mode == TaskMode.MANUAL:
        if start is None:
            start = task.start
        task.start = start
        if task.milestone:
            task.finish = start
        elif "finish" in data and finish is not None and start is not None:
            if finish < start:
                raise DomainValidationError(field_errors={"finish": [_("The finish is before the start.")]})
            task.duration = max(1, calendar_of().working_days_in(start, finish))
            task.finish = finish
        elif start is not None:
            task.finish = calendar_of().finish_date(start, task.duration)
        return
    if "start" in data and data["start"] is not None:
        task.constraint_type = engine.ConstraintType.START_NO_EARLIER_THAN.value
        task.constraint_date = data["start"]
        task.start = data["start"]
        # Keep the row coherent until the re-schedule of this transaction recomputes it (the
        # finish-after-start check constraint holds at every save).
        task.finish = task.start if task.milestone else calendar_of().finish_date(task.start, task.duration)
    if "finish" in data and data["finish"] is not None and not task.milestone:
        begin = task.start if task.start is not None else data["finish"]
        if data["finish"] < begin:
            raise DomainValidationError(field_errors={"finish": [_("The finish is before the start.")]})
        task.duration = max(1, calendar_of().working_days_in(begin, data["finish"]))
        task.finish = data["finish"]


def _apply(task: Task, data: Mapping[str, Any], *, project: Project, summary: bool) -> None:
    unknown = set(data) - TASK_EDITABLE_FIELDS
    if unknown:
        raise DomainValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if summary and _DATE_FIELDS & {k for k, v in data.items() if v is not None}:
        raise DomainValidationError(
            field_errors={
                name: [
                    _("The summary task %(task)s takes its dates from its sub-tasks.")
                    % {"task": _quote(task.name)}
                ]
                for name in sorted(_DATE_FIELDS & set(data))
            }
        )
    for name in ("name", "notes", "assignee_name"):
        if name in data:
            value = data[name]
            setattr(task, name, value.strip() if isinstance(value, str) else (value or ""))
    for name in (
        "mode",
        "milestone",
        "percent_complete",
        "constraint_type",
        "constraint_date",
        "deadline",
        "assignee",
        "estimate_days",
        "board_status",
        "board_position",
    ):
        if name in data:
            value = data[name]
            if name == "constraint_type" and value is None:
                value = ""
            if name == "estimate_days" and value is not None and not isinstance(value, Decimal):
                value = Decimal(str(value))
            setattr(task, name, value)
    if task.assignee_id is not None and "assignee" in data and not data.get("assignee_name"):
        task.assignee_name = ""
    if task.milestone:
        task.duration = 0
    elif task.duration == 0 and "milestone" in data:
        task.duration = 1
    if not task.constraint_type:
        task.constraint_date = None
    elif task.constraint_date is None:
        raise DomainValidationError(field_errors={"constraint_date": [_("This constraint needs a date.")]})
    if not summary:
        calendar: list[WorkingCalendar] = []

        def calendar_of() -> WorkingCalendar:
            if not calendar:
                calendar.append(project_calendar(project))
            return calendar[0]

        if task.mode == TaskMode.MANUAL and task.start is None and "start" not in data:
            # A task switched to manual keeps the dates it had (or the project start).
            data = {**data, "start": project_schedule_start(project)}
        if _DATE_FIELDS & set(data) or task.mode == TaskMode.MANUAL:
            _set_dates(task, data, calendar_of)
    _apply_board_rules(task, set(data))


@transaction.atomic
def task_create(
    *,
    actor,
    project: Project,
    name: str,
    parent: Task | None = None,
    position: int | None = None,
    **fields: Any,
) -> Task:
    """Create a task under `parent` (None: at the top level), at `position` among its siblings (None: last).

    `fields` are any of TASK_EDITABLE_FIELDS. Returns the task with its computed dates."""
    project = _lock_project(project)
    _check_edit(actor, project)
    if parent is not None:
        parent = lock_for_update(Task, parent.pk)
        _check_parent(None, parent, project)
    task = Task(project=project, parent=parent, name="", duration=1, position=0)
    task.board_position = _next_board_position(project.pk, fields.get("board_status") or BoardStatus.TODO)
    with audited(task, actor, TASK_AUDITED_FIELDS):
        _apply(task, {"name": name, **fields}, project=project, summary=False)
        _full_clean(task, exclude=("project", "parent", "position"))
        siblings = Task.objects.filter(project_id=project.pk, parent_id=parent.pk if parent else None)
        top = siblings.aggregate(m=Max("position"))["m"]
        task.position = 0 if top is None else top + 1
        save_versioned(task)
        if position is not None:
            _renumber_siblings(project.pk, task.parent_id, place=task, at=position)
    project_reschedule(project=project)
    task.refresh_from_db()
    return task


@transaction.atomic
def task_update(*, actor, task: Task, data: Mapping[str, Any], expected_version: int | None = None) -> Task:
    """Apply `data` (TASK_EDITABLE_FIELDS) to `task` and re-schedule. Assignees may change only the
    progress fields (percent_complete, board_status, board_position) of their tasks."""
    project = _lock_project(task.project_id)
    task = lock_for_update(Task, task.pk)
    if actor is not None and not perms.can_change_task_fields(actor, task, set(data)):
        raise DomainPermissionError(_("You may not change this task."))
    check_version(task, expected_version)
    data = dict(data)
    move = {k: data.pop(k) for k in ("parent", "position") if k in data}
    summary = Task.objects.filter(parent_id=task.pk).exists()
    with audited(task, actor, TASK_AUDITED_FIELDS) as audit:
        _apply(task, data, project=project, summary=summary)
        _full_clean(task, exclude=("project", "parent"))
        if move:
            parent = move.get("parent", task.parent) if "parent" in move else task.parent
            if isinstance(parent, int):
                parent = Task.objects.filter(pk=parent).first()
            _move(task, parent=parent, position=move.get("position"), project=project)
        if audit.changed() or "board_position" in data:
            save_versioned(task)
    project_reschedule(project=project)
    task.refresh_from_db()
    return task


def _move(task: Task, *, parent: Task | None, position: int | None, project: Project) -> None:
    _check_parent(task, parent, project)
    old_parent_id = task.parent_id
    task.parent = parent
    if position is None:
        top = Task.objects.filter(project_id=project.pk, parent_id=task.parent_id).exclude(pk=task.pk)
        position = top.count()
    if task.parent_id != old_parent_id:
        Task.objects.filter(pk=task.pk).update(parent_id=task.parent_id)
        _renumber_siblings(project.pk, old_parent_id)
    _renumber_siblings(project.pk, task.parent_id, place=task, at=position)


@transaction.atomic
def task_move(
    *,
    actor,
    task: Task,
    parent: Task | None,
    position: int | None = None,
    expected_version: int | None = None,
) -> Task:
    """Move `task` (with its sub-tasks) under `parent` (None: top level) at `position` (0-based among its
    new siblings; None: last). Positions are renumbered 0..n-1, WBS numbers recomputed."""
    project = _lock_project(task.project_id)
    task = lock_for_update(Task, task.pk)
    _check_edit(actor, project)
    check_version(task, expected_version)
    if parent is not None:
        parent = lock_for_update(Task, parent.pk)
    with audited(task, actor, ("parent", "position")) as audit:
        _move(task, parent=parent, position=position, project=project)
        if audit.changed():
            save_versioned(task, update_fields=("parent", "position"))
    project_reschedule(project=project)
    task.refresh_from_db()
    return task


@transaction.atomic
def tasks_reorder(*, actor, project: Project, moves: Sequence[Mapping[str, Any]]) -> list[Task]:
    """Bulk move: `moves` is a list of {"id", "parent_id" (None: top level), "position", optional
    "version"}. Each moved task lands at its position among its new siblings (applied in the given
    order); every affected sibling list is renumbered; one audit INSERT, one re-schedule."""
    project = _lock_project(project)
    _check_edit(actor, project)
    if not moves:
        return []
    ids = [m["id"] for m in moves]
    if len(set(ids)) != len(ids):
        raise DomainValidationError(_("A task appears twice in the moves."))
    tasks = {
        t.pk: t
        for t in Task.objects.select_for_update().filter(project_id=project.pk, pk__in=ids).order_by("pk")
    }
    missing = [i for i in ids if i not in tasks]
    if missing:
        raise DomainNotFound(
            _("No such task in this project: %(ids)s") % {"ids": ", ".join(map(str, missing))}
        )
    parents: dict[int, int | None] = dict(
        Task.objects.filter(project_id=project.pk).values_list("pk", "parent_id")
    )
    before = {pk: (t.parent_id, t.position) for pk, t in tasks.items()}
    for move in moves:
        task = tasks[move["id"]]
        check_version(task, move.get("version"))
        parent_id = move.get("parent_id")
        if parent_id is not None and parent_id not in parents:
            raise DomainValidationError(
                field_errors={"parent_id": [_("The parent task belongs to another project.")]}
            )
        parents[task.pk] = parent_id
    # No task may end up under itself.
    for start in tasks:
        seen = set()
        node = parents.get(start)
        while node is not None:
            if node == start or node in seen:
                raise DomainValidationError(
                    _("%(task)s cannot be moved under itself or one of its sub-tasks.")
                    % {"task": _quote(tasks[start].name)}
                )
            seen.add(node)
            node = parents.get(node)
    for move in moves:
        task = tasks[move["id"]]
        old_parent = task.parent_id
        task.parent_id = move.get("parent_id")
        if old_parent != task.parent_id:
            Task.objects.filter(pk=task.pk).update(parent_id=task.parent_id)
            _renumber_siblings(project.pk, old_parent)
        _renumber_siblings(project.pk, task.parent_id, place=task, at=int(move.get("position") or 0))
    records = []
    changed = []
    for pk, task in tasks.items():
        task.refresh_from_db(fields=["position", "parent"])
        if (task.parent_id, task.position) != before[pk]:
            task.version += 1
            changed.append(task)
            records.append(
                AuditRecord(
                    instance=task,
                    action=AuditEntry.Action.UPDATE,
                    changes={
                        "parent": {
                            "label": str(Task._meta.get_field("parent").verbose_name),
                            "old": str(before[pk][0] or ""),
                            "new": str(task.parent_id or ""),
                        },
                        "position": {
                            "label": str(Task._meta.get_field("position").verbose_name),
                            "old": str(before[pk][1]),
                            "new": str(task.position),
                        },
                    },
                    related=project,
                )
            )
    if changed:
        bulk_update(Task, changed, ["version"])
        audit_record_bulk(actor=actor, records=records)
    project_reschedule(project=project)
    return list(Task.objects.filter(pk__in=ids).order_by("wbs"))


@transaction.atomic
def task_delete(*, actor, task: Task, expected_version: int | None = None) -> None:
    """Delete `task`, its sub-tasks and their links; re-schedule."""
    project = _lock_project(task.project_id)
    task = lock_for_update(Task, task.pk)
    _check_edit(actor, project)
    check_version(task, expected_version)
    parent_id = task.parent_id
    audit_record(
        instance=task,
        action=AuditEntry.Action.DELETE,
        actor=actor,
        changes={
            "name": {"label": str(Task._meta.get_field("name").verbose_name), "old": task.name, "new": ""}
        },
        related=project,
    )
    task.delete()
    _renumber_siblings(project.pk, parent_id)
    project_reschedule(project=project)


@transaction.atomic
def task_set_progress(
    *,
    actor,
    task: Task,
    percent_complete: int | None = None,
    board_status: str | None = None,
    board_position: int | None = None,
    expected_version: int | None = None,
) -> Task:
    """The contributor's path: progress and board status (a card move) of a task assigned to them
    (schedule editors too). Keeps "done" ⇔ 100 % and re-schedules (progress rolls up)."""
    data: dict[str, Any] = {}
    if percent_complete is not None:
        data["percent_complete"] = percent_complete
    if board_status is not None:
        data["board_status"] = board_status
    if board_position is not None:
        data["board_position"] = board_position
    return task_update(actor=actor, task=task, data=data, expected_version=expected_version)


# -- links ---------------------------------------------------------------------------------------------


def _check_link_tasks(predecessor: Task, successor: Task, project: Project) -> None:
    if predecessor.project_id != project.pk or successor.project_id != project.pk:
        raise ScheduleError(
            _("%(a)s and %(b)s belong to different projects: they cannot be linked.")
            % {"a": _quote(predecessor.name), "b": _quote(successor.name)},
            code="cross_project_link",
            task_ids=[predecessor.pk, successor.pk],
        )
    if predecessor.pk == successor.pk:
        raise ScheduleError(
            _("%(task)s cannot depend on itself.") % {"task": _quote(predecessor.name)},
            code="self_link",
            task_ids=[predecessor.pk],
        )


@transaction.atomic
def link_create(
    *,
    actor,
    predecessor: Task,
    successor: Task,
    type: str = "FS",
    lag: int = 0,
    project: Project | None = None,
) -> TaskLink:
    """Link two tasks of one project; refused (naming the tasks) for a self-link, a link across projects,
    a duplicate, or a link the scheduler cannot honour (cycle, FF/SF onto a summary, …)."""
    project = _lock_project(project if project is not None else predecessor.project_id)
    _check_edit(actor, project)
    predecessor = Task.objects.filter(pk=predecessor.pk).first() or predecessor
    successor = Task.objects.filter(pk=successor.pk).first() or successor
    _check_link_tasks(predecessor, successor, project)
    if TaskLink.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ScheduleError(
            _("%(a)s is already linked to %(b)s.")
            % {"a": _quote(predecessor.name), "b": _quote(successor.name)},
            code="duplicate_link",
            task_ids=[predecessor.pk, successor.pk],
        )
    link = TaskLink(project=project, predecessor=predecessor, successor=successor, type=type, lag=lag)
    with audited(link, actor, LINK_AUDITED_FIELDS):
        _full_clean(link, exclude=("project", "predecessor", "successor"))
        save_versioned(link)
    project_reschedule(project=project)
    return link


@transaction.atomic
def link_update(
    *, actor, link: TaskLink, data: Mapping[str, Any], expected_version: int | None = None
) -> TaskLink:
    """Change a link's type and/or lag."""
    project = _lock_project(link.project_id)
    link = lock_for_update(
        TaskLink, link.pk, queryset=TaskLink.objects.select_related("predecessor", "successor")
    )
    _check_edit(actor, project)
    check_version(link, expected_version)
    unknown = set(data) - {"type", "lag"}
    if unknown:
        raise DomainValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    with audited(link, actor, LINK_AUDITED_FIELDS) as audit:
        for name, value in data.items():
            setattr(link, name, value)
        _full_clean(link, exclude=("project", "predecessor", "successor"))
        if audit.changed():
            save_versioned(link)
    project_reschedule(project=project)
    return link


@transaction.atomic
def link_delete(*, actor, link: TaskLink, expected_version: int | None = None) -> None:
    project = _lock_project(link.project_id)
    link = lock_for_update(TaskLink, link.pk)
    _check_edit(actor, project)
    check_version(link, expected_version)
    audit_record(
        instance=link,
        action=AuditEntry.Action.DELETE,
        actor=actor,
        changes={
            "type": {"label": str(TaskLink._meta.get_field("type").verbose_name), "old": link.type, "new": ""}
        },
        related=project,
    )
    link.delete()
    project_reschedule(project=project)


# -- calendar exceptions -------------------------------------------------------------------------------


def _reschedule_after_calendar_change(project_id: int | None) -> None:
    if project_id is not None:
        project_reschedule(project=_lock_project(project_id))
        return
    # An organisation-wide closure moves every schedule.
    for pk in (
        Project.objects.filter(tasks__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)
    ):
        project_reschedule(project=_lock_project(pk))


def _check_calendar(actor, project: Project | None) -> None:
    if actor is not None and not perms.can_manage_calendar(actor, project):
        raise DomainPermissionError(_("You may not change this calendar."))


@transaction.atomic
def calendar_exception_create(
    *, actor, name: str, start: date, end: date, project: Project | None = None
) -> CalendarException:
    """Closed days from `start` to `end` for `project` (None: the whole organisation); re-schedules."""
    _check_calendar(actor, project)
    exception = CalendarException(project=project, name=(name or "").strip(), start=start, end=end)
    with audited(exception, actor, EXCEPTION_AUDITED_FIELDS):
        _validate_exception(exception)
        save_versioned(exception)
    _reschedule_after_calendar_change(exception.project_id)
    return exception


def _validate_exception(exception: CalendarException) -> None:
    _full_clean(exception, exclude=("project",))
    if exception.end < exception.start:
        raise DomainValidationError(field_errors={"end": [_("The last closed day is before the first.")]})
    if (exception.end - exception.start).days > 366:
        raise DomainValidationError(field_errors={"end": [_("A closure lasts at most a year.")]})


@transaction.atomic
def calendar_exception_update(
    *, actor, exception: CalendarException, data: Mapping[str, Any], expected_version: int | None = None
) -> CalendarException:
    exception = lock_for_update(CalendarException, exception.pk)
    _check_calendar(actor, exception.project)
    check_version(exception, expected_version)
    unknown = set(data) - {"name", "start", "end"}
    if unknown:
        raise DomainValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    with audited(exception, actor, EXCEPTION_AUDITED_FIELDS) as audit:
        for name, value in data.items():
            setattr(exception, name, value.strip() if isinstance(value, str) else value)
        _validate_exception(exception)
        if audit.changed():
            save_versioned(exception)
    _reschedule_after_calendar_change(exception.project_id)
    return exception


@transaction.atomic
def calendar_exception_delete(
    *, actor, exception: CalendarException, expected_version: int | None = None
) -> None:
    exception = lock_for_update(CalendarException, exception.pk)
    _check_calendar(actor, exception.project)
    check_version(exception, expected_version)
    project_id = exception.project_id
    audit_record(
        instance=exception,
        action=AuditEntry.Action.DELETE,
        actor=actor,
        changes={
            "name": {
                "label": str(CalendarException._meta.get_field("name").verbose_name),
                "old": exception.name,
                "new": "",
            }
        },
    )
    exception.delete()
    _reschedule_after_calendar_change(project_id)


# -- bulk replace (MS Project import, demo) --------------------------------------------------------------


@transaction.atomic
def schedule_replace(
    *,
    project: Project,
    tasks: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    actor,
    calendar_exceptions: Sequence[Mapping[str, Any]] | None = None,
) -> dict[Any, Task]:
    """Replace the project's whole schedule in one go; one audit INSERT, one re-schedule at the end.

    `tasks`: dicts, parents before their children, each with a "key" (any hashable, e.g. the MSPDI UID),
    "parent" (a key or None), "name" and any of: notes, mode, duration, start, finish (kept for manual
    tasks), percent_complete, milestone, constraint_type, constraint_date, deadline, assignee (a user),
    assignee_name, estimate_days, board_status, external_uid. Siblings keep the order given.
    `links`: dicts with "predecessor" and "successor" (task keys), "type" (FS/SS/FF/SF), "lag" (working days).
    `calendar_exceptions`: None keeps the project's closures; a list of dicts (name, start, end)
    replaces them.
    Returns {key: Task}. Raises DomainValidationError / ScheduleError and writes nothing when refused.
    """
    project = _lock_project(project)
    _check_edit(actor, project)
    Task.objects.filter(project_id=project.pk).delete()  # links and children go with them
    if calendar_exceptions is not None:
        CalendarException.objects.filter(project_id=project.pk).delete()
        CalendarException.objects.bulk_create(
            [
                CalendarException(
                    project=project, name=str(e.get("name") or "")[:200], start=e["start"], end=e["end"]
                )
                for e in calendar_exceptions
            ]
        )
    created: dict[Any, Task] = {}
    position: dict[Any, int] = defaultdict(int)
    board: dict[str, int] = defaultdict(int)
    by_depth: list[list[tuple[Mapping[str, Any], Task]]] = []
    depth_of: dict[Any, int] = {}
    for spec in tasks:
        key = spec["key"]
        if key in depth_of:
            raise DomainValidationError(_("Two tasks share the key %(key)s.") % {"key": key})
        parent_key = spec.get("parent")
        if parent_key is not None and parent_key not in depth_of:
            raise DomainValidationError(
                _("The task %(task)s comes before its parent.") % {"task": _quote(str(spec.get("name")))}
            )
        depth = 0 if parent_key is None else depth_of[parent_key] + 1
        depth_of[key] = depth
        milestone = bool(spec.get("milestone"))
        status = spec.get("board_status") or (
            BoardStatus.DONE if spec.get("percent_complete") == 100 else BoardStatus.TODO
        )
        task = Task(
            project=project,
            position=position[parent_key],
            name=str(spec.get("name") or "")[:255] or "—",
            notes=spec.get("notes") or "",
            mode=spec.get("mode") or TaskMode.AUTO,
            duration=0 if milestone else max(0, int(spec.get("duration") or 0)),
            start=spec.get("start"),
            finish=spec.get("finish"),
            percent_complete=100 if status == BoardStatus.DONE else int(spec.get("percent_complete") or 0),
            milestone=milestone,
            constraint_type=spec.get("constraint_type") or "",
            constraint_date=spec.get("constraint_date") if spec.get("constraint_type") else None,
            deadline=spec.get("deadline"),
            assignee=spec.get("assignee"),
            assignee_name=(spec.get("assignee_name") or "")[:200],
            estimate_days=spec.get("estimate_days"),
            board_status=status,
            board_position=board[status],
            external_uid=str(spec.get("external_uid") or "")[:64],
        )
        if task.start and task.finish and task.finish < task.start:
            task.finish = task.start
        position[parent_key] += 1
        board[status] += 1
        _full_clean(task, exclude=("project", "parent"))
        while len(by_depth) <= depth:
            by_depth.append([])
        by_depth[depth].append((spec, task))
        created[key] = task
    for level in by_depth:  # parents are saved before their children (one INSERT per level)
        for spec, task in level:
            parent_key = spec.get("parent")
            task.parent = created[parent_key] if parent_key is not None else None
        Task.objects.bulk_create([task for _spec, task in level], batch_size=1000)
    new_links = []
    seen = set()
    for spec in links:
        predecessor = created.get(spec["predecessor"])
        successor = created.get(spec["successor"])
        if predecessor is None or successor is None:
            raise DomainValidationError(_("A dependency names a task that is not in the file."))
        _check_link_tasks(predecessor, successor, project)
        pair = (predecessor.pk, successor.pk)
        if pair in seen:
            continue
        seen.add(pair)
        link = TaskLink(
            project=project,
            predecessor=predecessor,
            successor=successor,
            type=spec.get("type") or "FS",
            lag=int(spec.get("lag") or 0),
        )
        _full_clean(link, exclude=("project", "predecessor", "successor"))
        new_links.append(link)
    TaskLink.objects.bulk_create(new_links, batch_size=1000)
    project_reschedule(project=project)
    audit_record_bulk(
        actor=actor,
        records=[
            AuditRecord(
                instance=task,
                action=AuditEntry.Action.CREATE,
                changes={
                    "name": {
                        "label": str(Task._meta.get_field("name").verbose_name),
                        "old": "",
                        "new": task.name,
                    }
                },
                related=project,
            )
            for task in created.values()
        ],
    )
    return created
