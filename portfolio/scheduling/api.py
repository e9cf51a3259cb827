"""Schedule API: tasks, links, calendar exceptions and the Gantt payload (under /api/v1/).

| URL                                        | methods                 |
|--------------------------------------------|-------------------------|
| projects/{id}/tasks/                       | GET (filters), POST     |
| projects/{id}/tasks/reorder/               | POST (bulk move)        |
| tasks/{id}/                                | GET, PATCH, DELETE      |
| projects/{id}/links/                       | GET, POST               |
| links/{id}/                                | GET, PATCH, DELETE      |
| projects/{id}/gantt/                       | GET (?baseline=id)      |
| calendar-exceptions/                       | GET (?project=, ?organisation=true), POST |
| calendar-exceptions/{id}/                  | GET, PATCH, DELETE      |

Every writable object answers with its ETag; writes honour If-Match (412 when stale). Views validate the
request, call one service or selector and serialize; the services check who may write.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portfolio import selectors as portfolio_selectors
from portfolio.models import Project
from portfolio.rules import DATE_MAX, DATE_MIN
from portfolio.scheduling import permissions as perms
from portfolio.scheduling import selectors, services
from portfolio.scheduling.filters import TaskFilterSet
from portfolio.scheduling.models import (
    DURATION_MAX,
    LAG_MAX,
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    Baseline,
    BoardStatus,
    CalendarException,
    LinkTypeChoice,
    Task,
    TaskConstraint,
    TaskLink,
    TaskMode,
)
from ppm.api.concurrency import (
    IF_MATCH_HEADER,
    IF_NONE_MATCH_HEADER,
    VersionedObjectMixin,
    etag_response_header,
)
from ppm.api.schema import error_responses
from ppm.api.serializers import id_field, related_field
from ppm.api.views import ApiViewMixin
from ppm.exceptions import DomainNotFound, DomainPermissionError
from ppm.models import User

_WRITE_ERRORS = error_responses(400, 401, 403, 404, 412, 413, 415)
_CONCURRENCY = _(
    "Send the ETag you read in `If-Match` to be protected against lost updates (412 when the object "
    "changed since). Every change re-schedules the project: re-read the Gantt payload afterwards."
)


def _date(**kwargs) -> serializers.DateField:
    return serializers.DateField(**kwargs)


def _check_range(value):
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        raise serializers.ValidationError(
            _("Enter a date between %(min)s and %(max)s.") % {"min": DATE_MIN.year, "max": DATE_MAX.year}
        )
    return value


# ------------------------------------------------------------------------------------- serializers


class TaskSerializer(serializers.ModelSerializer):
    summary = serializers.BooleanField(source="is_summary", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "parent",
            "position",
            "wbs",
            "name",
            "notes",
            "mode",
            "duration",
            "start",
            "finish",
            "percent_complete",
            "milestone",
            "summary",
            "constraint_type",
            "constraint_date",
            "deadline",
            "assignee",
            "assignee_name",
            "estimate_days",
            "board_status",
            "board_position",
            "late_start",
            "late_finish",
            "total_float",
            "free_float",
            "critical",
            "external_uid",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, allow_blank=True, required=False)
    parent = related_field(Task.objects.all(), allow_null=True, required=False)
    position = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    mode = serializers.ChoiceField(choices=TaskMode.choices, required=False)
    duration = serializers.IntegerField(min_value=0, max_value=DURATION_MAX, required=False)
    start = _date(required=False, allow_null=True, validators=[_check_range])
    finish = _date(required=False, allow_null=True, validators=[_check_range])
    percent_complete = serializers.IntegerField(min_value=0, max_value=100, required=False)
    milestone = serializers.BooleanField(required=False)
    constraint_type = serializers.ChoiceField(
        choices=TaskConstraint.choices, required=False, allow_blank=True
    )
    constraint_date = _date(required=False, allow_null=True, validators=[_check_range])
    deadline = _date(required=False, allow_null=True, validators=[_check_range])
    assignee = related_field(User.objects.filter(is_active=True), allow_null=True, required=False)
    assignee_name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    estimate_days = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    board_status = serializers.ChoiceField(choices=BoardStatus.choices, required=False)
    board_position = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)


class ReorderItemSerializer(serializers.Serializer):
    id = id_field()
    parent_id = id_field(allow_null=True, required=False)
    position = serializers.IntegerField(min_value=0, max_value=100_000)
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class ReorderSerializer(serializers.Serializer):
    moves = serializers.ListField(child=ReorderItemSerializer(), max_length=5000, allow_empty=False)


class LinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskLink
        fields = ["id", "project", "predecessor", "successor", "type", "lag", "version"]
        read_only_fields = fields


class LinkInputSerializer(serializers.Serializer):
    predecessor = related_field(Task.objects.all())
    successor = related_field(Task.objects.all())
    type = serializers.ChoiceField(choices=LinkTypeChoice.choices, required=False)
    lag = serializers.IntegerField(min_value=-LAG_MAX, max_value=LAG_MAX, required=False)


class LinkUpdateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=LinkTypeChoice.choices, required=False)
    lag = serializers.IntegerField(min_value=-LAG_MAX, max_value=LAG_MAX, required=False)


class CalendarExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarException
        fields = ["id", "project", "name", "start", "end", "version"]
        read_only_fields = fields


class CalendarExceptionInputSerializer(serializers.Serializer):
    project = related_field(portfolio_selectors.project_list(), allow_null=True, required=False)
    name = serializers.CharField(max_length=200)
    start = _date(validators=[_check_range])
    end = _date(validators=[_check_range])


class CalendarExceptionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    start = _date(required=False, validators=[_check_range])
    end = _date(required=False, validators=[_check_range])


GanttPayloadSerializer = inline_serializer(
    "GanttPayload",
    fields={
        "project": serializers.DictField(),
        "columns": serializers.ListField(child=serializers.CharField()),
        "rows": serializers.ListField(child=serializers.ListField(allow_empty=True)),
        "link_columns": serializers.ListField(child=serializers.CharField()),
        "links": serializers.ListField(child=serializers.ListField(allow_empty=True)),
        "baseline": serializers.DictField(allow_null=True),
        "non_working": serializers.ListField(child=serializers.DateField()),
        "today": serializers.DateField(),
        "can_edit": serializers.BooleanField(),
    },
)


# ------------------------------------------------------------------------------------------- views


def _project(request, pk):
    return portfolio_selectors.project_get_for_user(user=request.user, pk=pk)


class _Base(ApiViewMixin, generics.GenericAPIView):
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, services.ScheduleError):
            # The scheduler's refusal keeps its code and the tasks it names (and the usual 400 shape).
            return Response(
                {"non_field_errors": [str(exc)], **exc.as_dict()}, status=status.HTTP_400_BAD_REQUEST
            )
        return super().handle_exception(exc)


@extend_schema(tags=["schedule"])
class ProjectTaskListView(_Base):
    """A project's tasks (WBS order unless `ordering`), and task creation."""

    serializer_class = TaskSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilterSet

    def get_queryset(self) -> QuerySet[Task]:
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        return selectors.task_list(project=_project(self.request, self.kwargs["pk"]))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*(queryset.query.order_by or ("wbs",)), "pk")

    @extend_schema(
        summary=_("List a project's tasks"),
        responses={200: TaskSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, pk):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(TaskSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Create a task"),
        description=_("Schedule editors (project office, administrators, the project's manager)."),
        parameters=[
            etag_response_header(201),
        ],
        request=TaskInputSerializer,
        responses={201: TaskSerializer, **error_responses(400, 401, 403, 404, 413, 415)},
    )
    def post(self, request, pk):
        project = _project(request, pk)
        if not perms.can_edit_schedule(request.user, project):
            raise DomainPermissionError(_("You may not edit the schedule of this project."))
        serializer = TaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        task = services.task_create(
            actor=request.user,
            project=project,
            name=data.pop("name"),
            parent=data.pop("parent", None),
            position=data.pop("position", None),
            **data,
        )
        return Response(
            TaskSerializer(task).data, status=status.HTTP_201_CREATED, headers={"ETag": f'"{task.etag}"'}
        )


@extend_schema(tags=["schedule"])
class TaskReorderView(_Base):
    queryset = Task.objects.none()  # for the schema: the views load through selectors
    serializer_class = ReorderSerializer

    @extend_schema(
        summary=_("Move several tasks at once"),
        description=_(
            "Each move puts a task under `parent_id` (null: top level) at `position` (0-based among its new "
            "siblings), in the order given; with `version`, a task changed since is refused (412). One "
            "re-schedule; answers the moved tasks."
        ),
        request=ReorderSerializer,
        responses={200: TaskSerializer(many=True), **_WRITE_ERRORS},
    )
    def post(self, request, pk):
        project = _project(request, pk)
        if not perms.can_edit_schedule(request.user, project):
            raise DomainPermissionError(_("You may not edit the schedule of this project."))
        serializer = ReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tasks = services.tasks_reorder(
            actor=request.user, project=project, moves=serializer.validated_data["moves"]
        )
        return Response(TaskSerializer(tasks, many=True).data)


@extend_schema(tags=["schedule"])
class TaskDetailView(VersionedObjectMixin, _Base):
    queryset = Task.objects.none()  # for the schema: the views load through selectors
    serializer_class = TaskSerializer

    def get_object(self) -> Task:
        return selectors.task_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        summary=_("Read a task"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: TaskSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        task = self.get_object()
        return self.not_modified(request, task) or self.versioned_response(task, TaskSerializer(task).data)

    @extend_schema(
        summary=_("Change a task"),
        description=_CONCURRENCY,
        request=TaskInputSerializer(partial=True),
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: TaskSerializer, **_WRITE_ERRORS},
    )
    def patch(self, request, pk):
        task = self.get_object()
        serializer = TaskInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not perms.can_change_task_fields(request.user, task, set(data) or {"name"}):
            raise DomainPermissionError(_("You may not change this task."))
        expected = self.expected_version(request, task)
        task = services.task_update(actor=request.user, task=task, data=data, expected_version=expected)
        task = selectors.task_get_for_user(user=request.user, pk=task.pk)
        return self.versioned_response(task, TaskSerializer(task).data)

    @extend_schema(
        summary=_("Delete a task"),
        description=_("Deletes the task, its sub-tasks and their dependencies."),
        parameters=[IF_MATCH_HEADER],
        responses={204: None, **error_responses(400, 401, 403, 404, 412)},
    )
    def delete(self, request, pk):
        task = self.get_object()
        if not perms.can_edit_schedule(request.user, task.project):
            raise DomainPermissionError(_("You may not edit the schedule of this project."))
        expected = self.expected_version(request, task)
        services.task_delete(actor=request.user, task=task, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["schedule"])
class ProjectLinkListView(_Base):
    serializer_class = LinkSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TaskLink.objects.none()
        return selectors.link_list(project=_project(self.request, self.kwargs["pk"]))

    @extend_schema(
        summary=_("List a project's dependencies"),
        responses={200: LinkSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, pk):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(LinkSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Link two tasks"),
        description=_(
            "Refused (400, naming the tasks) for a self-link, a link to another project's task, a duplicate, "
            "a cycle or a link onto a summary task the scheduler cannot honour."
        ),
        parameters=[
            etag_response_header(201),
        ],
        request=LinkInputSerializer,
        responses={201: LinkSerializer, **error_responses(400, 401, 403, 404, 413, 415)},
    )
    def post(self, request, pk):
        project = _project(request, pk)
        if not perms.can_edit_schedule(request.user, project):
            raise DomainPermissionError(_("You may not edit the schedule of this project."))
        serializer = LinkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link = services.link_create(
            actor=request.user,
            project=project,
            predecessor=data["predecessor"],
            successor=data["successor"],
            type=data.get("type", "FS"),
            lag=data.get("lag", 0),
        )
        return Response(
            LinkSerializer(link).data, status=status.HTTP_201_CREATED, headers={"ETag": f'"{link.etag}"'}
        )


@extend_schema(tags=["schedule"])
class LinkDetailView(VersionedObjectMixin, _Base):
    queryset = TaskLink.objects.none()  # for the schema: the views load through selectors
    serializer_class = LinkSerializer

    def get_object(self) -> TaskLink:
        return selectors.link_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        summary=_("Read a dependency"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: LinkSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        link = self.get_object()
        return self.not_modified(request, link) or self.versioned_response(link, LinkSerializer(link).data)

    @extend_schema(
        summary=_("Change a dependency's type or lag"),
        description=_CONCURRENCY,
        request=LinkUpdateSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: LinkSerializer, **_WRITE_ERRORS},
    )
    def patch(self, request, pk):
        link = self.get_object()
        if not perms.can_edit_schedule(request.user, link.project):
            raise DomainPermissionError(_("You may not edit the schedule of this project."))
        serializer = LinkUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = self.expected_version(request, link)
        link = services.link_update(
            actor=request.user, link=link, data=serializer.validated_data, expected_version=expected
        )
        return self.versioned_response(link, LinkSerializer(link).data)

    @extend_schema(
        summary=_("Delete a dependency"),
        parameters=[IF_MATCH_HEADER],
        responses={204: None, **error_responses(400, 401, 403, 404, 412)},
    )
    def delete(self, request, pk):
        link = self.get_object()
        if not perms.can_edit_schedule(request.user, link.project):
            raise DomainPermissionError(_("You may not edit the schedule of this project."))
        expected = self.expected_version(request, link)
        services.link_delete(actor=request.user, link=link, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["schedule"])
class GanttView(_Base):
    queryset = Task.objects.none()  # for the schema: the views load through selectors

    @extend_schema(
        summary=_("A project's Gantt payload"),
        description=_(
            "Tasks and dependencies as rows of arrays (`columns`, `link_columns` name the values), the "
            "non-working days around the schedule, and the baseline's dates when `baseline` is given."
        ),
        parameters=[
            OpenApiParameter("baseline", OpenApiTypes.INT, description=_("A baseline of the project.")),
        ],
        responses={200: GanttPayloadSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, pk):
        try:
            project = Project.objects.get(pk=pk)  # the payload needs the project's own fields only
        except Project.DoesNotExist:
            raise DomainNotFound() from None
        baseline = None
        raw = request.query_params.get("baseline")
        if raw not in (None, ""):
            field = id_field()
            try:
                baseline_id = field.to_internal_value(raw)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"baseline": error.detail}) from None
            baseline = Baseline.objects.filter(pk=baseline_id, project_id=project.pk).first()
            if baseline is None:
                raise DomainNotFound(_("No such baseline for this project."))
        return Response(selectors.gantt_payload(project, baseline=baseline, user=request.user))


class CalendarExceptionFilterSerializer(serializers.Serializer):
    project = id_field(required=False)
    organisation = serializers.BooleanField(required=False, default=False)


@extend_schema(tags=["schedule"])
class CalendarExceptionListView(_Base):
    queryset = CalendarException.objects.none()  # for the schema: the views load through selectors
    serializer_class = CalendarExceptionSerializer

    @extend_schema(
        summary=_("List calendar exceptions (closed days)"),
        description=_(
            "The organisation's closures and, with `project`, that project's too; `organisation=true` "
            "lists only the organisation's."
        ),
        parameters=[
            OpenApiParameter("project", OpenApiTypes.INT),
            OpenApiParameter("organisation", OpenApiTypes.BOOL),
        ],
        responses={200: CalendarExceptionSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        params = CalendarExceptionFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        project = None
        if params.validated_data.get("project") is not None:
            project = _project(request, params.validated_data["project"])
        queryset = selectors.calendar_exception_list(
            project=project, organisation_only=params.validated_data["organisation"]
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CalendarExceptionSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Add closed days"),
        description=_(
            "Organisation-wide (no `project`: project office and administrators) or for one project (its "
            "schedule editors). Re-schedules the projects concerned."
        ),
        request=CalendarExceptionInputSerializer,
        parameters=[etag_response_header(201)],
        responses={201: CalendarExceptionSerializer, **error_responses(400, 401, 403, 404, 413, 415)},
    )
    def post(self, request):
        serializer = CalendarExceptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        exception = services.calendar_exception_create(
            actor=request.user,
            project=data.get("project"),
            name=data["name"],
            start=data["start"],
            end=data["end"],
        )
        return Response(
            CalendarExceptionSerializer(exception).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": f'"{exception.etag}"'},
        )


@extend_schema(tags=["schedule"])
class CalendarExceptionDetailView(VersionedObjectMixin, _Base):
    queryset = CalendarException.objects.none()  # for the schema: the views load through selectors
    serializer_class = CalendarExceptionSerializer

    def get_object(self) -> CalendarException:
        try:
            return CalendarException.objects.select_related("project").get(pk=self.kwargs["pk"])
        except (CalendarException.DoesNotExist, ValueError, OverflowError):
            raise DomainNotFound() from None

    @extend_schema(
        summary=_("Read a calendar exception"),
        parameters=[IF_NONE_MATCH_HEADER, etag_response_header(200, 304)],
        responses={
            200: CalendarExceptionSerializer,
            304: OpenApiResponse(description=_("Not modified since the ETag given in If-None-Match.")),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        exception = self.get_object()
        return self.not_modified(request, exception) or self.versioned_response(
            exception, CalendarExceptionSerializer(exception).data
        )

    @extend_schema(
        summary=_("Change a calendar exception"),
        description=_CONCURRENCY,
        request=CalendarExceptionUpdateSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: CalendarExceptionSerializer, **_WRITE_ERRORS},
    )
    def patch(self, request, pk):
        exception = self.get_object()
        if not perms.can_manage_calendar(request.user, exception.project):
            raise DomainPermissionError(_("You may not change this calendar."))
        serializer = CalendarExceptionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = self.expected_version(request, exception)
        exception = services.calendar_exception_update(
            actor=request.user, exception=exception, data=serializer.validated_data, expected_version=expected
        )
        return self.versioned_response(exception, CalendarExceptionSerializer(exception).data)

    @extend_schema(
        summary=_("Delete a calendar exception"),
        parameters=[IF_MATCH_HEADER],
        responses={204: None, **error_responses(400, 401, 403, 404, 412)},
    )
    def delete(self, request, pk):
        exception = self.get_object()
        if not perms.can_manage_calendar(request.user, exception.project):
            raise DomainPermissionError(_("You may not change this calendar."))
        expected = self.expected_version(request, exception)
        services.calendar_exception_delete(actor=request.user, exception=exception, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("projects/<int:pk>/tasks/", ProjectTaskListView.as_view(), name="project-tasks"),
    path("projects/<int:pk>/tasks/reorder/", TaskReorderView.as_view(), name="project-tasks-reorder"),
    path("projects/<int:pk>/links/", ProjectLinkListView.as_view(), name="project-links"),
    path("projects/<int:pk>/gantt/", GanttView.as_view(), name="project-gantt"),
    path("tasks/<int:pk>/", TaskDetailView.as_view(), name="task-detail"),
    path("links/<int:pk>/", LinkDetailView.as_view(), name="link-detail"),
    path("calendar-exceptions/", CalendarExceptionListView.as_view(), name="calendar-exception-list"),
    path(
        "calendar-exceptions/<int:pk>/",
        CalendarExceptionDetailView.as_view(),
        name="calendar-exception-detail",
    ),
]
