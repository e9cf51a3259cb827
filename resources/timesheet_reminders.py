"""Timesheet reminders: who is told what, and the e-mails (run daily by Celery beat).

* People with a user account (active, with an e-mail) and a past week (within
  settings.PILOTIS_TIMESHEET_REMINDER_WEEKS, default 4, before this week) that is missing or not
  submitted (draft or returned) — except weeks where they had no working time (holidays, closures,
  full absence, not yet active).
* Approvers with submitted weeks waiting for them (as the person's approver, or the manager of a
  project with a waiting line).

One e-mail per user and day (a digest of both), recorded in TimesheetReminder before it is sent: a
rerun the same day sends nothing twice. Dates are the organisation's (TIME_ZONE); the e-mail is in the
person's language, with absolute links (ppm.mail).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portfolio.scheduling.baselines import portfolio_calendar
from ppm.mail import site_url, user_language
from resources.capacity import day_capacity
from resources.models import (
    Absence,
    LineApproval,
    Resource,
    Timesheet,
    TimesheetLine,
    TimesheetReminder,
    TimesheetStatus,
)
from resources.timesheets import availability_of, week_days, week_start

DONE = (TimesheetStatus.SUBMITTED, TimesheetStatus.APPROVED)


def reminder_weeks() -> int:
    return int(getattr(settings, "PILOTIS_TIMESHEET_REMINDER_WEEKS", 4) or 4)


def missing_weeks(*, today: date) -> dict[int, list[date]]:
    """user id → the past weeks (oldest first) they should fill in or submit."""
    this_week = week_start(today)
    mondays = [this_week - timedelta(weeks=i) for i in range(reminder_weeks(), 0, -1)]
    first, last = mondays[0], this_week - timedelta(days=1)
    people = list(
        Resource.objects.filter(kind="person", is_active=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in Absence.objects.filter(
        resource__in=[p.pk for p in people], start__lte=last, end__gte=first
    ):
        absences[absence.resource_id].append(absence)
    done = set(
        Timesheet.objects.filter(
            resource__in=[p.pk for p in people], week__gte=first, status__in=DONE
        ).values_list("resource_id", "week")
    )
    calendar = portfolio_calendar()
    result: dict[int, list[date]] = {}
    for person in people:
        availability = availability_of(person, absences[person.pk])
        weeks = []
        for monday in mondays:
            if (person.pk, monday) in done:
                continue
            working = 0.0
            for day in week_days(monday):
                capacity = day_capacity(availability, calendar, day)
                working += capacity.gross - capacity.absent
            if working > 0:
                weeks.append(monday)
        if weeks and person.user_id is not None:
            result[person.user_id] = weeks
    return result


def waiting_for_approvers() -> dict[int, int]:
    """user id → the number of submitted weeks waiting for their decision."""
    counts: dict[int, set[int]] = defaultdict(set)
    submitted = Timesheet.objects.filter(status=TimesheetStatus.SUBMITTED)
    for pk, manager, team_manager, own in submitted.values_list(
        "pk", "resource__manager_id", "resource__team__manager_id", "resource__user_id"
    ):
        approver = manager or team_manager
        if approver and approver != own:
            counts[approver].add(pk)
    for timesheet_id, manager, own in TimesheetLine.objects.filter(
        timesheet__status=TimesheetStatus.SUBMITTED,
        approval=LineApproval.PENDING,
        project__manager__isnull=False,
    ).values_list("timesheet_id", "project__manager_id", "timesheet__resource__user_id"):
        if manager != own:
            counts[manager].add(timesheet_id)
    return {user: len(weeks) for user, weeks in counts.items()}


def reminders_send(*, today: date) -> dict:
    """Send today's reminders (see the module); returns counts {"sent", "skipped"}."""
    from ppm.models import User

    missing = missing_weeks(today=today)
    waiting = waiting_for_approvers()
    user_ids = set(missing) | set(waiting)
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="")}
    sent = skipped = 0
    for user_id in sorted(users):
        user = users[user_id]
        weeks = missing.get(user_id, [])
        count = waiting.get(user_id, 0)
        try:
            with transaction.atomic():
                reminder = TimesheetReminder.objects.create(
                    user=user, day=today, missing_weeks=[w.isoformat() for w in weeks], waiting_weeks=count
                )
        except IntegrityError:
            skipped += 1
            continue
        with translation.override(user_language(user)):
            context = {
                "user": user,
                "weeks": weeks,
                "waiting": count,
                "week_url": site_url(reverse("resources:timesheet_week")),
                "approvals_url": site_url(reverse("resources:timesheet_approvals")),
            }
            subject = _("Pilotis: your timesheets")
            body = render_to_string("resources/timesheets_reminder_email.txt", context)
        send_mail(subject, body, None, [user.email])
        TimesheetReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
        sent += 1
    return {"sent": sent, "skipped": skipped}
