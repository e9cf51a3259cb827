from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resources")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        # --- people
        # --- workload
        from ppm.slots import slot_register
        from resources import permissions  # noqa: F401
        from resources.workload_views import project_workload_panel

        slot_register(
            "project.side",
            "resources/partials/workload_project_panel.html",
            context=project_workload_panel,
            order=30,
        )

        # --- capacity

        # --- timesheets
