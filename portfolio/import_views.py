"""Import projects from a CSV or XLSX file: upload, then follow the import (ppm.imports)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portfolio.imports import COLUMNS, IMPORT_KIND
from portfolio.permissions import can_create_project
from ppm.imports import import_job_request
from ppm.models import ReportJob
from ppm.report_views import report_job_context
from ppm.reports import report_job_get_for_user, report_kind_get

__all__ = ["IMPORT_KIND", "project_import"]

TEMPLATE = "portfolio/project_import.html"


class ProjectImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


@login_required
@never_cache
def project_import(request):
    """GET: the upload form and the latest import (``?job=<id>`` for one). POST: queue the file."""
    if not can_create_project(request.user):
        raise PermissionDenied(_("Only the project office and administrators import projects."))
    status = 200
    if request.method == "POST":
        form = ProjectImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                queued = import_job_request(
                    kind=IMPORT_KIND,
                    upload=form.cleaned_data["file"],
                    requested_by=request.user,
                    language=get_language() or "",
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(f"{reverse('portfolio:project_import')}?job={queued.pk}")
        status = 400
    else:
        form = ProjectImportForm()
    job: ReportJob | None = None
    if request.GET.get("job"):
        job, _kind = report_job_get_for_user(user=request.user, pk=request.GET["job"])
        if job.kind != IMPORT_KIND:
            raise Http404(_("No such import."))
    else:
        job = (
            ReportJob.objects.filter(kind=IMPORT_KIND, requested_by=request.user)
            .order_by("-created_at")
            .first()
        )
    context = {"form": form, "columns": COLUMNS, "job": job}
    if job is not None:
        context.update(report_job_context(job, report_kind_get(IMPORT_KIND)))
    return render(request, TEMPLATE, context, status=status)
