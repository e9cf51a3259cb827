"""Portfolio routes of the API; ppm/api/urls.py mounts them under /api/v1/ (namespace `api`)."""

from rest_framework.routers import SimpleRouter

from portfolio.api import views
from portfolio.scheduling import baseline_api

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

urlpatterns = router.urls
