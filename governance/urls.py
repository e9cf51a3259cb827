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
from governance import steering_views  # noqa: E402

urlpatterns += [
    path("steering/", steering_views.steering_dashboard, name="steering"),
    path("steering/<slug:tile>/", steering_views.steering_drilldown, name="steering_drilldown"),
    path("alerts/", steering_views.alert_list, name="alert_list"),
    path("alerts/export/<str:fmt>/", steering_views.alert_export, name="alert_export"),
    path("alerts/bell/", steering_views.alert_bell_menu, name="alert_bell_menu"),
    path("alerts/rules/", steering_views.alert_rules, name="alert_rules"),
    path("alerts/subscription/", steering_views.alert_subscription, name="alert_subscription"),
    path("alerts/<int:pk>/acknowledge/", steering_views.alert_acknowledge_view, name="alert_acknowledge"),
    path("alerts/<int:pk>/close/", steering_views.alert_close_view, name="alert_close"),
    path("packs/", steering_views.pack_list, name="pack_list"),
    path("packs/schedules/", steering_views.pack_schedules, name="pack_schedules"),
    path("packs/schedules/<int:pk>/", steering_views.pack_schedules, name="pack_schedule_edit"),
]
