"""Steering: the digest's language on AlertSubscription, the default alert rules (enabled, with their
thresholds), and the beat schedules of the alerts (nightly evaluation, hourly digests) in
django-celery-beat's tables (the project office changes the rules on /alerts/rules/, administrators the
schedules in the admin, without a deploy)."""

from django.db import migrations, models
from django.utils import timezone

RULES = {
    "milestone_late": ({}, "warning"),
    "milestone_at_risk": ({"days": 10}, "warning"),
    "forecast_slippage": ({"days": 10}, "critical"),
    "budget_line_consumed": ({"percent": 90}, "warning"),
    "agreement_ceiling": ({"percent": [80, 95]}, "warning"),
    "agreement_expiry": ({"months": 6}, "warning"),
    "team_overloaded": ({"percent": 100}, "warning"),
    "flash_report_missing": ({}, "warning"),
    "risk_overdue": ({}, "warning"),
}
EVALUATE_NAME = "Evaluate alert rules (nightly)"
EVALUATE_TASK = "governance.steering_tasks.evaluate_alerts"
EVALUATE_CRONTAB = {
    "minute": "30",
    "hour": "2",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Europe/Paris",
}
DIGEST_NAME = "Send alert digests"
DIGEST_TASK = "governance.steering_tasks.send_alert_digests"
DIGEST_CRONTAB = {
    "minute": "0",
    "hour": "7",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Europe/Paris",
}


def create(apps, schema_editor):
    AlertRule = apps.get_model("governance", "AlertRule")
    for code, (params, severity) in RULES.items():
        AlertRule.objects.get_or_create(code=code, defaults={"params": params, "severity": severity})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, crontab_spec, description in (
        (EVALUATE_NAME, EVALUATE_TASK, EVALUATE_CRONTAB, "Raises new alerts, closes those whose cause disappeared."),
        (DIGEST_NAME, DIGEST_TASK, DIGEST_CRONTAB, "E-mails each subscriber the alerts raised since their last digest."),
    ):
        crontab, _created = CrontabSchedule.objects.get_or_create(**crontab_spec)
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": task, "crontab": crontab, "interval": None, "enabled": True, "description": description},
        )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(task__in=(EVALUATE_TASK, DIGEST_TASK)).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_governance_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertsubscription",
            name="language",
            field=models.CharField(
                blank=True, choices=[("en", "English"), ("fr", "French")], max_length=10, verbose_name="language"
            ),
        ),
        migrations.RunPython(create, delete),
    ]
