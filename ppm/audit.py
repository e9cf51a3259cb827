"""The audit log: who changed what, when. Services record inside their transaction, so a change and its
record commit (or roll back) together.

How a service records (one way for every app):

    with audited(instance, actor, FIELDS) as audit:
        ... set attributes, validate ...
        if audit.changed():          # optional: skip the write when nothing changed
            instance.save()
            ... m2m changes ...

On leaving the block the fields are snapshotted again and diffed with the snapshot taken on entry:
an instance that had no pk on entry is recorded as a CREATE, one whose fields changed as an UPDATE (or
the ``action`` given, e.g. TRANSITION), and nothing is recorded when nothing changed or the block
raised. Batch operations call ``audit_record_bulk`` (one INSERT for all their records).

Parent objects (the convention): a model whose changes belong in another object's history declares
its parent, either as a class attribute naming a foreign key, ``audit_parent = "project"``, or as a
method ``def audit_parent(self): return self.project``. Every record of such an object carries the
parent as ``related_content_type`` / ``related_object_id`` (``related=`` overrides it), and
``audit_entries_for(project)`` returns the project's own entries and those of its children.
"""

import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language

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
    language = get_language()
    rows = []
    for name, change in (entry.changes or {}).items():
        if not isinstance(change, dict):
            continue
        label, old, new = change.get("label", name), change.get("old", ""), change.get("new", "")
        field = _field_words(model, name, language) if model else None
        if field is not None:
            label, choices = field
            if choices and "new_raw" in change:
                old = choices.get(change.get("old_raw", ""), old)
                new = choices.get(change["new_raw"], new)
        rows.append({"field": name, "label": label, "old": old, "new": new})
    return rows


@lru_cache(maxsize=1024)
def _field_words(model, name: str, language: str | None) -> tuple[str, dict[str, str]] | None:
    """The label and the choice labels ({stored value: label}) of field `name` of `model` in `language`
    (the active one: an argument so that each language has its own entry), None for a field removed
    since. Worked out once per field and language rather than once per change shown."""
    try:
        field = cast(models.Field, model._meta.get_field(name))
    except Exception:  # noqa: BLE001 - a field removed since: keep the stored label
        return None
    label = str(getattr(field, "verbose_name", name))
    return label, {str(key): str(value) for key, value in (field.flatchoices or [])}


def audit_parent(instance: models.Model) -> models.Model | None:
    """The object in whose history `instance`'s changes also appear (see the module's convention)."""
    declared = getattr(type(instance), "audit_parent", None)
    if declared is None:
        return None
    if isinstance(declared, str):
        return getattr(instance, declared)
    return instance.audit_parent()  # type: ignore[attr-defined]


def _actor(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _entry(*, instance, action, actor, changes, related) -> AuditEntry:
    parent = related if related is not None else audit_parent(instance)
    return AuditEntry(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=instance.pk,
        object_repr=str(instance)[:255],
        related_content_type=(
            ContentType.objects.get_for_model(parent, for_concrete_model=True) if parent is not None else None
        ),
        related_object_id=parent.pk if parent is not None else None,
        action=action,
        actor=_actor(actor),
        changes=changes or {},
    )


def audit_record(
    *,
    instance: models.Model,
    action: str,
    actor,
    changes: dict[str, Any] | None = None,
    related: models.Model | None = None,
) -> AuditEntry:
    """Record one entry for `instance` (saved); its parent comes from `related` or the model's convention."""
    entry = _entry(instance=instance, action=action, actor=actor, changes=changes, related=related)
    entry.save()
    return entry


@dataclass(frozen=True)
class AuditRecord:
    """One entry of a batch (audit_record_bulk)."""

    instance: models.Model
    action: str
    changes: dict[str, Any]
    related: models.Model | None = None


def audit_record_bulk(*, actor, records: Iterable[AuditRecord]) -> list[AuditEntry]:
    """Record many entries in one INSERT (batch operations: imports, bulk moves)."""
    entries = [
        _entry(instance=r.instance, action=r.action, actor=actor, changes=r.changes, related=r.related)
        for r in records
    ]
    return AuditEntry.objects.bulk_create(entries)


class AuditScope:
    """What `audited` yields: the snapshot taken on entry, and the entry recorded on exit."""

    def __init__(self, instance: models.Model, fields: tuple[str, ...], action: str | None):
        self.instance = instance
        self.fields = fields
        self.action = action
        self.creating = instance.pk is None or instance._state.adding
        self.before = {} if self.creating else audit_snapshot(instance, fields)
        self.entry: AuditEntry | None = None

    def changes(self) -> dict[str, Any]:
        """The changes so far (fields set on the instance, many-to-many relations as saved)."""
        return audit_diff(self.before, audit_snapshot(self.instance, self.fields))

    def changed(self) -> bool:
        return self.creating or bool(self.changes())


@contextmanager
def audited(
    instance: models.Model,
    actor,
    fields: Iterable[str],
    *,
    related: models.Model | None = None,
    action: str | None = None,
) -> Iterator[AuditScope]:
    """Snapshot `fields` of `instance`, run the block, diff and record (see the module's docstring)."""
    scope = AuditScope(instance, tuple(fields), action)
    yield scope
    if instance.pk is None:
        return  # nothing was saved
    changes = scope.changes()
    if scope.creating:
        scope.entry = audit_record(
            instance=instance, action=AuditEntry.Action.CREATE, actor=actor, changes=changes, related=related
        )
    elif changes:
        scope.entry = audit_record(
            instance=instance,
            action=action or AuditEntry.Action.UPDATE,
            actor=actor,
            changes=changes,
            related=related,
        )


def audit_entries_for(instance: models.Model):
    """The entries of `instance` and of its children (entries whose parent it is), newest first."""
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=True)
    return (
        AuditEntry.objects.filter(
            Q(content_type=content_type, object_id=instance.pk)
            | Q(related_content_type=content_type, related_object_id=instance.pk)
        )
        .select_related("actor", "content_type")
        .order_by("-at", "-pk")
    )


def audit_log(
    *,
    actor_id: int | None = None,
    content_type_id: int | None = None,
    action: str | None = None,
    since=None,
    until=None,
):
    """Every entry matching the filters (dates inclusive, local days), newest first, with what a row shows."""
    entries = AuditEntry.objects.select_related("actor", "content_type", "related_content_type").order_by(
        "-at", "-pk"
    )
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if content_type_id is not None:
        entries = entries.filter(content_type_id=content_type_id)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__date__gte=since)
    if until is not None:
        entries = entries.filter(at__date__lte=until)
    return entries


def audit_entry_items_html(entries) -> str:
    """The ``<li class="audit-entry">`` items of a history list (the project page's), written in Python:
    the markup the page's template loop wrote, whitespace aside (tested equal), at a fraction of its
    cost — a history shows up to 100 entries of several changes each."""
    from django.utils import dateformat, formats
    from django.utils.html import conditional_escape, format_html, format_html_join
    from django.utils.safestring import mark_safe
    from django.utils.text import capfirst
    from django.utils.timezone import localtime
    from django.utils.translation import gettext

    short_format = formats.get_format("SHORT_DATETIME_FORMAT")
    system = gettext("system")
    before = gettext("before:")
    after = gettext("after:")
    related_text = gettext("%(kind)s “%(name)s”")
    items = []
    for entry in entries:
        at = localtime(entry.at)
        related = ""
        if entry.related_object_id:
            related = " · " + related_text % {
                "kind": conditional_escape(capfirst(entry.object_type)),
                "name": conditional_escape(entry.object_repr),
            }
        changes = ""
        if entry.changes:
            rows = []
            for change in entry.display_changes:
                old = ""
                if change["old"]:
                    old = format_html(
                        '<del><span class="visually-hidden">{} </span>{}</del> '
                        '<span aria-hidden="true">→</span>',
                        before,
                        _truncated(change["old"]),
                    )
                rows.append(
                    (
                        capfirst(change["label"]),
                        old,
                        after,
                        _truncated(change["new"] or "—"),
                    )
                )
            changes = format_html(
                ' <dl class="audit-entry__changes"> {} </dl>',
                format_html_join(
                    " ",
                    "<div> <dt>{}</dt> <dd> {} "
                    '<ins><span class="visually-hidden">{} </span>{}</ins> </dd> </div>',
                    rows,
                ),
            )
        items.append(
            format_html(
                '<li class="audit-entry"> <p class="audit-entry__meta"> <time datetime="{}">{}</time> — '
                "<strong>{}</strong> · {}{} </p>{} </li>",
                at.isoformat(),  # the date filter's "c"
                dateformat.format(at, short_format),
                entry.actor or system,
                entry.get_action_display(),
                mark_safe(related),  # noqa: S308 - its values escaped above
                changes,
            )
        )
    return mark_safe(" ".join(items))  # noqa: S308 - each item built by format_html


def _truncated(value, length: int = 200) -> str:
    """The truncatechars filter's result: Truncator's, which for a text no longer than `length` is the
    text in Unicode's NFC form (checked without Truncator's walk over each character)."""
    from django.utils.text import Truncator

    text = str(value)
    return unicodedata.normalize("NFC", text) if len(text) <= length else Truncator(text).chars(length)
