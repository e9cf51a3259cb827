from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("Budgets")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        from budgets import permissions  # noqa: F401

        # --- lines

        # --- contracts
