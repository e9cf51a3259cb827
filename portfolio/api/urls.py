"""Portfolio routes of the API; ppm/api/urls.py mounts them under /api/v1/ (namespace `api`)."""

from rest_framework.routers import SimpleRouter

from portfolio.api import views

router = SimpleRouter()
router.register("axes", views.StrategicAxisViewSet, basename="axis")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("tags", views.TagViewSet, basename="tag")
router.register("projects", views.ProjectViewSet, basename="project")

urlpatterns = router.urls
