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


# --- capacity: /capacity/… (resources/capacity_views.py)


# --- timesheets: /timesheet/…, /timesheets/approvals/… (resources/timesheet_views.py)
