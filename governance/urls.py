"""Pages of the governance app (mounted at the site root by ppm/urls.py). Each part adds its routes in its
own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "governance"

urlpatterns: list = []

# --- flash: /projects/<pk>/reports/…, /reports/… (governance/flash_views.py)
from governance import flash_views  # noqa: E402

urlpatterns += [
    path("projects/<int:pk>/reports/", flash_views.project_reports, name="project_reports"),
    path("projects/<int:pk>/reports/draft/", flash_views.report_draft, name="report_draft"),
    path("reports/", flash_views.report_queue, name="report_queue"),
    path("reports/<int:pk>/", flash_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", flash_views.report_edit, name="report_edit"),
    path("reports/<int:pk>/edit/item-row/", flash_views.report_item_row, name="report_item_row"),
    path("reports/<int:pk>/transition/", flash_views.report_transition, name="report_transition"),
]


# --- steering: /steering/…, /alerts/…, /packs/… (governance/steering_views.py)
