"""The portfolio's part of the demonstration data (`manage.py load_demo`, see ppm/demo.py).

The roadmap of portfolio/demo_data.py on the core's demo directorates and users. Idempotent and
deterministic: every object is looked up by its code first and only what is missing is created, so a
second run changes nothing. Axes, objectives and projects are written through the portfolio services
(`axis_create`, `objective_create`, `project_create`, then `project_transition` along each project's
lifecycle) by the demo project office account, so their lifecycle history and audit trail are real.

Snapshots: the one for today is a real `portfolio_snapshot_take`. The ~60 before it are
synthetic (the demo has no past): they are derived from today's statuses by undoing, day after
day going back, a few recorded status changes chosen with a seeded random generator.
"""

import calendar
import random
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from portfolio import demo_data
from portfolio.models import Objective, PortfolioSnapshot, Project, ProjectStatusChange, StrategicAxis
from portfolio.rules import ProjectStatus
from portfolio.services import (
    axis_create,
    objective_create,
    portfolio_snapshot_take,
    project_create,
    project_transition,
)
from ppm.audit import audit_entries_for
from ppm.demo import DEMO_PROJECT_OFFICE, demo_directorates, demo_users
from ppm.models import AuditEntry

KINDS = {
    "projects": ngettext_lazy("%(count)d project", "%(count)d projects", "count"),
    "axes": ngettext_lazy("%(count)d strategic axis", "%(count)d strategic axes", "count"),
    "objectives": ngettext_lazy("%(count)d objective", "%(count)d objectives", "count"),
    "snapshots": ngettext_lazy("%(count)d portfolio snapshot", "%(count)d portfolio snapshots", "count"),
}

# Actions the project office performs; the others are the project manager's (when there is one).
PROJECT_OFFICE_ACTIONS = frozenset({"start_framing", "approve", "cancel"})


def _month_start(value: str | None) -> date | None:
    if value is None:
        return None
    year, month = (int(part) for part in value.split("-"))
    return date(year, month, 1)


def _month_end(value: str | None) -> date | None:
    if value is None:
        return None
    year, month = (int(part) for part in value.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def _objectives(created: Counter, actor) -> dict:
    axes = {
        axis.code: axis for axis in StrategicAxis.objects.filter(code__in=[a[0] for a in demo_data.DEMO_AXES])
    }
    for order, (code, name, description) in enumerate(demo_data.DEMO_AXES, start=1):
        if code not in axes:
            axes[code] = axis_create(
                actor=actor, data={"code": code, "name": name, "description": description, "order": order}
            )
            created["axes"] += 1
    objectives = {
        objective.code: objective
        for objective in Objective.objects.filter(code__in=[o[0] for o in demo_data.DEMO_OBJECTIVES])
    }
    for order, (code, axis_code, name, description) in enumerate(demo_data.DEMO_OBJECTIVES, start=1):
        if code not in objectives:
            objectives[code] = objective_create(
                actor=actor,
                data={
                    "axis": axes[axis_code],
                    "code": code,
                    "name": name,
                    "description": description,
                    "order": order,
                },
            )
            created["objectives"] += 1
    return objectives


def _projects(created: Counter, directorates: dict, objectives: dict, users: dict, today: date) -> None:
    project_office = users[DEMO_PROJECT_OFFICE]
    existing = set(
        Project.objects.filter(code__in=[spec.code for spec in demo_data.DEMO_PROJECTS]).values_list(
            "code", flat=True
        )
    )
    for spec in demo_data.DEMO_PROJECTS:
        if spec.code in existing:
            continue
        manager = users[spec.manager] if spec.manager else None
        project = project_create(
            actor=project_office,
            code=spec.code,
            name=spec.name,
            directorate=directorates[spec.directorate],
            description=spec.description,
            manager=manager,
            planned_start=_month_start(spec.start),
            planned_end=_month_end(spec.end),
            priority=spec.priority,
            objectives=[objectives[code] for code in spec.objectives],
            tags=spec.tags,
        )
        for step, action in enumerate(spec.lifecycle, start=1):
            is_last = step == len(spec.lifecycle)
            actor = project_office if action in PROJECT_OFFICE_ACTIONS or manager is None else manager
            project = project_transition(
                actor=actor,
                project=project,
                action=action,
                comment=spec.note if is_last and spec.note else demo_data.DEMO_ACTION_COMMENTS[action],
            )
        if project.status != spec.status:
            # A mistake in demo_data.py, for its maintainers: not translated.
            raise CommandError(f"Demo data error: {spec.code} ends in {project.status}, not {spec.status}.")
        _backdate_history(project, today=today)
        created["projects"] += 1


def _backdate_history(project: Project, *, today: date) -> None:
    """Spread the project's creation and status changes over plausible past dates.

    The services stamp everything with the load time; a demo whose whole history happened in the
    same second reads wrong on the project page and sheet. Deterministic: derived from the
    project's own dates and pk.
    """
    changes = list(ProjectStatusChange.objects.filter(project=project).order_by("at", "pk"))
    entries = list(audit_entries_for(project).order_by("at", "pk"))
    start = project.planned_start or today - timedelta(days=120)
    first = min(start - timedelta(days=150), today - timedelta(days=60 + len(changes)))
    last = today - timedelta(days=2 + project.pk % 20)
    # The last move happened when the plan says: started on the planned start, closed at the end.
    if project.status == ProjectStatus.IN_PROGRESS and project.planned_start:
        last = min(last, project.planned_start)
    elif project.status == ProjectStatus.CLOSED and project.planned_end:
        last = min(last, project.planned_end)
    last = max(last, first + timedelta(days=len(changes)))
    step = (last - first) / max(len(changes) - 1, 1)
    paris = timezone.get_current_timezone()
    moments = [
        datetime.combine(first + step * index, time(9 + (project.pk + index) % 8, 15 * (index % 4)), paris)
        for index in range(len(changes))
    ]
    for change, moment in zip(changes, moments, strict=True):
        ProjectStatusChange.objects.filter(pk=change.pk).update(at=moment)
    # One audit entry per status change: the creation, then each transition, in the same order.
    for entry, moment in zip(entries, moments, strict=False):
        AuditEntry.objects.filter(pk=entry.pk).update(at=moment)
    Project.objects.filter(pk=project.pk).update(created_at=moments[0], updated_at=moments[-1])


def synthetic_history(*, today: date, days: int, seed: int) -> list[tuple[date, dict]]:
    """Counts for the `days` days before `today`, oldest first, rewound from the recorded history.

    Each project's statuses are read from its lifecycle history; going back one day at a time, a
    few projects (chosen with `random.Random(seed)`) lose their latest status change, and a project
    that loses its creation did not exist yet. Same data, same seed: same history.
    """
    rng = random.Random(seed)
    projects = list(Project.objects.order_by("code").prefetch_related("objectives"))
    statuses: dict[int, list[str]] = {project.pk: [] for project in projects}
    for project_id, target in ProjectStatusChange.objects.order_by("at", "pk").values_list(
        "project_id", "target"
    ):
        statuses[project_id].append(target)
    for project in projects:
        # A project whose history was not recorded still existed, in its current status.
        if not statuses[project.pk] or statuses[project.pk][-1] != project.status:
            statuses[project.pk].append(project.status)
    objective_codes = list(Objective.objects.order_by("code").values_list("code", flat=True))
    project_objectives = {
        project.pk: [objective.code for objective in project.objectives.all()] for project in projects
    }

    history = []
    for back in range(1, days + 1):
        for _step in range(rng.choice((0, 0, 1, 1, 1, 2))):
            candidates = [project.pk for project in projects if statuses[project.pk]]
            if candidates:
                statuses[rng.choice(candidates)].pop()
        alive = [pk for pk, trail in statuses.items() if trail]
        by_status = Counter(statuses[pk][-1] for pk in alive)
        by_objective = Counter(code for pk in alive for code in project_objectives[pk])
        history.append(
            (
                today - timedelta(days=back),
                {
                    "total": len(alive),
                    "by_status": {status: by_status.get(status, 0) for status in ProjectStatus.values},
                    "by_objective": {code: by_objective.get(code, 0) for code in objective_codes},
                },
            )
        )
    history.reverse()
    return history


def _snapshots(created: Counter, today: date) -> None:
    portfolio_snapshot_take(day=today)
    created["snapshots"] += 1
    history = synthetic_history(today=today, days=demo_data.DEMO_SNAPSHOT_DAYS, seed=demo_data.DEMO_SEED)
    for day, counts in history:
        # A real snapshot of that day, if there is one, is worth more than a synthetic one.
        _snapshot, was_created = PortfolioSnapshot.objects.get_or_create(day=day, defaults=counts)
        created["snapshots"] += was_created


def holds_data() -> bool:
    """The database already holds a portfolio: `load_demo --if-empty` leaves it alone."""
    return Project.objects.exists()


def load(*, today: date) -> Counter:
    """Create whatever part of the demo portfolio is missing; return what was created, by kind.

    Runs after the core's demo data (ppm/demo.py: directorates and users), inside load_demo's
    transaction."""
    created: Counter = Counter()
    directorates = demo_directorates()
    users = demo_users()
    objectives = _objectives(created, users[DEMO_PROJECT_OFFICE])
    _projects(created, directorates, objectives, users, today)
    # Issue #6: a schedule (WBS, dependencies) for every framing/approved/in-progress/closed project.
    from portfolio.scheduling.demo import load_demo_schedules

    load_demo_schedules(today=today, actor=users[DEMO_PROJECT_OFFICE], created=created)
    if created["projects"]:
        # Only when the portfolio changed: a second run must change nothing, snapshots included.
        _snapshots(created, today)
    return created
