"""The audit log: services call these inside their transaction, so a change and its record
commit (or roll back) together."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from ppm.models import AuditEntry


def _display(instance: models.Model, field: models.Field) -> str:
    if field.many_to_many:
        if instance.pk is None:
            return ""
        return ", ".join(sorted(str(obj) for obj in getattr(instance, field.name).all()))
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    value = getattr(instance, field.name)
    if value is None:
        return ""
    return str(value)


def audit_snapshot(instance: models.Model, field_names: Iterable[str]) -> dict[str, dict[str, str]]:
    """Display values of the given fields (labels resolved now, in the active language)."""
    result: dict[str, dict[str, str]] = {}
    for name in field_names:
        field = instance._meta.get_field(name)
        result[name] = {"label": str(field.verbose_name), "value": _display(instance, field)}
    return result


def audit_diff(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> dict[str, Any]:
    changes = {}
    for name, new in after.items():
        old = before.get(name, {"value": ""})
        if old["value"] != new["value"]:
            changes[name] = {"label": new["label"], "old": old["value"], "new": new["value"]}
    return changes


def audit_record(
    *, instance: models.Model, action: str, actor, changes: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        changes=changes or {},
    )


def audit_entries_for(instance: models.Model):
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
            object_id=str(instance.pk),
        )
        .select_related("actor")
        .order_by("-at", "-pk")
    )
