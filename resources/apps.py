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
            nav,
            people_imports,
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
            "nav.main", "resources/partials/resources_nav.html", context=nav.nav_context, order=40, memo=True
        )
        # The menu's cached "fills / approves timesheets" (ppm.usercache): recomputed after people change.
        from ppm.usercache import invalidate_on_change
        from resources.models import Resource, Team

        invalidate_on_change(nav.NAV, Resource, Team)

        # --- workload
        from ppm.slots import slot_register
        from resources.workload_views import project_workload_panel

        slot_register(
            "project.side",
            "resources/partials/workload_project_panel.html",
            context=project_workload_panel,
            order=30,
            lazy=True,
        )

        # --- capacity
        from ppm.reports import ReportKind, report_kind_register
        from ppm.slots import slot_register
        from resources import (
            capacity_report,
            tasks,
        )

        for kind, label, content_type in (
            (capacity_report.REPORT_PDF, _("Capacity report (PDF)"), "application/pdf"),
            (
                capacity_report.REPORT_XLSX,
                _("Capacity report (XLSX)"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ):
            report_kind_register(
                ReportKind(
                    name=kind,
                    task=tasks.render_capacity_report,
                    can_view=capacity_report.report_can_view,
                    prepare=capacity_report.report_prepare,
                    label=label,
                    content_type=content_type,
                )
            )

        # --- timesheets
        from ppm.reports import ReportKind, report_kind_register, requester_only
        from ppm.slots import slot_register
        from resources import (
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
            "project.main",
            "resources/partials/timesheets_project_panel.html",
            context=timesheet_views.project_panel_context,
            order=60,
            lazy=True,
        )
