"""Pages of the resources app (mounted at the site root by ppm/urls.py). Each part adds its routes in
its own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "resources"

urlpatterns: list = []

# --- people: /resources/… (resources/people_views.py)


# --- workload: /projects/<pk>/workload/…, /ratio-templates/… (resources/workload_views.py)


# --- capacity: /capacity/… (resources/capacity_views.py)


# --- timesheets: /timesheet/…, /timesheets/approvals/… (resources/timesheet_views.py)
