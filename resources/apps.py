from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resources")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        # --- people
        # --- workload
        # --- capacity
        # --- timesheets
        from ppm.reports import ReportKind, report_kind_register, requester_only
        from ppm.slots import slot_register
        from resources import (
            permissions,  # noqa: F401
            timesheet_tasks,
            timesheet_views,
        )
        from resources.timesheet_imports import IMPORT_KIND

        report_kind_register(
            ReportKind(
                name=IMPORT_KIND,
                task=timesheet_tasks.import_time,
                can_view=requester_only,
                label=_("Import time"),
                downloadable=False,
            )
        )
        slot_register(
            "nav.main",
            "resources/partials/timesheets_nav.html",
            context=timesheet_views.nav_context,
            order=40,
        )
        slot_register(
            "project.main",
            "resources/partials/timesheets_project_panel.html",
            context=timesheet_views.project_panel_context,
            order=60,
        )
