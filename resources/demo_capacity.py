"""The capacity part of the demonstration data: the first capacity snapshots (by month and by week),
built at once so that the capacity page shows the demo's overloaded teams from the first visit.
Idempotent: a plan already built from the same data is left as it is."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.utils.translation import ngettext_lazy

KINDS = {
    "capacity_snapshots": ngettext_lazy(
        "%(count)d capacity plan snapshot", "%(count)d capacity plan snapshots", "count"
    ),
}


def load(*, today: date) -> Counter:
    from resources.capacity_plan import capacity_snapshot_run
    from resources.snapshot import PlanParams, snapshot_get_or_create

    created: Counter = Counter()
    for grain in ("month", "week"):
        snapshot = snapshot_get_or_create(PlanParams(grain=grain), today=today)
        if capacity_snapshot_run(snapshot_id=snapshot.pk) == "built":
            created["capacity_snapshots"] += 1
    return created
