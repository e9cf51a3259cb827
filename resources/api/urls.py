"""The resources app's API routes, merged into the core's router (ppm/api/urls.py).

Each part registers its viewsets below, in its own block."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
extra_urlpatterns: list = []

# --- people: resources, roles, teams, vendors, absences, background load (resources/api/people.py)


# --- workload: allocations, ratio templates (resources/api/workload.py)


# --- capacity: the capacity plan (resources/api/capacity.py)


# --- timesheets: weeks, entries, submit/approve/reject (resources/api/timesheets.py)
from resources.api import timesheets as timesheet_api  # noqa: E402

router.register("timesheets", timesheet_api.TimesheetViewSet, basename="timesheet")
router.register("timesheet-lines", timesheet_api.TimesheetLineViewSet, basename="timesheet-line")
router.register("time-entries", timesheet_api.TimeEntryViewSet, basename="time-entry")
