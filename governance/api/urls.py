"""The governance app's API routes, merged into the core's router (ppm/api/urls.py).

Each part registers its viewsets below, in its own block."""

from django.urls import path
from rest_framework.routers import SimpleRouter

router = SimpleRouter()
extra_urlpatterns: list = []

# --- flash: reporting periods, flash reports (draft prefilled, update, submit, validate, return)

from governance.api import flash as flash_api  # noqa: E402

router.register("reporting-periods", flash_api.ReportingPeriodViewSet, basename="reporting-period")
router.register("flash-reports", flash_api.FlashReportViewSet, basename="flash-report")
extra_urlpatterns += [
    path(
        "projects/<int:pk>/flash-reports/draft/",
        flash_api.FlashReportDraftView.as_view(),
        name="project-flash-report-draft",
    ),
]


# --- steering: steering figures, alerts (list, acknowledge), report packs (request, download)
from governance.api import steering as steering_api  # noqa: E402

extra_urlpatterns.append(path("steering/", steering_api.SteeringView.as_view(), name="steering"))
router.register("alerts", steering_api.AlertViewSet, basename="alert")
router.register("packs", steering_api.PackViewSet, basename="pack")
