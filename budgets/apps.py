from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("Budgets")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        # --- lines
        # --- contracts
        from budgets import (
            consumption,
            contract_views,
            permissions,  # noqa: F401
        )
        from budgets.models import OrderStatus
        from ppm.presentation import Tone, declare_tones
        from ppm.slots import slot_register

        declare_tones(
            OrderStatus,
            {
                OrderStatus.DRAFT: Tone.NEUTRAL,
                OrderStatus.SIGNED: Tone.INFO,
                OrderStatus.DELIVERED: Tone.ACCENT,
                OrderStatus.INVOICED: Tone.SUCCESS,
                OrderStatus.CANCELLED: Tone.DANGER,
            },
        )

        slot_register(
            "project.main",
            "budgets/partials/contracts_project_panel.html",
            context=contract_views.project_panel_context,
            order=60,
        )
        slot_register(
            "dashboard.tiles",
            "budgets/partials/contracts_alerts_tile.html",
            context=consumption.alerts_tile_context,
            order=40,
        )
