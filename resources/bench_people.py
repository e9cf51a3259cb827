"""The people part of the resources benchmark (run by resources/bench.py after its seed).

Seed: the base seed bulk-creates 500 resources without their search column; it is filled here (one
bulk update). Screens: the resource list (page 1 and filtered), the API page of 100, and the
resource page of the person with the most allocations.
"""

from __future__ import annotations

from django.db.models import Count

from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Screen, at_most_queries
from ppm.bulk import bulk_update
from resources.models import Resource, resource_search_text

SEARCH_WORD = "agent 01"


def seed(*, projects: int) -> None:
    rows = list(Resource.objects.filter(search_text="").only("pk", "name", "email"))
    for row in rows:
        row.search_text = resource_search_text(row.name, row.email)
    bulk_update(Resource, rows, ["search_text"], batch_size=1000)


def busiest_resource_id() -> int | None:
    return (
        Resource.objects.annotate(n=Count("allocations"))
        .filter(n__gt=0)
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def screens() -> list[Screen]:
    found = [
        Screen("Resource list, page 1", "/resources/", [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN]),
        Screen(
            "Resource list, filtered",
            f"/resources/?family=moe&active=true&q={SEARCH_WORD.replace(' ', '+')}",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "API resources, page of 100",
            "/api/v1/resources/?page_size=100",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
    ]
    resource_id = busiest_resource_id()
    if resource_id is not None:
        found.append(
            Screen(
                "Resource page",
                f"/resources/{resource_id}/",
                [QUALITY_BAR, at_most_queries(25), NO_LARGE_SEQ_SCAN],
            )
        )
    return found
