"""The capacity plan over the API: the stored snapshot (rows of arrays) and "rebuild now".

GET /api/v1/capacity/?dimension=&grain=&objective=&directorate=&under_study= → periods, rows (one array
per figure, one value per period), built_at and a stale flag; the same filters as the page
(resources.capacity_views.CapacityPlanForm). POST /api/v1/capacity/rebuild/ queues a build (202).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ppm.api.schema import error_responses
from ppm.api.views import ApiViewMixin
from resources.capacity_plan import capacity_snapshot_request, snapshot_for, snapshot_freshness, snapshot_rows
from resources.capacity_views import CapacityPlanForm
from resources.models import CapacityDimension, CapacitySnapshot, PeriodGrain
from resources.permissions import RULES

FIGURES = ("capacity", "gross", "absent", "background", "load", "load_external", "load_unstaffed", "ratio")


def _numbers(nullable: bool = False) -> serializers.ListField:
    return serializers.ListField(child=serializers.FloatField(allow_null=nullable))


class CapacityPlanRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    capacity = _numbers()
    gross = _numbers()
    absent = _numbers()
    background = _numbers()
    load = _numbers()
    load_external = _numbers()
    load_unstaffed = _numbers()
    ratio = _numbers(nullable=True)


class CapacityPlanSerializer(serializers.Serializer):
    key = serializers.CharField()
    grain = serializers.ChoiceField(choices=PeriodGrain.choices)
    dimension = serializers.ChoiceField(choices=CapacityDimension.choices)
    filters = serializers.DictField()
    periods = serializers.ListField(child=serializers.DateField())
    status = serializers.CharField()
    built_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    changed_at = serializers.DateTimeField(allow_null=True)
    building = serializers.BooleanField()
    rows = CapacityPlanRowSerializer(many=True)


class CapacityRebuildSerializer(serializers.Serializer):
    grain = serializers.ChoiceField(choices=PeriodGrain.choices, required=False)
    objective = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    directorate = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    under_study = serializers.BooleanField(required=False)


QueuedSerializer = inline_serializer(
    "CapacityRebuildQueued",
    {"key": serializers.CharField(), "status": serializers.CharField(), "queued": serializers.BooleanField()},
)


def _form(data) -> CapacityPlanForm:
    form = CapacityPlanForm(data, choices=False)
    if not form.is_valid():
        raise ValidationError(form.errors.get_json_data())
    return form


@extend_schema(tags=["capacity"])
class CapacityPlanView(ApiViewMixin, generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = CapacitySnapshot.objects.none()  # for the schema: the view reads through selectors
    serializer_class = CapacityPlanSerializer

    @extend_schema(
        summary=_("The capacity plan"),
        description=_(
            "The stored snapshot for these filters: capacity and load in person-days per row and period, "
            "as arrays. `stale` is true when the data changed since it was built; a snapshot nobody asked "
            "for before is queued for its first build (`rows` empty until then)."
        ),
        parameters=[
            OpenApiParameter("dimension", OpenApiTypes.STR, enum=CapacityDimension.values),
            OpenApiParameter("grain", OpenApiTypes.STR, enum=PeriodGrain.values),
            OpenApiParameter("objective", OpenApiTypes.INT),
            OpenApiParameter("directorate", OpenApiTypes.INT),
            OpenApiParameter("under_study", OpenApiTypes.BOOL),
        ],
        responses={200: CapacityPlanSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        RULES.check(request.user, "capacity.view")
        params, dimension = _form(request.query_params).plan()
        snapshot = snapshot_for(params)
        freshness = snapshot_freshness(snapshot)
        rows = snapshot_rows(snapshot, dimension) if snapshot.built_at else []
        return Response(
            {
                "key": snapshot.key,
                "grain": snapshot.grain,
                "dimension": dimension,
                "filters": params.as_json(),
                "periods": [lo for lo, _hi in snapshot.periods],
                "status": snapshot.status,
                "built_at": snapshot.built_at,
                "stale": freshness.stale,
                "changed_at": freshness.changed_at,
                "building": freshness.building,
                "rows": [
                    {"key": row.dim_key, "label": row.label, **{name: getattr(row, name) for name in FIGURES}}
                    for row in rows
                ],
            }
        )


@extend_schema(tags=["capacity"])
class CapacityRebuildView(ApiViewMixin, generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    queryset = CapacitySnapshot.objects.none()
    serializer_class = CapacityRebuildSerializer

    @extend_schema(
        summary=_("Rebuild the capacity plan now"),
        description=_("Project office, administrators and project managers. Queues one build (202)."),
        request=CapacityRebuildSerializer,
        responses={202: QueuedSerializer, **error_responses(400, 401, 403, 413, 415)},
    )
    def post(self, request):
        RULES.check(request.user, "capacity.rebuild")
        serializer = CapacityRebuildSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {key: value for key, value in serializer.validated_data.items() if value not in (None, False)}
        params, _dimension = _form(data).plan()
        snapshot = capacity_snapshot_request(params, reason="API rebuild", countdown=0)
        return Response(
            {"key": snapshot.key, "status": snapshot.status, "queued": snapshot.queued_at is not None},
            status=status.HTTP_202_ACCEPTED,
        )
