"""Pages of the resources app (mounted at the site root by ppm/urls.py). Each part adds its routes in
its own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "resources"

urlpatterns: list = []

# --- people: /resources/… (resources/people_views.py)


# --- workload: /projects/<pk>/workload/…, /ratio-templates/… (resources/workload_views.py)


# --- capacity: /capacity/… (resources/capacity_views.py)


# --- timesheets: /timesheet/…, /timesheets/approvals/… (resources/timesheet_views.py)
from resources import timesheet_views  # noqa: E402

urlpatterns += [
    path("timesheet/", timesheet_views.timesheet_week, name="timesheet_week"),
    path("timesheet/<int:pk>/", timesheet_views.timesheet_detail, name="timesheet_detail"),
    path("timesheet/<int:pk>/decide/", timesheet_views.timesheet_decide, name="timesheet_decide"),
    path("timesheet/<int:pk>/reopen/", timesheet_views.timesheet_reopen, name="timesheet_reopen"),
    path(
        "timesheets/lines/<int:pk>/decide/",
        timesheet_views.timesheet_line_decide,
        name="timesheet_line_decide",
    ),
    path("timesheets/approvals/", timesheet_views.timesheet_approvals, name="timesheet_approvals"),
    path("timesheets/team/", timesheet_views.timesheet_team, name="timesheet_team"),
    path("timesheets/export/", timesheet_views.timesheet_export, name="timesheet_export"),
    path("timesheets/import/", timesheet_views.timesheet_import, name="timesheet_import"),
]
