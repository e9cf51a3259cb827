from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Portfolio")

    def ready(self):
        # The project filters' options (portfolio.selectors.project_filter_choices) are cached for
        # everyone: stale once a directorate, objective, tag, user or project (its manager) changes.
        from portfolio.models import Objective, Project, Tag
        from portfolio.selectors import FILTER_CHOICES
        from ppm.models import Directorate, User
        from ppm.usercache import invalidate_on_change

        invalidate_on_change(FILTER_CHOICES, Directorate, Objective, Tag, User, Project)
        # The portfolio's long jobs, in the core's registry (the core never imports this app).
        from portfolio import import_views, sheet_views, tasks
        from ppm.reports import ReportKind, report_kind_register, requester_only

        report_kind_register(
            ReportKind(
                name=sheet_views.SHEET_KIND,
                task=tasks.render_project_sheet,
                can_view=sheet_views.sheet_job_can_view,
                prepare=sheet_views.sheet_job_prepare,
                label=_("Project sheet (PDF)"),
                content_type="application/pdf",
            )
        )
        from portfolio.scheduling import gantt_pdf, gantt_views

        report_kind_register(
            ReportKind(
                name=gantt_views.GANTT_PDF_KIND,
                task=gantt_pdf.render_gantt_pdf,
                can_view=gantt_views.gantt_pdf_can_view,
                prepare=gantt_views.gantt_pdf_prepare,
                label=_("Gantt chart (PDF)"),
                content_type="application/pdf",
            )
        )
        report_kind_register(
            ReportKind(
                name=import_views.IMPORT_KIND,
                task=tasks.import_projects,
                can_view=requester_only,
                label=_("Import projects"),
                downloadable=False,
            )
        )
