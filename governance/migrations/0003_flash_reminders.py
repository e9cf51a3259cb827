"""Schedule the daily flash report reminders (08:00 Monday to Friday, Paris time) in django-celery-beat's tables.

Administrators change or disable it in the Django admin (Periodic tasks) without a deploy.
"""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "governance: flash report reminders"
TASK_PATH = "governance.flash_tasks.send_flash_reminders"
CRONTAB = {
    "minute": "0",
    "hour": "8",
    "day_of_week": "1-5",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Europe/Paris",
}


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _created = CrontabSchedule.objects.get_or_create(**CRONTAB)
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_PATH,
            "crontab": schedule,
            "interval": None,
            "enabled": True,
            "description": "E-mails project managers whose flash reports are overdue (one digest a day).",
        },
    )
    # Tell a running beat (DatabaseScheduler) to reload its schedule; signals don't fire here.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=TASK_NAME, task=TASK_PATH).delete()
    CrontabSchedule.objects.filter(periodictask__isnull=True, **CRONTAB).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_steering_alert_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
