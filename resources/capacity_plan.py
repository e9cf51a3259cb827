"""The capacity plan's services and selectors (the snapshot itself is computed by resources.snapshot).

THE function other parts call after they change what capacity or load depends on (allocations,
absences, background loads, resources, the organisation calendar, a project's status)::

    from resources.capacity_plan import capacity_plan_changed
    capacity_plan_changed(reason="allocations")   # inside the service's transaction

It registers, with `transaction.on_commit`, a debounced rebuild of the plans in use: each snapshot gets
at most one queued build at a time (`queued_at`), sent with a countdown of
settings.PILOTIS_CAPACITY_DEBOUNCE_SECONDS (30 s by default) so that a batch of changes costs one build.
The build itself compares the data's `source_stamp` with the one the snapshot was built from and does
nothing when they match (a redelivered message, a change undone).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from resources.models import CapacityLoad, CapacityRow, CapacitySnapshot, SnapshotStatus
from resources.signals import workload_changed
from resources.snapshot import (
    PlanParams,
    plan_periods,
    snapshot_build,
    snapshot_get_or_create,
    source_stamp,
    source_state,
)

logger = logging.getLogger(__name__)

# A queued build whose message has not started after this long is taken as lost (sent again).
QUEUED_LOST_AFTER = timedelta(minutes=15)
# A build still BUILDING after the task's hard limit lost its worker.
BUILDING_LOST_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
# Snapshots other than the default ones are rebuilt on change while they were asked for recently.
RECENT = timedelta(days=7)


def debounce_seconds() -> int:
    return int(getattr(settings, "PILOTIS_CAPACITY_DEBOUNCE_SECONDS", 30))


def _send(snapshot_id: int, countdown: int) -> None:
    from resources.tasks import build_capacity_snapshot

    try:
        build_capacity_snapshot.apply_async((snapshot_id,), countdown=countdown)
    except Exception:
        # The broker is down: forget the queue mark so that the next request sends again.
        logger.exception("Could not queue the build of capacity snapshot %s", snapshot_id)
        CapacitySnapshot.objects.filter(pk=snapshot_id).update(queued_at=None)


def capacity_snapshot_request(
    params: PlanParams | dict | None = None, *, reason: str, countdown: int | None = None
) -> CapacitySnapshot:
    """The snapshot for `params` (the default plan when None), with a build queued unless one already
    waits. The message is sent after the transaction commits, `countdown` seconds later (the debounce
    delay by default; 0 for "Rebuild now")."""
    if not isinstance(params, PlanParams):
        params = PlanParams.from_json(params)
    countdown = debounce_seconds() if countdown is None else countdown
    now = timezone.now()
    with transaction.atomic():
        snapshot = snapshot_get_or_create(params)
        snapshot = CapacitySnapshot.objects.select_for_update().get(pk=snapshot.pk)
        snapshot.requested_at = now
        if snapshot.queued_at is not None and snapshot.queued_at > now - QUEUED_LOST_AFTER:
            snapshot.save(update_fields=["requested_at"])
            return snapshot
        snapshot.queued_at = now
        snapshot.save(update_fields=["requested_at", "queued_at"])
        snapshot_id = snapshot.pk
        logger.info("Capacity snapshot %s queued (%s) in %s s", snapshot.key, reason, countdown)
        transaction.on_commit(lambda: _send(snapshot_id, countdown))
    return snapshot


def capacity_plan_changed(*, reason: str = "change") -> None:
    """Call after a change to allocations, absences, background loads, resources, the organisation
    calendar or a project's status: queues (debounced, after commit) a rebuild of the default plans and of
    the plans asked for in the last week. Cheap: one query plus one per plan in use. Then sends
    `resources.signals.workload_changed` for the apps above (budgets' workload costing)."""
    since = timezone.now() - RECENT
    starts = {plan_periods(grain)[0][0] for grain in ("month", "week")}
    in_use = list(
        CapacitySnapshot.objects.filter(start__in=starts, requested_at__gte=since).values_list(
            "params", flat=True
        )
    )
    wanted = {PlanParams(grain="month"), *(PlanParams.from_json(params) for params in in_use)}
    for params in sorted(wanted, key=lambda p: (not p.is_default, str(p.as_json()))):
        capacity_snapshot_request(params, reason=reason)
    workload_changed.send(sender=CapacitySnapshot, reason=reason)


def changes_capacity(func):
    """For the services that write what capacity and load are computed from (allocations, absences,
    background load, resources): once the service has succeeded, inside its transaction, ask for the plan
    to be rebuilt (queued on commit, debounced: a batch of changes builds once)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        capacity_plan_changed(reason=func.__name__)
        return result

    return wrapper


def capacity_snapshot_run(*, snapshot_id: int) -> str:
    """Body of the build task: idempotent. Takes the snapshot (BUILDING) unless another run holds it,
    builds unless the data's stamp equals the one it was built from, and always clears the queue mark."""
    now = timezone.now()
    with transaction.atomic():
        snapshot = CapacitySnapshot.objects.select_for_update().filter(pk=snapshot_id).first()
        if snapshot is None:
            return "missing"
        if (
            snapshot.status == SnapshotStatus.BUILDING
            and snapshot.started_at is not None
            and snapshot.started_at > now - BUILDING_LOST_AFTER
        ):
            return "busy"
        previous_status = snapshot.status
        snapshot.queued_at = None
        stamp = source_stamp()
        if previous_status == SnapshotStatus.READY and snapshot.source_stamp == stamp:
            snapshot.checked_at = now
            snapshot.save(update_fields=["queued_at", "checked_at"])
            return "unchanged"
        snapshot.status = SnapshotStatus.BUILDING
        snapshot.started_at = now
        snapshot.save(update_fields=["queued_at", "status", "started_at"])
    try:
        snapshot_build(snapshot, stamp=stamp)
    except Exception as error:
        # Keep the last good rows: a READY plan stays shown (stale) rather than nothing.
        CapacitySnapshot.objects.filter(pk=snapshot_id).update(
            status=SnapshotStatus.READY if previous_status == SnapshotStatus.READY else SnapshotStatus.FAILED,
            error=str(error)[:2000],
        )
        raise
    return "built"


def capacity_snapshots_nightly(*, today: date | None = None) -> list[str]:
    """Queue the default plans (month and week) at once and delete the snapshots of past periods."""
    today = today or timezone.localdate()
    first_months = plan_periods("month", today=today)[0][0]
    first_weeks = plan_periods("week", today=today)[0][0]
    CapacitySnapshot.objects.filter(grain="month", start__lt=first_months).delete()
    CapacitySnapshot.objects.filter(grain="week", start__lt=first_weeks).delete()
    return [
        capacity_snapshot_request(PlanParams(grain=grain), reason="nightly", countdown=0).key
        for grain in ("month", "week")
    ]


# --- selectors -------------------------------------------------------------------------------------


@dataclass
class Freshness:
    """How fresh a snapshot is, for the banner every capacity page shows."""

    snapshot: CapacitySnapshot
    stale: bool
    changed_at: Any  # when the data last changed, if after the build

    @property
    def ready(self) -> bool:
        return self.snapshot.built_at is not None

    @property
    def building(self) -> bool:
        return self.snapshot.status == SnapshotStatus.BUILDING or self.snapshot.queued_at is not None


def snapshot_freshness(snapshot: CapacitySnapshot) -> Freshness:
    """Stale when the data's stamp differs from the build's (one query)."""
    if snapshot.built_at is None:
        return Freshness(snapshot, stale=True, changed_at=None)
    stamp, changed_at = source_state(light=True)
    stale = stamp != (snapshot.summary or {}).get("light_stamp")
    return Freshness(snapshot, stale=stale, changed_at=changed_at if stale else None)


def snapshot_for(params: PlanParams) -> CapacitySnapshot:
    """The snapshot of these filters (created, and its first build queued, when nobody asked before)."""
    snapshot = snapshot_get_or_create(params)
    if (
        snapshot.built_at is None
        and snapshot.queued_at is None
        and snapshot.status != SnapshotStatus.BUILDING
    ):
        snapshot = capacity_snapshot_request(params, reason="first view", countdown=0)
    return snapshot


def snapshot_rows(snapshot: CapacitySnapshot, dimension: str, *, offset: int = 0, limit: int | None = None):
    """The rows of one dimension, in order (one query)."""
    rows = CapacityRow.objects.filter(snapshot=snapshot, dimension=dimension).order_by("order")
    if limit is not None:
        rows = rows[offset : offset + limit]
    return list(rows)


def snapshot_row(snapshot: CapacitySnapshot, dimension: str, key: str) -> CapacityRow | None:
    return CapacityRow.objects.filter(snapshot=snapshot, dimension=dimension, dim_key=key).first()


DRILL_FIELDS = {
    "family": "family",
    "profile": "profile_key",
    "team": "team_key",
    "directorate": "directorate_key",
    "person": "person_key",
}


def snapshot_cell_loads(snapshot: CapacitySnapshot, dimension: str, key: str, period: int) -> list[dict]:
    """Who and what makes the load of one cell: per project and resource, their days in that period,
    largest first (one query)."""
    loads = (
        CapacityLoad.objects.filter(snapshot=snapshot, **{DRILL_FIELDS[dimension]: key}, offset__lte=period)
        .select_related("project", "resource")
        .only(
            "offset",
            "values",
            "family",
            "is_external",
            "project__id",
            "project__code",
            "project__name",
            "project__status",
            "resource__id",
            "resource__name",
            "resource__kind",
        )
    )
    result = []
    for load in loads:
        position = period - load.offset
        if 0 <= position < len(load.values) and load.values[position]:
            result.append({"load": load, "days": load.values[position]})
    # Ties (same days, same project) by person, then in the order the build wrote them: never in the
    # table's physical order, which changes from one build to the next.
    result.sort(
        key=lambda item: (
            -item["days"],
            item["load"].project.code,
            item["load"].resource.name if item["load"].resource_id else "",
            item["load"].pk,
        )
    )
    return result
