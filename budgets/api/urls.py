"""The budgets app's API routes, merged into the core's router (ppm/api/urls.py).

Each part registers its viewsets below, in its own block."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
extra_urlpatterns: list = []

# --- lines: envelopes, fiscal years, budget lines, forecasts, fundings, transfers, execution
from budgets.api import lines  # noqa: E402

lines.register(router, extra_urlpatterns)


# --- contracts: framework agreements, lots, prices, orders, consumption, workload costing
