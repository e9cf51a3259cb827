"""The workload part of `make bench` (see resources/bench.py): the workload tab and the plan API of the
project with the largest plan of the seed (resources/bench.py plans every planned project month by month,
by family, on generic demand and named people)."""

from __future__ import annotations

from django.db.models import Count, Min

from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Screen, at_most_queries
from resources.models import Allocation


def _largest_plan() -> tuple[int, int, int] | None:
    """(project id, allocations, first year) of the project with the most allocations."""
    row = (
        Allocation.objects.values("project_id")
        .annotate(rows=Count("pk"), first=Min("period_start"))
        .order_by("-rows", "project_id")
        .first()
    )
    if row is None:
        return None
    return row["project_id"], row["rows"], row["first"].year


def screens() -> list[Screen]:
    largest = _largest_plan()
    if largest is None:
        return []
    project_id, rows, year = largest
    return [
        Screen(
            f"Project workload tab ({rows} allocations)",
            f"/projects/{project_id}/workload/?year={year}",
            [QUALITY_BAR, at_most_queries(22), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            f"API project allocations ({rows} rows)",
            f"/api/v1/projects/{project_id}/allocations/",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
    ]
