"""Portfolio routes of the API; ppm/api/urls.py mounts them under /api/v1/ (namespace `api`)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from portfolio.api import views
from portfolio.scheduling import mspdi_views

router = SimpleRouter()
router.register("axes", views.StrategicAxisViewSet, basename="axis")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("tags", views.TagViewSet, basename="tag")
router.register("projects", views.ProjectViewSet, basename="project")

urlpatterns = [
    *router.urls,
    path(
        "projects/<int:pk>/schedule/import/",
        mspdi_views.ScheduleImportView.as_view(),
        name="project-schedule-import",
    ),
    path(
        "projects/<int:pk>/schedule/export/",
        mspdi_views.ScheduleExportView.as_view(),
        name="project-schedule-export",
    ),
]
