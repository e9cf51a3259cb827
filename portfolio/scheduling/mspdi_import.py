"""MS Project import and export of a project's schedule (services around the pure `mspdi` module).

`schedule_import` is all or nothing: the file is parsed and the whole schedule is checked by the
scheduler *before* anything is written; then, in one transaction, the project's tasks, links and
project calendar exceptions are replaced, every created object is audited with the project as parent
(one bulk insert), and the project is rescheduled once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.models import Project
from portfolio.permissions import can_edit_project
from portfolio.scheduling import engine
from portfolio.scheduling.calendar import WorkingCalendar, french_calendar
from portfolio.scheduling.models import CalendarException, Task, TaskLink
from portfolio.scheduling.mspdi import MspdiError, ParsedSchedule, parse_mspdi, report_lines, write_mspdi
from ppm.audit import AuditRecord, audit_record_bulk
from ppm.exceptions import DomainPermissionError, DomainValidationError

ASSIGNEE_NAME_MAX = 200
EXCEPTION_NAME_MAX = 200
NOTES_MAX = 20_000


@dataclass
class ImportReport:
    """What an import did: counts, the project's forecast, and what was mapped or ignored."""

    project_id: int
    tasks: int
    links: int
    milestones: int
    calendar_exceptions: int
    null_tasks: int
    replaced_tasks: int
    assignees_matched: int
    forecast_start: date | None
    forecast_finish: date | None
    items: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project_id,
            "tasks": self.tasks,
            "links": self.links,
            "milestones": self.milestones,
            "calendar_exceptions": self.calendar_exceptions,
            "null_tasks": self.null_tasks,
            "replaced_tasks": self.replaced_tasks,
            "assignees_matched": self.assignees_matched,
            "forecast_start": self.forecast_start.isoformat() if self.forecast_start else None,
            "forecast_finish": self.forecast_finish.isoformat() if self.forecast_finish else None,
            "report": self.items,
        }


def project_calendar(project: Project, *, extra: list[tuple[date, date]] | None = None) -> WorkingCalendar:
    """The project's working calendar: French holidays (its subdivision), the organisation's and the
    project's closed days (and `extra` ranges, e.g. from a file being imported)."""
    closures = [
        (start, end)
        for start, end in CalendarException.objects.filter(Q(project=None) | Q(project=project)).values_list(
            "start", "end"
        )
    ]
    return french_calendar(subdiv=project.calendar_subdiv or None, extra_closed=closures + list(extra or []))


def _engine_tasks(parsed: ParsedSchedule) -> list[engine.Task]:
    return [
        engine.Task(
            id=task.uid,
            name=task.name,
            duration=task.duration,
            milestone=task.milestone,
            parent_id=task.parent_uid,
            manual_start=task.start if task.manual else None,
            manual_finish=task.finish if task.manual and not task.milestone else None,
            constraint=engine.ConstraintType(task.constraint_type) if task.constraint_type else None,
            constraint_date=task.constraint_date,
            deadline=task.deadline,
            percent_complete=task.percent_complete,
        )
        for task in parsed.tasks
    ]


def _engine_links(parsed: ParsedSchedule) -> list[engine.Link]:
    return [
        engine.Link(link.predecessor_uid, link.successor_uid, engine.LinkType(link.type), link.lag)
        for link in parsed.links
    ]


def _project_start(parsed: ParsedSchedule, project: Project) -> date:
    starts = [t.start for t in parsed.tasks if t.start]
    return parsed.start or (min(starts) if starts else None) or project.planned_start or timezone.localdate()


def _match_users(names: set[str]) -> dict[str, Any]:
    """Assignee names that designate exactly one active user (by username or full name)."""
    if not names:
        return {}
    lowered = {name.lower() for name in names}
    candidates: dict[str, list[Any]] = {}
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
        first, _sep, last = name.partition(" ")
        if last:
            query |= Q(first_name__iexact=first, last_name__iexact=last)
    for user in (
        get_user_model().objects.filter(query, is_active=True).only("username", "first_name", "last_name")
    ):
        for key in {user.username.lower(), f"{user.first_name} {user.last_name}".strip().lower()}:
            if key in lowered:
                candidates.setdefault(key, []).append(user)
    return {key: users[0] for key, users in candidates.items() if len({u.pk for u in users}) == 1}


def schedule_check(*, project: Project, data: bytes) -> tuple[ParsedSchedule, engine.Schedule]:
    """Parse `data` and schedule it on the project's calendar, without writing anything.
    Raises DomainValidationError with the reason (and where) when the file cannot be imported."""
    try:
        parsed = parse_mspdi(data)
    except MspdiError as error:
        raise DomainValidationError(error.message, field_errors={"file": [error.message]}) from None
    calendar = project_calendar(project, extra=[(c.start, c.end) for c in parsed.closures])
    try:
        result = engine.schedule(
            _engine_tasks(parsed),
            _engine_links(parsed),
            calendar=calendar,
            project_start=_project_start(parsed, project),
        )
    except engine.SchedulingError as error:
        message = _("The file's schedule cannot be imported: %(reason)s") % {"reason": error.message}
        raise DomainValidationError(message, field_errors={"file": [message]}) from None
    return parsed, result


@transaction.atomic
def schedule_import(*, project: Project, data: bytes, replace: bool, actor) -> ImportReport:
    """Import an MSPDI file into `project`: all or nothing.

    Refused (DomainValidationError, nothing written) when the file is malformed, unsafe, too large or
    its schedule cannot be computed, or when the project already has tasks and `replace` is False.
    DomainPermissionError unless `actor` may edit the project's schedule.
    """
    if not can_edit_project(actor, project):
        raise DomainPermissionError(
            _("Only the project office, administrators and the project's manager edit its schedule.")
        )
    parsed, result = schedule_check(project=project, data=data)
    project = Project.objects.select_for_update().get(pk=project.pk)
    existing = Task.objects.filter(project=project).count()
    if existing and not replace:
        message = _(
            "This project already has a schedule (%(count)s tasks). Import with “replace” to replace it."
        ) % {"count": existing}
        raise DomainValidationError(message, field_errors={"file": [message]})
    records: list[AuditRecord] = []
    if existing:
        # The project's own history keeps one entry saying the schedule was replaced.
        records.append(
            AuditRecord(
                instance=project,
                action="update",
                changes={"schedule": {"before": f"{existing} tasks", "after": "MS Project import"}},
            )
        )
        TaskLink.objects.filter(project=project).delete()
        Task.objects.filter(project=project).delete()
    CalendarException.objects.filter(project=project).delete()

    users = _match_users({t.assignee_names[0] for t in parsed.tasks if len(t.assignee_names) == 1})
    scheduled = result.tasks
    created: dict[int, Task] = {}
    positions: dict[int | None, int] = {}
    by_level: dict[int, list[Task]] = {}
    for parsed_task in parsed.tasks:
        out = scheduled[parsed_task.uid]
        positions[parsed_task.parent_uid] = positions.get(parsed_task.parent_uid, 0) + 1
        names = ", ".join(parsed_task.assignee_names)[:ASSIGNEE_NAME_MAX]
        user = users.get(names.lower()) if len(parsed_task.assignee_names) == 1 else None
        task = Task(
            project=project,
            position=positions[parsed_task.parent_uid],
            wbs=parsed_task.wbs,
            name=parsed_task.name,
            notes=parsed_task.notes[:NOTES_MAX],
            mode="manual" if parsed_task.manual else "auto",
            duration=out.duration,
            start=out.early_start,
            finish=out.early_finish,
            percent_complete=round(out.percent_complete),
            milestone=out.milestone,
            is_summary=out.summary,
            constraint_type=parsed_task.constraint_type,
            constraint_date=parsed_task.constraint_date,
            deadline=parsed_task.deadline,
            assignee=user,
            assignee_name="" if user else names,
            estimate_days=parsed_task.estimate_days,
            board_status="done"
            if parsed_task.percent_complete >= 100
            else ("in_progress" if parsed_task.percent_complete > 0 else "todo"),
            late_start=out.late_start,
            late_finish=out.late_finish,
            total_float=out.total_float,
            free_float=out.free_float,
            critical=out.critical,
            external_uid=str(parsed_task.uid),
        )
        task._parsed_parent = parsed_task.parent_uid  # type: ignore[attr-defined]
        created[parsed_task.uid] = task
        by_level.setdefault(parsed_task.outline_level, []).append(task)
    # Parents before children: one INSERT per outline level.
    for level in sorted(by_level):
        batch = by_level[level]
        for task in batch:
            parent_uid = task._parsed_parent  # type: ignore[attr-defined]
            task.parent = created[parent_uid] if parent_uid is not None else None
        Task.objects.bulk_create(batch, batch_size=1000)
    links = TaskLink.objects.bulk_create(
        [
            TaskLink(
                project=project,
                predecessor=created[link.predecessor_uid],
                successor=created[link.successor_uid],
                type=link.type,
                lag=link.lag,
            )
            for link in parsed.links
        ],
        batch_size=1000,
    )
    exceptions = CalendarException.objects.bulk_create(
        [
            CalendarException(
                project=project,
                name=(closure.name or _("Closed (MS Project)"))[:EXCEPTION_NAME_MAX],
                start=closure.start,
                end=closure.end,
            )
            for closure in parsed.closures
        ]
    )
    project.forecast_start = result.start
    project.forecast_finish = result.finish
    project.slippage_days = (
        project_calendar(project).working_days_between(project.planned_end, result.finish)
        if project.planned_end and result.finish
        else None
    )
    project.schedule_version = (project.schedule_version or 0) + 1
    project.save(update_fields=["forecast_start", "forecast_finish", "slippage_days", "schedule_version"])
    records += [
        AuditRecord(instance=t, action="create", changes={}, related=project) for t in created.values()
    ]
    records += [AuditRecord(instance=link, action="create", changes={}, related=project) for link in links]
    records += [AuditRecord(instance=e, action="create", changes={}, related=project) for e in exceptions]
    audit_record_bulk(actor=actor, records=records)
    try:  # the schedule services, when present, own the stored outputs: let them recompute them
        from portfolio.scheduling.services import project_reschedule  # noqa: PLC0415
    except ImportError:
        pass
    else:
        project_reschedule(project=project)
        project.refresh_from_db(fields=["forecast_start", "forecast_finish"])
    return ImportReport(
        project_id=project.pk,
        tasks=len(created),
        links=len(links),
        milestones=sum(1 for t in created.values() if t.milestone),
        calendar_exceptions=len(exceptions),
        null_tasks=parsed.null_tasks,
        replaced_tasks=existing,
        assignees_matched=sum(1 for t in created.values() if t.assignee_id),
        forecast_start=project.forecast_start,
        forecast_finish=project.forecast_finish,
        items=report_lines(parsed),
    )


def schedule_export(*, project: Project) -> bytes:
    """The project's schedule as an MSPDI file (tasks in WBS order, links, calendar with holidays
    and the project's closed days)."""
    tasks = list(
        Task.objects.filter(project=project)
        .select_related("assignee")
        .order_by("parent_id", "position", "pk")
    )
    for task in tasks:
        if task.assignee_id and not task.assignee_name:
            task.assignee_name = task.assignee.get_full_name() or task.assignee.get_username()
    links = list(TaskLink.objects.filter(project=project).order_by("pk"))
    closures = [
        (name, start, end)
        for name, start, end in CalendarException.objects.filter(Q(project=None) | Q(project=project))
        .order_by("start", "pk")
        .values_list("name", "start", "end")
    ]
    calendar = french_calendar(subdiv=project.calendar_subdiv or None)
    return write_mspdi(project, tasks, links, calendar, closures=closures)
