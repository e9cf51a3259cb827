"""The project sheet PDF: ask for it, follow its generation (htmx fragment), download it.

The project page includes the fragment ``portfolio/partials/sheet_status.html`` inside a
container and passes ``**sheet_context(project)`` in its context.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portfolio.models import Project
from portfolio.permissions import can_view_project
from portfolio.selectors import project_get_for_user
from portfolio.sheet import SHEET_KIND
from portfolio.tasks import render_project_sheet
from ppm.models import ReportJob
from ppm.reports import report_job_is_stalled, report_job_latest, report_job_request

FRAGMENT = "portfolio/partials/sheet_status.html"


def _language() -> str:
    return get_language() or ""


def sheet_context(project: Project) -> dict:
    """Context of the sheet fragment: the project, its latest sheet job in the active language
    (or None), whether it is still being generated (the fragment then polls), stalled, or out of
    date (the project changed since). One query."""
    job = report_job_latest(kind=SHEET_KIND, instance=project, language=_language())
    stalled = job is not None and report_job_is_stalled(job)
    return {
        "project": project,
        "sheet_job": job,
        "sheet_busy": job is not None
        and not stalled
        and job.status in (ReportJob.Status.PENDING, ReportJob.Status.RUNNING),
        "sheet_stalled": stalled,
        "sheet_out_of_date": job is not None and job.object_version != project.version,
    }


def _viewable_project(request, pk) -> Project:
    project = project_get_for_user(user=request.user, pk=pk)
    if not can_view_project(request.user, project):
        raise PermissionDenied(_("You may not see this project."))
    return project


@login_required
@require_POST
def project_sheet_request(request, pk):
    """Queue the sheet of the project's current version (once: asking again returns the same job)."""
    project = _viewable_project(request, pk)
    report_job_request(
        kind=SHEET_KIND,
        instance=project,
        version=project.version,
        requested_by=request.user,
        task=render_project_sheet,
        language=_language(),
    )
    if request.htmx:
        return render(request, FRAGMENT, sheet_context(project))
    messages.info(request, _("The project sheet is being generated; its download link appears below."))
    return redirect("portfolio:project_detail", pk=project.pk)


@login_required
@require_GET
@never_cache
def project_sheet_status(request, pk):
    """The sheet fragment (polled by htmx every 2 s while the sheet is being generated)."""
    project = _viewable_project(request, pk)
    return render(request, FRAGMENT, sheet_context(project))


@login_required
@require_GET
@never_cache
def project_sheet_download(request, pk):
    """The latest generated sheet (in the active language if there is one), as an attachment."""
    project = _viewable_project(request, pk)
    job = report_job_latest(
        kind=SHEET_KIND, instance=project, language=_language(), status=ReportJob.Status.READY
    ) or report_job_latest(kind=SHEET_KIND, instance=project, status=ReportJob.Status.READY)
    if job is None or not job.file:
        raise Http404(_("No project sheet has been generated for this project yet."))
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The project sheet file is missing; generate it again.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename or f"{project.code}.pdf",
        content_type="application/pdf",
    )
