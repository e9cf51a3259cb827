"""Timesheet API (under /api/v1/).

| URL                                   | methods                                                   |
|---------------------------------------|-----------------------------------------------------------|
| timesheets/                           | GET (own and approved weeks; ?person=, ?week=, ?status=) |
| timesheets/{id}/                      | GET, PUT (the rows; If-Match)                              |
| timesheets/{id}/submit/               | POST (the person; If-Match)                                |
| timesheets/{id}/approve/, reject/     | POST (the person's approver; reject needs `reason`; If-Match) |
| timesheet-lines/{id}/approve/, reject/| POST (the line's project manager or the week's approver)  |
| time-entries/                         | GET (?person=, ?project=, ?start=, ?end=, ?status=)        |

Time values are in the organisation's unit (PILOTIS_TIMESHEET_UNIT: days by half days, or hours); the
response gives both `days` and the typed `value`.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Prefetch, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from ppm.api.concurrency import (
    IF_MATCH_HEADER,
    IF_NONE_MATCH_HEADER,
    VersionedObjectMixin,
    etag_response_header,
)
from ppm.api.schema import error_responses
from ppm.api.serializers import MAX_ID, id_field
from ppm.api.views import ApiViewMixin
from resources import timesheet_selectors as selectors
from resources import timesheets as services
from resources.models import Resource, TimeEntry, Timesheet, TimesheetLine, TimesheetStatus

_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 415)


# ------------------------------------------------------------------------------------------ filters


class TimesheetFilterSet(django_filters.FilterSet):
    person = django_filters.ModelChoiceFilter(
        field_name="resource", queryset=Resource.objects.all(), label=_("Person (resource id)")
    )
    week = django_filters.DateFilter(method="filter_week", label=_("Week (any day of it)"))
    status = django_filters.MultipleChoiceFilter(choices=TimesheetStatus.choices, label=_("Status"))

    class Meta:
        model = Timesheet
        fields = ["person", "week", "status"]

    def filter_week(self, queryset, name, value):
        return queryset.filter(week=services.week_start(value)) if value else queryset


class IdFilter(django_filters.NumberFilter):
    """An object id: a positive 64-bit integer (an out-of-range value is a 400, not a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class TimeEntryFilterSet(django_filters.FilterSet):
    person = IdFilter(field_name="line__timesheet__resource_id", label=_("Person (resource id)"))
    project = IdFilter(field_name="line__project_id", label=_("Project id"))
    start = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From"))
    end = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("To"))
    status = django_filters.ChoiceFilter(
        field_name="line__timesheet__status", choices=TimesheetStatus.choices, label=_("Week status")
    )

    class Meta:
        model = TimeEntry
        fields = ["person", "project", "start", "end", "status"]


# ------------------------------------------------------------------------------------------ serializers


class TimesheetLineSerializer(serializers.ModelSerializer):
    days = serializers.SerializerMethodField()
    decided_by: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = TimesheetLine
        fields = [
            "id",
            "project",
            "task",
            "activity",
            "approval",
            "reason",
            "decided_by",
            "decided_at",
            "days",
        ]
        read_only_fields = fields

    def get_days(self, line) -> dict[str, str]:
        return {entry.day.isoformat(): str(entry.days) for entry in line.entries.all()}


class TimesheetSerializer(serializers.ModelSerializer):
    resource_name = serializers.CharField(source="resource.name", read_only=True)
    # A plain string (draft, submitted, approved, rejected = returned): the enum name "Status" is taken.
    status = serializers.CharField(
        read_only=True, help_text=_("draft, submitted, approved or rejected (returned)")
    )
    lines = TimesheetLineSerializer(many=True, read_only=True)

    class Meta:
        model = Timesheet
        fields = [
            "id",
            "resource",
            "resource_name",
            "week",
            "status",
            "submitted_at",
            "decided_at",
            "version",
            "lines",
        ]
        read_only_fields = fields


class RowInputSerializer(serializers.Serializer):
    project = id_field(required=False, allow_null=True)
    task = id_field(required=False, allow_null=True)
    activity = id_field(required=False, allow_null=True)
    days = serializers.DictField(
        child=serializers.CharField(max_length=12, allow_blank=True),
        help_text=_("Date (YYYY-MM-DD) → time that day, in the organisation's unit (days or hours)."),
    )


class RowsInputSerializer(serializers.Serializer):
    rows = serializers.ListField(child=RowInputSerializer(), max_length=services.MAX_ROWS)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SaveResponseSerializer(TimesheetSerializer):
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(TimesheetSerializer.Meta):
        fields = [*TimesheetSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class TimeEntrySerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="line.timesheet.resource_id", read_only=True)
    person_name = serializers.CharField(source="line.timesheet.resource.name", read_only=True)
    week = serializers.DateField(source="line.timesheet.week", read_only=True)
    timesheet = serializers.IntegerField(source="line.timesheet_id", read_only=True)
    project = serializers.IntegerField(source="line.project_id", read_only=True, allow_null=True)
    task = serializers.IntegerField(source="line.task_id", read_only=True, allow_null=True)
    activity = serializers.IntegerField(source="line.activity_id", read_only=True, allow_null=True)
    status = serializers.CharField(source="line.timesheet.status", read_only=True)
    approval = serializers.CharField(source="line.approval", read_only=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "timesheet",
            "person",
            "person_name",
            "week",
            "day",
            "days",
            "project",
            "task",
            "activity",
            "status",
            "approval",
            "note",
        ]
        read_only_fields = fields


# ------------------------------------------------------------------------------------------ views


def _with_lines(queryset: QuerySet[Timesheet]) -> QuerySet[Timesheet]:
    return queryset.prefetch_related(
        Prefetch(
            "lines",
            queryset=TimesheetLine.objects.order_by("order", "pk").prefetch_related(
                Prefetch("entries", queryset=TimeEntry.objects.order_by("day"))
            ),
        )
    )


_DECISION = _("Send the ETag you read in `If-Match` (412 when the week changed since).")


@extend_schema(tags=["timesheets"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List timesheets"),
        description=_("Your own weeks and those you approve (or that hold lines of projects you manage)."),
        responses={200: TimesheetSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a timesheet"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: TimesheetSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(401, 403, 404),
        },
    ),
    update=extend_schema(
        summary=_("Replace a week's rows"),
        description=_(
            "The person only, while the week is a draft or returned. All rows are checked; nothing is saved "
            "when one is wrong (400 with `rows.<index>` errors). Days above the person's working time are "
            "saved and reported in `warnings`."
        ),
        request=RowsInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: SaveResponseSerializer, **_WRITE_ERRORS},
    ),
)
class TimesheetViewSet(
    VersionedObjectMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TimesheetSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = TimesheetFilterSet
    http_method_names = ["get", "put", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Timesheet]:
        if getattr(self, "swagger_fake_view", False):
            return Timesheet.objects.none()
        return _with_lines(selectors.timesheet_visible_to(self.request.user)).order_by(
            "-week", "resource__name", "pk"
        )

    def _get(self, action: str = "timesheet.view") -> Timesheet:
        return selectors.timesheet_get_for_user(user=self.request.user, pk=self.kwargs["pk"], action=action)

    def _answer(self, timesheet: Timesheet, *, warnings=None):
        timesheet = _with_lines(Timesheet.objects.select_related("resource")).get(pk=timesheet.pk)
        data = TimesheetSerializer(timesheet).data
        if warnings is not None:
            data["warnings"] = warnings
        return self.versioned_response(timesheet, data)

    def retrieve(self, request, *args, **kwargs):
        timesheet = self._get()
        return self.not_modified(request, timesheet) or self._answer(timesheet)

    def update(self, request, *args, **kwargs):
        timesheet = self._get("timesheet.change")
        expected = self.expected_version(request, timesheet)
        serializer = RowsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.timesheet_save(
            actor=request.user,
            timesheet=timesheet,
            expected_version=expected,
            rows=[dict(row) for row in serializer.validated_data["rows"]],
        )
        return self._answer(result.timesheet, warnings=result.warnings)

    @extend_schema(
        summary=_("Submit a week for approval"),
        description=format_lazy("{}{}", _("The person, from draft or returned. "), _DECISION),
        request=None,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: TimesheetSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        timesheet = self._get("timesheet.change")
        expected = self.expected_version(request, timesheet)
        timesheet = services.timesheet_submit(
            actor=request.user, timesheet=timesheet, expected_version=expected
        )
        return self._answer(timesheet)

    @extend_schema(
        summary=_("Approve every waiting line of a week"),
        description=format_lazy(
            "{}{}", _("The person's approver (manager, else team manager) or the project office. "), _DECISION
        ),
        request=None,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: TimesheetSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(approve=True)

    @extend_schema(
        summary=_("Return a week to the person"),
        description=format_lazy("{}{}", _("As approve; `reason` is required. "), _DECISION),
        request=ReasonInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: TimesheetSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(approve=False)

    def _decide(self, *, approve: bool):
        timesheet = self._get("timesheet.approve")
        expected = self.expected_version(self.request, timesheet)
        reason = ""
        if not approve:
            serializer = ReasonInputSerializer(data=self.request.data)
            serializer.is_valid(raise_exception=True)
            reason = serializer.validated_data["reason"]
        timesheet = services.timesheet_decide_all(
            actor=self.request.user,
            timesheet=timesheet,
            approve=approve,
            reason=reason,
            expected_version=expected,
        )
        return self._answer(timesheet)


@extend_schema(tags=["timesheets"])
class TimesheetLineViewSet(VersionedObjectMixin, ApiViewMixin, viewsets.GenericViewSet):
    """Decisions on one line (no list: lines are read with their week)."""

    serializer_class = TimesheetLineSerializer
    permission_classes = [IsAuthenticated]
    queryset = TimesheetLine.objects.none()

    def object_etag(self, obj) -> str:
        # A line carries its week's version.
        return f'"{obj.timesheet_id}-{obj.timesheet.version}"'

    def _decide(self, *, approve: bool):
        line = selectors.line_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        expected = self.expected_version(self.request, line)
        reason = ""
        if not approve:
            serializer = ReasonInputSerializer(data=self.request.data)
            serializer.is_valid(raise_exception=True)
            reason = serializer.validated_data["reason"]
        line = services.timesheet_line_decide(
            actor=self.request.user, line=line, approve=approve, reason=reason, expected_version=expected
        )
        line = TimesheetLine.objects.select_related("timesheet").prefetch_related("entries").get(pk=line.pk)
        return self.versioned_response(line, TimesheetLineSerializer(line).data)

    def expected_version(self, request, obj):
        header = request.headers.get("If-Match")
        if header is None:
            return None
        super().expected_version(request, obj)
        return obj.timesheet.version

    @extend_schema(
        summary=_("Approve a timesheet line"),
        description=_("The line's project manager or the week's approver. If-Match: the week's ETag."),
        request=None,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: TimesheetLineSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(approve=True)

    @extend_schema(
        summary=_("Return a timesheet line"),
        description=_("As approve; `reason` is required. The week is returned to the person."),
        request=ReasonInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: TimesheetLineSerializer, **_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(approve=False)


@extend_schema(tags=["timesheets"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List time entries"),
        description=_("Entries of the weeks you may see, oldest day first (for exports)."),
        responses={200: TimeEntrySerializer(many=True), **error_responses(400, 401, 404)},
    ),
)
class TimeEntryViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TimeEntrySerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = TimeEntryFilterSet

    def get_queryset(self) -> QuerySet[TimeEntry]:
        if getattr(self, "swagger_fake_view", False):
            return TimeEntry.objects.none()
        return (
            selectors.entry_visible_to(self.request.user)
            .select_related("line__timesheet__resource")
            .order_by("day", "line_id", "pk")
        )
