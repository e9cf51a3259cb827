"""MS Project import and export of a project's schedule (services around the pure `mspdi` module).

`schedule_import` is all or nothing: the file is parsed and the whole schedule is checked by the
scheduler *before* anything is written (on the project's calendar with the file's closed days, from
the project's schedule start); then, in one transaction, `services.schedule_replace` replaces the
project's tasks, links and calendar exceptions and reschedules once; tasks (by schedule_replace) and
links (here) are audited with the project as parent, each in one bulk insert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portfolio.models import Project
from portfolio.scheduling import engine
from portfolio.scheduling.models import CalendarException, Task, TaskLink
from portfolio.scheduling.mspdi import MspdiError, ParsedSchedule, parse_mspdi, report_lines, write_mspdi
from portfolio.scheduling.permissions import can_edit_schedule
from portfolio.scheduling.services import (
    base_calendar,
    project_calendar_from,
    project_schedule_start,
    schedule_replace,
)
from ppm.audit import AuditRecord, audit_record, audit_record_bulk
from ppm.exceptions import DomainPermissionError, DomainValidationError
from ppm.versioning import lock_for_update

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
    organisation = CalendarException.objects.filter(project__isnull=True).values_list("start", "end")
    calendar = project_calendar_from(project, [*organisation, *((c.start, c.end) for c in parsed.closures)])
    try:
        result = engine.schedule(
            _engine_tasks(parsed),
            _engine_links(parsed),
            calendar=calendar,
            project_start=project_schedule_start(project),
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
    DomainPermissionError unless `actor` may edit the project's schedule. The schedule is written by
    `services.schedule_replace` (one audit insert, one reschedule from the project's planned start);
    the file's closed days replace the project's calendar exceptions.
    """
    if not can_edit_schedule(actor, project):
        raise DomainPermissionError(
            _("Only the project office, administrators and the project's manager edit its schedule.")
        )
    parsed, _result = schedule_check(project=project, data=data)
    project = lock_for_update(Project, project.pk)
    existing = Task.objects.filter(project=project).count()
    if existing and not replace:
        message = _(
            "This project already has a schedule (%(count)s tasks). Import with “replace” to replace it."
        ) % {"count": existing}
        raise DomainValidationError(message, field_errors={"file": [message]})
    users = _match_users({t.assignee_names[0] for t in parsed.tasks if len(t.assignee_names) == 1})
    specs = []
    for parsed_task in parsed.tasks:
        names = ", ".join(parsed_task.assignee_names)[:ASSIGNEE_NAME_MAX]
        user = users.get(names.lower()) if len(parsed_task.assignee_names) == 1 else None
        percent = parsed_task.percent_complete
        specs.append(
            {
                "key": parsed_task.uid,
                "parent": parsed_task.parent_uid,
                "name": parsed_task.name,
                "notes": parsed_task.notes[:NOTES_MAX],
                "mode": "manual" if parsed_task.manual else "auto",
                "duration": parsed_task.duration,
                "start": parsed_task.start if parsed_task.manual else None,
                "finish": parsed_task.finish if parsed_task.manual else None,
                "percent_complete": percent,
                "milestone": parsed_task.milestone,
                "constraint_type": parsed_task.constraint_type,
                "constraint_date": parsed_task.constraint_date,
                "deadline": parsed_task.deadline,
                "assignee": user,
                "assignee_name": "" if user else names,
                "estimate_days": parsed_task.estimate_days,
                "board_status": "done" if percent >= 100 else ("in_progress" if percent > 0 else "todo"),
                "external_uid": str(parsed_task.uid),
            }
        )
    links = [
        {
            "predecessor": link.predecessor_uid,
            "successor": link.successor_uid,
            "type": link.type,
            "lag": link.lag,
        }
        for link in parsed.links
    ]
    exceptions = [
        {"name": (c.name or _("Closed (MS Project)"))[:EXCEPTION_NAME_MAX], "start": c.start, "end": c.end}
        for c in parsed.closures
    ]
    if existing:
        # The project's own history says the schedule was replaced (the new tasks each get an entry).
        audit_record(
            instance=project,
            action="update",
            actor=actor,
            changes={
                "schedule": {"label": _("schedule"), "old": str(existing), "new": _("MS Project import")}
            },
        )
    created = schedule_replace(
        project=project, tasks=specs, links=links, actor=actor, calendar_exceptions=exceptions
    )
    project.refresh_from_db(fields=["forecast_start", "forecast_finish", "planned_start"])
    # schedule_replace audits the tasks; the dependencies show in the project's history too.
    new_links = list(TaskLink.objects.filter(project=project).select_related("predecessor", "successor"))
    audit_record_bulk(
        actor=actor,
        records=[
            AuditRecord(instance=link, action="create", changes={}, related=project) for link in new_links
        ],
    )
    items = report_lines(parsed)
    start = project_schedule_start(project)
    if parsed.start and parsed.start != start and any(not t.manual for t in parsed.tasks):
        items.append(
            {
                "code": "project_start",
                "message": _(
                    "Automatic tasks are scheduled from the project's planned start (%(ours)s), "
                    "not from the file's start (%(theirs)s)."
                )
                % {"ours": date_format(start), "theirs": date_format(parsed.start)},
                "count": 1,
                "examples": [],
            }
        )
    return ImportReport(
        project_id=project.pk,
        tasks=len(created),
        links=len(new_links),
        milestones=sum(1 for t in created.values() if t.milestone),
        calendar_exceptions=len(exceptions),
        null_tasks=parsed.null_tasks,
        replaced_tasks=existing,
        assignees_matched=sum(1 for t in created.values() if t.assignee_id),
        forecast_start=project.forecast_start,
        forecast_finish=project.forecast_finish,
        items=items,
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
        if task.assignee is not None and not task.assignee_name:
            task.assignee_name = task.assignee.get_full_name() or task.assignee.get_username()
    links = list(TaskLink.objects.filter(project=project).order_by("pk"))
    closures = [
        (name, start, end)
        for name, start, end in CalendarException.objects.filter(Q(project=None) | Q(project=project))
        .order_by("start", "pk")
        .values_list("name", "start", "end")
    ]
    calendar = base_calendar(project.calendar_subdiv)
    return write_mspdi(project, tasks, links, calendar, closures=closures)
