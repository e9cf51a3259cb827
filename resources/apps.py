from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resources")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        # --- people
        from ppm.reports import ReportKind, report_kind_register, requester_only
        from ppm.slots import slot_register
        from resources import (
            people_imports,
            people_views,
            permissions,  # noqa: F401
        )

        report_kind_register(
            ReportKind(
                name=people_imports.IMPORT_KIND,
                task=people_imports.import_absences,
                can_view=requester_only,
                label=_("Import absences"),
                downloadable=False,
            )
        )
        slot_register(
            "nav.main", "resources/partials/people_nav.html", context=people_views.nav_context, order=10
        )

        # --- workload

        # --- capacity

        # --- timesheets
