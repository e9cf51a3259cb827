"""API of the steering part (issue #9 §2–4).

* `GET /api/v1/steering/`: the steering dashboard's figures, with the page's filters (objective,
  directorate, project_office, committee, status).
* `GET /api/v1/alerts/` (scoped like the page, filters status, rule, project, severity), `GET /{id}/`,
  `POST /{id}/acknowledge/`, `POST /{id}/close/`.
* `GET /api/v1/packs/` (archived pack jobs, newest first), `POST /api/v1/packs/` (202 with the job).

Alerts have no version: their transitions are one-way (open → acknowledged → closed), a second
acknowledgement is refused (409) rather than overwritten, so no ETag is needed.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import steering
from governance.alerts import alert_acknowledge, alert_close, alert_message, alerts_visible_to
from governance.models import Alert
from governance.packs import KINDS, PDF_KIND, SCOPES, XLSX_KIND, pack_params
from governance.permissions import RULES
from governance.steering_views import AlertFilterSet, pack_jobs, pack_request
from ppm.api.schema import error_responses
from ppm.api.views import ApiViewMixin
from ppm.exceptions import DomainValidationError
from ppm.models import ReportJob
from ppm.permissions import TablePermission

FILTER_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=str(label))
    for name, label in (
        ("objective", _("Strategic objective id")),
        ("directorate", _("Directorate id")),
        ("project_office", _("Project office id")),
        ("committee", _("Committee id")),
        ("status", _("Project status")),
    )
]


class SteeringFiguresSerializer(serializers.Serializer):
    weather = serializers.DictField(child=serializers.IntegerField())
    reports_missing = serializers.IntegerField()
    projects_slipped = serializers.IntegerField()
    milestones_late = serializers.IntegerField()
    drifted_since_baseline = serializers.IntegerField()
    budget = serializers.DictField(allow_null=True)
    teams_overloaded = serializers.IntegerField(allow_null=True)
    alerts_open = serializers.IntegerField()
    decisions_requested = serializers.IntegerField()
    trend = serializers.ListField(child=serializers.DictField())


@extend_schema(tags=["steering"])
class SteeringView(ApiViewMixin, APIView):
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "steering"

    @extend_schema(
        summary=_("Figures of the steering dashboard's tiles"),
        parameters=FILTER_PARAMETERS,
        responses={200: SteeringFiguresSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        projects, filterset = steering.steering_projects(request.user, request.query_params)
        if not filterset.is_valid():
            raise DomainValidationError(field_errors=filterset.errors)
        tiles = steering.steering_tiles(request.user, projects, filterset, timezone.localdate(), rows=False)
        return Response(steering.steering_figures(tiles))


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code", read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True, allow_null=True)
    project_code = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    message = serializers.CharField(read_only=True, help_text=_("The message code (the text is in `text`)."))
    acknowledged_by: serializers.Field = serializers.StringRelatedField()
    closed_by: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "cause_key",
            "project",
            "project_code",
            "severity",
            "message",
            "params",
            "text",
            "url",
            "status",
            "raised_at",
            "acknowledged_at",
            "acknowledged_by",
            "closed_at",
            "closed_by",
        ]
        read_only_fields = fields

    def get_project_code(self, alert) -> str | None:
        return alert.project.code if alert.project_id else None

    def get_text(self, alert) -> str:
        return alert_message(alert)


@extend_schema(tags=["alerts"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List the alerts you may see"),
        responses={200: AlertSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read an alert"), responses={200: AlertSerializer, **error_responses(401, 404)}
    ),
)
class AlertViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "alert"
    rule_actions = {"acknowledge": "alert.acknowledge", "close": "alert.acknowledge"}
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    ordering_fields = ["raised_at", "severity"]
    search_fields: list = []

    def get_queryset(self):
        if self.action in ("acknowledge", "close"):
            # Every alert: a refusal reads 403 whoever asks (the service checks the rule again).
            return Alert.objects.select_related("rule", "project")
        return alerts_visible_to(self.request.user).order_by("-raised_at", "-pk")

    def _transition(self, service):
        alert = self.get_object()
        try:
            service(actor=self.request.user, alert_id=alert.pk)
        except DomainValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        alert = Alert.objects.select_related("rule", "project", "acknowledged_by", "closed_by").get(
            pk=alert.pk
        )
        return Response(AlertSerializer(alert).data)

    @extend_schema(
        summary=_("Acknowledge an alert"),
        request=None,
        responses={200: AlertSerializer, **error_responses(400, 401, 403, 404, 409, 413, 415)},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._transition(alert_acknowledge)

    @extend_schema(
        summary=_("Close an alert"),
        request=None,
        responses={200: AlertSerializer, **error_responses(400, 401, 403, 404, 409, 413, 415)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(alert_close)


class PackJobSerializer(serializers.ModelSerializer):
    format = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "kind",
            "format",
            "status",
            "progress",
            "params",
            "filename",
            "error",
            "created_at",
            "finished_at",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    def get_format(self, job) -> str:
        return "pdf" if job.kind == PDF_KIND else "xlsx"

    def get_download_url(self, job) -> str | None:
        if job.status == ReportJob.Status.READY and job.file:
            return reverse("report_job_download", args=[job.pk])
        return None

    def get_status_url(self, job) -> str:
        return reverse("report_job_status", args=[job.pk])


class PackRequestSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=list(SCOPES))
    scope_id = serializers.IntegerField(required=False, allow_null=True)
    as_of = serializers.DateField(required=False)
    format = serializers.ChoiceField(choices=["pdf", "xlsx"], default="pdf")

    def validate(self, data):
        from governance.packs import pack_scope
        from ppm.reports import ReportError

        if data["scope"] != "all":
            if not data.get("scope_id"):
                raise serializers.ValidationError(
                    {"scope_id": _("Name the objective, directorate or project office.")}
                )
            try:
                pack_scope({"scope": data["scope"], "scope_id": data["scope_id"]})
            except ReportError as error:
                raise serializers.ValidationError({"scope_id": str(error)}) from None
        return data


@extend_schema(tags=["packs"])
@extend_schema_view(
    list=extend_schema(
        summary=_("Archived portfolio report packs, newest first"),
        responses={200: PackJobSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    create=extend_schema(
        summary=_("Ask for a portfolio report pack"),
        description=_("Built by a worker: poll `status_url`, then download. Asking twice builds once."),
        request=PackRequestSerializer,
        responses={202: PackJobSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
)
class PackViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "pack"
    rule_actions = {"list": "pack.view", "create": "pack.request"}
    serializer_class = PackJobSerializer
    filter_backends: list = []

    def get_queryset(self):
        return pack_jobs().filter(kind__in=KINDS)

    def create(self, request, *args, **kwargs):
        data = PackRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = pack_request(
            actor=request.user,
            kind=PDF_KIND if values["format"] == "pdf" else XLSX_KIND,
            params=pack_params(
                scope=values["scope"],
                scope_id=values.get("scope_id"),
                as_of=values.get("as_of") or timezone.localdate(),
            ),
            language=get_language() or "",
        )
        return Response(PackJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
