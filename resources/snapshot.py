"""The capacity plan: a stored snapshot of capacity vs load, built by Celery (resources.tasks).

`snapshot_build(snapshot)` does, in this order:

1. one SQL aggregation of the allocations in range (grouped by project, resource, family, role,
   outsourcing, grain and period start, `Sum(days)`; filtered by project status, objective and the
   project's directorate), joined to the resource's team, directorate, role and kind;
2. each distinct planned period is spread once onto the snapshot's periods (months or ISO weeks) over
   the organisation calendar (resources.capacity.spread), giving a weight matrix W (planned periods ×
   snapshot periods); any sum of loads is then a matrix product (rows × planned periods) @ W;
3. the capacity of every named person as day arrays (numpy): working-day mask × weekly pattern within
   the active dates, minus absences, minus background load, summed per period (`np.add.reduceat`) —
   no Python loop over days × people;
4. rows per family, role, team, directorate and person, with load ÷ capacity precomputed, and the
   drill-down loads per project × resource, stored with `bulk_create` in the build's transaction.

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
from typing import Any

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

    One query for the absences and one for the background loads of these people."""
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
    absent_share = np.zeros_like(gross)
    for resource_id, start, end, share in Absence.objects.filter(
        resource_id__in=index_of, start__lte=last, end__gte=first
    ).values_list("resource_id", "start", "end", "day_share"):
        lo, hi = max(0, (start - first).days), min(n_days, (end - first).days + 1)
        absent_share[index_of[resource_id], lo:hi] += float(share)
    background_share = np.zeros_like(gross)
    for resource_id, start, until, share in (
        BackgroundLoad.objects.filter(resource_id__in=index_of, start__lte=last)
        .exclude(end__lt=first)
        .values_list("resource_id", "start", "end", "share")
    ):
        lo = max(0, (start - first).days)
        hi = n_days if until is None else min(n_days, (until - first).days + 1)
        background_share[index_of[resource_id], lo:hi] += float(share) / 100
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


def _sum_by(keys: Sequence[str], values: np.ndarray, order: dict[str, int]) -> np.ndarray:
    """Rows of `values` summed by key into len(order) rows (keys missing from `order` are dropped)."""
    result = np.zeros((len(order), values.shape[1]))
    index = np.array([order.get(key, -1) for key in keys], dtype=int)
    keep = index >= 0
    if keep.any():
        np.add.at(result, index[keep], values[keep])
    return result


def _rounded(values: np.ndarray) -> list[float]:
    return np.round(values, 2).tolist()


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


def snapshot_compute(params: PlanParams, periods: Sequence[Period]) -> dict[str, Any]:
    """Rows and drill-down loads of the plan (nothing written): {"rows": [...], "loads": [...]}."""
    calendar = portfolio_calendar()
    first, last = periods[0][0], periods[-1][1]
    groups = _allocation_groups(params, first, last)
    people = _people(calendar, periods)
    n_periods = len(periods)

    # Planned periods → weights, and per group the indices it contributes through.
    planned_index: dict[tuple[str, date], int] = {}
    group_planned = np.empty(len(groups), dtype=int)
    amounts = np.empty(len(groups))
    drill_index: dict[tuple, int] = {}
    group_drill = np.empty(len(groups), dtype=int)
    keys: dict[str, list[str]] = {dimension: [] for dimension in DIMENSIONS}
    is_external = np.empty(len(groups), dtype=bool)
    unstaffed = np.empty(len(groups), dtype=bool)
    for g, (
        project,
        resource,
        family,
        profile,
        external,
        grain,
        start,
        kind,
        team,
        directorate,
        main_profile,
        total,
    ) in enumerate(groups):
        group_planned[g] = planned_index.setdefault((grain, start), len(planned_index))
        amounts[g] = float(total or 0)
        named = resource is not None and kind == ResourceKind.PERSON
        profile_key = str(profile or main_profile or NONE_KEY)
        team_key = str(team or NONE_KEY) if named else UNSTAFFED
        directorate_key = str(directorate) if named else UNSTAFFED
        person_key = str(resource) if named else UNSTAFFED
        keys[CapacityDimension.FAMILY].append(family)
        keys[CapacityDimension.PROFILE].append(profile_key)
        keys[CapacityDimension.TEAM].append(team_key)
        keys[CapacityDimension.DIRECTORATE].append(directorate_key)
        keys[CapacityDimension.PERSON].append(person_key)
        is_external[g] = external
        unstaffed[g] = not named
        drill = (project, resource, family, profile_key, team_key, directorate_key, person_key, external)
        group_drill[g] = drill_index.setdefault(drill, len(drill_index))
    weights = _weights(list(planned_index), calendar, periods)

    def loads_of(key_index: np.ndarray, n_keys: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Σ over groups (of `mask`) of days × weights, by key: (keys × planned) @ W."""
        by_planned = np.zeros((n_keys, len(planned_index)))
        select = slice(None) if mask is None else mask
        ok = key_index[select] >= 0
        np.add.at(
            by_planned,
            (key_index[select][ok], group_planned[select][ok]),
            amounts[select][ok],
        )
        return by_planned @ weights if len(planned_index) else np.zeros((n_keys, n_periods))

    labels = _labels()
    rows: list[CapacityRow] = []
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
        order = {key: i for i, key in enumerate(ordered)}
        gross = _sum_by(people_keys[dimension], people.gross, order)
        absent = _sum_by(people_keys[dimension], people.absent, order)
        background = _sum_by(people_keys[dimension], people.background, order)
        net = gross - absent - background
        key_index = (
            np.array([order[key] for key in keys[dimension]], dtype=int) if groups else np.zeros(0, int)
        )
        load = loads_of(key_index, len(order))
        external = loads_of(key_index, len(order), is_external)
        not_staffed = loads_of(key_index, len(order), unstaffed)
        # figures × rows × periods, in ROW_FIGURES order, as stored (float32).
        figures = np.stack([net, gross, absent, background, load, external, not_staffed]).astype(np.float32)
        for key, i in order.items():
            if key == UNSTAFFED:
                label = _("Unstaffed demand")
            elif key == NONE_KEY:
                label = _("No team") if dimension == CapacityDimension.TEAM else _("No role given")
            else:
                label = labels[dimension].get(key, key)
            row = CapacityRow(dimension=dimension, dim_key=key, label=label[:200], order=i)
            row.data = zlib.compress(figures[:, i, :].tobytes(), 1)
            rows.append(row)

    drill_values = loads_of(group_drill, len(drill_index)) if groups else np.zeros((0, n_periods))
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
        values = drill_values[i]
        nonzero = np.flatnonzero(np.abs(values) >= 0.005)
        if not len(nonzero):
            continue
        lo, hi = int(nonzero[0]), int(nonzero[-1]) + 1
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
                "values": _rounded(values[lo:hi]),
            }
        )
    return {"rows": rows, "loads": loads, "summary": _summary(rows, periods)}


def _summary(rows: list[CapacityRow], periods: Sequence[Period]) -> dict[str, Any]:
    """What the page and the report show besides the rows: row counts per dimension, and the teams and
    roles overloaded over the next three months (sum of their load ÷ sum of their capacity)."""
    horizon = sum(1 for lo, _hi in periods if lo < add_months(month_start(periods[0][0]), 3))
    overload = settings.PILOTIS_CAPACITY_OVERLOAD
    overloaded: list[dict[str, Any]] = []
    for row in rows:
        if row.dimension not in (CapacityDimension.TEAM, CapacityDimension.PROFILE):
            continue
        load, capacity = sum(row.load[:horizon]), sum(row.capacity[:horizon])
        if capacity > 0 and load / capacity > overload:
            overloaded.append(
                {
                    "dimension": row.dimension,
                    "dim_key": row.dim_key,
                    "label": row.label,
                    "load": round(load, 1),
                    "capacity": round(capacity, 1),
                    "ratio": round(load / capacity, 3),
                }
            )
    overloaded.sort(key=lambda item: -float(item["ratio"]))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.dimension] = counts.get(row.dimension, 0) + 1
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


def _insert_many(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """Plain multi-row INSERTs (no model instances: a weekly plan stores a thousand rows, and Django's
    per-object preparation would cost more than the computation). Values are passed as parameters."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        with connection.cursor() as cursor:
            execute_values(cursor.cursor, f"INSERT INTO {table} ({names}) VALUES %s", rows, page_size=500)  # noqa: S608
        return
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def snapshot_build(snapshot: CapacitySnapshot, *, stamp: str | None = None) -> CapacitySnapshot:
    """Compute the plan of `snapshot` and replace its rows, in one transaction; READY with `stamp`."""
    began = time.perf_counter()
    stamp = stamp if stamp is not None else source_stamp()
    params = PlanParams.from_json(snapshot.params)
    computed = snapshot_compute(params, snapshot_periods(snapshot))
    with transaction.atomic():
        CapacityRow.objects.filter(snapshot=snapshot).delete()
        CapacityLoad.objects.filter(snapshot=snapshot).delete()
        _insert_many(
            CapacityRow,
            ("snapshot_id", "dimension", "dim_key", "label", "order", "data"),
            [(snapshot.pk, r.dimension, r.dim_key, r.label, r.order, r.data) for r in computed["rows"]],
        )
        load_columns = (
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
        _insert_many(
            CapacityLoad,
            ("snapshot_id", *load_columns, "values"),
            [
                (snapshot.pk, *(load[name] for name in load_columns), json.dumps(load["values"]))
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
