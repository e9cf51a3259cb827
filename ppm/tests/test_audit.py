"""The audit machinery (ppm.audit): audited(), parents, bulk records, integer ids, the migration."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from ppm.audit import AuditRecord, audit_entries_for, audit_record_bulk, audited
from ppm.models import AuditEntry, Directorate
from ppm.services import directorate_create, directorate_update
from ppm.tests.factories import DirectorateFactory

FIELDS = ("code", "name", "parent", "is_active")


@pytest.mark.django_db
def test_audited_records_create_then_update_then_nothing(pmo_user):
    directorate = Directorate(code="DNUM", name="Numérique")
    with transaction.atomic(), audited(directorate, pmo_user, FIELDS) as audit:
        directorate.save()
    assert audit.entry.action == AuditEntry.Action.CREATE
    assert audit.entry.object_id == directorate.pk and isinstance(audit.entry.object_id, int)
    assert audit.entry.changes["code"]["new"] == "DNUM"

    with audited(directorate, pmo_user, FIELDS) as audit:
        directorate.name = "Direction du numérique"
        assert audit.changed()
        directorate.save()
    assert audit.entry.action == AuditEntry.Action.UPDATE
    assert set(audit.entry.changes) == {"name"}
    assert audit.entry.changes["name"] == {
        "label": "name",
        "old": "Numérique",
        "new": "Direction du numérique",
    }

    with audited(directorate, pmo_user, FIELDS) as audit:
        assert not audit.changed()
    assert audit.entry is None
    assert audit_entries_for(directorate).count() == 2


@pytest.mark.django_db
def test_nothing_is_recorded_when_the_block_fails(pmo_user):
    directorate = DirectorateFactory(name="Before")
    with pytest.raises(RuntimeError), audited(directorate, pmo_user, FIELDS):
        directorate.name = "After"
        raise RuntimeError("refused")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_child_change_shows_in_its_parents_history(pmo_user, monkeypatch):
    """The convention: a model naming its parent (`audit_parent = "<foreign key>"`) has its changes
    in the parent's history too."""
    parent = directorate_create(actor=pmo_user, code="DG", name="Direction générale")
    monkeypatch.setattr(Directorate, "audit_parent", "parent", raising=False)
    child = directorate_create(actor=pmo_user, code="DSI", name="DSI", parent=parent)
    directorate_update(actor=pmo_user, directorate=child, data={"name": "Systèmes d'information"})
    other = directorate_create(actor=pmo_user, code="DRH", name="RH")

    parent_history = list(audit_entries_for(parent))
    assert [(e.object_id, e.action) for e in parent_history] == [
        (child.pk, AuditEntry.Action.UPDATE),
        (child.pk, AuditEntry.Action.CREATE),
        (parent.pk, AuditEntry.Action.CREATE),
    ]
    child_entry = parent_history[0]
    assert child_entry.related_content_type == ContentType.objects.get_for_model(Directorate)
    assert child_entry.related_object_id == parent.pk
    # The child's own history is its own entries only; an unrelated object stays out of both.
    assert [e.object_id for e in audit_entries_for(child)] == [child.pk, child.pk]
    assert other.pk not in {e.object_id for e in parent_history}


@pytest.mark.django_db
def test_explicit_related_overrides_the_convention(pmo_user):
    parent = DirectorateFactory()
    child = DirectorateFactory()
    with audited(child, pmo_user, FIELDS, related=parent):
        child.name = "Renamed"
        child.save()
    assert [e.object_id for e in audit_entries_for(parent)] == [child.pk]


@pytest.mark.django_db
def test_bulk_records_are_one_insert(pmo_user):
    parent = DirectorateFactory()
    children = DirectorateFactory.create_batch(5)
    ContentType.objects.get_for_model(Directorate)  # the content type cache is warm, as in a service
    records = [
        AuditRecord(instance=child, action=AuditEntry.Action.UPDATE, changes={"x": {}}, related=parent)
        for child in children
    ]
    with CaptureQueriesContext(connection) as context:
        entries = audit_record_bulk(actor=pmo_user, records=records)
    assert len(context.captured_queries) == 1
    assert len(entries) == 5
    assert {e.object_id for e in audit_entries_for(parent)} == {child.pk for child in children}


@pytest.mark.django_db(transaction=True)
def test_migration_turns_text_ids_into_integers_and_back():
    """0005 keeps every row: ids written as text before it are integers after it, and back."""
    executor = MigrationExecutor(connection)
    before, after = (
        [("ppm", "0004_reports_housekeeping_schedule")],
        [("ppm", "0005_core_audit_integer_ids_related")],
    )
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        content_type = old_apps.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label="ppm", model="directorate"
        )[0]
        OldEntry = old_apps.get_model("ppm", "AuditEntry")
        OldEntry.objects.create(content_type=content_type, object_id="42", object_repr="x", action="update")
        OldEntry.objects.create(content_type=content_type, object_id="7", object_repr="y", action="create")

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new_apps = executor.loader.project_state(after).apps
        NewEntry = new_apps.get_model("ppm", "AuditEntry")
        assert sorted(NewEntry.objects.values_list("object_id", flat=True)) == [7, 42]
        assert NewEntry.objects.filter(object_id=42, related_object_id__isnull=True).count() == 1

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        assert sorted(
            old_apps.get_model("ppm", "AuditEntry").objects.values_list("object_id", flat=True)
        ) == [
            "42",
            "7",
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
