"""Drift between two states of a schedule: a baseline and today's plan, or two baselines (no ORM here).

A *state* is a list of `TaskDates` (one per task, keyed by the live task's id; a baseline's task whose
task was deleted since keeps a key of its own so it reads as removed). `compare` matches the two states
by key and returns, per task, the drift of its start and finish in **working days** of the project's
calendar (positive = later than the reference, i.e. late), plus what was added and removed.

`milestone_trend` lays out, for each milestone, its date at each baseline and today: the data of the
milestone trend chart (one series per milestone, one point per baseline).

`compare_portfolio` does the same for a portfolio baseline: per project, the drift of its forecast
finish and of its milestones.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

# A finish later than the reference by more than this many working days reads as "danger".
LATE_DANGER_DAYS = 10


class Calendar(Protocol):
    def working_days_between(self, start: date, end: date) -> int: ...


class Status:
    SAME = "same"
    MOVED = "moved"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class TaskDates:
    """One task in one state of the schedule."""

    key: Hashable
    wbs: str
    name: str
    start: date | None
    finish: date | None
    duration: int = 0
    milestone: bool = False
    estimate_days: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TaskDrift:
    key: Hashable
    wbs: str
    name: str
    milestone: bool
    status: str
    reference_start: date | None
    reference_finish: date | None
    start: date | None
    finish: date | None
    start_drift: int | None  # working days, positive = later than the reference
    finish_drift: int | None
    duration_drift: int | None
    tone: str


@dataclass(frozen=True, slots=True)
class Comparison:
    rows: list[TaskDrift]
    added: int = 0
    removed: int = 0
    moved: int = 0
    # The latest finish of each state and their drift (the project's end).
    reference_finish: date | None = None
    finish: date | None = None
    finish_drift: int | None = None
    milestones_late: int = 0
    summary_tone: str = "neutral"
    extra: dict = field(default_factory=dict)


def drift_days(calendar: Calendar, reference: date | None, current: date | None) -> int | None:
    """Working days from `reference` to `current` (positive when later); None if either is missing."""
    if reference is None or current is None:
        return None
    return calendar.working_days_between(reference, current)


def drift_tone(days: int | None, *, danger_after: int = LATE_DANGER_DAYS) -> str:
    """The tone of a drift (ppm.presentation.Tone values): ahead success, on time neutral, late warning."""
    if days is None:
        return "neutral"
    if days < 0:
        return "success"
    if days == 0:
        return "neutral"
    return "danger" if days > danger_after else "warning"


def _sort_key(row: TaskDrift) -> tuple:
    # WBS numbers sort numerically ("1.10" after "1.9"); removed tasks keep their baseline WBS.
    parts = tuple(int(p) if p.isdigit() else 0 for p in row.wbs.split(".")) if row.wbs else (10**9,)
    return (parts, row.status == Status.REMOVED, str(row.name))


def compare(reference: Iterable[TaskDates], current: Iterable[TaskDates], calendar: Calendar) -> Comparison:
    """Per task, the drift of `current` against `reference` (see the module's docstring).

    Rows are in WBS order of the current state (removed tasks at their former WBS). O(tasks).
    """
    before = {t.key: t for t in reference}
    after = {t.key: t for t in current}
    rows: list[TaskDrift] = []
    added = removed = moved = milestones_late = 0
    for key, now in after.items():
        then = before.get(key)
        if then is None:
            added += 1
            rows.append(
                TaskDrift(
                    key, now.wbs, now.name, now.milestone, Status.ADDED,
                    None, None, now.start, now.finish, None, None, None, "info",
                )
            )  # fmt: skip
            continue
        start_drift = drift_days(calendar, then.start, now.start)
        finish_drift = drift_days(calendar, then.finish, now.finish)
        duration_drift = now.duration - then.duration
        changed = (then.start, then.finish) != (now.start, now.finish) or duration_drift != 0
        moved += changed
        if now.milestone and finish_drift is not None and finish_drift > 0:
            milestones_late += 1
        rows.append(
            TaskDrift(
                key, now.wbs, now.name, now.milestone, Status.MOVED if changed else Status.SAME,
                then.start, then.finish, now.start, now.finish,
                start_drift, finish_drift, duration_drift, drift_tone(finish_drift),
            )
        )  # fmt: skip
    for key, then in before.items():
        if key in after:
            continue
        removed += 1
        rows.append(
            TaskDrift(
                key, then.wbs, then.name, then.milestone, Status.REMOVED,
                then.start, then.finish, None, None, None, None, None, "neutral",
            )
        )  # fmt: skip
    rows.sort(key=_sort_key)
    reference_finish = max((t.finish for t in before.values() if t.finish), default=None)
    finish = max((t.finish for t in after.values() if t.finish), default=None)
    project_drift = drift_days(calendar, reference_finish, finish)
    return Comparison(
        rows=rows,
        added=added,
        removed=removed,
        moved=moved,
        reference_finish=reference_finish,
        finish=finish,
        finish_drift=project_drift,
        milestones_late=milestones_late,
        summary_tone=drift_tone(project_drift),
    )


# ------------------------------------------------------------------------------ milestone trend


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One state of the schedule on the trend chart: a baseline (or today) and its milestones."""

    label: str
    taken_on: date
    milestones: Sequence[TaskDates]


@dataclass(frozen=True, slots=True)
class Trend:
    labels: list[str]  # one per point, oldest first, "today" last
    taken_on: list[date]
    # One series per milestone (in the order of their latest known date): key, name, date at each point.
    series: list[tuple[Hashable, str, list[date | None]]]


def milestone_trend(points: Sequence[TrendPoint]) -> Trend:
    """For each milestone that appears in any point, its date at each point (None where it is absent).

    Points are taken in the order given (oldest baseline first, today last). A milestone is named as in
    the latest point where it appears.
    """
    names: dict[Hashable, str] = {}
    dates: dict[Hashable, list[date | None]] = {}
    for i, point in enumerate(points):
        for milestone in point.milestones:
            names[milestone.key] = milestone.name
            column = dates.setdefault(milestone.key, [None] * len(points))
            column[i] = milestone.finish or milestone.start

    def latest(key: Hashable) -> date:
        return next((d for d in reversed(dates[key]) if d is not None), date.max)

    keys = sorted(dates, key=lambda k: (latest(k), names[k]))
    return Trend(
        labels=[p.label for p in points],
        taken_on=[p.taken_on for p in points],
        series=[(key, names[key], dates[key]) for key in keys],
    )


# ------------------------------------------------------------------------------------ portfolio


@dataclass(frozen=True, slots=True)
class ProjectDates:
    """One project in one state of the portfolio."""

    key: Hashable  # the project's id
    code: str
    name: str
    planned_start: date | None
    planned_end: date | None
    forecast_start: date | None
    forecast_finish: date | None
    milestones: Sequence[tuple[Hashable, str, date | None]] = ()  # (task id, name, date)


@dataclass(frozen=True, slots=True)
class ProjectDrift:
    key: Hashable
    code: str
    name: str
    status: str
    reference_end: date | None  # the reference's forecast finish, else its planned end
    end: date | None  # the current forecast finish, else planned end
    end_drift: int | None
    planned_end_changed: bool
    milestones: list[tuple[str, date | None, date | None, int | None]]  # name, then, now, drift
    tone: str


def _end(p: ProjectDates) -> date | None:
    return p.forecast_finish or p.planned_end


def compare_portfolio(
    reference: Iterable[ProjectDates], current: Iterable[ProjectDates], calendar: Calendar
) -> list[ProjectDrift]:
    """Per project, the drift of its end (forecast finish, else planned end) and of each milestone."""
    before = {p.key: p for p in reference}
    after = {p.key: p for p in current}
    rows: list[ProjectDrift] = []
    for key, now in after.items():
        then = before.get(key)
        if then is None:
            rows.append(
                ProjectDrift(key, now.code, now.name, Status.ADDED, None, _end(now), None, False, [], "info")
            )
            continue
        drift = drift_days(calendar, _end(then), _end(now))
        then_milestones = {m[0]: m for m in then.milestones}
        now_milestones = {m[0]: m for m in now.milestones}
        milestones = []
        for mkey, (_k, name, day) in now_milestones.items():
            old = then_milestones.get(mkey)
            old_day = old[2] if old else None
            milestones.append((name, old_day, day, drift_days(calendar, old_day, day)))
        for mkey, (_k, name, day) in then_milestones.items():
            if mkey not in now_milestones:
                milestones.append((name, day, None, None))
        changed = _end(then) != _end(now) or any(m[3] for m in milestones)
        rows.append(
            ProjectDrift(
                key, now.code, now.name, Status.MOVED if changed else Status.SAME,
                _end(then), _end(now), drift, then.planned_end != now.planned_end, milestones,
                drift_tone(drift),
            )
        )  # fmt: skip
    for key, then in before.items():
        if key not in after:
            rows.append(
                ProjectDrift(
                    key, then.code, then.name, Status.REMOVED, _end(then), None, None, False, [], "neutral"
                )
            )
    rows.sort(key=lambda r: (r.code, r.status == Status.REMOVED))
    return rows
