"""Pages of the budgets app (mounted at the site root by ppm/urls.py). Each part adds its routes in its
own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "budgets"

urlpatterns: list = []

# --- lines: /budgets/…, /projects/<pk>/budget/… (budgets/line_views.py)


# --- contracts: /agreements/…, /orders/… (budgets/contract_views.py)
from budgets import contract_views  # noqa: E402

urlpatterns += [
    path("agreements/", contract_views.agreement_list, name="agreement_list"),
    path("agreements/export.xlsx", contract_views.agreement_export, name="agreement_export"),
    path("agreements/new/", contract_views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", contract_views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", contract_views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/prices/", contract_views.agreement_price_add, name="agreement_price_add"),
    path("orders/", contract_views.order_list, name="order_list"),
    path("orders/export/<str:fmt>/", contract_views.order_export, name="order_export"),
    path("orders/new/", contract_views.order_create, name="order_create"),
    path("orders/lines-preview/", contract_views.order_lines_preview, name="order_lines_preview"),
    path("orders/<int:pk>/", contract_views.order_detail, name="order_detail"),
    path("orders/<int:pk>/transition/", contract_views.order_transition, name="order_transition"),
    path("budgets/costing/", contract_views.costing_page, name="costing"),
]
