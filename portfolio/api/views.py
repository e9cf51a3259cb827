"""Portfolio API: strategic axes, objectives, tags and projects (with their lifecycle and history).

Views validate the request, call one service or selector, and serialize. Projects are never deleted:
they are cancelled through the lifecycle.
"""

from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from portfolio import permissions as portfolio_permissions
from portfolio import selectors, services
from portfolio.api.serializers import (
    AuditEntrySerializer,
    ObjectiveInputSerializer,
    ObjectiveSerializer,
    ProjectHistorySerializer,
    ProjectInputSerializer,
    ProjectSerializer,
    StatusChangeSerializer,
    StrategicAxisInputSerializer,
    StrategicAxisSerializer,
    TagInputSerializer,
    TagSerializer,
    TransitionInputSerializer,
    project_list_data,
)
from portfolio.filters import ProjectFilterSet
from portfolio.models import Objective, Project, StrategicAxis, Tag
from ppm.api.concurrency import (
    IF_MATCH_HEADER,
    IF_NONE_MATCH_HEADER,
    VersionedObjectMixin,
    etag_response_header,
)
from ppm.api.schema import error_responses
from ppm.api.views import ApiViewMixin, ReferenceDataViewSet, reference_schema
from ppm.audit import audit_entries_for
from ppm.permissions import TablePermission

# --------------------------------------------------------------------------------- reference data


@reference_schema(
    "strategic axes",
    plural=_("Strategic axes"),
    singular=_("Strategic axis"),
    output=StrategicAxisSerializer,
    input_serializer=StrategicAxisInputSerializer,
)
class StrategicAxisViewSet(ReferenceDataViewSet):
    serializer_class = StrategicAxisSerializer
    rules = portfolio_permissions.RULES
    rule_entity = "axis"
    input_serializer_class = StrategicAxisInputSerializer
    search_fields = ["code", "name"]
    ordering_fields = ["order", "code", "name"]

    def get_queryset(self) -> QuerySet[StrategicAxis]:
        return selectors.axis_list().order_by("order", "code", "pk")

    def create_object(self, data):
        return services.axis_create(actor=self.request.user, data=data)

    def update_object(self, instance, data):
        return services.axis_update(actor=self.request.user, axis=instance, data=data)


@reference_schema(
    "strategic objectives",
    plural=_("Strategic objectives"),
    singular=_("Strategic objective"),
    output=ObjectiveSerializer,
    input_serializer=ObjectiveInputSerializer,
)
class ObjectiveViewSet(ReferenceDataViewSet):
    serializer_class = ObjectiveSerializer
    rules = portfolio_permissions.RULES
    rule_entity = "objective"
    input_serializer_class = ObjectiveInputSerializer
    filter_backends = [DjangoFilterBackend, *ReferenceDataViewSet.filter_backends]
    filterset_fields = ["axis"]
    search_fields = ["code", "name"]
    ordering_fields = ["order", "code", "name"]

    def get_queryset(self) -> QuerySet[Objective]:
        return selectors.objective_list().order_by("axis__order", "order", "code", "pk")

    def create_object(self, data):
        return services.objective_create(actor=self.request.user, data=data)

    def update_object(self, instance, data):
        return services.objective_update(actor=self.request.user, objective=instance, data=data)


@reference_schema(
    "tags",
    plural=_("Tags"),
    singular=_("Tag"),
    output=TagSerializer,
    input_serializer=TagInputSerializer,
)
class TagViewSet(ReferenceDataViewSet):
    serializer_class = TagSerializer
    rules = portfolio_permissions.RULES
    rule_entity = "tag"
    input_serializer_class = TagInputSerializer
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self) -> QuerySet[Tag]:
        return Tag.objects.order_by("name", "pk")

    def create_object(self, data):
        return services.tag_create(actor=self.request.user, name=data["name"])

    def update_object(self, instance, data):
        return services.tag_update(
            actor=self.request.user, tag=instance, name=data.get("name", instance.name)
        )


# ---------------------------------------------------------------------------------------- projects


_WRITE_ERRORS = error_responses(400, 401, 403, 404, 412, 413, 415)
_CONCURRENCY_NOTE = _(
    "Send the ETag you read in `If-Match` to be protected against lost updates (412 when the project "
    "changed since). Without If-Match the change is applied whatever the current version."
)
_UPDATE_NOTE = format_lazy(
    "{} {}",
    _CONCURRENCY_NOTE,
    _(
        "A project's manager changes its `name`, `description`, `objectives` and `tags`; `code`, "
        "`directorate`, `priority`, `manager`, `planned_start` and `planned_end` are read-only for them "
        "(the project office's): changing one is refused with 403 naming the fields."
    ),
)


class _RowsCountedBy:
    """Rows of a values() queryset for a paginator, which counts them by the model queryset they come
    from: its COUNT(*) then joins no table the rows read names from."""

    ordered = True  # the rows keep the queryset's order (the paginator warns about unordered lists)

    def __init__(self, rows: QuerySet, counted: QuerySet):
        self.rows, self.counted = rows, counted

    def count(self) -> int:
        return self.counted.count()

    def __getitem__(self, item):
        return self.rows[item]


@extend_schema(tags=["projects"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List projects"),
        description=_("The filters of the project list page; paginated with `page` and `page_size` (≤ 500)."),
        responses={200: ProjectSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a project"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: ProjectSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 404),
        },
    ),
    create=extend_schema(
        summary=_("Create a project"),
        description=_("Project office and administrators only. The project starts in the `demand` status."),
        request=ProjectInputSerializer,
        parameters=[
            etag_response_header(201),
            OpenApiParameter("Location", OpenApiTypes.URI, location=OpenApiParameter.HEADER, response=[201]),
        ],
        responses={201: ProjectSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
    update=extend_schema(
        summary=_("Replace a project's fields"),
        description=_UPDATE_NOTE,
        request=ProjectInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: ProjectSerializer, **_WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("Change some of a project's fields"),
        description=_UPDATE_NOTE,
        request=ProjectInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: ProjectSerializer, **_WRITE_ERRORS},
    ),
)
class ProjectViewSet(VersionedObjectMixin, ApiViewMixin, viewsets.GenericViewSet):
    """Projects. Not deletable (405): cancel them with the `cancel` lifecycle action."""

    serializer_class = ProjectSerializer
    permission_classes = [TablePermission]
    rules = portfolio_permissions.RULES
    rule_entity = "project"
    rule_actions = {"transition": "transition", "history": "view"}
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet

    def get_queryset(self) -> QuerySet[Project]:
        return selectors.project_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A unique last sort key keeps pages stable when sorting by status, priority, ...
        return queryset.order_by(*(queryset.query.order_by or Project._meta.ordering), "pk")

    def get_object(self) -> Project:
        project = selectors.project_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, project)
        return project

    def http_method_not_allowed(self, request, *args, **kwargs):
        if request.method == "DELETE":
            raise exceptions.MethodNotAllowed(
                request.method,
                detail=_(
                    "Projects are not deleted: cancel them through the lifecycle (POST to their transition/ "
                    'URL with {"action": "cancel"}).'
                ),
            )
        return super().http_method_not_allowed(request, *args, **kwargs)

    def _answer(self, project: Project, *, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
        """The project as loaded by the list selector, with its ETag."""
        project = selectors.project_get_for_user(user=self.request.user, pk=project.pk)
        return self.versioned_response(
            project, self.get_serializer(project).data, status_code=status_code, headers=headers
        )

    def list(self, request, *args, **kwargs):
        # Plain rows written as ProjectSerializer would (project_list_data), with the objectives and
        # tags of the page from their link tables (ids and names only), not prefetched.
        queryset = self.filter_queryset(self.get_queryset())
        rows = _RowsCountedBy(selectors.project_rows(queryset), queryset)
        page = selectors.project_row_links(list(self.paginate_queryset(rows) or []))
        return self.get_paginated_response(project_list_data(page, request=request))

    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        return self.not_modified(request, project) or self.versioned_response(
            project, self.get_serializer(project).data
        )

    def create(self, request, *args, **kwargs):
        serializer = ProjectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_create(actor=request.user, **serializer.validated_data)
        location = reverse("api:project-detail", kwargs={"pk": project.pk}, request=request)
        return self._answer(project, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request, *args, partial: bool = False, **kwargs):
        project = self.get_object()
        expected_version = self.expected_version(request, project)
        serializer = ProjectInputSerializer(data=request.data, partial=partial, context={"project": project})
        serializer.is_valid(raise_exception=True)
        project = services.project_update(
            actor=request.user,
            project=project,
            data=serializer.validated_data,
            expected_version=expected_version,
        )
        return self._answer(project)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        summary=_("Move a project through its lifecycle"),
        description=format_lazy(
            "{} {}",
            _(
                "Applies a lifecycle action (`start_framing`, `approve`, `start`, `resume`, `close`, "
                "`put_on_hold`, `not_retain`, `cancel` (abandon), `reopen`) and returns the updated project. "
                "A move the lifecycle refuses from the current status, or whose conditions are not met (e.g. "
                "approval without a manager), is answered 409 with the reason. `reopen` (project office and "
                "administrators) needs a `comment` giving the reason (400 without)."
            ),
            _CONCURRENCY_NOTE,
        ),
        request=TransitionInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: ProjectSerializer, **error_responses(400, 401, 403, 404, 409, 412, 413, 415)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        project = self.get_object()
        expected_version = self.expected_version(request, project)
        serializer = TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_transition(
            actor=request.user,
            project=project,
            action=serializer.validated_data["action"],
            comment=serializer.validated_data["comment"],
            expected_version=expected_version,
        )
        return self._answer(project)

    @extend_schema(
        summary=_("A project's history"),
        description=_(
            "Its lifecycle moves (oldest first, in `status_changes`) and, paginated with `page` and "
            "`page_size` like other lists, every recorded change of the project and of the objects "
            "attached to it (newest first, in `results`)."
        ),
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description=_("A page number within the results.")),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=_("Entries per page (≤ 500).")),
        ],
        responses={200: ProjectHistorySerializer, **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        project = self.get_object()
        context = self.get_serializer_context()
        page = self.paginate_queryset(audit_entries_for(project))
        response = self.get_paginated_response(AuditEntrySerializer(page, many=True, context=context).data)
        changes = project.status_changes.select_related("actor").order_by("at", "pk")
        response.data = {
            "project": project.pk,
            "status_changes": StatusChangeSerializer(changes, many=True, context=context).data,
            **response.data,
        }
        return response
