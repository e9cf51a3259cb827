"""Celery tasks of flash reports: the report's PDF (a ppm.reports job) and the daily reminders.

Reminders (`send_flash_reminders`, Celery beat daily, PeriodicTask "governance: flash report reminders"
editable in the admin; migration 0002_flash_reminders): every project manager whose projects miss their
report for a period whose deadline passed (governance.flash.missing_reports) gets one digest e-mail a day,
listing those projects. Idempotent per day: a manager reminded today is not reminded again (a cache key
per manager and day, kept two days). Written in the manager's language, with absolute links (ppm.mail).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from ppm.mail import site_url, user_language
from ppm.reports import RELIABLE_TASK_OPTIONS, report_job_run

REMINDER_KEY = "governance:flash-reminder:{user}:{day}"


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def render_flash_report_pdf(self, job_id: int) -> None:
    """Render the flash report PDF of ReportJob `job_id` (a no-op when it is already ready)."""
    from governance.flash_pdf import flash_report_render

    report_job_run(
        job_id=job_id, render=flash_report_render, can_retry=self.request.retries < self.max_retries
    )


def flash_reminders_send(*, as_of: date | None = None) -> int:
    """E-mail each project manager missing reports a digest (once a day); returns how many were sent."""
    from governance.flash import missing_reports

    as_of = as_of or timezone.localdate()
    by_manager: dict = defaultdict(list)
    managers = {}
    for project, period in missing_reports(as_of):
        if project.manager is None or not project.manager.email or not project.manager.is_active:
            continue
        by_manager[project.manager.pk].append((project, period))
        managers[project.manager.pk] = project.manager
    sent = 0
    site = site_url()
    for user_id, rows in sorted(by_manager.items()):
        if not cache.add(REMINDER_KEY.format(user=user_id, day=as_of.isoformat()), 1, timeout=2 * 86400):
            continue
        user = managers[user_id]
        with translation.override(user_language(user)):
            subject = ngettext(
                "Pilotis: %(count)d flash report to write",
                "Pilotis: %(count)d flash reports to write",
                len(rows),
            ) % {"count": len(rows)}
            body = render_to_string(
                "governance/flash_reminder_email.txt",
                {"user": user, "rows": rows, "site": site, "as_of": as_of},
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


@shared_task(**RELIABLE_TASK_OPTIONS)
def send_flash_reminders() -> int:
    """Celery beat, daily: remind project managers of missing flash reports (idempotent per day)."""
    return flash_reminders_send()
