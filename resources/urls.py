"""Pages of the resources app (mounted at the site root by ppm/urls.py). Each part adds its routes in
its own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "resources"

urlpatterns: list = []

# --- people: /resources/… (resources/people_views.py)
from resources import people_views  # noqa: E402

urlpatterns += [
    path("resources/", people_views.resource_list, name="resource_list"),
    path("resources/export/<str:fmt>/", people_views.resource_export, name="resource_export"),
    path("resources/new/", people_views.resource_create, name="resource_create"),
    path("resources/absences/import/", people_views.absence_import, name="absence_import"),
    path("resources/<int:pk>/", people_views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/edit/", people_views.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/active/", people_views.resource_set_active, name="resource_set_active"),
    path("resources/<int:pk>/absences/", people_views.absence_add, name="absence_add"),
    path("resources/<int:pk>/background/", people_views.background_load_add, name="background_load_add"),
    path("resources/absences/<int:pk>/", people_views.absence_edit, name="absence_edit"),
    path("resources/absences/<int:pk>/delete/", people_views.absence_delete, name="absence_delete"),
    path(
        "resources/background/<int:pk>/delete/",
        people_views.background_load_delete,
        name="background_load_delete",
    ),
    *people_views.REFERENCE_URLS,
]


# --- workload: /projects/<pk>/workload/…, /ratio-templates/… (resources/workload_views.py)
from resources import workload_views  # noqa: E402

urlpatterns += [
    path("projects/<int:pk>/workload/", workload_views.project_workload, name="project_workload"),
    path("projects/<int:pk>/workload/cell/", workload_views.workload_cell, name="workload_cell"),
    path(
        "projects/<int:pk>/workload/apply-template/",
        workload_views.workload_apply_template,
        name="workload_apply_template",
    ),
    path("projects/<int:pk>/workload/staff/", workload_views.workload_staff, name="workload_staff"),
    path("projects/<int:pk>/workload/proposal/", workload_views.workload_proposal, name="workload_proposal"),
    path(
        "projects/<int:pk>/workload/reconcile/", workload_views.workload_reconcile, name="workload_reconcile"
    ),
    path("projects/<int:pk>/workload/export/", workload_views.workload_export, name="workload_export"),
    path("ratio-templates/", workload_views.ratio_template_list, name="ratio_template_list"),
    path("ratio-templates/new/", workload_views.ratio_template_create, name="ratio_template_create"),
    path("ratio-templates/<int:pk>/edit/", workload_views.ratio_template_edit, name="ratio_template_edit"),
]


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
