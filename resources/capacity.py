"""Pure capacity arithmetic (no ORM): person-days available per day and per period.

A person's **gross capacity** on a day = their weekly pattern's share of that weekday (1, 0.5, 0) when the
day is a working day of the organisation calendar and they are active; **absences** take their share of
it; **background load** (run, support) takes its percentage of what remains; **net capacity** (what
projects can use) is the rest. A generic resource has no capacity.

Periods: `month_periods(start, n)` and `week_periods(start, n)` give (first day, last day) pairs; loads
planned per month or week are spread over the period's working days (`spread`).

Callers load the data (resources.selectors) and pass plain values; resources.snapshot builds the
capacity plan from the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from portfolio.scheduling.calendar import WorkingCalendar

Period = tuple[date, date]


@dataclass(frozen=True)
class Availability:
    """What capacity depends on, for one person. Shares are fractions (0–1), dates inclusive."""

    pattern: tuple[float, float, float, float, float] = (1.0, 1.0, 1.0, 1.0, 1.0)
    active_from: date | None = None
    active_until: date | None = None
    absences: tuple[tuple[date, date, float], ...] = field(default_factory=tuple)
    background: tuple[tuple[date, date | None, float], ...] = field(default_factory=tuple)
    generic: bool = False


@dataclass(frozen=True)
class PeriodCapacity:
    gross: float
    absent: float
    background: float

    @property
    def net(self) -> float:
        return self.gross - self.absent - self.background


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_periods(start: date, count: int) -> list[Period]:
    first = month_start(start)
    return [(add_months(first, i), add_months(first, i + 1) - timedelta(days=1)) for i in range(count)]


def week_periods(start: date, count: int) -> list[Period]:
    first = week_start(start)
    return [(first + timedelta(weeks=i), first + timedelta(weeks=i, days=6)) for i in range(count)]


def period_of(grain: str, day: date) -> Period:
    if grain == "week":
        return week_periods(day, 1)[0]
    return month_periods(day, 1)[0]


def _share_on(day: date, ranges: Iterable[tuple[date, date | None, float]]) -> float:
    total = 0.0
    for start, end, share in ranges:
        if start <= day and (end is None or day <= end):
            total += share
    return min(total, 1.0)


def day_capacity(availability: Availability, calendar: WorkingCalendar, day: date) -> PeriodCapacity:
    """Gross, absent and background person-days of one day."""
    if availability.generic or day.weekday() > 4 or not calendar.is_working(day):
        return PeriodCapacity(0.0, 0.0, 0.0)
    if availability.active_from and day < availability.active_from:
        return PeriodCapacity(0.0, 0.0, 0.0)
    if availability.active_until and day > availability.active_until:
        return PeriodCapacity(0.0, 0.0, 0.0)
    gross = float(availability.pattern[day.weekday()])
    absent = gross * _share_on(day, availability.absences)
    background = (gross - absent) * _share_on(day, availability.background)
    return PeriodCapacity(gross, absent, background)


def period_capacity(availability: Availability, calendar: WorkingCalendar, period: Period) -> PeriodCapacity:
    gross = absent = background = 0.0
    day, last = period
    while day <= last:
        one = day_capacity(availability, calendar, day)
        gross += one.gross
        absent += one.absent
        background += one.background
        day += timedelta(days=1)
    return PeriodCapacity(gross, absent, background)


def capacity_by_period(
    availability: Availability, calendar: WorkingCalendar, periods: Sequence[Period]
) -> list[PeriodCapacity]:
    return [period_capacity(availability, calendar, period) for period in periods]


def spread(
    days: Decimal | float, period: Period, calendar: WorkingCalendar, targets: Sequence[Period]
) -> list[float]:
    """`days` planned over `period`, spread evenly over its working days, summed into each of `targets`.

    A period with no working day (a closure) puts its load on its first day, so nothing is lost."""
    start, end = period
    total_working = calendar.working_days_in(start, end) if end >= start else 0
    values = [0.0] * len(targets)
    amount = float(days)
    if total_working <= 0:
        for i, (lo, hi) in enumerate(targets):
            if lo <= start <= hi:
                values[i] += amount
        return values
    per_day = amount / total_working
    for i, (lo, hi) in enumerate(targets):
        first, last = max(lo, start), min(hi, end)
        if first <= last:
            values[i] += per_day * calendar.working_days_in(first, last)
    return values


def availability_from_pattern(pattern: Sequence) -> tuple[float, float, float, float, float]:
    """A stored weekly pattern (five strings or numbers) as floats; a bad pattern counts as full time."""
    try:
        values = tuple(float(value) for value in pattern)
    except (TypeError, ValueError):
        return (1.0, 1.0, 1.0, 1.0, 1.0)
    if len(values) != 5 or any(not 0 <= value <= 1 for value in values):
        return (1.0, 1.0, 1.0, 1.0, 1.0)
    return values
