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

        # The stored latest validated reports (governance.latest_reports) follow every report written.
        from django.db.models.signals import post_delete, post_save

        from governance.latest_reports import on_report_deleted, on_report_saved
        from governance.models import FlashReport

        post_save.connect(on_report_saved, sender=FlashReport, dispatch_uid="governance-latest-report")
        post_delete.connect(
            on_report_deleted, sender=FlashReport, dispatch_uid="governance-latest-report-del"
        )

        # --- steering
        self._ready_steering()

    def _ready_steering(self):
        """Steering: the bell (header), the "Steering" entry (main navigation), report pack kinds, and
        the on-change alert evaluation (debounced) after the watched models change."""
        from django.db.models.signals import post_delete, post_save

        from governance import steering_tasks, steering_views
        from governance.packs import PDF_KIND, XLSX_KIND, pack_job_can_view
        from ppm.reports import ReportKind, report_kind_register
        from ppm.slots import slot_register

        slot_register(
            "header.tools",
            "governance/partials/steering_bell.html",
            context=steering_views.bell_context,
            memo=True,
        )
        slot_register(
            "nav.main",
            "governance/partials/steering_nav.html",
            context=steering_views.nav_context,
            order=30,
            memo=True,
        )
        report_kind_register(
            ReportKind(
                name=PDF_KIND,
                task=steering_tasks.render_pack_pdf,
                can_view=pack_job_can_view,
                label=_("Portfolio report pack (PDF)"),
                content_type="application/pdf",
            )
        )
        report_kind_register(
            ReportKind(
                name=XLSX_KIND,
                task=steering_tasks.render_pack_xlsx,
                can_view=pack_job_can_view,
                label=_("Portfolio report pack (XLSX)"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        )
        watched = [
            "portfolio.Project",
            "portfolio.Task",
            "governance.FlashReport",
            "governance.FlashReportItem",
            "budgets.BudgetLineYear",
            "budgets.Order",
            "budgets.FrameworkAgreement",
            "resources.Allocation",
        ]
        from django.apps import apps

        for label in watched:
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            post_save.connect(steering_tasks.on_change, sender=model, dispatch_uid=f"steering-alerts-{label}")
            post_delete.connect(
                steering_tasks.on_change, sender=model, dispatch_uid=f"steering-alerts-del-{label}"
            )

        # The header bell's cached count (ppm.usercache): any alert written one by one makes it count again
        # (bulk writes invalidate it themselves: governance.alerts.alerts_evaluate).
        from governance.alerts import BELL
        from governance.models import Alert
        from ppm.usercache import invalidate, invalidate_on_change

        def _bell_stale(**kwargs):
            invalidate(BELL)

        invalidate_on_change(BELL, Alert)
        # The steering filters' reference options (governance.steering_views.FILTER_CHOICES).
        from governance.models import Committee, ProjectOffice
        from governance.steering_views import FILTER_CHOICES
        from portfolio.models import Objective
        from ppm.models import Directorate

        invalidate_on_change(FILTER_CHOICES, Objective, Directorate, ProjectOffice, Committee)
        post_save.connect(
            _bell_stale,
            sender=apps.get_model("portfolio.Project"),
            dispatch_uid="steering-bell-project",
            weak=False,
        )
