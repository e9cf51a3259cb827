from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        # --- flash
        from governance import (
            flash_registry,
            permissions,  # noqa: F401
        )

        flash_registry.register()

        # --- steering
