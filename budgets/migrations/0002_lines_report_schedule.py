"""Schedule the monthly budget report (budgets.lines_tasks.send_monthly_budget_report): the 1st of each
month at 07:00, Paris time; it e-mails the project office and finance users a link to the report.
Administrators change or disable it in the Django admin (Periodic tasks)."""

from django.db import migrations
from django.utils import timezone

NAME = "Monthly budget report"
TASK = "budgets.lines_tasks.send_monthly_budget_report"
CRONTAB = {
    "minute": "0",
    "hour": "7",
    "day_of_week": "*",
    "day_of_month": "1",
    "month_of_year": "*",
    "timezone": "Europe/Paris",
}


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _created = CrontabSchedule.objects.get_or_create(**CRONTAB)
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "interval": None,
            "enabled": True,
            "description": "E-mails the project office and finance a link to the budget report of the day.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()
    CrontabSchedule.objects.filter(periodictask__isnull=True, **CRONTAB).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("budgets", "0001_budgets_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
