"""Flash reports API: reporting periods, reports (list, read, edit with If-Match, workflow, revision) and
the prefilled draft of a project's current period.

Readers see validated reports only (list and detail). Writes go through governance.flash's services.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import flash, flash_selectors
from governance.models import (
    Dimension,
    FlashReport,
    FlashReportDimension,
    FlashReportItem,
    FlashReportStatus,
    ItemKind,
    ItemStatus,
    ReportingPeriod,
    Weather,
)
from governance.permissions import RULES
from portfolio.selectors import project_get_for_user
from ppm.api.concurrency import (
    IF_MATCH_HEADER,
    IF_NONE_MATCH_HEADER,
    VersionedObjectMixin,
    etag_response_header,
)
from ppm.api.schema import error_responses
from ppm.api.serializers import FastRowsMixin
from ppm.api.views import ApiViewMixin
from ppm.permissions import TablePermission, role_of
from ppm.prefetch import prefetch_lists

# ------------------------------------------------------------------------------------------ serializers


class ReportingPeriodSerializer(FastRowsMixin, serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = ["id", "cadence", "start", "end", "deadline"]


class DimensionSerializer(FastRowsMixin, serializers.ModelSerializer):
    weather = serializers.ChoiceField(choices=Weather.choices, allow_blank=True, read_only=True)

    class Meta:
        model = FlashReportDimension
        fields = ["dimension", "weather", "trend", "comment"]


@extend_schema_field({"type": "string", "pattern": "^(open|closed)$", "description": "`open` or `closed`"})
class ItemStatusField(serializers.ChoiceField):
    """An item's status, documented inline (a second "status" enum component would collide by name)."""

    def __init__(self, **kwargs):
        super().__init__(choices=ItemStatus.choices, **kwargs)


class ItemSerializer(FastRowsMixin, serializers.ModelSerializer):
    status = ItemStatusField(read_only=True)

    class Meta:
        model = FlashReportItem
        fields = ["id", "kind", "text", "owner", "due_date", "status", "carried_from"]


class FlashReportSerializer(FastRowsMixin, serializers.ModelSerializer):
    period = ReportingPeriodSerializer(read_only=True)
    weather = serializers.ChoiceField(choices=Weather.choices, allow_blank=True, read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)
    dimensions = DimensionSerializer(many=True, read_only=True)
    items = ItemSerializer(many=True, read_only=True)
    figures = serializers.DictField(read_only=True)

    class Meta:
        model = FlashReport
        fields = [
            "id",
            "project",
            "project_code",
            "period",
            "revision",
            "is_current",
            "status",
            "weather",
            "trend",
            "percent_complete",
            "highlights",
            "achievements",
            "next_steps",
            "figures",
            "dimensions",
            "items",
            "submitted_at",
            "validated_at",
            "return_comment",
            "version",
        ]
        read_only_fields = fields


class DimensionInputSerializer(serializers.Serializer):
    weather = serializers.ChoiceField(choices=Weather.choices, required=False, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=flash.TEXT_MAX)


class ItemInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ItemKind.choices, default=ItemKind.RISK)
    text = serializers.CharField(max_length=flash.TEXT_MAX)
    owner = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    status = ItemStatusField(default=ItemStatus.OPEN)


class FigureInputSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True)


class FlashReportInputSerializer(serializers.Serializer):
    weather = serializers.ChoiceField(choices=Weather.choices, required=False, allow_blank=True)
    percent_complete = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    highlights = serializers.CharField(required=False, allow_blank=True, max_length=flash.TEXT_MAX)
    achievements = serializers.CharField(required=False, allow_blank=True, max_length=flash.TEXT_MAX)
    next_steps = serializers.CharField(required=False, allow_blank=True, max_length=flash.TEXT_MAX)
    dimensions = serializers.DictField(child=DimensionInputSerializer(), required=False)
    figures = serializers.DictField(child=FigureInputSerializer(), required=False)
    items = serializers.ListField(child=ItemInputSerializer(), required=False, max_length=flash.ITEMS_MAX)

    def validate_dimensions(self, value):
        unknown = set(value) - set(Dimension.values)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown dimensions: %(names)s.") % {"names": ", ".join(sorted(unknown))}
            )
        return value


class ReturnInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=flash.TEXT_MAX)


class FlashReportFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id")
    period = django_filters.NumberFilter(field_name="period_id")
    status = django_filters.ChoiceFilter(choices=FlashReportStatus.choices)
    current = django_filters.BooleanFilter(field_name="is_current")

    class Meta:
        model = FlashReport
        fields = ["project", "period", "status", "current"]


# -------------------------------------------------------------------------------------------- views


class FlashReportPermission(TablePermission):
    """Readers may list reports (they see validated ones only): the list is decided by `may_on_some`."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) == "list":
            return role_of(request.user) is not None and view.rules.may_on_some(
                request.user, "flash_report.view"
            )
        return super().has_permission(request, view)


@extend_schema(tags=["flash reports"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List reporting periods"),
        responses={200: ReportingPeriodSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a reporting period"),
        responses={200: ReportingPeriodSerializer, **error_responses(401, 403, 404)},
    ),
)
class ReportingPeriodViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Reporting periods (generated per cadence: monthly, fortnightly)."""

    serializer_class = ReportingPeriodSerializer
    permission_classes = [FlashReportPermission]
    rules = RULES
    rule_entity = "flash_report"
    rule_actions = {"list": "view", "retrieve": "flash_report.view"}
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["cadence"]

    def get_queryset(self) -> QuerySet[ReportingPeriod]:
        return flash_selectors.reporting_periods()

    def get_object(self):
        period = super().get_object()
        return period

    def check_object_permissions(self, request, obj):
        # A period is not a report: whoever may list reports may read it.
        if not RULES.may_on_some(request.user, "flash_report.view"):
            super().check_object_permissions(request, obj)


_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 415)


@extend_schema(tags=["flash reports"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List flash reports"),
        description=_(
            "Filters: `project`, `period`, `status`, `current`. Readers see validated reports only."
        ),
        responses={200: FlashReportSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a flash report"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: FlashReportSerializer,
            304: OpenApiResponse(description=_("Not modified.")),
            **error_responses(401, 403, 404),
        },
    ),
    partial_update=extend_schema(
        summary=_("Edit a draft or returned flash report"),
        description=_(
            'Weather, dimensions (`{"schedule": {"weather": "rainy", "comment": "…"}}`), percent, texts, '
            'figure corrections (`{"budget_forecast": {"value": "1200.00"}}`) and items (the list given '
            "replaces the report's: rows with an `id` are edited, the others added, missing ones deleted). "
            "A submitted report is locked (409). Send If-Match with the ETag read."
        ),
        request=FlashReportInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: FlashReportSerializer, **_WRITE_ERRORS},
    ),
)
class FlashReportViewSet(VersionedObjectMixin, ApiViewMixin, viewsets.GenericViewSet):
    serializer_class = FlashReportSerializer
    permission_classes = [FlashReportPermission]
    rules = RULES
    rule_entity = "flash_report"
    rule_actions = {
        "list": "view",
        "retrieve": "view",
        "partial_update": "change",
        "submit": "change",
        "validate": "validate",
        "return_report": "validate",
        "revise": "change",
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = FlashReportFilterSet
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[FlashReport]:
        # The page's dimensions and items are read by `list` (ppm.prefetch.prefetch_lists).
        return flash_selectors.flash_report_visible_to(self.request.user).order_by(
            "-period__start", "project__code", "-revision", "pk"
        )

    def get_object(self) -> FlashReport:
        report = flash_selectors.flash_report_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, report)
        return report

    def _answer(self, report, *, status_code=status.HTTP_200_OK) -> Response:
        report = flash_selectors.flash_report_get_for_user(user=self.request.user, pk=report.pk)
        return self.versioned_response(report, self.get_serializer(report).data, status_code=status_code)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        # Two queries, as prefetch_related's, without a queryset cloned per report (ppm.prefetch).
        prefetch_lists(page, "dimensions", FlashReportDimension.objects.order_by("pk"))
        prefetch_lists(page, "items")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        return self.not_modified(request, report) or self.versioned_response(
            report, self.get_serializer(report).data
        )

    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        expected = self.expected_version(request, report)
        serializer = FlashReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "items" in data:
            data["items"] = [dict(item) for item in data["items"]]
        if "figures" in data:
            data["figures"] = {key: dict(value) for key, value in data["figures"].items()}
        if "dimensions" in data:
            data["dimensions"] = {key: dict(value) for key, value in data["dimensions"].items()}
        report = flash.flash_report_update(
            actor=request.user, report=report, expected_version=expected, data=data
        )
        return self._answer(report)

    def _move(self, request, service, **extra):
        report = self.get_object()
        expected = self.expected_version(request, report)
        report = service(actor=request.user, report=report, expected_version=expected, **extra)
        return report

    @extend_schema(
        summary=_("Submit a flash report to the project office"),
        description=_(
            "Needs the overall weather, every dimension's weather and a comment on each rainy, stormy or "
            "worsening dimension (409 otherwise)."
        ),
        request=None,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: FlashReportSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(self._move(request, flash.flash_report_submit))

    @extend_schema(
        summary=_("Validate a submitted flash report"),
        request=None,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: FlashReportSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        return self._answer(self._move(request, flash.flash_report_validate))

    @extend_schema(
        summary=_("Return a submitted flash report to its project manager"),
        request=ReturnInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: FlashReportSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request, pk=None):
        serializer = ReturnInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            self._move(request, flash.flash_report_return, comment=serializer.validated_data["comment"])
        )

    @extend_schema(
        summary=_("Open a new revision of a validated flash report"),
        description=_("The validated report is kept; the new revision (a draft) becomes the current report."),
        request=None,
        parameters=[IF_MATCH_HEADER, etag_response_header(201, 412)],
        responses={201: FlashReportSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        return self._answer(
            self._move(request, flash.flash_report_revise), status_code=status.HTTP_201_CREATED
        )


class FlashReportDraftView(ApiViewMixin, APIView):
    """POST: the prefilled draft of the project's current period (created, or the existing current report)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["flash reports"],
        summary=_("Create the prefilled draft of a project's current period"),
        request=None,
        responses={
            200: FlashReportSerializer,
            201: FlashReportSerializer,
            **error_responses(400, 401, 403, 404, 413, 415),
        },
    )
    def post(self, request, pk):
        project = project_get_for_user(user=request.user, pk=pk)
        existed = flash_selectors.current_report(project) is not None
        report = flash.flash_report_draft(actor=request.user, project=project)
        report = flash_selectors.flash_report_get_for_user(user=request.user, pk=report.pk)
        return Response(
            FlashReportSerializer(report, context={"request": request}).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
            headers={"ETag": f'"{report.pk}-{report.version}"'},
        )
