"""Pages of the budgets app (mounted at the site root by ppm/urls.py). Each part adds its routes in its
own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "budgets"

urlpatterns: list = []

# --- lines: /budgets/…, /projects/<pk>/budget/… (budgets/line_views.py)
from budgets import line_views  # noqa: E402

urlpatterns += [
    path("projects/<int:pk>/budget/", line_views.project_budget, name="project_budget"),
    path("projects/<int:pk>/budget/lines/new/", line_views.line_create, name="line_create"),
    path("projects/<int:pk>/budget/transfer/", line_views.project_transfer, name="project_transfer"),
    path("budget-lines/<int:pk>/edit/", line_views.line_edit, name="line_edit"),
    path("budget-lines/<int:pk>/funding/", line_views.line_funding_set, name="line_funding_set"),
    path("budget-lines/<int:pk>/delete/", line_views.line_delete, name="line_delete"),
    path(
        "budget-line-years/<int:pk>/reforecast/", line_views.line_year_reforecast, name="line_year_reforecast"
    ),
    path("budgets/", line_views.portfolio_budget, name="portfolio_budget"),
    path("budgets/envelopes/", line_views.envelope_list, name="envelope_list"),
    path("budgets/envelopes/new/", line_views.envelope_create, name="envelope_create"),
    path("budgets/envelopes/<int:pk>/", line_views.envelope_detail, name="envelope_detail"),
    path("budgets/envelopes/<int:pk>/edit/", line_views.envelope_edit, name="envelope_edit"),
    path("budgets/fundings/", line_views.funding_list, name="funding_list"),
    path("budgets/fundings/new/", line_views.funding_create, name="funding_create"),
    path("budgets/fundings/<int:pk>/", line_views.funding_detail, name="funding_detail"),
    path("budgets/fundings/<int:pk>/edit/", line_views.funding_edit, name="funding_edit"),
    path("budgets/import/", line_views.execution_import, name="execution_import"),
    path("budgets/transfers/", line_views.transfer_list, name="transfer_list"),
]


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
    path("budgets/costing/status/", contract_views.costing_status, name="costing_status"),
    path("budgets/costing/rebuild/", contract_views.costing_rebuild, name="costing_rebuild"),
]
