"""Celery tasks of the steering part: alert evaluation (nightly and on change), e-mail digests, report
packs (requested, and scheduled through django-celery-beat PeriodicTasks without a deploy).

Thin and idempotent: they take ids and plain values, never objects.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ppm.mail import by_language, site_url, user_language
from ppm.reports import RELIABLE_TASK_OPTIONS, report_job_run

logger = logging.getLogger(__name__)

# On-change evaluation: at most one queued at a time, run this long after the first change.
EVALUATE_SOON_KEY = "governance:alerts-evaluate-queued"
EVALUATE_SOON_DELAY = 60  # seconds
DIGEST_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


@shared_task(**RELIABLE_TASK_OPTIONS)
def evaluate_alerts() -> dict:
    """Evaluate every alert rule (nightly beat, and debounced after changes)."""
    from governance.alerts import alerts_evaluate

    cache.delete(EVALUATE_SOON_KEY)
    return alerts_evaluate(timezone.localdate())


def alerts_evaluate_soon() -> bool:
    """Queue one evaluation EVALUATE_SOON_DELAY seconds from now unless one is already queued (the
    marker expires with a margin, so a lost message never blocks the next change). True if queued."""
    if not cache.add(EVALUATE_SOON_KEY, "1", timeout=EVALUATE_SOON_DELAY * 3):
        return False
    try:
        evaluate_alerts.apply_async(countdown=EVALUATE_SOON_DELAY)
    except Exception:  # the broker is down: the nightly run catches up
        logger.exception("Could not queue the alerts evaluation")
        cache.delete(EVALUATE_SOON_KEY)
        return False
    return True


def on_change(sender, **kwargs) -> None:
    """Signal receiver (post_save/post_delete of the watched models): evaluate soon after commit."""
    if kwargs.get("raw"):
        return
    transaction.on_commit(alerts_evaluate_soon)


# --- digests ------------------------------------------------------------------------------------


def digest_send(subscription, *, now=None) -> bool:
    """Send `subscription`'s user the alerts raised since their last digest (in their language), if
    any and if due; record last_sent_at. Idempotent: a second call in the same period sends nothing."""
    from governance.alerts import alert_message, alerts_visible_to
    from governance.models import AlertStatus, AlertSubscription

    now = now or timezone.now()
    period = DIGEST_PERIODS.get(subscription.frequency)
    user = subscription.user
    if period is None or not user.is_active or not user.email:
        return False
    with transaction.atomic():
        locked = AlertSubscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.last_sent_at and locked.last_sent_at > now - period + timedelta(minutes=5):
            return False
        since = locked.last_sent_at or now - period
        alerts = list(
            alerts_visible_to(user)
            .filter(raised_at__gt=since, raised_at__lte=now)
            .exclude(status=AlertStatus.CLOSED)
            .order_by("project__code", "-raised_at")[:200]
        )
        locked.last_sent_at = now
        locked.save(update_fields=["last_sent_at"])
        if not alerts:
            return False
        # The language chosen with the subscription, else the person's (ppm.mail).
        with translation.override(locked.language or user_language(user)):
            lines = [
                {
                    "project": alert.project,
                    "text": alert_message(alert),
                    "severity": alert.severity,
                    "url": site_url(alert.url) if alert.url else "",
                }
                for alert in alerts
            ]
            context = {"user": user, "lines": lines, "list_url": site_url(reverse("governance:alert_list"))}
            subject = _("Pilotis: %(count)s new alerts") % {"count": len(alerts)}
            body = render_to_string("governance/steering_digest_email.txt", context)
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
        )
    return True


@shared_task(**RELIABLE_TASK_OPTIONS)
def send_alert_digests() -> int:
    """Beat (hourly): send each due subscription its digest. Returns how many were sent."""
    from governance.models import AlertSubscription

    sent = 0
    for subscription in AlertSubscription.objects.exclude(frequency="never").select_related("user"):
        try:
            sent += digest_send(subscription)
        except Exception:
            logger.exception("Digest of user %s failed", subscription.user_id)
    return sent


# --- report packs -------------------------------------------------------------------------------


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def render_pack_pdf(self, job_id: int) -> None:
    from governance.packs import pack_render_pdf

    report_job_run(job_id=job_id, render=pack_render_pdf, can_retry=self.request.retries < self.max_retries)


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def render_pack_xlsx(self, job_id: int) -> None:
    from governance.packs import pack_render_xlsx

    report_job_run(job_id=job_id, render=pack_render_xlsx, can_retry=self.request.retries < self.max_retries)


class _NotQueued:
    """A task stand-in for jobs built right here (in the scheduled task's worker, or the demo)."""

    @staticmethod
    def delay(job_id: int) -> None:
        return None


def pack_build_now(*, kind: str, params: dict, language: str, requested_by=None):
    """Build a pack job synchronously (idempotent: a READY job is returned as it is)."""
    from governance.packs import pack_render_pdf, pack_render_xlsx
    from ppm.models import ReportJob
    from ppm.reports import report_job_request

    job = report_job_request(
        kind=kind, params=params, language=language, requested_by=requested_by, task=_NotQueued()
    )
    if job.status != ReportJob.Status.READY:
        render = pack_render_pdf if kind.endswith("pdf") else pack_render_xlsx
        report_job_run(job_id=job.pk, render=render)
        job.refresh_from_db()
    return job


def schedule_recipients(*, roles: list[str], users: list[int]):
    from django.db.models import Q

    from ppm.models import User

    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role__in=roles or []) | Q(pk__in=users or []))
        .exclude(email="")
        .order_by("pk")
    )


@shared_task(**RELIABLE_TASK_OPTIONS)
def build_scheduled_pack(
    scope: str = "all",
    scope_id: int | None = None,
    roles: list | None = None,
    users: list | None = None,
    formats: list | None = None,
    language: str = "",
    schedule: str = "",
) -> list[int]:
    """A scheduled run (django-celery-beat): build the pack as of today (PDF and/or XLSX), archive its
    job(s) and e-mail each recipient a link. Running twice the same day builds once and mails twice at
    most (each run says which job it archived)."""
    from governance.packs import PDF_KIND, XLSX_KIND, pack_params, pack_scope

    language = language or settings.LANGUAGE_CODE
    params = pack_params(scope=scope, scope_id=scope_id, as_of=timezone.localdate())
    if schedule:
        params["schedule"] = schedule
    jobs = []
    for fmt in formats or ["pdf", "xlsx"]:
        kind = PDF_KIND if fmt == "pdf" else XLSX_KIND
        jobs.append(pack_build_now(kind=kind, params=params, language=language))
    recipients = schedule_recipients(roles=list(roles or []), users=list(users or []))
    links = [site_url(reverse("report_job_download", args=[job.pk])) for job in jobs if job.file]
    # The pack is in the schedule's language; the e-mail announcing it in each recipient's (ppm.mail).
    for recipient_language, group in by_language(recipients).items():
        with translation.override(recipient_language):
            label = pack_scope(params).label
            subject = _("Pilotis: portfolio report pack (%(scope)s)") % {"scope": label}
            body = render_to_string(
                "governance/steering_pack_email.txt",
                {"label": label, "links": links, "packs_url": site_url(reverse("governance:pack_list"))},
            )
        for user in group:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)
    return [job.pk for job in jobs]
