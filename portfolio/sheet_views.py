"""The project sheet PDF: ask for it, follow its generation (htmx fragment), download it.

The sheet is a kind of the core's long-job machinery (ppm.reports; declared in
portfolio.apps): the generic views /jobs/project_sheet/request/ (POST ``object=<project id>``),
/jobs/<id>/ and /jobs/<id>/download/ serve it like any report. The project page keeps its own
panel, with what only a sheet has (out of date since the project changed, the previous sheet):
it includes the fragment ``portfolio/partials/sheet_status.html`` inside a container and passes
``**sheet_context(project)`` in its context.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portfolio.models import Project
from portfolio.permissions import can_view_project
from portfolio.selectors import project_get_for_user
from portfolio.sheet import SHEET_KIND
from ppm.models import ReportJob
from ppm.reports import (
    ERROR_STALLED,
    JobRequest,
    report_job_fail_if_stalled,
    report_job_file_response,
    report_job_latest,
    report_job_request,
)

FRAGMENT = "portfolio/partials/sheet_status.html"

__all__ = ["SHEET_KIND", "sheet_context", "sheet_job_can_view", "sheet_job_prepare"]


def _language() -> str:
    return get_language() or ""


def sheet_context(project: Project) -> dict:
    """Context of the sheet fragment: the project, its latest sheet job in the active language
    (or None), whether it is still being generated (the fragment then polls), stalled (then
    marked failed with its reason), or out of date (the project changed since). One query."""
    job = report_job_latest(kind=SHEET_KIND, instance=project, language=_language())
    if job is not None:
        report_job_fail_if_stalled(job)
    return {
        "project": project,
        "sheet_job": job,
        "sheet_busy": job is not None and job.is_busy,
        "sheet_stalled": job is not None
        and job.status == ReportJob.Status.FAILED
        and job.error_code == ERROR_STALLED,
        "sheet_out_of_date": job is not None and job.object_version != project.version,
    }


def _viewable_project(user, pk) -> Project:
    project = project_get_for_user(user=user, pk=pk)
    if not can_view_project(user, project):
        raise PermissionDenied(_("You may not see this project."))
    return project


def sheet_job_can_view(user, job: ReportJob) -> bool:
    """Who may follow and download a sheet: whoever may see its project (now)."""
    try:
        _viewable_project(user, job.object_id)
    except (Http404, PermissionDenied):
        return False
    return True


def sheet_job_prepare(request) -> JobRequest:
    """The generic request view's reading of a sheet request: POST ``object`` = the project id."""
    project = _viewable_project(request.user, request.POST.get("object"))
    return JobRequest(params={"language": _language()}, instance=project, version=project.version)


@login_required
@require_POST
def project_sheet_request(request, pk):
    """Queue the sheet of the project's current version (once: asking again returns the same job)."""
    project = _viewable_project(request.user, pk)
    report_job_request(
        kind=SHEET_KIND,
        instance=project,
        version=project.version,
        requested_by=request.user,
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
    project = _viewable_project(request.user, pk)
    return render(request, FRAGMENT, sheet_context(project))


@login_required
@require_GET
@never_cache
def project_sheet_download(request, pk):
    """The latest generated sheet (in the active language if there is one), as an attachment."""
    project = _viewable_project(request.user, pk)
    job = report_job_latest(
        kind=SHEET_KIND, instance=project, language=_language(), status=ReportJob.Status.READY
    ) or report_job_latest(kind=SHEET_KIND, instance=project, status=ReportJob.Status.READY)
    if job is None or not job.file:
        raise Http404(_("No project sheet has been generated for this project yet."))
    if not job.filename:
        job.filename = f"{project.code}.pdf"
    return report_job_file_response(job, content_type="application/pdf")
