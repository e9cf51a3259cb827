"""Reporting periods: generated per cadence, never typed.

* Monthly periods are calendar months; fortnightly periods are the 1st–15th and the 16th–end of each
  month (so a fortnightly period never straddles two months and month-end figures stay comparable).
* A report is due `PILOTIS_FLASH_DEADLINE_DAYS` working days (Monday–Friday; public holidays are not
  counted out, a deadline is a reminder, not a legal date) after the period's last day: 5 by default,
  a working week, enough for a project manager to gather figures after a month end.
* `periods_ensure(until=…)` creates the missing periods of every cadence from
  `PILOTIS_FLASH_FIRST_PERIOD` (default: 1 January of the previous year) to the period holding `until`,
  idempotently (one SELECT, one bulk INSERT ignoring conflicts).
* The current period of a project is the period of its cadence holding today; the project's
  ProjectGovernance row is created lazily (monthly, reporting) the first time it is needed.

The pure functions (`period_bounds`, `periods_between`, `deadline_for`) take and return dates only.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.models import Cadence, ProjectGovernance, ReportingPeriod

DEFAULT_DEADLINE_DAYS = 5


def deadline_days() -> int:
    return int(getattr(settings, "PILOTIS_FLASH_DEADLINE_DAYS", DEFAULT_DEADLINE_DAYS))


# ---------------------------------------------------------------------------------------------- pure


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_bounds(cadence: str, day: date) -> tuple[date, date]:
    """The (start, end) of the period of `cadence` holding `day`."""
    if cadence == Cadence.FORTNIGHTLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), _month_end(day)
    if cadence == Cadence.MONTHLY:
        return day.replace(day=1), _month_end(day)
    raise ValueError(f"Unknown cadence {cadence!r}")


def add_working_days(day: date, count: int) -> date:
    """`count` working days (Monday–Friday) after `day`."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


def deadline_for(end: date, days: int | None = None) -> date:
    return add_working_days(end, deadline_days() if days is None else days)


def periods_between(cadence: str, first: date, last: date) -> Iterator[tuple[date, date]]:
    """Every period (start, end) of `cadence` from the one holding `first` to the one holding `last`."""
    start, end = period_bounds(cadence, first)
    while start <= last:
        yield start, end
        start, end = period_bounds(cadence, end + timedelta(days=1))


def previous_bounds(cadence: str, start: date) -> tuple[date, date]:
    return period_bounds(cadence, start - timedelta(days=1))


def next_bounds(cadence: str, end: date) -> tuple[date, date]:
    return period_bounds(cadence, end + timedelta(days=1))


# ------------------------------------------------------------------------------------------ services


def first_period_day(today: date | None = None) -> date:
    configured = getattr(settings, "PILOTIS_FLASH_FIRST_PERIOD", None)
    if configured:
        return date.fromisoformat(str(configured))
    today = today or timezone.localdate()
    return date(today.year - 1, 1, 1)


def periods_ensure(*, until: date | None = None, since: date | None = None) -> int:
    """Create the missing periods of every cadence up to the one holding `until` (today by default).
    Idempotent; returns how many were created."""
    until = until or timezone.localdate()
    since = since or first_period_day(until)
    created = 0
    for cadence in Cadence.values:
        wanted = list(periods_between(cadence, since, until))
        if not wanted:
            continue
        existing = set(
            ReportingPeriod.objects.filter(cadence=cadence, start__gte=wanted[0][0]).values_list(
                "start", flat=True
            )
        )
        missing = [
            ReportingPeriod(cadence=cadence, start=start, end=end, deadline=deadline_for(end))
            for start, end in wanted
            if start not in existing
        ]
        if missing:
            ReportingPeriod.objects.bulk_create(missing, ignore_conflicts=True)
            created += len(missing)
    return created


def period_get(cadence: str, day: date) -> ReportingPeriod:
    """The period of `cadence` holding `day` (created when missing)."""
    start, end = period_bounds(cadence, day)
    period = ReportingPeriod.objects.filter(cadence=cadence, start=start).first()
    if period is None:
        try:
            with transaction.atomic():
                period = ReportingPeriod.objects.create(
                    cadence=cadence, start=start, end=end, deadline=deadline_for(end)
                )
        except IntegrityError:
            period = ReportingPeriod.objects.get(cadence=cadence, start=start)
    return period


def governance_for(project) -> ProjectGovernance:
    """The project's governance row, created lazily (monthly cadence, files reports)."""
    try:
        return project.governance
    except ProjectGovernance.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            row = ProjectGovernance.objects.create(project=project)
    except IntegrityError:
        row = ProjectGovernance.objects.get(project=project)
    project.governance = row
    return row


def current_period(project, *, today: date | None = None) -> ReportingPeriod:
    """The period of the project's cadence holding today."""
    return period_get(governance_for(project).cadence, today or timezone.localdate())


def previous_period(period: ReportingPeriod) -> ReportingPeriod | None:
    start, _end = previous_bounds(period.cadence, period.start)
    return ReportingPeriod.objects.filter(cadence=period.cadence, start=start).first()
