"""The capacity plan: a stored snapshot of capacity vs load, built by Celery (resources.tasks).

`snapshot_build(snapshot)` does, in this order:

1. one SQL aggregation of the allocations in range (grouped by project, resource, family, role,
   outsourcing, grain and period start, `Sum(days)`; filtered by project status, objective and the
   project's directorate), joined to the resource's team, directorate, role and kind;
2. each distinct planned period is spread once onto the snapshot's periods (months or ISO weeks) over
   the organisation calendar (resources.capacity.spread), giving a weight matrix W (planned periods ×
   snapshot periods); every load of the plan is then one product (rows × planned periods) @ W;
3. the capacity of every named person as day arrays (numpy): working-day mask × weekly pattern within
   the active dates, minus absences, minus background load, summed per period (`np.add.reduceat`) —
   no Python loop over days × people;
4. rows per family, role, team, directorate and person — every row of every dimension a row of one
   capacity matrix (the people's sums, one `np.bincount`) and one load matrix — and the drill-down loads
   per project × resource, stored as plain rows (ppm.bulk.insert_rows: COPY on PostgreSQL) in the
   build's transaction.

Generic resources and demand on a role carry load, never capacity: it shows in the family and role rows
(`load_unstaffed`) and in an "Unstaffed demand" row of the team, directorate and person views.

The absences and background loads are read here by `_availability_arrays` (one query each); the people
part's `resources.selectors.availability_for` does the same for one resource page.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any, NamedTuple

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.models import Objective, Project
from portfolio.rules import ProjectStatus
from portfolio.scheduling.baselines import portfolio_calendar
from portfolio.scheduling.calendar import WorkingCalendar
from portfolio.scheduling.models import CalendarException
from ppm.bulk import insert_rows
from ppm.models import Directorate
from resources.capacity import (
    Period,
    add_months,
    availability_from_pattern,
    month_periods,
    month_start,
    spread,
    week_periods,
    week_start,
)
from resources.models import (
    ROW_FIGURES,
    Absence,
    Allocation,
    BackgroundLoad,
    CapacityDimension,
    CapacityLoad,
    CapacityRow,
    CapacitySnapshot,
    PeriodGrain,
    Profile,
    Resource,
    ResourceKind,
    RoleFamily,
    SnapshotStatus,
    Team,
)

DEFAULT_STATUSES = (ProjectStatus.APPROVED.value, ProjectStatus.IN_PROGRESS.value)
UNDER_STUDY_STATUSES = (ProjectStatus.DEMAND.value, ProjectStatus.FRAMING.value)
PLANNABLE_STATUSES = (*UNDER_STUDY_STATUSES, *DEFAULT_STATUSES, ProjectStatus.ON_HOLD.value)
UNSTAFFED = "-"
NONE_KEY = "0"
WEEKS_PER_MONTH = 52 / 12
DIMENSIONS = tuple(CapacityDimension.values)


# --- parameters and keys ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanParams:
    """The filters of a capacity plan, in canonical form (the snapshot key hashes them)."""

    grain: str = PeriodGrain.MONTH.value
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    objective: int | None = None
    directorate: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "grain": self.grain,
            "statuses": sorted(self.statuses),
            "objective": self.objective,
            "directorate": self.directorate,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> PlanParams:
        data = data or {}
        statuses = tuple(
            sorted(s for s in data.get("statuses") or DEFAULT_STATUSES if s in PLANNABLE_STATUSES)
        )
        return cls(
            grain=str(data.get("grain"))
            if data.get("grain") in PeriodGrain.values
            else PeriodGrain.MONTH.value,
            statuses=statuses or DEFAULT_STATUSES,
            objective=_int_or_none(data.get("objective")),
            directorate=_int_or_none(data.get("directorate")),
        )

    @property
    def includes_under_study(self) -> bool:
        return any(status in UNDER_STUDY_STATUSES for status in self.statuses)

    @property
    def is_default(self) -> bool:
        return self == PlanParams(grain=self.grain)


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def plan_periods(grain: str, *, today: date | None = None) -> list[Period]:
    """The snapshot's periods: settings.PILOTIS_CAPACITY_MONTHS months from this month, or as many
    weeks (156 for 36 months) from this week's Monday."""
    today = today or timezone.localdate()
    months = settings.PILOTIS_CAPACITY_MONTHS
    if grain == PeriodGrain.WEEK:
        return week_periods(week_start(today), round(months * WEEKS_PER_MONTH))
    return month_periods(month_start(today), months)


def snapshot_key(params: PlanParams, periods: Sequence[Period]) -> str:
    digest = hashlib.sha256(json.dumps(params.as_json(), sort_keys=True).encode()).hexdigest()[:24]
    return f"{params.grain}:{periods[0][0].isoformat()}:{len(periods)}:{digest}"


def source_state(*, light: bool = False) -> tuple[str, Any]:
    """What the plan is built from, in one query: count and last change of the allocations, resources
    and projects (their status filters the plan), count and versions of the absences, background loads
    and organisation closures. Returns (stamp, when the allocations, resources or projects last changed).
    Any write to them changes the stamp; a build that finds the stamp it was built from does nothing.

    `light`: without counting the allocations (the one large table; its last change is read from the
    `updated_at` index) — what the pages compare with the build's light stamp on every view. A deleted
    allocation escapes it, but its service calls capacity_plan_changed(), which queues a build."""
    tables = {
        "allocation": Allocation._meta.db_table,
        "resource": Resource._meta.db_table,
        "project": Project._meta.db_table,
        "absence": Absence._meta.db_table,
        "background": BackgroundLoad._meta.db_table,
        "closure": CalendarException._meta.db_table,
    }
    # Table names from the models' metadata, quoted: nothing here comes from a user.
    count = "" if light else "(SELECT COUNT(*) FROM {allocation}), "
    sql = (
        "SELECT " + count + "(SELECT MAX(updated_at) FROM {allocation}), "  # noqa: S608
        "(SELECT COUNT(*) FROM {resource}), (SELECT MAX(updated_at) FROM {resource}), "
        "(SELECT MAX(updated_at) FROM {project}), "
        "(SELECT COUNT(*) FROM {absence}), (SELECT SUM(version) FROM {absence}), "
        "(SELECT MAX(id) FROM {absence}), "
        "(SELECT COUNT(*) FROM {background}), (SELECT SUM(version) FROM {background}), "
        "(SELECT MAX(id) FROM {background}), "
        "(SELECT COUNT(*) FROM {closure} WHERE project_id IS NULL), "
        "(SELECT SUM(version) FROM {closure} WHERE project_id IS NULL)"
    ).format(**{name: connection.ops.quote_name(table) for name, table in tables.items()})
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    stamp = hashlib.sha256(json.dumps([str(value) for value in row]).encode()).hexdigest()
    first = 0 if light else 1
    changes = [value for value in (row[first], row[first + 2], row[first + 3]) if value is not None]
    if changes and isinstance(changes[0], str):  # SQLite returns text
        from django.utils.dateparse import parse_datetime

        changes = [parse_datetime(value) for value in changes]
    changed_at = max(changes) if changes else None
    if changed_at is not None and timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, UTC)
    return stamp, changed_at


def source_stamp() -> str:
    return source_state()[0]


# --- building --------------------------------------------------------------------------------------


def _allocation_groups(params: PlanParams, first: date, last: date) -> list[tuple]:
    """The allocations overlapping [first, last], aggregated in SQL: one row per project × resource ×
    family × role × outsourcing × grain × period, with the resource's team, directorate, role and kind."""
    allocations = Allocation.objects.filter(
        project__status__in=params.statuses,
        period_start__lte=last,
        # A month that began before `first` still overlaps it; weeks likewise.
        period_start__gte=add_months(month_start(first), -1),
    )
    if params.objective is not None:
        allocations = allocations.filter(project__objectives=params.objective)
    if params.directorate is not None:
        allocations = allocations.filter(project__directorate=params.directorate)
    return list(
        allocations.order_by()
        .values_list(
            "project_id",
            "resource_id",
            "family",
            "profile_id",
            "is_external",
            "grain",
            "period_start",
            "resource__kind",
            "resource__team_id",
            "resource__directorate_id",
            "resource__primary_profile_id",
        )
        .annotate(total=Sum("days"))
    )


def _weights(
    planned: Sequence[tuple[str, date]], calendar: WorkingCalendar, targets: Sequence[Period]
) -> np.ndarray:
    """W[i, t]: the share of planned period i's days that falls in target period t."""
    weights = np.zeros((len(planned), len(targets)))
    for index, (grain, start) in enumerate(planned):
        end = (
            add_months(start, 1) - timedelta(days=1)
            if grain == PeriodGrain.MONTH
            else start + timedelta(days=6)
        )
        weights[index] = spread(1.0, (start, end), calendar, targets)
    return weights


@dataclass
class _People:
    ids: list[int]
    names: list[str]
    team: list[str]
    directorate: list[str]
    profile: list[str]
    family: list[str]
    gross: np.ndarray  # people × periods
    absent: np.ndarray
    background: np.ndarray


def _availability_arrays(
    people: list[tuple], calendar: WorkingCalendar, targets: Sequence[Period]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gross, absent and background person-days per person × target period, from day arrays.

    `people`: the active named resources (resources.snapshot._people). One query for the absences and
    one for the background loads of these people."""
    first, last = targets[0][0], targets[-1][1]
    n_days = (last - first).days + 1
    days = [first + timedelta(days=i) for i in range(n_days)]
    working = np.array([calendar.is_working(day) and day.weekday() < 5 for day in days], dtype=float)
    weekday = np.array([min(day.weekday(), 4) for day in days])
    index_of = {pk: i for i, (pk, *_rest) in enumerate(people)}
    patterns = np.array([availability_from_pattern(row[6]) for row in people]).reshape(len(people), 5)
    gross = patterns[:, weekday] * working  # people × days
    for i, row in enumerate(people):
        active_from, active_until = row[7], row[8]
        if active_from and active_from > first:
            gross[i, : min(n_days, (active_from - first).days)] = 0
        if active_until and active_until < last:
            gross[i, max(0, (active_until - first).days + 1) :] = 0
    # The people's rows found by the conditions that selected them (a join, not hundreds of ids to
    # plan), each person's in their model's order (overlapping shares are added in that order).
    people_rows = {"resource__kind": ResourceKind.PERSON, "resource__is_active": True}
    absent_share = np.zeros_like(gross)
    for resource_id, start, end, share in (
        Absence.objects.filter(**people_rows, start__lte=last, end__gte=first)
        .order_by("resource_id", "start", "pk")
        .values_list("resource_id", "start", "end", "day_share")
    ):
        if (person := index_of.get(resource_id)) is not None:  # None: activated since `people` was read
            lo, hi = max(0, (start - first).days), min(n_days, (end - first).days + 1)
            absent_share[person, lo:hi] += float(share)
    background_share = np.zeros_like(gross)
    for resource_id, start, until, share in (
        BackgroundLoad.objects.filter(**people_rows, start__lte=last)
        .exclude(end__lt=first)
        .order_by("resource_id", "start", "pk")
        .values_list("resource_id", "start", "end", "share")
    ):
        if (person := index_of.get(resource_id)) is not None:
            lo = max(0, (start - first).days)
            hi = n_days if until is None else min(n_days, (until - first).days + 1)
            background_share[person, lo:hi] += float(share) / 100
    np.minimum(absent_share, 1, out=absent_share)
    np.minimum(background_share, 1, out=background_share)
    absent = gross * absent_share
    background = (gross - absent) * background_share
    starts = [(lo - first).days for lo, _hi in targets]
    if not people:
        empty = np.zeros((0, len(targets)))
        return empty, empty, empty
    return (
        np.add.reduceat(gross, starts, axis=1),
        np.add.reduceat(absent, starts, axis=1),
        np.add.reduceat(background, starts, axis=1),
    )


def _people(calendar: WorkingCalendar, targets: Sequence[Period]) -> _People:
    rows = list(
        Resource.objects.filter(kind=ResourceKind.PERSON, is_active=True)
        .order_by("name", "pk")
        .values_list(
            "pk",
            "name",
            "team_id",
            "directorate_id",
            "primary_profile_id",
            "primary_profile__family",
            "week_pattern",
            "active_from",
            "active_until",
        )
    )
    gross, absent, background = _availability_arrays(rows, calendar, targets)
    return _People(
        ids=[row[0] for row in rows],
        names=[row[1] for row in rows],
        team=[str(row[2] or NONE_KEY) for row in rows],
        directorate=[str(row[3]) for row in rows],
        profile=[str(row[4]) for row in rows],
        family=[row[5] for row in rows],
        gross=gross,
        absent=absent,
        background=background,
    )


# OpenBLAS shares a matrix product among threads from 4 × 65,536 multiply-adds. For products as small as
# the plan's, waking threads costs more than it saves, and far more on a busy 2-core worker: the weekly
# plan's (2,400 × 15) @ (15 × 156) took 15 ms in one call against 0.6 ms by blocks of rows (same values:
# each row's result does not depend on the rows beside it).
_ONE_THREAD_PRODUCT = 4 * 65536


def _product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """left @ right, by blocks of rows small enough for one BLAS thread."""
    block = max(1, _ONE_THREAD_PRODUCT // max(1, right.size))
    if len(left) <= block:
        return left @ right
    return np.concatenate([left[begin : begin + block] @ right for begin in range(0, len(left), block)])


def _sum_rows(index: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    """Rows of `values` added into `n_rows` rows, row k into row index[k]: each sum taken in the order of
    `values`' rows, as `np.add.at` would, in one `np.bincount` (far quicker)."""
    width = values.shape[1]
    if not width:
        return np.zeros((n_rows, 0))
    cells = (index[:, None] * width + np.arange(width)).ravel()
    return np.bincount(cells, weights=values.ravel(), minlength=n_rows * width).reshape(n_rows, width)


def _labels() -> dict[str, dict[str, str]]:
    return {
        CapacityDimension.FAMILY: {value: str(label) for value, label in RoleFamily.choices},
        CapacityDimension.PROFILE: {str(pk): name for pk, name in Profile.objects.values_list("pk", "name")},
        CapacityDimension.TEAM: {str(pk): name for pk, name in Team.objects.values_list("pk", "name")},
        CapacityDimension.DIRECTORATE: {
            str(pk): f"{code} · {name}"
            for pk, code, name in Directorate.objects.values_list("pk", "code", "name")
        },
    }


def _row_label(dimension: str, key: str, labels: dict[str, dict[str, str]]) -> str:
    if key == UNSTAFFED:
        label = _("Unstaffed demand")
    elif key == NONE_KEY:
        label = _("No team") if dimension == CapacityDimension.TEAM else _("No role given")
    else:
        label = labels[dimension].get(key, key)
    return label[:200]


class PlanRow(NamedTuple):
    """A row of the plan as CapacityRow stores it (`data`: its figures, compressed)."""

    dimension: str
    dim_key: str
    label: str
    order: int
    data: bytes


def snapshot_compute(params: PlanParams, periods: Sequence[Period]) -> dict[str, Any]:
    """Rows (PlanRow) and drill-down loads of the plan, nothing written: {"rows", "loads", "summary"}.

    Every row of every dimension is one row of two matrices: the people's gross, absent and background
    days summed into the rows they count in (one `np.bincount`), and the groups' days per planned period
    summed into their load, external load and unstaffed load rows and their drill-down rows (one
    `np.bincount`), spread onto the periods by a single product with W."""
    calendar = portfolio_calendar()
    first, last = periods[0][0], periods[-1][1]
    groups = _allocation_groups(params, first, last)
    people = _people(calendar, periods)
    n_periods = len(periods)

    # Per group (column by column): its planned period, its days, its key in each dimension and its
    # drill-down load; planned periods and drill-down loads numbered in the order groups first name them.
    (
        projects,
        resources,
        families,
        profiles,
        externals,
        grains,
        starts,
        kinds,
        teams,
        directorates,
        main_profiles,
        totals,
    ) = list(zip(*groups, strict=True)) or [()] * 12
    named_person = [
        resource is not None and kind == ResourceKind.PERSON
        for resource, kind in zip(resources, kinds, strict=True)
    ]
    keys: dict[str, list[str]] = {
        CapacityDimension.FAMILY: list(families),
        CapacityDimension.PROFILE: [
            str(profile or main_profile or NONE_KEY)
            for profile, main_profile in zip(profiles, main_profiles, strict=True)
        ],
        CapacityDimension.TEAM: [
            str(team or NONE_KEY) if is_named else UNSTAFFED
            for team, is_named in zip(teams, named_person, strict=True)
        ],
        CapacityDimension.DIRECTORATE: [
            str(directorate) if is_named else UNSTAFFED
            for directorate, is_named in zip(directorates, named_person, strict=True)
        ],
        CapacityDimension.PERSON: [
            str(resource) if is_named else UNSTAFFED
            for resource, is_named in zip(resources, named_person, strict=True)
        ],
    }
    planned_index: dict[tuple[str, date], int] = {}
    group_planned = np.array(
        [
            planned_index.setdefault(planned, len(planned_index))
            for planned in zip(grains, starts, strict=True)
        ],
        dtype=np.intp,
    )
    amounts = np.array([float(total or 0) for total in totals])
    drill_index: dict[tuple, int] = {}
    drills = zip(
        projects,
        resources,
        families,
        keys[CapacityDimension.PROFILE],
        keys[CapacityDimension.TEAM],
        keys[CapacityDimension.DIRECTORATE],
        keys[CapacityDimension.PERSON],
        externals,
        strict=True,
    )
    group_drill = np.array(
        [drill_index.setdefault(drill, len(drill_index)) for drill in drills], dtype=np.intp
    )
    is_external = np.array(externals, dtype=bool)
    unstaffed = ~np.array(named_person, dtype=bool)
    weights = _weights(list(planned_index), calendar, periods)

    labels = _labels()
    people_keys: dict[str, list[str]] = {
        CapacityDimension.FAMILY: people.family,
        CapacityDimension.PROFILE: people.profile,
        CapacityDimension.TEAM: people.team,
        CapacityDimension.DIRECTORATE: people.directorate,
        CapacityDimension.PERSON: [str(pk) for pk in people.ids],
    }
    labels[CapacityDimension.PERSON] = {
        str(pk): name for pk, name in zip(people.ids, people.names, strict=True)
    }
    # The plan's rows, dimension after dimension: (dimension, key, label, order); per dimension, the row
    # of each person and of each group.
    plan_rows: list[tuple[str, str, str, int]] = []
    person_rows: list[list[int]] = []
    group_rows: list[list[int]] = []
    for dimension in DIMENSIONS:
        present = set(people_keys[dimension]) | set(keys[dimension])
        if dimension == CapacityDimension.FAMILY:
            ordered = [value for value in RoleFamily.values if value in present]
        else:
            names = labels[dimension]
            named = sorted(
                (key for key in present if key not in (UNSTAFFED, NONE_KEY)),
                key=lambda key: (str(names.get(key, key)).lower(), key),
            )
            ordered = named + [key for key in (NONE_KEY, UNSTAFFED) if key in present]
        row_of = {key: len(plan_rows) + i for i, key in enumerate(ordered)}
        plan_rows += [
            (dimension, key, _row_label(dimension, key, labels), i) for i, key in enumerate(ordered)
        ]
        person_rows.append([row_of[key] for key in people_keys[dimension]])
        group_rows.append([row_of[key] for key in keys[dimension]])
    n_rows = len(plan_rows)

    # Capacity: per row, gross | absent | background (periods each), summed over its people.
    capacity = _sum_rows(
        np.array(person_rows, dtype=np.intp).reshape(-1),
        np.tile(np.hstack([people.gross, people.absent, people.background]), (len(DIMENSIONS), 1)),
        n_rows,
    )
    gross, absent, background = np.split(capacity, 3, axis=1)

    # Load: rows [0, n) all the load, [n, 2n) the external load, [2n, 3n) the unstaffed load, then one row
    # per drill-down load; each summed per planned period, then spread: (rows × planned) @ W.
    group_row = np.array(group_rows, dtype=np.intp).reshape(-1)
    planned = np.tile(group_planned, len(DIMENSIONS))
    days = np.tile(amounts, len(DIMENSIONS))
    external_groups = np.tile(is_external, len(DIMENSIONS))
    unstaffed_groups = np.tile(unstaffed, len(DIMENSIONS))
    n_load_rows = 3 * n_rows + len(drill_index)
    if planned_index:
        load_row = np.concatenate(
            [group_row, n_rows + group_row[external_groups], 2 * n_rows + group_row[unstaffed_groups]]
            + [3 * n_rows + group_drill]
        )
        by_planned = np.bincount(
            load_row * len(planned_index)
            + np.concatenate([planned, planned[external_groups], planned[unstaffed_groups], group_planned]),
            weights=np.concatenate([days, days[external_groups], days[unstaffed_groups], amounts]),
            minlength=n_load_rows * len(planned_index),
        ).reshape(n_load_rows, len(planned_index))
        spread_loads = _product(by_planned, weights)
    else:
        spread_loads = np.zeros((n_load_rows, n_periods))
    load, load_external, load_unstaffed = np.split(spread_loads[: 3 * n_rows], 3)

    # rows × figures × periods, in ROW_FIGURES order, as stored (float32).
    figures = np.stack(
        [gross - absent - background, gross, absent, background, load, load_external, load_unstaffed],
        axis=1,
    ).astype(np.float32)
    rows = [
        PlanRow(dimension, key, label, order, zlib.compress(matrix.tobytes(), 1))
        for (dimension, key, label, order), matrix in zip(plan_rows, figures, strict=True)
    ]

    drill_values = spread_loads[3 * n_rows :]
    rounded = np.round(drill_values, 2)
    shown = np.abs(drill_values) >= 0.005
    any_shown = shown.any(axis=1)
    shown_from = shown.argmax(axis=1)
    shown_to = n_periods - shown[:, ::-1].argmax(axis=1)
    loads = []
    for (
        project,
        resource,
        family,
        profile_key,
        team_key,
        directorate_key,
        person_key,
        external,
    ), i in drill_index.items():
        if not any_shown[i]:
            continue
        lo, hi = int(shown_from[i]), int(shown_to[i])
        loads.append(
            {
                "project_id": project,
                "resource_id": resource,
                "family": family,
                "profile_key": profile_key,
                "team_key": team_key,
                "directorate_key": directorate_key,
                "person_key": person_key,
                "is_external": bool(external),
                "offset": lo,
                "values": rounded[i, lo:hi].tolist(),
            }
        )
    return {"rows": rows, "loads": loads, "summary": _summary(plan_rows, figures, periods)}


def _summary(
    plan_rows: Sequence[tuple[str, str, str, int]], figures: np.ndarray, periods: Sequence[Period]
) -> dict[str, Any]:
    """What the page and the report show besides the rows: row counts per dimension, and the teams and
    roles overloaded over the next three months (sum of their load ÷ sum of their capacity), from the
    figures as the rows store and decode them (float32, rounded to 2 decimals: CapacityRow.figures)."""
    horizon = sum(1 for lo, _hi in periods if lo < add_months(month_start(periods[0][0]), 3))
    overload = settings.PILOTIS_CAPACITY_OVERLOAD
    capacity_at, load_at = ROW_FIGURES.index("capacity"), ROW_FIGURES.index("load")
    overloaded: list[dict[str, Any]] = []
    for (dimension, key, label, _order), matrix in zip(plan_rows, figures, strict=True):
        if dimension not in (CapacityDimension.TEAM, CapacityDimension.PROFILE):
            continue
        decoded = np.round(matrix[[capacity_at, load_at], :horizon].astype(np.float64), 2).tolist()
        capacity, load = sum(decoded[0]), sum(decoded[1])
        if capacity > 0 and load / capacity > overload:
            overloaded.append(
                {
                    "dimension": dimension,
                    "dim_key": key,
                    "label": label,
                    "load": round(load, 1),
                    "capacity": round(capacity, 1),
                    "ratio": round(load / capacity, 3),
                }
            )
    overloaded.sort(key=lambda item: -float(item["ratio"]))
    counts: dict[str, int] = {}
    for dimension, *_rest in plan_rows:
        counts[dimension] = counts.get(dimension, 0) + 1
    return {"counts": counts, "overloaded_next_quarter": overloaded, "horizon": horizon}


def snapshot_get_or_create(params: PlanParams, *, today: date | None = None) -> CapacitySnapshot:
    periods = plan_periods(params.grain, today=today)
    key = snapshot_key(params, periods)
    snapshot, _created = CapacitySnapshot.objects.get_or_create(
        key=key,
        defaults={
            "params": params.as_json(),
            "grain": params.grain,
            "start": periods[0][0],
            "periods": [[lo.isoformat(), hi.isoformat()] for lo, hi in periods],
        },
    )
    return snapshot


def snapshot_periods(snapshot: CapacitySnapshot) -> list[Period]:
    return [(date.fromisoformat(lo), date.fromisoformat(hi)) for lo, hi in snapshot.periods]


LOAD_COLUMNS = (
    "project_id",
    "resource_id",
    "family",
    "profile_key",
    "team_key",
    "directorate_key",
    "person_key",
    "is_external",
    "offset",
)


def snapshot_build(snapshot: CapacitySnapshot, *, stamp: str | None = None) -> CapacitySnapshot:
    """Compute the plan of `snapshot` and replace its rows, in one transaction; READY with `stamp`."""
    began = time.perf_counter()
    stamp = stamp if stamp is not None else source_stamp()
    params = PlanParams.from_json(snapshot.params)
    computed = snapshot_compute(params, snapshot_periods(snapshot))
    with transaction.atomic():
        CapacityRow.objects.filter(snapshot=snapshot).delete()
        CapacityLoad.objects.filter(snapshot=snapshot).delete()
        insert_rows(
            CapacityRow,
            ("snapshot_id", *PlanRow._fields),
            [(snapshot.pk, *row) for row in computed["rows"]],
        )
        insert_rows(
            CapacityLoad,
            ("snapshot_id", *LOAD_COLUMNS, "values"),
            [
                (snapshot.pk, *(load[name] for name in LOAD_COLUMNS), json.dumps(load["values"]))
                for load in computed["loads"]
            ],
        )
        now = timezone.now()
        snapshot.status = SnapshotStatus.READY
        snapshot.built_at = snapshot.checked_at = now
        snapshot.source_stamp = stamp
        snapshot.summary = {**computed["summary"], "light_stamp": source_state(light=True)[0]}
        snapshot.error = ""
        snapshot.build_ms = int((time.perf_counter() - began) * 1000)
        snapshot.save(
            update_fields=["status", "built_at", "checked_at", "source_stamp", "summary", "error", "build_ms"]
        )
    return snapshot


def objective_choices() -> list[tuple[int, str]]:
    return list(Objective.objects.order_by("code").values_list("pk", "code"))
