"""Writes to the portfolio. Each service is one transaction that validates, saves and audits."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portfolio import permissions
from portfolio.models import Objective, PortfolioSnapshot, Project, ProjectStatusChange, StrategicAxis, Tag
from portfolio.rules import ProjectFacts, ProjectStatus, TransitionError, resolve_transition
from ppm.audit import audit_diff, audit_record, audit_snapshot
from ppm.models import AuditEntry

AUDITED_FIELDS = (
    "code",
    "name",
    "description",
    "directorate",
    "manager",
    "planned_start",
    "planned_end",
    "priority",
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
)


class ConflictError(Exception):
    """The object changed since the caller read it (stale version)."""

    def __init__(self, current_version: int):
        super().__init__(_("This project was changed by someone else in the meantime."))
        self.current_version = current_version


def _tags_from_names(names: Iterable[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = raw.strip()[:50]
        if name:
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
    )


def _check_plan_still_valid(project: Project) -> None:
    """Edits must not break what the current status guarantees (e.g. approved needs a manager)."""
    try:
        if project.status not in (ProjectStatus.DEMAND, ProjectStatus.FRAMING, ProjectStatus.CANCELLED):
            from portfolio.rules import check_guards

            check_guards(_facts(project), ProjectStatus(project.status))
    except TransitionError as error:
        raise ValidationError(str(error)) from error


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
        status=ProjectStatus.DEMAND,
    )
    project.full_clean()
    project.save()
    project.objectives.set(list(objectives))
    project.tags.set(_tags_from_names(tags))
    ProjectStatusChange.objects.create(
        project=project, source="", target=ProjectStatus.DEMAND, action="create", actor=actor
    )
    after = audit_snapshot(project, AUDITED_FIELDS)
    audit_record(
        instance=project,
        action=AuditEntry.Action.CREATE,
        actor=actor,
        changes=audit_diff({}, after),
    )
    return project


@transaction.atomic
def project_update(
    *, actor, project: Project, data: dict[str, Any], expected_version: int | None = None
) -> Project:
    """Apply `data` (any of EDITABLE_FIELDS, plus `objectives` and `tags`) to `project`.

    With `expected_version`, refuse with ConflictError when the stored project is newer.
    Records one audit entry listing every changed field; does nothing when nothing changed.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not permissions.can_edit_project(actor, project):
        raise PermissionDenied(_("You may not edit this project."))
    if expected_version is not None and project.version != expected_version:
        raise ConflictError(project.version)
    permissions.check_project_fields(actor, project, data)  # field level: 403 naming refused fields
    unknown = set(data) - set(EDITABLE_FIELDS) - {"objectives", "tags"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = audit_snapshot(project, AUDITED_FIELDS)
    for field, value in data.items():
        if field in EDITABLE_FIELDS:
            setattr(
                project,
                field,
                value.strip() if isinstance(value, str) and field in ("code", "name") else value,
            )
    project.full_clean()
    _check_plan_still_valid(project)
    if "objectives" in data:
        project.objectives.set(list(data["objectives"]))
    if "tags" in data:
        project.tags.set(_tags_from_names(data["tags"]))
    changes = audit_diff(before, audit_snapshot(project, AUDITED_FIELDS))
    if changes:
        project.version += 1
        project.save()
        audit_record(instance=project, action=AuditEntry.Action.UPDATE, actor=actor, changes=changes)
    return project


@transaction.atomic
def project_transition(
    *, actor, project: Project, action: str, comment: str = "", expected_version: int | None = None
) -> Project:
    """Move `project` through its lifecycle; TransitionError explains a refused move."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not permissions.can_transition_project(actor, project):
        raise PermissionDenied(_("You may not change the status of this project."))
    if expected_version is not None and project.version != expected_version:
        raise ConflictError(project.version)
    source = ProjectStatus(project.status)
    target = resolve_transition(_facts(project), action)
    project.status_before_hold = source if target == ProjectStatus.ON_HOLD else ""
    project.status = target
    project.version += 1
    project.save()
    ProjectStatusChange.objects.create(
        project=project, source=source, target=target, action=action, comment=comment[:2000], actor=actor
    )
    audit_record(
        instance=project,
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        changes={
            "status": {
                "label": str(Project._meta.get_field("status").verbose_name),
                "old": str(source.label),
                "new": str(target.label),
                "old_raw": str(source),
                "new_raw": str(target),
            }
        },
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
    creating = instance.pk is None
    if not creating:
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = {} if creating else audit_snapshot(instance, fields)
    for field in fields:
        if field in data:
            value = data[field]
            setattr(
                instance, field, value.strip() if isinstance(value, str) and field != "description" else value
            )
    instance.full_clean()
    changes = audit_diff(before, audit_snapshot(instance, fields))
    if creating or changes:
        instance.save()
        action = AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE
        audit_record(instance=instance, action=action, actor=actor, changes=changes)
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
