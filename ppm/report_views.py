"""One request / poll / download view for every kind of long job (ppm.reports).

- ``POST /jobs/<kind>/request/``: the kind's ``prepare(request)`` reads the params and object,
  the job is queued once (ppm.reports.report_job_request); htmx gets the job fragment, a plain
  form post is redirected to ``next`` (same site only) or to the job's page.
- ``GET /jobs/<id>/``: the job fragment ``ppm/partials/report_job.html`` (polled by htmx every
  2 s while the job is pending or running), or a page around it without htmx. A stalled job is
  marked failed here, with its reason.
- ``GET /jobs/<id>/download/``: the job's file, as an attachment.

A job the user may not see (the kind's ``can_view``) answers 404, like a job that does not exist.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ppm.models import ReportJob
from ppm.reports import (
    ReportKind,
    report_job_fail_if_stalled,
    report_job_file_response,
    report_job_get_for_user,
    report_job_request,
    report_kind_get,
)

FRAGMENT = "ppm/partials/report_job.html"
PAGE = "ppm/report_job.html"


def report_job_context(job: ReportJob, kind: ReportKind) -> dict:
    """Context of the job fragment (marks a stalled job failed first)."""
    report_job_fail_if_stalled(job)
    return {
        "job": job,
        "job_kind": kind,
        "job_stalled": job.status == ReportJob.Status.FAILED and job.error_code == "stalled",
        "job_downloadable": kind.downloadable and job.status == ReportJob.Status.READY and bool(job.file),
    }


@login_required
@require_POST
def report_job_request_view(request, kind):
    try:
        report_kind = report_kind_get(kind)
    except LookupError:
        raise Http404(_("No such kind of report.")) from None
    if report_kind.prepare is None:
        raise Http404(_("This report is requested from its own page."))
    try:
        spec = report_kind.prepare(request)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    job = report_job_request(
        kind=kind,
        params=spec.params,
        instance=spec.instance,
        version=spec.version,
        requested_by=request.user,
        language=spec.params.get("language") or get_language() or "",
    )
    if request.htmx:
        return render(request, FRAGMENT, report_job_context(job, report_kind))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("report_job_status", pk=job.pk)


@login_required
@require_GET
@never_cache
def report_job_status(request, pk):
    job, kind = report_job_get_for_user(user=request.user, pk=pk)
    context = report_job_context(job, kind)
    return render(request, FRAGMENT if request.htmx else PAGE, context)


@login_required
@require_GET
@never_cache
def report_job_download(request, pk):
    job, kind = report_job_get_for_user(user=request.user, pk=pk)
    if not kind.downloadable:
        raise Http404(_("This job has no file to download."))
    return report_job_file_response(job, content_type=kind.content_type)


# ------------------------------------------------------------------------------------------ imports


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def import_page(request, *, kind: str, template: str, url_name: str, columns, form_class=ImportUploadForm):
    """The page of an import (every app's: projects, absences, time, budget execution): GET shows the upload
    form and the user's latest import of `kind` (``?job=<id>`` for one), POST queues the file
    (ppm.imports.import_job_request) and comes back to the page showing that job. The caller checks who
    may import."""
    from ppm.imports import import_job_request

    status = 200
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                queued = import_job_request(
                    kind=kind,
                    upload=form.cleaned_data["file"],
                    requested_by=request.user,
                    language=get_language() or "",
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(f"{reverse(url_name)}?job={queued.pk}")
        status = 400
    else:
        form = form_class()
    job: ReportJob | None = None
    if request.GET.get("job"):
        job, _kind = report_job_get_for_user(user=request.user, pk=request.GET["job"])
        if job.kind != kind:
            raise Http404(_("No such import."))
    else:
        job = ReportJob.objects.filter(kind=kind, requested_by=request.user).order_by("-created_at").first()
    context = {"form": form, "columns": columns, "job": job}
    if job is not None:
        context.update(report_job_context(job, report_kind_get(kind)))
    return render(request, template, context, status=status)
