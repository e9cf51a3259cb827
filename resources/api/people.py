"""The resource register's API (under /api/v1/).

| URL                                   | methods                                            |
|---------------------------------------|----------------------------------------------------|
| resources/                            | GET (the list page's filters), POST                |
| resources/{id}/                       | GET, PUT, PATCH (If-Match)                         |
| resources/{id}/capacity/              | GET ?start=YYYY-MM-DD&months=1..36                 |
| roles/, teams/, vendors/              | GET; POST, PUT, PATCH for the project office       |
| absences/                             | GET (?resource=), POST                             |
| absences/{id}/                        | GET, PUT, PATCH, DELETE (If-Match)                 |

Resources and absences carry an ETag and honour If-Match (412 when stale). `daily_cost` is null for
users who may not see cost rates. Views validate, call one service or selector, and serialize.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, filters, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ppm.api.concurrency import (
    IF_MATCH_HEADER,
    IF_NONE_MATCH_HEADER,
    VersionedObjectMixin,
    etag_response_header,
)
from ppm.api.schema import error_responses
from ppm.api.serializers import FastRowsMixin, related_field
from ppm.api.views import ApiViewMixin, ReferenceDataViewSet, reference_schema
from ppm.models import Directorate, User
from ppm.permissions import TablePermission
from resources import selectors, services
from resources.filters import ResourceFilter
from resources.models import (
    Absence,
    AbsenceKind,
    Profile,
    Resource,
    ResourceKind,
    RoleFamily,
    Team,
    Vendor,
)
from resources.permissions import RULES

MONTHS_MAX = 36
_WRITE_ERRORS = error_responses(400, 401, 403, 404, 412, 413, 415)
_CONCURRENCY = _(
    "Send the ETag you read in `If-Match` to be protected against lost updates (412 when the object "
    "changed since). Without If-Match the change is applied whatever the current version."
)
# Reads need `resource.view` (every signed-in user), writes `resource.change` (the project office).
REFERENCE_ACTIONS = {
    "list": "resource.view",
    "retrieve": "resource.view",
    "create": "resource.change",
    "update": "resource.change",
    "partial_update": "resource.change",
}


@extend_schema_field(
    {
        "type": "string",
        "format": "date",
        # The days the register accepts: 2000-01-01 to 2099-12-31 (later days up to 2100 as well).
        "pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    }
)
class RegisterDateField(serializers.DateField):
    """A day of the register, documented with the range it accepts."""


def _date_field(**kwargs) -> serializers.DateField:
    return RegisterDateField(**kwargs)


def _check_range(value):
    if value is not None and not services.DATE_MIN <= value <= services.DATE_MAX:
        raise serializers.ValidationError(
            _("Enter a date between %(min)s and %(max)s.")
            % {"min": services.DATE_MIN.year, "max": services.DATE_MAX.year}
        )
    return value


# ------------------------------------------------------------------------------------- serializers


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["id", "code", "name", "family", "order", "is_active"]
        read_only_fields = fields


class ProfileInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
    family = serializers.ChoiceField(choices=RoleFamily.choices)
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    is_active = serializers.BooleanField(required=False)


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "code", "name", "directorate", "manager", "is_active"]
        read_only_fields = fields


class TeamInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
    directorate = related_field(Directorate.objects.all())
    manager = related_field(User.objects.filter(is_active=True), allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)


class VendorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name", "siret", "is_active"]
        read_only_fields = fields


class VendorInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    siret = serializers.RegexField(r"^\d{14}$", allow_blank=True, required=False)
    is_active = serializers.BooleanField(required=False)


class ResourceSerializer(FastRowsMixin, serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text=_("Empty when unknown."))
    profiles = serializers.SerializerMethodField()
    week_pattern = serializers.ListField(child=serializers.CharField(), read_only=True)
    working_time = serializers.IntegerField(read_only=True)
    daily_cost = serializers.SerializerMethodField(
        help_text=_("Per day, in euros; null for those who may not see cost rates.")
    )

    class Meta:
        model = Resource
        fields = [
            "id",
            "name",
            "kind",
            "user",
            "is_external",
            "vendor",
            "directorate",
            "team",
            "manager",
            "primary_profile",
            "profiles",
            "week_pattern",
            "working_time",
            "active_from",
            "active_until",
            "daily_cost",
            "email",
            "notes",
            "is_active",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_profiles(self, resource: Resource) -> list[int]:
        return sorted(profile.pk for profile in resource.profiles.all())

    def get_daily_cost(self, resource: Resource) -> str | None:
        if not self.context.get("show_cost"):
            return None
        return f"{resource.daily_cost:.2f}"


class ResourceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ResourceKind.choices, required=False)
    user = related_field(User.objects.filter(is_active=True), allow_null=True, required=False)
    is_external = serializers.BooleanField(required=False)
    vendor = related_field(Vendor.objects.all(), allow_null=True, required=False)
    directorate = related_field(Directorate.objects.all())
    team = related_field(Team.objects.all(), allow_null=True, required=False)
    manager = related_field(User.objects.filter(is_active=True), allow_null=True, required=False)
    primary_profile = related_field(Profile.objects.all())
    profiles = serializers.ListField(
        child=related_field(Profile.objects.all()), max_length=50, required=False
    )
    week_pattern = serializers.ListField(
        child=serializers.DecimalField(max_digits=3, decimal_places=2, min_value=0, max_value=1),
        min_length=5,
        max_length=5,
        required=False,
        help_text=_("Monday to Friday, the share of each day worked (1, 0.5, 0…)."),
    )
    active_from = _date_field(allow_null=True, required=False, validators=[_check_range])
    active_until = _date_field(allow_null=True, required=False, validators=[_check_range])
    daily_cost = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, max_value=services.DAILY_COST_MAX, required=False
    )
    email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    notes = serializers.CharField(max_length=services.NOTES_MAX_LENGTH, allow_blank=True, required=False)
    is_active = serializers.BooleanField(required=False)


class AbsenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Absence
        fields = ["id", "resource", "kind", "start", "end", "day_share", "note", "version"]
        read_only_fields = fields


class AbsenceInputSerializer(serializers.Serializer):
    resource = related_field(Resource.objects.all())
    kind = serializers.ChoiceField(choices=AbsenceKind.choices, required=False)
    start = _date_field(validators=[_check_range])
    end = _date_field(validators=[_check_range])
    day_share = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=0, max_value=1, required=False
    )
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)


class AbsenceUpdateSerializer(AbsenceInputSerializer):
    # An absence stays with its person.
    resource = None


class CapacityMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    gross = serializers.FloatField()
    absent = serializers.FloatField()
    background = serializers.FloatField()
    net = serializers.FloatField()


class CapacitySerializer(serializers.Serializer):
    resource = serializers.IntegerField()
    unit = serializers.CharField()
    months = CapacityMonthSerializer(many=True)


class CapacityQuerySerializer(serializers.Serializer):
    start = _date_field(required=False, validators=[_check_range])
    months = serializers.IntegerField(min_value=1, max_value=MONTHS_MAX, required=False, default=12)


# ------------------------------------------------------------------------------------------- views


@reference_schema(
    "resources",
    plural=_("Role profiles"),
    singular=_("Role profile"),
    output=ProfileSerializer,
    input_serializer=ProfileInputSerializer,
)
class RoleViewSet(ReferenceDataViewSet):
    serializer_class = ProfileSerializer
    rules = RULES
    rule_entity = "resource"
    rule_actions = REFERENCE_ACTIONS
    input_serializer_class = ProfileInputSerializer
    filter_backends = [DjangoFilterBackend, *ReferenceDataViewSet.filter_backends]
    filterset_fields = ["family", "is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["family", "order", "code", "name"]

    def get_queryset(self) -> QuerySet[Profile]:
        return selectors.profile_list()

    def create_object(self, data):
        return services.profile_create(actor=self.request.user, data=data)

    def update_object(self, instance, data):
        return services.profile_update(actor=self.request.user, profile=instance, data=data)


@reference_schema(
    "resources",
    plural=_("Teams"),
    singular=_("Team"),
    output=TeamSerializer,
    input_serializer=TeamInputSerializer,
)
class TeamViewSet(ReferenceDataViewSet):
    serializer_class = TeamSerializer
    rules = RULES
    rule_entity = "resource"
    rule_actions = REFERENCE_ACTIONS
    input_serializer_class = TeamInputSerializer
    filter_backends = [DjangoFilterBackend, *ReferenceDataViewSet.filter_backends]
    filterset_fields = ["directorate", "is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list()

    def create_object(self, data):
        return services.team_create(actor=self.request.user, data=data)

    def update_object(self, instance, data):
        return services.team_update(actor=self.request.user, team=instance, data=data)


@reference_schema(
    "resources",
    plural=_("Vendors"),
    singular=_("Vendor"),
    output=VendorSerializer,
    input_serializer=VendorInputSerializer,
)
class VendorViewSet(ReferenceDataViewSet):
    serializer_class = VendorSerializer
    rules = RULES
    rule_entity = "resource"
    rule_actions = REFERENCE_ACTIONS
    input_serializer_class = VendorInputSerializer
    search_fields = ["name", "siret"]
    ordering_fields = ["name"]

    def get_queryset(self) -> QuerySet[Vendor]:
        return selectors.vendor_list()

    def create_object(self, data):
        return services.vendor_create(actor=self.request.user, data=data)

    def update_object(self, instance, data):
        return services.vendor_update(actor=self.request.user, vendor=instance, data=data)


@extend_schema(tags=["resources"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List resources"),
        description=_(
            "The filters of the resource list page; paginated with `page` and `page_size` (≤ 500)."
        ),
        responses={200: ResourceSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a resource"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: ResourceSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 404),
        },
    ),
    create=extend_schema(
        summary=_("Create a resource"),
        description=_("Project office and administrators only."),
        request=ResourceInputSerializer,
        parameters=[etag_response_header(201)],
        responses={201: ResourceSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
    update=extend_schema(
        summary=_("Replace a resource's fields"),
        description=_CONCURRENCY,
        request=ResourceInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: ResourceSerializer, **_WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("Change some of a resource's fields"),
        description=_CONCURRENCY,
        request=ResourceInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: ResourceSerializer, **_WRITE_ERRORS},
    ),
)
class ResourceViewSet(VersionedObjectMixin, ApiViewMixin, viewsets.GenericViewSet):
    """Resources (people and generic). Not deletable (405): deactivate them (`is_active: false`)."""

    serializer_class = ResourceSerializer
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "resource"
    rule_actions = {"capacity": "view", "create": "change"}
    filter_backends = [DjangoFilterBackend]
    filterset_class = ResourceFilter

    def get_queryset(self) -> QuerySet[Resource]:
        return selectors.resource_visible_to(self.request.user).prefetch_related("profiles")

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "show_cost": RULES.allows(self.request.user, "resource.view_cost"),
        }

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not RULES.allows(self.request.user, "resource.view_cost") and any(
            "daily_cost" in str(field) for field in queryset.query.order_by
        ):
            raise exceptions.PermissionDenied(RULES.message("resource.view_cost"))
        return queryset.order_by(*(queryset.query.order_by or Resource._meta.ordering), "pk")

    def get_object(self) -> Resource:
        resource = selectors.resource_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, resource)
        return resource

    def http_method_not_allowed(self, request, *args, **kwargs):
        if request.method == "DELETE":
            raise exceptions.MethodNotAllowed(
                request.method,
                detail=_('Resources are not deleted: deactivate them with PATCH {"is_active": false}.'),
            )
        return super().http_method_not_allowed(request, *args, **kwargs)

    def _answer(self, resource: Resource, *, status_code: int = status.HTTP_200_OK) -> Response:
        resource = selectors.resource_get_for_user(user=self.request.user, pk=resource.pk)
        return self.versioned_response(resource, self.get_serializer(resource).data, status_code=status_code)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        resource = self.get_object()
        return self.not_modified(request, resource) or self.versioned_response(
            resource, self.get_serializer(resource).data
        )

    def create(self, request, *args, **kwargs):
        serializer = ResourceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        resource = services.resource_create(actor=request.user, data=data)
        return self._answer(resource, status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        resource = self.get_object()
        expected = self.expected_version(request, resource)
        serializer = ResourceInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        active = data.pop("is_active", None)
        if data:
            resource = services.resource_update(
                actor=request.user, resource=resource, data=data, expected_version=expected
            )
            expected = resource.version
        if active is not None and active != resource.is_active:
            change = services.resource_reactivate if active else services.resource_deactivate
            resource = change(actor=request.user, resource=resource, expected_version=expected)
        return self._answer(resource)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        summary=_("A resource's capacity per month"),
        description=_(
            "Person-days per month from the month of `start` (this month by default) for `months` months "
            "(1–36, 12 by default): gross (working days × weekly pattern, within the active dates), absent, "
            "background (non-project load) and net (what projects can use). Computed, never stored."
        ),
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description=_("A day of the first month.")),
            OpenApiParameter("months", OpenApiTypes.INT, description=_("Number of months (1–36).")),
        ],
        responses={200: CapacitySerializer, **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def capacity(self, request, pk=None):
        resource = self.get_object()
        query = CapacityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start: date = query.validated_data.get("start") or timezone.localdate()
        months = selectors.resource_capacity_by_month(resource, start, query.validated_data["months"])
        return Response(
            {
                "resource": resource.pk,
                "unit": "person-days",
                "months": [
                    {
                        "month": month.month,
                        "gross": month.gross,
                        "absent": month.absent,
                        "background": month.background,
                        "net": round(month.net, 2),
                    }
                    for month in months
                ],
            }
        )


@extend_schema(tags=["resources"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List absences"),
        parameters=[OpenApiParameter("resource", OpenApiTypes.INT, description=_("Only this resource's."))],
        responses={200: AbsenceSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read an absence"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: AbsenceSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 404),
        },
    ),
    create=extend_schema(
        summary=_("Record an absence"),
        description=_(
            "The project office, the person themselves and their manager. Refused (400) when it overlaps "
            "another absence of the person or falls outside their active dates."
        ),
        request=AbsenceInputSerializer,
        parameters=[etag_response_header(201)],
        responses={201: AbsenceSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
    update=extend_schema(
        summary=_("Replace an absence"),
        description=_CONCURRENCY,
        request=AbsenceUpdateSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: AbsenceSerializer, **_WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("Change an absence"),
        description=_CONCURRENCY,
        request=AbsenceUpdateSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: AbsenceSerializer, **_WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary=_("Delete an absence"),
        parameters=[IF_MATCH_HEADER],
        responses={204: None, **error_responses(400, 401, 403, 404, 412)},
    ),
)
class AbsenceViewSet(VersionedObjectMixin, ApiViewMixin, viewsets.GenericViewSet):
    serializer_class = AbsenceSerializer
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "absence"
    # Reading is everyone's; creating is decided on the person (by the service): the rule needs an object.
    rule_actions = {
        "list": "resource.view",
        "retrieve": "resource.view",
        "create": "resource.view",
        "destroy": "change",
    }
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    filterset_fields = ["resource", "kind"]
    ordering_fields = ["start", "end"]

    def get_queryset(self) -> QuerySet[Absence]:
        if not RULES.may_on_some(self.request.user, "resource.view"):
            return Absence.objects.none()
        return Absence.objects.select_related("resource", "resource__team").order_by(
            "resource", "start", "pk"
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*(queryset.query.order_by or ("start",)), "pk")

    def get_object(self) -> Absence:
        absence = selectors.absence_get_for_user(
            user=self.request.user, pk=self.kwargs["pk"], action="resource.view"
        )
        self.check_object_permissions(self.request, absence)
        return absence

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        absence = self.get_object()
        return self.not_modified(request, absence) or self.versioned_response(
            absence, self.get_serializer(absence).data
        )

    def create(self, request, *args, **kwargs):
        serializer = AbsenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        resource = data.pop("resource")
        absence = services.absence_create(actor=request.user, resource=resource, data=data)
        return self.versioned_response(
            absence, self.get_serializer(absence).data, status_code=status.HTTP_201_CREATED
        )

    def update(self, request, *args, partial: bool = False, **kwargs):
        absence = self.get_object()
        expected = self.expected_version(request, absence)
        serializer = AbsenceUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        absence = services.absence_update(
            actor=request.user, absence=absence, data=serializer.validated_data, expected_version=expected
        )
        return self.versioned_response(absence, self.get_serializer(absence).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        absence = self.get_object()
        expected = self.expected_version(request, absence)
        services.absence_delete(actor=request.user, absence=absence, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)
