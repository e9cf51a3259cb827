"""AuditEntry.object_id becomes an integer; entries get a related (parent) object.

The id column is rebuilt through a new column (copy, drop, rename), which works the same on SQLite and
PostgreSQL and keeps every row. Reversible: the ids go back to text.
"""

import django.db.models.deletion
from django.db import migrations, models


def text_ids_to_integers(apps, schema_editor):
    AuditEntry = apps.get_model("ppm", "AuditEntry")
    batch = []
    for entry in AuditEntry.objects.only("pk", "object_id").iterator(chunk_size=2000):
        entry.object_id_int = int(entry.object_id)
        batch.append(entry)
        if len(batch) >= 2000:
            AuditEntry.objects.bulk_update(batch, ["object_id_int"])
            batch = []
    if batch:
        AuditEntry.objects.bulk_update(batch, ["object_id_int"])


def integer_ids_to_text(apps, schema_editor):
    AuditEntry = apps.get_model("ppm", "AuditEntry")
    batch = []
    for entry in AuditEntry.objects.only("pk", "object_id_int").iterator(chunk_size=2000):
        entry.object_id = str(entry.object_id_int)
        batch.append(entry)
        if len(batch) >= 2000:
            AuditEntry.objects.bulk_update(batch, ["object_id"])
            batch = []
    if batch:
        AuditEntry.objects.bulk_update(batch, ["object_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ppm", "0004_reports_housekeeping_schedule"),
    ]

    operations = [
        # Nullable first, so that backwards the text column comes back empty, is filled, then required.
        migrations.AlterField(
            model_name="auditentry",
            name="object_id",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="object_id_int",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(text_ids_to_integers, integer_ids_to_text),
        migrations.RemoveIndex(model_name="auditentry", name="ppm_auditen_content_495f92_idx"),
        migrations.RemoveField(model_name="auditentry", name="object_id"),
        migrations.RenameField(model_name="auditentry", old_name="object_id_int", new_name="object_id"),
        migrations.AlterField(
            model_name="auditentry",
            name="object_id",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                fields=["content_type", "object_id", "-at"], name="ppm_auditen_content_495f92_idx"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="related_content_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="related_object_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                fields=["related_content_type", "related_object_id", "-at"], name="ppm_audit_related_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["actor", "-at"], name="ppm_audit_actor_idx"),
        ),
    ]
