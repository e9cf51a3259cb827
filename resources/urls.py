"""Pages of the resources app (mounted at the site root by ppm/urls.py). Each part adds its routes in
its own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "resources"

urlpatterns: list = []

# --- people: /resources/… (resources/people_views.py)


# --- workload: /projects/<pk>/workload/…, /ratio-templates/… (resources/workload_views.py)


# --- capacity: /capacity/… (resources/capacity_views.py)
from resources import capacity_views  # noqa: E402

urlpatterns += [
    path("capacity/", capacity_views.capacity_plan, name="capacity"),
    path("capacity/cell/", capacity_views.capacity_cell, name="capacity_cell"),
    path("capacity/line/", capacity_views.capacity_line, name="capacity_line"),
    path("capacity/status/", capacity_views.capacity_status, name="capacity_status"),
    path("capacity/rebuild/", capacity_views.capacity_rebuild, name="capacity_rebuild"),
]


# --- timesheets: /timesheet/…, /timesheets/approvals/… (resources/timesheet_views.py)
