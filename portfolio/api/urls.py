"""Portfolio routes of the API; ppm/api/urls.py mounts them under /api/v1/ (namespace `api`)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from portfolio.api import views
from portfolio.scheduling import baseline_api, board_views, mspdi_views
from portfolio.scheduling.api import urlpatterns as scheduling_urlpatterns
from portfolio.scheduling.gantt_views import RoadmapApiView

router = SimpleRouter()
router.register("axes", views.StrategicAxisViewSet, basename="axis")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("tags", views.TagViewSet, basename="tag")
router.register("projects", views.ProjectViewSet, basename="project")
router.register(
    r"projects/(?P<id>[0-9]+)/baselines",
    baseline_api.ProjectBaselineViewSet,
    basename="project-baseline",
)
router.register("baselines", baseline_api.BaselineViewSet, basename="baseline")
router.register("portfolio-baselines", baseline_api.PortfolioBaselineViewSet, basename="portfolio-baseline")

# Routes that do not fit a router (nested under a project): mounted by ppm/api/urls.py.
extra_urlpatterns = [
    *scheduling_urlpatterns,
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
    path("tasks/<int:pk>/move/", board_views.TaskMoveView.as_view(), name="task-move"),
    path("roadmap/", RoadmapApiView.as_view(), name="roadmap"),
]

urlpatterns = router.urls + extra_urlpatterns
