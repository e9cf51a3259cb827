"""Celery tasks of the budgets' LINES part: thin, idempotent, given ids (kinds in BudgetsConfig.ready)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ppm.imports import import_job_run
from ppm.mail import by_language, site_url
from ppm.reports import RELIABLE_TASK_OPTIONS, report_job_request, report_job_run


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def import_execution(self, job_id: int) -> None:
    """Import the finance system's execution of ReportJob `job_id`: all rows or none."""
    from budgets.lines_import import ExecutionImporter

    import_job_run(
        job_id=job_id, importer=ExecutionImporter(), can_retry=self.request.retries < self.max_retries
    )


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def render_budget_report(self, job_id: int) -> None:
    """Render the budget report of ReportJob `job_id` (PDF or XLSX by its kind)."""
    from budgets.lines_report import PDF_KIND, render_pdf_report, render_xlsx_report
    from ppm.models import ReportJob

    kind = ReportJob.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    render = render_pdf_report if kind == PDF_KIND else render_xlsx_report
    report_job_run(job_id=job_id, render=render, can_retry=self.request.retries < self.max_retries)


@shared_task(**RELIABLE_TASK_OPTIONS)
def send_monthly_budget_report() -> int:
    """Beat (monthly): prepare the budget report as of today and e-mail its link to the project office
    and finance users. Returns the number of recipients."""
    from budgets.lines_report import PDF_KIND
    from ppm.models import User
    from ppm.roles import Role

    recipients = list(
        User.objects.filter(is_active=True, role__in=[Role.PROJECT_OFFICE, Role.FINANCE])
        .exclude(email="")
        .order_by("pk")
    )
    if not recipients:
        return 0
    today = timezone.localdate()
    # One report per language of the recipients, each told in theirs with an absolute link (ppm.mail).
    for language, group in by_language(recipients).items():
        job = report_job_request(
            kind=PDF_KIND, params={"as_of": today.isoformat()}, requested_by=group[0], language=language
        )
        link = site_url(reverse("report_job_status", args=[job.pk]))
        with translation.override(language):
            subject = _("Budget report of %(day)s") % {"day": today.isoformat()}
            body = _(
                "The monthly budget report is being prepared. Follow it and download it here: %(link)s"
            ) % {"link": link}
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email for user in group])
    return len(recipients)
