"""API of baselines (issue #6 §4): project baselines and portfolio baselines, with their comparison.

* `/api/v1/projects/{id}/baselines/` list, create (the schedule's editors)
* `/api/v1/baselines/{id}/` retrieve, delete (project office); `/{id}/compare/?with=<id>|today`
* `/api/v1/portfolio-baselines/` list, create (project office); `/{id}/` retrieve, delete; `/{id}/compare/`

Baselines are snapshots: they are taken and deleted, never edited through the API (no version, no ETag).
A comparison ships rows of arrays (`columns` name them), not an object per task.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portfolio import selectors
from portfolio.scheduling import baselines
from portfolio.scheduling.models import Baseline, PortfolioBaseline
from ppm.api.schema import error_responses
from ppm.api.views import ApiViewMixin
from ppm.exceptions import DomainValidationError

TASK_COLUMNS = [
    "task_id", "wbs", "name", "milestone", "status", "reference_start", "reference_finish", "start", "finish",
    "start_drift", "finish_drift", "duration_drift", "tone",
]  # fmt: skip
PROJECT_COLUMNS = [
    "project_id",
    "code",
    "name",
    "status",
    "reference_end",
    "end",
    "end_drift",
    "tone",
    "milestones",
]


def _iso(day):
    return day.isoformat() if day else None


class BaselineSerializer(serializers.ModelSerializer):
    taken_by_name = serializers.SerializerMethodField()
    task_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Baseline
        fields = ["id", "project", "name", "note", "taken_at", "taken_by", "taken_by_name", "task_count"]
        read_only_fields = fields

    def get_taken_by_name(self, obj) -> str:
        return str(obj.taken_by) if obj.taken_by_id else ""


class PortfolioBaselineSerializer(serializers.ModelSerializer):
    taken_by_name = serializers.SerializerMethodField()
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PortfolioBaseline
        fields = ["id", "name", "note", "taken_at", "taken_by", "taken_by_name", "project_count"]
        read_only_fields = fields

    def get_taken_by_name(self, obj) -> str:
        return str(obj.taken_by) if obj.taken_by_id else ""


class BaselineInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=baselines.NAME_MAX_LENGTH)
    note = serializers.CharField(
        max_length=baselines.NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ComparisonSerializer(serializers.Serializer):
    reference = serializers.IntegerField()
    compared_with = serializers.CharField(help_text=_("A baseline's id, or `today`."))
    summary = serializers.DictField(child=serializers.JSONField(allow_null=True))
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField(allow_null=True)))


WITH_PARAMETER = OpenApiParameter(
    "with",
    OpenApiTypes.STR,
    description=_("Compare with this baseline (its id) or with today's plan (`today`, the default)."),
)


def _comparison_body(reference_id: int, other, result) -> dict:
    return {
        "reference": reference_id,
        "compared_with": str(other.pk) if other is not None else baselines.TODAY,
        "summary": {
            "added": result.added,
            "removed": result.removed,
            "moved": result.moved,
            "milestones_late": result.milestones_late,
            "reference_finish": _iso(result.reference_finish),
            "finish": _iso(result.finish),
            "finish_drift": result.finish_drift,
            "tone": result.summary_tone,
        },
        "columns": TASK_COLUMNS,
        "rows": [
            [
                r.key if isinstance(r.key, int) else None,
                r.wbs,
                r.name,
                r.milestone,
                r.status,
                _iso(r.reference_start),
                _iso(r.reference_finish),
                _iso(r.start),
                _iso(r.finish),
                r.start_drift,
                r.finish_drift,
                r.duration_drift,
                r.tone,
            ]
            for r in result.rows
        ],  # fmt: skip
    }


def _other_id(request) -> str | None:
    value = request.query_params.get("with")
    if value is not None and value != baselines.TODAY and not value.isdigit():
        raise DomainValidationError(field_errors={"with": [_("A baseline's id, or “today”.")]})
    return value


PROJECT_PK_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The project's id.")
)


@extend_schema(tags=["baselines"], parameters=[PROJECT_PK_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("List a project's baselines"),
        responses={200: BaselineSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    create=extend_schema(
        summary=_("Take a baseline of a project's schedule"),
        description=_("The project office, administrators and the project's manager."),
        request=BaselineInputSerializer,
        responses={201: BaselineSerializer, **error_responses(400, 401, 403, 404, 413, 415)},
    ),
)
class ProjectBaselineViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[misc]
    serializer_class = BaselineSerializer
    filter_backends: list = []

    def _project(self):
        return selectors.project_get_for_user(user=self.request.user, pk=self.kwargs["id"])

    def get_queryset(self):
        return baselines.baseline_list(self._project())

    def create(self, request, *args, **kwargs):
        project = self._project()
        data = BaselineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        baseline = baselines.baseline_take(actor=request.user, project=project, **data.validated_data)
        baseline = baselines.baseline_list(project).get(pk=baseline.pk)
        return Response(BaselineSerializer(baseline).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["baselines"])
@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Read a baseline"), responses={200: BaselineSerializer, **error_responses(401, 404)}
    ),
    destroy=extend_schema(
        summary=_("Delete a baseline"),
        description=_("The project office and administrators only."),
        responses={204: None, **error_responses(401, 403, 404)},
    ),
)
class BaselineViewSet(  # type: ignore[misc]
    ApiViewMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = BaselineSerializer
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return Baseline.objects.select_related("project", "taken_by").annotate(task_count=Count("tasks"))

    def perform_destroy(self, instance):
        baselines.baseline_delete(actor=self.request.user, baseline=instance)

    @extend_schema(
        summary=_("Compare a baseline with today's plan or another baseline of the project"),
        description=_("Drift in working days of the project's calendar; positive: later than the baseline."),
        parameters=[WITH_PARAMETER],
        responses={200: ComparisonSerializer, **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["get"])
    def compare(self, request, pk=None):
        reference = self.get_object()
        other = baselines.resolve_other(reference.project_id, _other_id(request))
        comparison = baselines.baseline_compare(reference=reference, other=other)
        return Response(_comparison_body(reference.pk, other, comparison.result))


@extend_schema(tags=["baselines"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List portfolio baselines"),
        responses={200: PortfolioBaselineSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a portfolio baseline"),
        responses={200: PortfolioBaselineSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary=_("Take a portfolio baseline (every project's dates and milestones)"),
        description=_("The project office and administrators only."),
        request=BaselineInputSerializer,
        responses={201: PortfolioBaselineSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
    destroy=extend_schema(
        summary=_("Delete a portfolio baseline"),
        description=_("The project office and administrators only."),
        responses={204: None, **error_responses(401, 403, 404)},
    ),
)
class PortfolioBaselineViewSet(  # type: ignore[misc]
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PortfolioBaselineSerializer
    filter_backends: list = []

    def get_queryset(self):
        return baselines.portfolio_baseline_list()

    def create(self, request, *args, **kwargs):
        data = BaselineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        baseline = baselines.portfolio_baseline_take(actor=request.user, **data.validated_data)
        baseline = baselines.portfolio_baseline_list().get(pk=baseline.pk)
        return Response(PortfolioBaselineSerializer(baseline).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        baselines.portfolio_baseline_delete(actor=self.request.user, baseline=instance)

    @extend_schema(
        summary=_("Compare a portfolio baseline with today or another portfolio baseline"),
        parameters=[WITH_PARAMETER],
        responses={200: ComparisonSerializer, **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["get"])
    def compare(self, request, pk=None):
        reference = self.get_object()
        other = baselines.resolve_portfolio_other(_other_id(request))
        rows = baselines.portfolio_baseline_compare(reference=reference, other=other)
        late = sum(1 for r in rows if r.end_drift and r.end_drift > 0)
        return Response(
            {
                "reference": reference.pk,
                "compared_with": str(other.pk) if other is not None else baselines.TODAY,
                "summary": {"projects": len(rows), "late": late},
                "columns": PROJECT_COLUMNS,
                "rows": [
                    [
                        r.key,
                        r.code,
                        r.name,
                        r.status,
                        _iso(r.reference_end),
                        _iso(r.end),
                        r.end_drift,
                        r.tone,
                        [[name, _iso(then), _iso(now), d] for name, then, now, d in r.milestones],
                    ]
                    for r in rows
                ],  # fmt: skip
            }
        )
