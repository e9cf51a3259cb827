"""The capacity plan's part of the benchmark (`make bench`, see resources/bench.py and ppm/bench.py).

Seed: the default capacity snapshots (by month and by week) over the seeded organisation (500
resources, ~60,000 allocations at 1,000 projects), so that the screens read a built plan.

Figures: the build of the weekly plan (500 people × 156 weeks) against the time PostgreSQL alone takes
for the same aggregation in SQL — the allocations of the approved and in-progress projects spread over
their working days and summed per team and ISO week (`generate_series`), i.e. the plan's load computed
by the database — and, for reference, the grouped query the build itself reads. QUALITY.md's bar:
build ≤ 1.2 × that SQL time.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection

from ppm.bench import NO_LARGE_SEQ_SCAN, Bar, Screen, at_most_queries
from resources.models import CapacityLoad, CapacityRow, CapacitySnapshot
from resources.snapshot import PlanParams, plan_periods, snapshot_build, snapshot_get_or_create

BUILD_RATIO = 1.2
PAGE_MS = 50.0
SEEDED_MODELS = (CapacitySnapshot, CapacityRow, CapacityLoad)


def seed(*, projects: int) -> None:
    for grain in ("month", "week"):
        snapshot_build(snapshot_get_or_create(PlanParams(grain=grain)))


def _cell_path() -> str:
    snapshot = snapshot_get_or_create(PlanParams())
    row = (
        CapacityRow.objects.filter(snapshot=snapshot, dimension="team")
        .exclude(dim_key="-")
        .order_by("order")
        .first()
    )
    key = row.dim_key if row else "0"
    return f"/capacity/cell/?dimension=team&key={key}&period=1"


def screens() -> list[Screen]:
    served = Bar(f"p50 ≤ {PAGE_MS:g} ms", lambda m: m.server_median <= PAGE_MS)
    return [
        Screen(
            "Capacity plan (heatmap)",
            "/capacity/?dimension=team",
            [served, at_most_queries(14), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "Capacity plan, people (page of 40)", "/capacity/?dimension=person", [served, at_most_queries(14)]
        ),
        Screen("Capacity drill-down cell", _cell_path(), [served, at_most_queries(12), NO_LARGE_SEQ_SCAN]),
        Screen(
            "API capacity plan",
            "/api/v1/capacity/?dimension=team",
            [served, at_most_queries(12), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
    ]


def _spread_sql(first, last) -> tuple[str, list]:
    """Load per team × ISO week, each allocation spread evenly over its period's weekdays, in SQL."""
    sql = """
        WITH alloc AS (
            SELECT a.days, r.team_id, a.period_start AS lo,
                   CASE WHEN a.grain = 'week' THEN a.period_start + 6
                        ELSE (a.period_start + interval '1 month' - interval '1 day')::date END AS hi
            FROM resources_allocation a
            JOIN portfolio_project p ON p.id = a.project_id
            LEFT JOIN resources_resource r ON r.id = a.resource_id
            WHERE p.status IN ('approved', 'in_progress')
              AND a.period_start <= %s AND a.period_start >= %s
        ), days AS (
            SELECT alloc.team_id, alloc.days, g.d::date AS day,
                   COUNT(*) OVER (PARTITION BY alloc.ctid_key) AS n
            FROM (SELECT *, row_number() OVER () AS ctid_key FROM alloc) alloc
            CROSS JOIN LATERAL generate_series(alloc.lo, alloc.hi, interval '1 day') AS g(d)
            WHERE extract(isodow FROM g.d) < 6
        )
        SELECT team_id, date_trunc('week', day)::date AS week, SUM(days / n)
        FROM days WHERE day BETWEEN %s AND %s
        GROUP BY team_id, week
    """
    from resources.capacity import add_months

    return sql, [last, add_months(first, -1), first, last]


def _grouped_sql(first, last) -> tuple[str, tuple]:
    """The grouped query the build reads (resources.snapshot._allocation_groups), as it is sent."""
    from resources.snapshot import _allocation_groups

    capture = _Capture()
    with connection.execute_wrapper(capture):
        _allocation_groups(PlanParams(grain="week"), first, last)
    return capture.statements[-1]


class _Capture:
    def __init__(self):
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def _time_sql(sql: str, params, *, repeat: int) -> list[float]:
    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            began = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append((time.perf_counter() - began) * 1000)
    return times


def figures() -> list[str]:
    periods = plan_periods("week")
    first, last = periods[0][0], periods[-1][1]
    snapshot = snapshot_get_or_create(PlanParams(grain="week"))
    builds = []
    for _ in range(3):
        began = time.perf_counter()
        snapshot_build(snapshot)
        builds.append((time.perf_counter() - began) * 1000)
    build_ms = statistics.median(builds)
    rows = CapacityRow.objects.filter(snapshot=snapshot).count()
    loads = CapacityLoad.objects.filter(snapshot=snapshot).count()
    lines = [
        "",
        "Capacity plan",
        f"  weekly snapshot build ({len(periods)} weeks, {rows} rows, {loads} drill-down loads): "
        f"{build_ms:.0f} ms (median of 3)",
    ]
    if connection.vendor != "postgresql":
        lines.append("  (not PostgreSQL: no SQL reference)")
        return lines
    spread_sql, spread_params = _spread_sql(first, last)
    spread_ms = statistics.median(_time_sql(spread_sql, spread_params, repeat=3))
    grouped_sql, grouped_params = _grouped_sql(first, last)
    grouped_ms = statistics.median(_time_sql(grouped_sql, grouped_params, repeat=3))
    ratio = build_ms / spread_ms if spread_ms else float("inf")
    verdict = "met" if ratio <= BUILD_RATIO else "MISSED"
    lines += [
        "  PostgreSQL alone, the same aggregation (load per team × week, spread over working days): "
        f"{spread_ms:.0f} ms",
        f"  PostgreSQL alone, the grouped allocations the build reads: {grouped_ms:.0f} ms",
        f"  build ÷ SQL aggregation: {ratio:.2f} (bar ≤ {BUILD_RATIO:g}: {verdict})",
    ]
    return lines
