"""Steering part of the demonstration data (runs after the flash demo): the default alert rules enabled,
one evaluation of them (late milestones, slippage, missing reports…; budgets and resources alerts
appear when their demos exist), a digest subscription per demo user, the weekly pack schedule for the
project office and its first run already built (PDF and XLSX, READY, so `make run` shows them without
a worker). Idempotent: a second run creates nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from django.utils.translation import ngettext_lazy

KINDS = {
    "alerts": ngettext_lazy("%(count)d alert", "%(count)d alerts", "count"),
    "alert_subscriptions": ngettext_lazy(
        "%(count)d digest subscription", "%(count)d digest subscriptions", "count"
    ),
    "report_packs": ngettext_lazy("%(count)d report pack", "%(count)d report packs", "count"),
    "pack_schedules": ngettext_lazy("%(count)d pack schedule", "%(count)d pack schedules", "count"),
}
DEMO_SCHEDULE = "Pack hebdomadaire du bureau de projets"
DEMO_LANGUAGE = "fr"


def _schedule() -> int:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from governance.steering_views import SCHEDULE_TASK

    if PeriodicTask.objects.filter(name=DEMO_SCHEDULE).exists():
        return 0
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="1", day_of_month="*", month_of_year="*", timezone="Europe/Paris"
    )
    PeriodicTask.objects.create(
        name=DEMO_SCHEDULE,
        task=SCHEDULE_TASK,
        crontab=crontab,
        kwargs=json.dumps(
            {
                "scope": "all",
                "scope_id": None,
                "roles": ["pmo"],
                "users": [],
                "formats": ["pdf", "xlsx"],
                "language": DEMO_LANGUAGE,
                "schedule": DEMO_SCHEDULE,
            }
        ),
        enabled=True,
        description="Report pack · all",
    )
    return 1


def load(*, today: date) -> Counter:
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from governance.alerts import alert_rules_ensure, alerts_evaluate
    from governance.models import AlertRule, AlertSubscription
    from governance.packs import PDF_KIND, XLSX_KIND, pack_params
    from governance.steering_tasks import pack_build_now
    from governance.steering_views import default_frequency
    from ppm.models import ReportJob

    created: Counter = Counter()
    alert_rules_ensure()
    AlertRule.objects.filter(enabled=False).update(enabled=True)
    created["alerts"] += alerts_evaluate(today)["raised"]
    for user in get_user_model().objects.filter(is_active=True):
        _subscription, new = AlertSubscription.objects.get_or_create(
            user=user, defaults={"frequency": default_frequency(user), "language": DEMO_LANGUAGE}
        )
        created["alert_subscriptions"] += new
    created["pack_schedules"] += _schedule()
    params = pack_params(scope="all", scope_id=None, as_of=today)
    params["schedule"] = DEMO_SCHEDULE
    with translation.override(DEMO_LANGUAGE):
        for kind in (PDF_KIND, XLSX_KIND):
            before = ReportJob.objects.filter(kind=kind, status=ReportJob.Status.READY).count()
            pack_build_now(kind=kind, params=params, language=DEMO_LANGUAGE)
            created["report_packs"] += (
                ReportJob.objects.filter(kind=kind, status=ReportJob.Status.READY).count() - before
            )
    return created
