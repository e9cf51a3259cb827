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
from resources.api import workload as workload_api  # noqa: E402

router.register("ratio-templates", workload_api.RatioTemplateViewSet, basename="ratio-template")
extra_urlpatterns += workload_api.urlpatterns


# --- capacity: the capacity plan (resources/api/capacity.py)
from django.urls import path  # noqa: E402

from resources.api import capacity as capacity_api  # noqa: E402

extra_urlpatterns += [
    path("capacity/", capacity_api.CapacityPlanView.as_view(), name="capacity-plan"),
    path("capacity/rebuild/", capacity_api.CapacityRebuildView.as_view(), name="capacity-rebuild"),
]


# --- timesheets: weeks, entries, submit/approve/reject (resources/api/timesheets.py)
from resources.api import timesheets as timesheet_api  # noqa: E402

router.register("timesheets", timesheet_api.TimesheetViewSet, basename="timesheet")
router.register("timesheet-lines", timesheet_api.TimesheetLineViewSet, basename="timesheet-line")
router.register("time-entries", timesheet_api.TimeEntryViewSet, basename="time-entry")
