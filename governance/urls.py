"""Pages of the governance app (mounted at the site root by ppm/urls.py). Each part adds its routes in its
own block."""

from django.urls import path  # noqa: F401 - used by the parts' blocks

app_name = "governance"

urlpatterns: list = []

# --- flash: /projects/<pk>/reports/…, /reports/… (governance/flash_views.py)


# --- steering: /steering/…, /alerts/…, /packs/… (governance/steering_views.py)
