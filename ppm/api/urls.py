"""The REST API, /api/v1/ (URL namespace `api`): one router for every app's endpoints.

This module is the API's composition root, like ppm/urls.py for pages: it is the one place in `ppm`
that knows the higher apps' API routes.
"""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from budgets.api.urls import extra_urlpatterns as budgets_extra_urlpatterns
from budgets.api.urls import router as budgets_router
from governance.api.urls import extra_urlpatterns as governance_extra_urlpatterns
from governance.api.urls import router as governance_router
from portfolio.api.urls import extra_urlpatterns as portfolio_extra_urlpatterns
from portfolio.api.urls import router as portfolio_router
from ppm.api import views
from resources.api.urls import extra_urlpatterns as resources_extra_urlpatterns
from resources.api.urls import router as resources_router

app_name = "api"

router = DefaultRouter()
router.register("directorates", views.DirectorateViewSet, basename="directorate")
router.register("users/me/tokens", views.ApiTokenViewSet, basename="api-token")
router.register("users", views.UserViewSet, basename="user")
router.registry.extend(portfolio_router.registry)
router.registry.extend(resources_router.registry)
router.registry.extend(budgets_router.registry)
router.registry.extend(governance_router.registry)

urlpatterns = [
    *router.urls,
    *portfolio_extra_urlpatterns,
    *resources_extra_urlpatterns,
    *budgets_extra_urlpatterns,
    *governance_extra_urlpatterns,
    # Any other URL under /api/v1/ (an unknown path, an id that is not a number) is a JSON 404, not the
    # HTML error page. Only URLs ending with a slash: the others are still redirected by APPEND_SLASH.
    re_path(r"^.*/$", views.api_not_found, name="not-found"),
]
