"""The audit log: services call these inside their transaction, so a change and its record
commit (or roll back) together."""

from collections.abc import Iterable
from typing import Any, cast

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
    """Display values of the given fields. Choice fields also keep their raw value, so that the
    history can be shown later in the reader's language (see `audit_display_changes`)."""
    result: dict[str, dict[str, str]] = {}
    for name in field_names:
        field = cast(models.Field, instance._meta.get_field(name))
        result[name] = {"label": str(field.verbose_name), "value": _display(instance, field)}
        if field.choices and not field.many_to_many:
            result[name]["raw"] = str(getattr(instance, field.attname))
    return result


def audit_diff(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> dict[str, Any]:
    changes = {}
    for name, new in after.items():
        old = before.get(name, {"value": ""})
        if old["value"] != new["value"] or old.get("raw") != new.get("raw"):
            changes[name] = {"label": new["label"], "old": old["value"], "new": new["value"]}
            if "raw" in new:
                changes[name]["old_raw"] = old.get("raw", "")
                changes[name]["new_raw"] = new["raw"]
    return changes


def audit_display_changes(entry: AuditEntry) -> list[dict[str, str]]:
    """The changes of `entry` with field labels and choice values in the active language.

    Labels and choices are resolved from the model now; what was stored when the change was
    made (in the writer's language) is the fallback for fields that no longer exist.
    """
    model = entry.content_type.model_class()
    rows = []
    for name, change in (entry.changes or {}).items():
        if not isinstance(change, dict):
            continue
        label, old, new = change.get("label", name), change.get("old", ""), change.get("new", "")
        try:
            field = cast(models.Field, model._meta.get_field(name)) if model else None
        except Exception:  # noqa: BLE001 - a field removed since: keep the stored label
            field = None
        if field is not None:
            label = str(getattr(field, "verbose_name", label))
            choices = {str(key): str(value) for key, value in (field.flatchoices or [])}
            if choices and "new_raw" in change:
                old = choices.get(change.get("old_raw", ""), old)
                new = choices.get(change["new_raw"], new)
        rows.append({"field": name, "label": label, "old": old, "new": new})
    return rows


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
        .select_related("actor", "content_type")
        .order_by("-at", "-pk")
    )
