"""The resource list's accent-insensitive search: a normalised copy of the name and e-mail."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from ppm.text import search_normalise

    Resource = apps.get_model("resources", "Resource")
    rows = list(Resource.objects.only("pk", "name", "email"))
    for row in rows:
        row.search_text = search_normalise(f"{row.name} {row.email}")
    Resource.objects.bulk_update(rows, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("resources", "0006_timesheets_reminders")]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
