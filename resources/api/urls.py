"""The resources app's API routes, merged into the core's router (ppm/api/urls.py).

Each part registers its viewsets below, in its own block."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
extra_urlpatterns: list = []

# --- people: resources, roles, teams, vendors, absences, background load (resources/api/people.py)
from resources.api import people  # noqa: E402

router.register("resources", people.ResourceViewSet, basename="resource")
router.register("roles", people.RoleViewSet, basename="role")
router.register("teams", people.TeamViewSet, basename="team")
router.register("vendors", people.VendorViewSet, basename="vendor")
router.register("absences", people.AbsenceViewSet, basename="absence")


# --- workload: allocations, ratio templates (resources/api/workload.py)


# --- capacity: the capacity plan (resources/api/capacity.py)


# --- timesheets: weeks, entries, submit/approve/reject (resources/api/timesheets.py)
