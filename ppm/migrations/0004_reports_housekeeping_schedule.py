"""Schedule the housekeeping of report jobs in django-celery-beat's tables: the nightly retention
(03:15, Paris time) and the sweep of stalled jobs (every 10 minutes).

Administrators change or disable them in the Django admin (Periodic tasks) without a deploy.
"""

from django.db import migrations
from django.utils import timezone

PURGE_NAME = "Nightly retention of report jobs"
PURGE_TASK = "ppm.tasks.purge_report_jobs"
PURGE_CRONTAB = {
    "minute": "15",
    "hour": "3",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Europe/Paris",
}
SWEEP_NAME = "Fail stalled report jobs"
SWEEP_TASK = "ppm.tasks.fail_stalled_report_jobs"
SWEEP_INTERVAL = {"every": 10, "period": "minutes"}


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _created = CrontabSchedule.objects.get_or_create(**PURGE_CRONTAB)
    PeriodicTask.objects.update_or_create(
        name=PURGE_NAME,
        defaults={
            "task": PURGE_TASK,
            "crontab": crontab,
            "interval": None,
            "enabled": True,
            "description": "Deletes superseded report files and report jobs past PILOTIS_REPORT_RETENTION_DAYS.",
        },
    )
    interval, _created = IntervalSchedule.objects.get_or_create(**SWEEP_INTERVAL)
    PeriodicTask.objects.update_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": SWEEP_TASK,
            "interval": interval,
            "crontab": None,
            "enabled": True,
            "description": "Marks report jobs whose worker died (or whose message was lost) as failed.",
        },
    )
    # Tell a running beat (DatabaseScheduler) to reload its schedule; signals don't fire here.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=PURGE_NAME, task=PURGE_TASK).delete()
    PeriodicTask.objects.filter(name=SWEEP_NAME, task=SWEEP_TASK).delete()
    CrontabSchedule.objects.filter(periodictask__isnull=True, **PURGE_CRONTAB).delete()
    IntervalSchedule.objects.filter(periodictask__isnull=True, **SWEEP_INTERVAL).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("ppm", "0003_reports_job_params"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
