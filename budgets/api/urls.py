"""The budgets app's API routes, merged into the core's router (ppm/api/urls.py).

Each part registers its viewsets below, in its own block."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
extra_urlpatterns: list = []

# --- lines: envelopes, fiscal years, budget lines, forecasts, fundings, transfers, execution
from budgets.api import lines  # noqa: E402

lines.register(router, extra_urlpatterns)


# --- contracts: framework agreements, lots, prices, orders, consumption, workload costing
from django.urls import path  # noqa: E402

from budgets.api import contracts as contracts_api  # noqa: E402

router.register("agreements", contracts_api.AgreementViewSet, basename="agreement")
router.register("orders", contracts_api.OrderViewSet, basename="order")
extra_urlpatterns += [
    path(
        "projects/<int:pk>/workload-cost/",
        contracts_api.WorkloadCostView.as_view(),
        name="project-workload-cost",
    ),
]
