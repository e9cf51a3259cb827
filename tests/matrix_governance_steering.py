"""Pages and API endpoints of the governance app's steering part, in the permissions matrix (see
tests/matrix_governance.py for the targets and tests/matrix.py for Endpoint)."""

import json

from django.urls import reverse

from governance.models import Alert, AlertRule
from ppm.models import ReportJob
from tests.matrix import Endpoint


def _alert_state(c):
    return Alert.objects.filter(pk=c.target.pk).values_list("status", flat=True).first()


def _jobs(c):
    return ReportJob.objects.filter(kind__startswith="report_pack").count()


def _schedules(c):
    from django_celery_beat.models import PeriodicTask

    return sorted(
        PeriodicTask.objects.filter(task__endswith="build_scheduled_pack").values_list("name", "enabled")
    )


def _a_schedule(c):
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    if c.world is None:  # only resolving the URL (test_every_page_is_in_the_matrix)
        return 1

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="1", day_of_month="*", month_of_year="*", timezone="Europe/Paris"
    )
    task, _created = PeriodicTask.objects.get_or_create(
        name="Matrix schedule",
        defaults={
            "task": "governance.steering_tasks.build_scheduled_pack",
            "crontab": crontab,
            "kwargs": json.dumps({"scope": "all", "roles": ["pmo"], "formats": ["pdf"], "language": "en"}),
        },
    )
    return task.pk


def _edited_schedule(c):
    _a_schedule(c)  # exists before the request (the URL names it)
    return _schedules(c)


def _a_rule(c):
    rule, _created = AlertRule.objects.get_or_create(
        code="forecast_slippage", defaults={"params": {"days": 10}}
    )
    return rule


def _rule_state(c):
    return list(AlertRule.objects.filter(code="forecast_slippage").values_list("params", "version"))


def _rule_data(c):
    rule = _a_rule(c)
    return {
        "rule": rule.pk,
        "version": rule.version,
        "enabled": "on",
        "severity": "critical",
        "params": '{"days": 3}',
    }


SCHEDULE_DATA = {
    "name": "Matrix weekly",
    "scope": "all",
    "day_of_week": "1",
    "hour": "6",
    "formats": ["pdf"],
    "roles": ["pmo"],
    "language": "en",
    "enabled": "on",
}
PACK_DATA = {"scope": "all", "as_of": "2026-01-05", "fmt": "pdf"}

PAGES: list = [
    Endpoint("steering", "steering.view", "-", "get", lambda c: reverse("governance:steering")),
    Endpoint(
        "steering-drilldown",
        "steering.view",
        "-",
        "get",
        lambda c: reverse("governance:steering_drilldown", args=["weather"]),
    ),
    Endpoint("alerts", "alert.view", "-", "get", lambda c: reverse("governance:alert_list")),
    Endpoint(
        "alerts-export", "alert.view", "-", "get", lambda c: reverse("governance:alert_export", args=["csv"])
    ),
    Endpoint("alerts-bell", "alert.view", "-", "get", lambda c: reverse("governance:alert_bell_menu")),
    *(
        Endpoint(
            f"alert-{verb}",
            "alert.acknowledge",
            target,
            "post",
            (lambda name: lambda c: reverse(name, args=[c.target.pk]))(f"governance:alert_{verb}"),
            data=lambda c: {},
            success=302,
            state=_alert_state,
        )
        for verb in ("acknowledge", "close")
        for target in ("own", "other")
    ),
    Endpoint("alert-rules", "governance.configure", "-", "get", lambda c: reverse("governance:alert_rules")),
    Endpoint(
        "alert-rules-save",
        "governance.configure",
        "-",
        "post",
        lambda c: reverse("governance:alert_rules"),
        data=_rule_data,
        success=302,
        state=_rule_state,
    ),
    Endpoint("packs", "pack.view", "-", "get", lambda c: reverse("governance:pack_list")),
    Endpoint(
        "packs-request",
        "pack.request",
        "-",
        "post",
        lambda c: reverse("governance:pack_list"),
        data=lambda c: dict(PACK_DATA),
        success=302,
        state=_jobs,
    ),
    Endpoint(
        "pack-schedules", "governance.configure", "-", "get", lambda c: reverse("governance:pack_schedules")
    ),
    Endpoint(
        "pack-schedule-create",
        "governance.configure",
        "-",
        "post",
        lambda c: reverse("governance:pack_schedules"),
        data=lambda c: dict(SCHEDULE_DATA),
        success=302,
        state=_schedules,
    ),
    Endpoint(
        "pack-schedule-edit",
        "governance.configure",
        "-",
        "post",
        lambda c: reverse("governance:pack_schedule_edit", args=[_a_schedule(c)]),
        data=lambda c: {**SCHEDULE_DATA, "name": "Matrix schedule", "enabled": ""},
        success=302,
        state=_edited_schedule,
    ),
]

API: list = [
    Endpoint("api-steering", "steering.view", "-", "get", lambda c: "/api/v1/steering/"),
    Endpoint("api-alerts", "alert.view", "-", "get", lambda c: "/api/v1/alerts/"),
    *(
        Endpoint(
            f"api-alert-{verb}",
            "alert.acknowledge",
            target,
            "post",
            (lambda v: lambda c: f"/api/v1/alerts/{c.target.pk}/{v}/")(verb),
            data=lambda c: {},
            state=_alert_state,
        )
        for verb in ("acknowledge", "close")
        for target in ("own", "other")
    ),
    Endpoint("api-packs", "pack.view", "-", "get", lambda c: "/api/v1/packs/"),
    Endpoint(
        "api-packs-request",
        "pack.request",
        "-",
        "post",
        lambda c: "/api/v1/packs/",
        data=lambda c: {"scope": "all", "as_of": "2026-01-05", "format": "pdf"},
        success=202,
        state=_jobs,
    ),
]
SAME_AS: dict[str, str] = {}
# Every signed-in user edits their own digest preference (no rule: it is theirs).
NOT_RULED: set[str] = {"governance:alert_subscription"}
