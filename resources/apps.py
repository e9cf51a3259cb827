from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resources")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        from resources import permissions  # noqa: F401

        # --- people

        # --- workload

        # --- capacity

        # --- timesheets
