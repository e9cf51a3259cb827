"""Pages of the budgets app (mounted at the site root by ppm/urls.py). Each part adds its routes in its
own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "budgets"

urlpatterns: list = []

# --- lines: /budgets/…, /projects/<pk>/budget/… (budgets/line_views.py)


# --- contracts: /agreements/…, /orders/… (budgets/contract_views.py)
