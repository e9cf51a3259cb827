"""Pages and API endpoints of the resources app's capacity part, in the permissions matrix (see
tests/matrix_resources.py for the targets and tests/matrix.py for Endpoint)."""

from django.urls import reverse

from tests.matrix import Endpoint


def _built_family_row(c) -> str:
    """Build the default plan (one MOE person: a "moe" row) and answer the query naming that row (only
    the path is resolved when the matrix lists the URLs: no world, no query)."""
    if c.world is None:
        return ""
    from resources.capacity_plan import capacity_snapshot_run
    from resources.models import RoleFamily
    from resources.snapshot import PlanParams, snapshot_get_or_create
    from resources.tests.factories import ProfileFactory, ResourceFactory

    ResourceFactory(primary_profile=ProfileFactory(code="MATRIX-MOE", family=RoleFamily.MOE))
    capacity_snapshot_run(snapshot_id=snapshot_get_or_create(PlanParams()).pk)
    return "?dimension=family&key=moe&period=0"


def _queued(c) -> int:
    from resources.models import CapacitySnapshot

    return CapacitySnapshot.objects.filter(queued_at__isnull=False).count()


PAGES: list = [
    Endpoint("capacity-plan", "capacity.view", "-", "get", lambda c: reverse("resources:capacity")),
    Endpoint(
        "capacity-cell",
        "capacity.view",
        "-",
        "get",
        lambda c: f"{reverse('resources:capacity_cell')}{_built_family_row(c)}",
    ),
    Endpoint(
        "capacity-line",
        "capacity.view",
        "-",
        "get",
        lambda c: f"{reverse('resources:capacity_line')}{_built_family_row(c)}",
    ),
    Endpoint("capacity-status", "capacity.view", "-", "get", lambda c: reverse("resources:capacity_status")),
    Endpoint(
        "capacity-rebuild",
        "capacity.rebuild",
        "-",
        "post",
        lambda c: reverse("resources:capacity_rebuild"),
        data=lambda c: {"query": "dimension=team"},
        success=302,
        state=_queued,
    ),
]
API: list = [
    Endpoint("api-capacity-plan", "capacity.view", "-", "get", lambda c: "/api/v1/capacity/"),
    Endpoint(
        "api-capacity-rebuild",
        "capacity.rebuild",
        "-",
        "post",
        lambda c: "/api/v1/capacity/rebuild/",
        data=lambda c: {"grain": "month"},
        success=202,
        state=_queued,
    ),
]
SAME_AS: dict[str, str] = {}
NOT_RULED: set[str] = set()
