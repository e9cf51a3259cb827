"""Schedule the capacity plan's periodic tasks in django-celery-beat's tables: the nightly rebuild of the
default snapshots (02:30, Paris time) and the monthly capacity report e-mailed to the project office
(the 1st of each month, 07:00).

Administrators change or disable them in the Django admin (Periodic tasks) without a deploy.
"""

from django.db import migrations
from django.utils import timezone

NIGHTLY_NAME = "Nightly rebuild of the capacity plan"
NIGHTLY_TASK = "resources.tasks.rebuild_default_capacity_snapshots"
NIGHTLY_CRONTAB = {
    "minute": "30",
    "hour": "2",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Europe/Paris",
}
REPORT_NAME = "Monthly capacity report to the project office"
REPORT_TASK = "resources.tasks.send_capacity_report"
REPORT_CRONTAB = {
    "minute": "0",
    "hour": "7",
    "day_of_week": "*",
    "day_of_month": "1",
    "month_of_year": "*",
    "timezone": "Europe/Paris",
}
SCHEDULES = (
    (NIGHTLY_NAME, NIGHTLY_TASK, NIGHTLY_CRONTAB, "Rebuilds the default capacity plans (by month and by week)."),
    (REPORT_NAME, REPORT_TASK, REPORT_CRONTAB, "E-mails the capacity report (PDF and XLSX) to the project office."),
)


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, crontab_fields, description in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(**crontab_fields)
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": task, "crontab": crontab, "interval": None, "enabled": True, "description": description},
        )
    # Tell a running beat (DatabaseScheduler) to reload its schedule; signals don't fire here.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, crontab_fields, _description in SCHEDULES:
        PeriodicTask.objects.filter(name=name, task=task).delete()
        CrontabSchedule.objects.filter(periodictask__isnull=True, **crontab_fields).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_capacity_snapshot"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
