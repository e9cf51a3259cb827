"""The costing's part of the benchmark (`make bench`, see budgets/bench.py and ppm/bench.py).

Seed: the stored costing of the seeded portfolio (budgets.costing_snapshot), so that the costing page
reads a computed snapshot; a dataset seeded before this part existed gets it on its first measure.

Figures: the build of the snapshot (what the Celery task does after a batch of changes) against the time
PostgreSQL alone takes for its main statement, the workload valued per project at daily rates
(budgets.costing_snapshot.workload_sql), and for reference the live valuation the page did before
(budgets.costing.workload_cost: ~120,000 groups valued in Python).
"""

from __future__ import annotations

import statistics
import time

from django.db import connection

from budgets import costing, costing_snapshot
from budgets.models import CostingRow, CostingSnapshot
from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Screen, at_most_queries

SEEDED_MODELS = (CostingSnapshot, CostingRow)


def seed(*, projects: int) -> None:
    costing_snapshot.snapshot_build(costing_snapshot.snapshot_get_or_create())


def _built() -> None:
    snapshot = costing_snapshot.costing_snapshot_get()
    if snapshot is None or snapshot.built_at is None:
        costing_snapshot.snapshot_build(snapshot or costing_snapshot.snapshot_get_or_create())


def screens() -> list[Screen]:
    _built()
    bars = [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN]
    return [
        Screen("Portfolio costing page", "/budgets/costing/", bars),
        Screen("Portfolio costing, by objective", "/budgets/costing/?by=objective", bars),
        Screen("Portfolio costing, by directorate", "/budgets/costing/?by=directorate", bars),
    ]


def _median_ms(action, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def figures() -> list[str]:
    snapshot = costing_snapshot.snapshot_get_or_create()
    build_ms = _median_ms(lambda: costing_snapshot.snapshot_build(snapshot))
    rows = CostingRow.objects.filter(snapshot=snapshot).count()
    lines = [
        "",
        "Portfolio costing",
        f"  snapshot build ({snapshot.projects} projects, {rows} rows): {build_ms:.0f} ms (median of 3)",
    ]
    if connection.vendor != "postgresql":
        lines.append("  (not PostgreSQL: no SQL reference)")
        return lines
    sql, params = costing_snapshot.workload_sql()

    def run_sql():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    sql_ms = _median_ms(run_sql)
    live_ms = _median_ms(lambda: costing.project_totals(costing.workload_cost()))
    lines += [
        "  PostgreSQL alone, its main statement (the workload valued per project at daily rates): "
        f"{sql_ms:.0f} ms",
        f"  build ÷ that SQL: {build_ms / sql_ms if sql_ms else float('inf'):.2f}",
        f"  for reference, the same valuation in Python (budgets.costing.workload_cost): {live_ms:.0f} ms",
    ]
    return lines
