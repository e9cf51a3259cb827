"""MS Project (MSPDI) import and export: the API endpoints and the import page of a project."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolio.permissions import can_edit_project
from portfolio.scheduling.mspdi import MAX_BYTES
from portfolio.scheduling.mspdi_import import schedule_export, schedule_import
from portfolio.selectors import project_get_for_user
from ppm.api.schema import error_responses
from ppm.exceptions import DomainValidationError

TEMPLATE = "portfolio/scheduling/import.html"
XML_CONTENT_TYPES = {"application/xml", "text/xml", "application/octet-stream", "application/vnd.ms-project"}


def _too_large_message() -> str:
    return _("The file is too large; the limit is %(max)s MB.") % {"max": MAX_BYTES // 1048576}


def _read_upload(upload) -> bytes:
    """The upload's bytes, or DomainValidationError (too large, not XML by its content)."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainValidationError(_too_large_message(), field_errors={"file": [_too_large_message()]})
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    # XML by its content, whatever the file's name or declared type says (UTF-16 files start with a BOM).
    if not head.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):
        message = _(
            "This is not an MS Project XML file (MSPDI): save the plan from MS Project as “XML format”."
        )
        raise DomainValidationError(message, field_errors={"file": [message]})
    return data


def _file_name(project) -> str:
    return f"{slugify(project.code or project.name) or 'project'}-schedule.xml"


ImportReportSerializer = inline_serializer(
    "ScheduleImportReport",
    fields={
        "project": serializers.IntegerField(),
        "tasks": serializers.IntegerField(),
        "links": serializers.IntegerField(),
        "milestones": serializers.IntegerField(),
        "calendar_exceptions": serializers.IntegerField(),
        "null_tasks": serializers.IntegerField(),
        "replaced_tasks": serializers.IntegerField(),
        "assignees_matched": serializers.IntegerField(),
        "forecast_start": serializers.DateField(allow_null=True),
        "forecast_finish": serializers.DateField(allow_null=True),
        "report": inline_serializer(
            "ScheduleImportReportItem",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "count": serializers.IntegerField(),
                "examples": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        ),
    },
)


class ScheduleImportView(APIView):
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["schedule"],
        operation_id="project_schedule_import",
        summary=gettext_lazy("Import an MS Project (MSPDI XML) file into a project"),
        description=gettext_lazy(
            "Multipart field `file`: an MS Project XML (MSPDI) file. All or nothing: a malformed, unsafe "
            "(DTD, entities) or unschedulable file writes nothing and is answered 400 with the reason; "
            "over the size limit 413. A project that already has tasks is refused unless `replace=true`. "
            "Answers the import report: counts and what was mapped or ignored."
        ),
        parameters=[
            OpenApiParameter(
                "replace", OpenApiTypes.BOOL, description=gettext_lazy("Replace the existing schedule.")
            )
        ],
        request={
            "multipart/form-data": inline_serializer(
                "ScheduleImportInput", fields={"file": serializers.FileField()}
            )
        },
        responses={
            201: ImportReportSerializer,
            **error_responses(400, 401, 403, 404, 413, 415),
        },
    )
    def post(self, request, pk: int):
        project = project_get_for_user(user=request.user, pk=pk)
        if not can_edit_project(request.user, project):
            raise PermissionDenied(
                _("Only the project office, administrators and the project's manager edit its schedule.")
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainValidationError(
                _("Send the file in the multipart field “file”."),
                field_errors={"file": [_("This field is required.")]},
            )
        if upload.size is not None and upload.size > MAX_BYTES:
            return Response({"detail": _too_large_message()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        replace = str(request.query_params.get("replace", "")).lower() in {"1", "true", "yes", "on"}
        report = schedule_import(
            project=project, data=_read_upload(upload), replace=replace, actor=request.user
        )
        return Response(report.as_dict(), status=status.HTTP_201_CREATED)


class ScheduleExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["schedule"],
        operation_id="project_schedule_export",
        summary=gettext_lazy("Export a project's schedule as MS Project XML (MSPDI)"),
        description=gettext_lazy(
            "An attachment that Microsoft Project and MPXJ open: tasks (WBS), dates, durations, milestones, "
            "progress, constraints, deadlines, links with lags, the calendar with holidays and closed days."
        ),
        responses={
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY, description="MSPDI XML"),
            **error_responses(401, 404),
        },
    )
    def get(self, request, pk: int):
        project = project_get_for_user(user=request.user, pk=pk)
        response = HttpResponse(
            schedule_export(project=project), content_type="application/xml; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{_file_name(project)}"'
        return response


# -- the page ---------------------------------------------------------------------------------------------


class ScheduleImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("MS Project file (XML)"),
        help_text=gettext_lazy("In MS Project: File › Save As › XML format (*.xml)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace the current schedule"),
        required=False,
        help_text=gettext_lazy("Needed when the project already has tasks: they are all replaced."),
    )


@login_required
@never_cache
def schedule_import_page(request, pk: int):
    """GET: the upload form. POST: import the file, then show the report (or why nothing was imported)."""
    project = project_get_for_user(user=request.user, pk=pk)
    if not can_edit_project(request.user, project):
        raise PermissionDenied(
            _("Only the project office, administrators and the project's manager edit its schedule.")
        )
    report = None
    status_code = 200
    if request.method == "POST":
        form = ScheduleImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                data = _read_upload(form.cleaned_data["file"])
                report = schedule_import(
                    project=project, data=data, replace=form.cleaned_data["replace"], actor=request.user
                )
            except ValidationError as error:
                messages = error.message_dict.get("file") if hasattr(error, "error_dict") else error.messages
                for message in messages or error.messages:
                    form.add_error("file", message)
        if report is None:
            status_code = 400
        else:
            form = ScheduleImportForm()
    else:
        form = ScheduleImportForm()
    has_tasks = project.tasks.exists()
    return render(
        request,
        TEMPLATE,
        {
            "project": project,
            "form": form,
            "report": report,
            "has_tasks": has_tasks,
            "max_mb": MAX_BYTES // 1048576,
        },
        status=status_code,
    )
