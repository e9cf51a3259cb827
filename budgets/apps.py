from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("Budgets")

    def ready(self):
        # The app's rule table registers itself on import (ppm.permissions.TABLES).
        # --- lines
        # isort: split
        from budgets import line_views, lines_import, lines_report, lines_tasks
        from ppm.reports import ReportKind, report_kind_register, requester_only
        from ppm.slots import slot_register

        slot_register(
            "nav.main", "budgets/partials/lines_nav.html", context=line_views.nav_context, order=50, memo=True
        )
        slot_register(
            "project.side",
            "budgets/partials/lines_project_panel.html",
            context=line_views.project_budget_panel_context,
            order=40,
        )
        report_kind_register(
            ReportKind(
                name=lines_import.IMPORT_KIND,
                task=lines_tasks.import_execution,
                can_view=requester_only,
                label=_("Import of the execution"),
                downloadable=False,
            )
        )
        for name, label, content_type in (
            (lines_report.PDF_KIND, _("Budget report (PDF)"), "application/pdf"),
            (
                lines_report.XLSX_KIND,
                _("Budget report (XLSX)"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ):
            report_kind_register(
                ReportKind(
                    name=name,
                    task=lines_tasks.render_budget_report,
                    can_view=lines_report.can_view,
                    prepare=lines_report.prepare,
                    label=label,
                    content_type=content_type,
                )
            )

        # The portfolio budget page's reference options (budgets.line_views.FILTER_CHOICES).
        # The objectives are ordered by their axis' order.
        from portfolio.models import Objective, StrategicAxis
        from ppm.models import Directorate
        from ppm.usercache import invalidate_on_change

        invalidate_on_change(
            line_views.FILTER_CHOICES, self.get_model("Envelope"), Objective, StrategicAxis, Directorate
        )

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
            lazy=True,
        )
        slot_register(
            "dashboard.tiles",
            "budgets/partials/contracts_alerts_tile.html",
            context=consumption.alerts_tile_context,
            order=40,
        )

        # The tile's cached alerts (ppm.usercache) are stale once an agreement or an order changes.
        from ppm.usercache import invalidate_on_change

        watched = ("FrameworkAgreement", "AgreementLot", "AgreementPrice", "Order", "OrderLine")
        invalidate_on_change(consumption.ALERTS_TILE, *(self.get_model(name) for name in watched))

        # --- costing: the stored snapshot is rebuilt after what it is computed from changes
        from budgets import costing_snapshot

        costing_snapshot.connect_receivers()
