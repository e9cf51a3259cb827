"""The governance app's API routes, merged into the core's router (ppm/api/urls.py).

Each part registers its viewsets below, in its own block."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
extra_urlpatterns: list = []

# --- flash: reporting periods, flash reports (draft prefilled, update, submit, validate, return)
from django.urls import path  # noqa: E402

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
