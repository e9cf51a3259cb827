"""Writes to the portfolio. Each service is one transaction that validates, saves and audits."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portfolio import permissions, rules
from portfolio.models import Objective, PortfolioSnapshot, Project, ProjectStatusChange, StrategicAxis, Tag
from portfolio.rules import ProjectFacts, ProjectStatus
from ppm.audit import audited
from ppm.exceptions import DomainValidationError, IllegalTransitionError
from ppm.models import AuditEntry
from ppm.roles import can_manage_projects
from ppm.versioning import check_version, lock_for_update, save_versioned

AUDITED_FIELDS = (
    "code",
    "name",
    "description",
    "directorate",
    "manager",
    "planned_start",
    "planned_end",
    "priority",
    "calendar_subdiv",
    "status",
    "objectives",
    "tags",
)
EDITABLE_FIELDS = (
    "code",
    "name",
    "description",
    "directorate",
    "manager",
    "planned_start",
    "planned_end",
    "priority",
    "calendar_subdiv",
)


def _tags_from_names(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in rules.clean_tag_names(names):
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


def _facts(project: Project) -> ProjectFacts:
    return ProjectFacts(
        status=project.status,
        has_manager=project.manager_id is not None,
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        status_before_hold=project.status_before_hold or None,
        status_before_end=project.status_before_end or None,
    )


def _manager_error(project: Project, previous_manager_id: int | None) -> str | None:
    """A newly named manager must be an active user whose role manages projects (a reader, a committee
    member or a contributor cannot be made responsible for a project). A manager named before this rule
    existed stays until someone changes it."""
    if project.manager_id is None or project.manager_id == previous_manager_id:
        return None
    if can_manage_projects(project.manager):
        return None
    return _(
        "%(user)s cannot manage projects: choose a project manager, the project office or an administrator."
    ) % {"user": project.manager}


def _validate(project: Project, *, previous_manager_id: int | None = None) -> None:
    """full_clean plus the date rules, reported on their fields (DomainValidationError)."""
    errors: dict[str, list[str]] = {}
    manager_error = _manager_error(project, previous_manager_id)
    if manager_error:
        errors["manager"] = [manager_error]
    try:
        project.full_clean()
    except ValidationError as error:
        errors = {field: list(messages) for field, messages in error.message_dict.items()}
    # The rule's message replaces the model validators' own wording for the same date.
    errors.update(
        {
            field: [message]
            for field, message in rules.plan_errors(project.planned_start, project.planned_end).items()
        }
    )
    if errors:
        raise DomainValidationError(field_errors=errors)


def _check_plan_still_valid(project: Project) -> None:
    """Edits must not break what the current status guarantees (e.g. approved needs a manager)."""
    try:
        rules.check_guards(_facts(project), project.status)
    except IllegalTransitionError as error:
        raise DomainValidationError(str(error)) from error


@transaction.atomic
def project_create(
    *,
    actor,
    code: str,
    name: str,
    directorate,
    description: str = "",
    manager=None,
    planned_start: date | None = None,
    planned_end: date | None = None,
    priority: int = 3,
    calendar_subdiv: str = "",
    objectives: Iterable[Objective] = (),
    tags: Iterable[str] = (),
) -> Project:
    """Create a project in the `demand` status, record its creation and first status."""
    if not permissions.can_create_project(actor):
        raise PermissionDenied(_("You may not create projects."))
    project = Project(
        code=code.strip(),
        name=name.strip(),
        description=description,
        directorate=directorate,
        manager=manager,
        planned_start=planned_start,
        planned_end=planned_end,
        priority=priority,
        calendar_subdiv=calendar_subdiv,
        status=ProjectStatus.DEMAND,
    )
    with audited(project, actor, AUDITED_FIELDS):
        _validate(project)
        tag_objects = _tags_from_names(tags)
        project.save()
        project.objectives.set(list(objectives))
        project.tags.set(tag_objects)
        ProjectStatusChange.objects.create(
            project=project, source="", target=ProjectStatus.DEMAND, action="create", actor=actor
        )
    return project


@transaction.atomic
def project_update(
    *, actor, project: Project, data: dict[str, Any], expected_version: int | None = None
) -> Project:
    """Apply `data` (any of EDITABLE_FIELDS, plus `objectives` and `tags`) to `project`.

    With `expected_version`, refuse with StaleVersionError when the stored project is newer.
    Records one audit entry listing every changed field; does nothing when nothing changed.
    """
    project = lock_for_update(Project, project.pk)
    if not permissions.can_edit_project(actor, project):
        raise PermissionDenied(_("You may not edit this project."))
    check_version(project, expected_version)
    permissions.check_project_fields(actor, project, data)  # field level: 403 naming refused fields
    unknown = set(data) - set(EDITABLE_FIELDS) - {"objectives", "tags"}
    if unknown:
        raise DomainValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    previous_manager_id = project.manager_id
    with audited(project, actor, AUDITED_FIELDS) as audit:
        for field, value in data.items():
            if field in EDITABLE_FIELDS:
                setattr(
                    project,
                    field,
                    value.strip() if isinstance(value, str) and field in ("code", "name") else value,
                )
        _validate(project, previous_manager_id=previous_manager_id)
        _check_plan_still_valid(project)
        if "objectives" in data:
            project.objectives.set(list(data["objectives"]))
        if "tags" in data:
            project.tags.set(_tags_from_names(data["tags"]))
        if audit.changed():
            save_versioned(project)
    if {"planned_start", "planned_end", "calendar_subdiv"} & set(data) and project.tasks.exists():
        # The schedule starts at the planned start and its slippage is measured against the planned end;
        # the public holidays of its region change its working days.
        from portfolio.scheduling.services import project_reschedule

        project_reschedule(project=project)
    return project


@transaction.atomic
def project_transition(
    *, actor, project: Project, action: str, comment: str = "", expected_version: int | None = None
) -> Project:
    """Move `project` through its lifecycle; IllegalTransitionError explains a refused move.

    Reopening (project office only) needs a `comment` giving the reason.
    """
    project = lock_for_update(Project, project.pk)
    if not permissions.can_transition_project(actor, project):
        raise PermissionDenied(_("You may not change the status of this project."))
    check_version(project, expected_version)
    comment = (comment or "").replace("\x00", "").strip()[: rules.COMMENT_MAX_LENGTH]
    source = ProjectStatus(project.status)
    target = rules.resolve_transition(_facts(project), action, actor=actor, comment=comment)
    with audited(project, actor, ("status",), action=AuditEntry.Action.TRANSITION):
        if target in rules.TERMINAL_STATUSES:
            # Where reopening will lead: the last active status (the one before a hold, if on hold).
            before = project.status_before_hold if source == ProjectStatus.ON_HOLD else source
            project.status_before_end = before if before in rules.ACTIVE_STATUSES else ""
        elif source in rules.TERMINAL_STATUSES:
            project.status_before_end = ""
        project.status_before_hold = source if target == ProjectStatus.ON_HOLD else ""
        project.status = target
        save_versioned(project)
        ProjectStatusChange.objects.create(
            project=project, source=source, target=target, action=action, comment=comment, actor=actor
        )
    return project


@transaction.atomic
def portfolio_snapshot_take(*, day: date) -> PortfolioSnapshot:
    """Store today's counts by status and objective; taking it twice the same day overwrites."""
    from portfolio.selectors import portfolio_counts

    counts = portfolio_counts()
    snapshot, _created = PortfolioSnapshot.objects.update_or_create(
        day=day,
        defaults={
            "total": counts["total"],
            "by_status": counts["by_status"],
            "by_objective": counts["by_objective"],
        },
    )
    return snapshot


# Reference data: strategic axes, objectives and tags (project office and administrators only).
AXIS_FIELDS = ("code", "name", "description", "order")
OBJECTIVE_FIELDS = ("axis", "code", "name", "description", "order")
TAG_FIELDS = ("name",)


def _reference_save(*, actor, instance, fields: tuple[str, ...], data: dict[str, Any]):
    """Validate and save a reference object with the given field values, and audit the change."""
    if not permissions.can_manage_reference_data(actor):
        raise PermissionDenied(_("Only the project office and administrators manage reference data."))
    if instance.pk is not None:
        instance = lock_for_update(type(instance), instance.pk)
    with audited(instance, actor, fields) as audit:
        for field in fields:
            if field in data:
                value = data[field]
                setattr(
                    instance,
                    field,
                    value.strip() if isinstance(value, str) and field != "description" else value,
                )
        instance.full_clean()
        if audit.changed():
            instance.save()
    return instance


@transaction.atomic
def axis_create(*, actor, data: dict[str, Any]) -> StrategicAxis:
    """Create a strategic axis from `data` (AXIS_FIELDS); audited."""
    return _reference_save(actor=actor, instance=StrategicAxis(), fields=AXIS_FIELDS, data=data)


@transaction.atomic
def axis_update(*, actor, axis: StrategicAxis, data: dict[str, Any]) -> StrategicAxis:
    return _reference_save(actor=actor, instance=axis, fields=AXIS_FIELDS, data=data)


@transaction.atomic
def objective_create(*, actor, data: dict[str, Any]) -> Objective:
    """Create a strategic objective from `data` (OBJECTIVE_FIELDS); audited."""
    return _reference_save(actor=actor, instance=Objective(), fields=OBJECTIVE_FIELDS, data=data)


@transaction.atomic
def objective_update(*, actor, objective: Objective, data: dict[str, Any]) -> Objective:
    return _reference_save(actor=actor, instance=objective, fields=OBJECTIVE_FIELDS, data=data)


@transaction.atomic
def tag_create(*, actor, name: str) -> Tag:
    """Create a tag; audited."""
    return _reference_save(actor=actor, instance=Tag(), fields=TAG_FIELDS, data={"name": name})


@transaction.atomic
def tag_update(*, actor, tag: Tag, name: str) -> Tag:
    """Rename a tag; audited."""
    return _reference_save(actor=actor, instance=tag, fields=TAG_FIELDS, data={"name": name})
