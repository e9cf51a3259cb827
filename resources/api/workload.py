"""Workload plan API (under /api/v1/): a project's allocations, one allocation, ratio templates.

| URL                                          | methods                                             |
|----------------------------------------------|-----------------------------------------------------|
| projects/{id}/allocations/                   | GET (the whole plan, ETag = plan ETag), PUT (bulk)  |
| projects/{id}/allocations/apply-template/    | POST (derive the plan from a ratio template)        |
| allocations/{id}/                            | GET, PATCH (days, note), DELETE — ETag / If-Match   |
| ratio-templates/, ratio-templates/{id}/      | GET, POST, PUT, PATCH, DELETE (project office)      |

A project's plan is answered whole (a plan is bounded: months × roles and people of one project), with
the plan's ETag (a hash of every allocation's id and version): PUT it back in If-Match to replace the
plan all or nothing (412 when any allocation changed since; 400 listing every bad row, nothing saved).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, mixins, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portfolio import selectors as portfolio_selectors
from ppm.api.concurrency import (
    ANY,
    IF_MATCH_HEADER,
    IF_NONE_MATCH_HEADER,
    PreconditionFailed,
    VersionedObjectMixin,
    etag_response_header,
    parse_entity_tags,
)
from ppm.api.schema import error_responses
from ppm.api.serializers import related_field
from ppm.api.views import ApiViewMixin, ReferenceDataViewSet, reference_schema
from ppm.exceptions import DomainNotFound
from resources import workload, workload_selectors
from resources.models import (
    Allocation,
    PeriodGrain,
    Profile,
    RatioTemplate,
    RatioTemplateLine,
    Resource,
    RoleFamily,
)
from resources.permissions import RULES


@extend_schema_field({"type": "string", "enum": list(RoleFamily.values), "description": "moa, moe or amoa"})
class BaseFamilyField(serializers.ChoiceField):
    """A family named "base_family": described inline, so the schema keeps one enum for the families."""

    def __init__(self, **kwargs):
        super().__init__(choices=RoleFamily.choices, **kwargs)


DAYS = {"max_digits": 9, "decimal_places": 2, "min_value": 0, "max_value": 9999999}


# ------------------------------------------------------------------------------------- serializers


class AllocationSerializer(serializers.ModelSerializer):
    deviates = serializers.BooleanField(read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "project",
            "family",
            "profile",
            "resource",
            "grain",
            "period_start",
            "days",
            "is_external",
            "source",
            "template",
            "template_days",
            "deviates",
            "note",
            "version",
        ]
        read_only_fields = fields


class AllocationRowSerializer(serializers.Serializer):
    family = serializers.ChoiceField(choices=RoleFamily.choices, required=False)
    profile = related_field(Profile.objects.all(), allow_null=True, required=False)
    resource = related_field(
        Resource.objects.select_related("primary_profile").prefetch_related("profiles"),
        allow_null=True,
        required=False,
    )
    grain = serializers.ChoiceField(choices=PeriodGrain.choices, required=False)
    period_start = serializers.DateField()
    days = serializers.DecimalField(**DAYS)
    is_external = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)


class PlanReplaceSerializer(serializers.Serializer):
    rows = serializers.ListField(child=AllocationRowSerializer(), max_length=workload.MAX_PLAN_ROWS)


class AllocationUpdateSerializer(serializers.Serializer):
    days = serializers.DecimalField(**DAYS, required=False)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)


class ApplyTemplateSerializer(serializers.Serializer):
    template = related_field(RatioTemplate.objects.all())
    estimate_days = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, max_value=9999999)
    start_month = serializers.DateField()
    end_month = serializers.DateField()
    spread = serializers.ChoiceField(choices=[("even", "even"), ("schedule", "schedule")], default="even")


PlanSerializer = inline_serializer(
    "WorkloadPlan",
    fields={
        "etag": serializers.CharField(),
        "count": serializers.IntegerField(),
        "results": AllocationSerializer(many=True),
    },
)


class RatioTemplateLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatioTemplateLine
        fields = ["family", "profile", "ratio", "external_share"]


class RatioTemplateSerializer(serializers.ModelSerializer):
    lines = RatioTemplateLineSerializer(many=True, read_only=True)
    base_family = BaseFamilyField(read_only=True)

    class Meta:
        model = RatioTemplate
        fields = ["id", "name", "base_family", "is_default", "notes", "lines", "version"]
        read_only_fields = fields


class RatioTemplateLineInputSerializer(serializers.Serializer):
    family = serializers.ChoiceField(choices=RoleFamily.choices)
    profile = related_field(Profile.objects.all(), allow_null=True, required=False)
    ratio = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=0, max_value=999)
    external_share = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )


class RatioTemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    base_family = BaseFamilyField(required=False)
    is_default = serializers.BooleanField(required=False)
    notes = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    lines = serializers.ListField(child=RatioTemplateLineInputSerializer(), max_length=50)


# ------------------------------------------------------------------------------------------- views


def _project(request, pk, action="allocation.view"):
    project = portfolio_selectors.project_get_for_user(user=request.user, pk=pk)
    RULES.check(request.user, action, project)
    return project


def _plan_response(project, *, status_code=status.HTTP_200_OK) -> Response:
    rows = list(workload_selectors.allocation_list(project=project))
    etag = workload.plan_etag_of((row.pk, row.version) for row in rows)
    data = {"etag": etag, "count": len(rows), "results": AllocationSerializer(rows, many=True).data}
    return Response(data, status=status_code, headers={"ETag": f'"{etag}"'})


def _expected_plan_etag(request) -> str | None:
    """The plan ETag of If-Match (None without it, or with `*`); 400 when malformed or weak."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = parse_entity_tags(header, header="If-Match")
    if tags is ANY:
        return None
    strong = [tag.opaque for tag in tags if not tag.weak]
    return strong[0] if strong else "weak"


class _Base(ApiViewMixin, generics.GenericAPIView):
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, workload.StalePlanError):
            exc = PreconditionFailed(str(exc), etag=f'"{exc.current_etag}"')
        if isinstance(exc, workload.PlanRowsError):
            # Every bad row with its index (the core's handler would keep only the message).
            return Response(
                {"non_field_errors": [str(exc)], **exc.as_dict()}, status=status.HTTP_400_BAD_REQUEST
            )
        return super().handle_exception(exc)


_PLAN_DESCRIPTION = _(
    "The whole plan of the project (every grain), with its ETag: a hash of every allocation's id and "
    "version. Not paginated: a plan is bounded by one project's months, roles and people."
)


@extend_schema(tags=["workload"])
class ProjectAllocationsView(_Base):
    queryset = Allocation.objects.none()  # for the schema: the views load through selectors
    serializer_class = AllocationSerializer

    @extend_schema(
        summary=_("A project's workload plan"),
        description=_PLAN_DESCRIPTION,
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: PlanSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request, pk):
        project = _project(request, pk)
        header = request.headers.get("If-None-Match")
        if header is not None:
            tags = parse_entity_tags(header, header="If-None-Match")
            current = workload.plan_etag(project)
            if tags is ANY or any(tag.opaque == current for tag in tags):
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": f'"{current}"'})
        return _plan_response(project)

    @extend_schema(
        summary=_("Replace a project's workload plan"),
        description=_(
            "All or nothing: every row is checked first; any bad row → 400 with `rows` listing each bad "
            "row's index, field and message, and nothing is saved. Rows matching a cell update it; cells "
            "absent from `rows` are removed. Send the plan's ETag in If-Match (412 when the plan changed)."
        ),
        request=PlanReplaceSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: PlanSerializer, **error_responses(400, 401, 403, 404, 412, 413, 415)},
    )
    def put(self, request, pk):
        project = _project(request, pk, "allocation.change")
        expected = _expected_plan_etag(request)
        serializer = PlanReplaceSerializer(data=request.data)
        if not serializer.is_valid():
            raise workload.PlanRowsError(_row_errors(serializer.errors))
        workload.allocation_plan_replace(
            actor=request.user,
            project=project,
            rows=serializer.validated_data["rows"],
            expected_plan_etag=expected,
        )
        return _plan_response(project)


def _row_errors(errors) -> list[dict]:
    """DRF's errors of PlanReplaceSerializer as [{index, field, message}] (index -1: the body itself)."""
    result: list[dict] = []

    def add(index: int, field: str, messages) -> None:
        messages = messages if isinstance(messages, list) else [messages]
        result.extend({"index": index, "field": field, "message": str(m)} for m in messages)

    for field, detail in errors.items():
        if field != "rows":
            add(-1, field, detail)
            continue
        items = (
            detail.items()
            if isinstance(detail, dict)
            else enumerate(detail if isinstance(detail, list) else [detail])
        )
        for index, row in items:
            if isinstance(index, int) and isinstance(row, dict):
                for name, messages in row.items():
                    add(index, name, messages)
            elif row:
                add(-1, "rows", row)
    return result


@extend_schema(tags=["workload"])
class ApplyTemplateView(_Base):
    queryset = Allocation.objects.none()
    serializer_class = ApplyTemplateSerializer

    @extend_schema(
        summary=_("Derive a project's plan from a ratio template"),
        description=_(
            "Each template line's days = estimate × ratio, its outsourced share on outsourced rows, spread "
            "month by month evenly over working days or following the schedule. Replaces the rows an "
            "earlier application derived; named people are kept. If-Match: the plan's ETag (optional)."
        ),
        request=ApplyTemplateSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: PlanSerializer, **error_responses(400, 401, 403, 404, 412, 413, 415)},
    )
    def post(self, request, pk):
        project = _project(request, pk, "allocation.change")
        expected = _expected_plan_etag(request)
        serializer = ApplyTemplateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workload.ratio_template_apply(
            actor=request.user, project=project, expected_plan_etag=expected, **serializer.validated_data
        )
        return _plan_response(project)


@extend_schema(tags=["workload"])
class AllocationDetailView(VersionedObjectMixin, _Base):
    queryset = Allocation.objects.none()
    serializer_class = AllocationSerializer

    def get_object(self) -> Allocation:
        try:
            allocation = Allocation.objects.select_related("project").get(pk=self.kwargs["pk"])
        except (Allocation.DoesNotExist, ValueError, OverflowError):
            raise DomainNotFound() from None
        RULES.check(self.request.user, "allocation.view", allocation.project)
        return allocation

    @extend_schema(
        summary=_("Read an allocation"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: AllocationSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        allocation = self.get_object()
        return self.not_modified(request, allocation) or self.versioned_response(
            allocation, AllocationSerializer(allocation).data
        )

    @extend_schema(
        summary=_("Change an allocation's days or note"),
        description=_("Send the ETag you read in If-Match (412 when the allocation changed since)."),
        request=AllocationUpdateSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: AllocationSerializer, **error_responses(400, 401, 403, 404, 412, 413, 415)},
    )
    def patch(self, request, pk):
        allocation = self.get_object()
        RULES.check(request.user, "allocation.change", allocation.project)
        serializer = AllocationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = self.expected_version(request, allocation)
        allocation = workload.allocation_update(
            actor=request.user,
            allocation=allocation,
            data=serializer.validated_data,
            expected_version=expected,
        )
        return self.versioned_response(allocation, AllocationSerializer(allocation).data)

    @extend_schema(
        summary=_("Delete an allocation"),
        parameters=[IF_MATCH_HEADER],
        responses={204: None, **error_responses(400, 401, 403, 404, 412)},
    )
    def delete(self, request, pk):
        allocation = self.get_object()
        RULES.check(request.user, "allocation.change", allocation.project)
        expected = self.expected_version(request, allocation)
        workload.allocation_delete(actor=request.user, allocation=allocation, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


@reference_schema(
    "workload",
    plural=_("Ratio templates"),
    singular=_("Ratio template"),
    output=RatioTemplateSerializer,
    input_serializer=RatioTemplateInputSerializer,
)
class RatioTemplateViewSet(mixins.DestroyModelMixin, ReferenceDataViewSet):
    """Ratio templates: every signed-in user reads them; the project office writes them."""

    serializer_class = RatioTemplateSerializer
    input_serializer_class = RatioTemplateInputSerializer
    rules = RULES
    rule_entity = "resource"
    rule_actions = {"create": "change", "update": "change", "partial_update": "change", "destroy": "change"}
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self) -> QuerySet[RatioTemplate]:
        return RatioTemplate.objects.prefetch_related("lines").order_by("name", "pk")

    def create_object(self, data):
        data = dict(data)
        return workload.ratio_template_create(actor=self.request.user, lines=data.pop("lines"), **data)

    def update_object(self, instance, data):
        data = dict(data)
        lines = data.pop("lines", None)
        return workload.ratio_template_update(
            actor=self.request.user, template=instance, data=data, lines=lines
        )

    @extend_schema(
        summary=_("Delete a ratio template"), responses={204: None, **error_responses(401, 403, 404)}
    )
    def destroy(self, request, *args, **kwargs):
        workload.ratio_template_delete(actor=request.user, template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("projects/<int:pk>/allocations/", ProjectAllocationsView.as_view(), name="project-allocations"),
    path(
        "projects/<int:pk>/allocations/apply-template/",
        ApplyTemplateView.as_view(),
        name="project-allocations-apply-template",
    ),
    path("allocations/<int:pk>/", AllocationDetailView.as_view(), name="allocation-detail"),
]
