"""The costing part of the demonstration data: the first stored costing of the portfolio, computed at once
(in the demo's transaction, which it covers) so that the costing page reads it up to date from the first
visit, with no worker running. Idempotent: left as it is when nothing changed since it was computed."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.utils.translation import ngettext_lazy

KINDS = {
    "costing_snapshots": ngettext_lazy("%(count)d costing snapshot", "%(count)d costing snapshots", "count"),
}


def load(*, today: date) -> Counter:
    from budgets.costing_snapshot import costing_snapshot_compute_now

    created: Counter = Counter()
    if costing_snapshot_compute_now() == "built":
        created["costing_snapshots"] += 1
    return created
