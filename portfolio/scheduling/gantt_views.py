"""Pages of the project Gantt and the portfolio roadmap, the roadmap's API, the Gantt's PDF export.

The Gantt page is a shell: static/js/gantt.js fetches the payload from the schedule API
(``/api/v1/projects/<id>/gantt/``) and sends every edit to the task and link API with the object's
version in If-Match; the server re-schedules and the chart re-draws from its answer. The roadmap page
embeds its payload (portfolio.scheduling.roadmap.roadmap_payload) with json_script. The PDF export of
the current view is a report job (kind ``gantt_pdf``, declared in portfolio.apps; rendered by
portfolio.scheduling.gantt_pdf).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolio.filters import ProjectFilterSet
from portfolio.models import Priority, Project
from portfolio.permissions import can_view_project
from portfolio.rules import ProjectStatus
from portfolio.scheduling.models import Baseline
from portfolio.scheduling.roadmap import GROUP_BY_CHOICES, roadmap_baselines, roadmap_payload
from portfolio.selectors import project_get_for_user, project_list
from portfolio.views import _tune_filter_form
from ppm.api.schema import error_responses
from ppm.models import ReportJob
from ppm.reports import JobRequest

GANTT_PDF_KIND = "gantt_pdf"
ZOOM_LEVELS = ("day", "week", "month", "quarter", "year")
PAPER_SIZES = ("A4", "A3")


def _viewable_project(user, pk) -> Project:
    project = project_get_for_user(user=user, pk=pk)
    if not can_view_project(user, project):
        raise PermissionDenied(_("You may not see this project."))
    return project


def _gantt_labels() -> dict:
    return {
        "wbs": _("WBS"),
        "name": _("Task"),
        "start": pgettext("task date", "Start"),
        "finish": pgettext("task date", "Finish"),
        "duration": _("Days"),
        "progress": _("% complete"),
        "today": _("Today"),
        "saved": _("Saved; the schedule was recalculated."),
        "link_added": _("Dependency added; the schedule was recalculated."),
        "link_deleted": _("Dependency deleted; the schedule was recalculated."),
        "delete_link": _("Delete this dependency?"),
        "conflict": _(
            "Someone else changed this schedule since you loaded it: your change was not saved. "
            "The chart now shows their version; make your change again if it still applies."
        ),
        "forbidden": _("You may not change this schedule."),
        "failed": _("The change was refused. Reload the page and try again."),
        "load_failed": _("The schedule could not be loaded. Reload the page and try again."),
    }


def _project_baselines(project: Project) -> list:
    return list(
        Baseline.objects.filter(project=project).order_by("-taken_at", "-pk").values("pk", "name", "taken_at")
    )


@login_required
@require_GET
def project_gantt(request, pk: int):
    """The project's Gantt (drawn in the browser from the schedule API's payload)."""
    from portfolio.scheduling.selectors import gantt_payload

    project = _viewable_project(request.user, pk)
    baselines = _project_baselines(project)
    baseline = request.GET.get("baseline")
    if baseline is None:  # by default, the latest baseline; "" shows none
        baseline = str(baselines[0]["pk"]) if baselines else ""
    elif not any(str(b["pk"]) == baseline for b in baselines):
        baseline = ""
    baseline_object = Baseline.objects.filter(pk=baseline).first() if baseline else None
    payload = gantt_payload(project, baseline=baseline_object, user=request.user)
    zoom = request.GET.get("zoom", "week")
    if zoom not in ZOOM_LEVELS:
        zoom = "week"
    context = {
        "project": project,
        "baselines": baselines,
        "baseline": baseline,
        "payload": payload,
        "can_edit": payload["can_edit"],
        "zoom": zoom,
        "zoom_levels": [
            ("day", _("Day")),
            ("week", _("Week")),
            ("month", _("Month")),
            ("quarter", _("Quarter")),
            ("year", _("Year")),
        ],
        "paper_sizes": PAPER_SIZES,
        "labels": _gantt_labels(),
        "payload_url": reverse("api:project-gantt", args=[project.pk]),
        "task_url": reverse("api:task-detail", args=[0]),
        "link_url": reverse("api:link-detail", args=[0]),
        "link_create_url": reverse("api:project-links", args=[project.pk]),
        "task_table_url": reverse("portfolio:project_tasks", args=[project.pk]),
        "export_kind": GANTT_PDF_KIND,
    }
    return render(request, "portfolio/scheduling/gantt.html", context)


# --- the PDF export (a report job) -------------------------------------------------------------


def gantt_pdf_can_view(user, job: ReportJob) -> bool:
    """Whoever may see the project (now) may follow and download its Gantt PDF."""
    try:
        _viewable_project(user, job.object_id)
    except (Http404, PermissionDenied, ValueError):
        return False
    return True


def gantt_pdf_prepare(request) -> JobRequest:
    """POST ``object`` (project id), ``zoom``, ``paper`` (A4/A3) and ``baseline`` (id or empty)."""
    try:
        pk = int(request.POST.get("object", ""))
    except ValueError:
        raise Http404(_("No such project.")) from None
    project = _viewable_project(request.user, pk)
    zoom = request.POST.get("zoom", "week")
    paper = request.POST.get("paper", "A4")
    if zoom not in ZOOM_LEVELS:
        raise ValidationError(_("Unknown zoom level."))
    if paper not in PAPER_SIZES:
        raise ValidationError(_("Unknown paper size."))
    baseline = request.POST.get("baseline", "")
    if baseline and not any(str(b["pk"]) == baseline for b in _project_baselines(project)):
        raise ValidationError(_("Unknown baseline."))
    params = {"language": get_language() or "", "zoom": zoom, "paper": paper, "baseline": baseline}
    # The schedule's version is part of the key: a re-scheduled project renders a new PDF.
    version = getattr(project, "schedule_version", None)
    params["schedule_version"] = version
    return JobRequest(params=params, instance=project, version=project.version)


# --- the portfolio roadmap -------------------------------------------------------------------------


def _roadmap_labels() -> dict:
    return {
        "project": _("Project"),
        "start": pgettext("task date", "Start"),
        "finish": pgettext("task date", "Finish"),
        "today": _("Today"),
        "baseline": _("Approved plan"),
        "load_failed": _("The roadmap could not be drawn. Reload the page and try again."),
    }


def _group_by(value: str) -> str:
    return value if value in dict(GROUP_BY_CHOICES) else "objective"


def _roadmap_table(payload: dict) -> list[dict]:
    """The payload's rows as dicts with dates, for the page's accessible table."""
    labels = {key: label for key, label in payload["groups"]}
    index = {name: i for i, name in enumerate(payload["columns"])}

    def day(value):
        return date.fromisoformat(value) if value else None

    return [
        {
            "group": labels.get(row[index["group"]], ""),
            "code": row[index["code"]],
            "name": row[index["name"]],
            "url": row[index["url"]],
            "start": day(row[index["start"]]),
            "finish": day(row[index["finish"]]),
            "baseline_finish": day(row[index["baseline_finish"]]),
            "slippage_days": row[index["slippage_days"]],
            "extensions": payload["extensions"].get(str(row[index["id"]])),
        }
        for row in payload["rows"]
    ]


@login_required
@require_GET
def roadmap(request):
    """Every project as a bar with its milestones, grouped, filtered like the project list."""
    filterset = ProjectFilterSet(request.GET, queryset=project_list(), request=request)
    _tune_filter_form(filterset.form)
    group_by = _group_by(request.GET.get("group_by", ""))
    baselines = roadmap_baselines()
    baseline_id = request.GET.get("baseline", "")
    baseline = next((b for b in baselines if str(b.pk) == baseline_id), None)
    payload = roadmap_payload(filterset, group_by=group_by, baseline=baseline)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "group_by": group_by,
        "group_by_choices": [(key, label) for key, label in GROUP_BY_CHOICES],
        "baselines": baselines,
        "baseline": baseline,
        "payload": payload,
        "table": _roadmap_table(payload),
        "labels": _roadmap_labels(),
    }
    return render(request, "portfolio/scheduling/roadmap.html", context)


class RoadmapQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=[key for key, _label in GROUP_BY_CHOICES], required=False)
    baseline = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class RoadmapApiView(APIView):
    """The portfolio roadmap as rows of arrays: the same filters as the project list."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["projects"],
        operation_id="roadmap_retrieve",
        summary=_("Portfolio roadmap"),
        description=_(
            "Every project as a bar (forecast dates, else planned), its milestones, grouped by objective, "
            "directorate or status; the project list's filters; `baseline` adds a portfolio baseline's "
            "approved dates. Rows of arrays: see `columns` and `milestone_columns`."
        ),
        parameters=[
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=[key for key, _label in GROUP_BY_CHOICES]),
            OpenApiParameter("baseline", OpenApiTypes.INT, description="A portfolio baseline's id"),
            OpenApiParameter("q", OpenApiTypes.STR),
            OpenApiParameter("status", OpenApiTypes.STR, many=True, enum=ProjectStatus.values),
            OpenApiParameter("directorate", OpenApiTypes.INT),
            OpenApiParameter("objective", OpenApiTypes.INT),
            OpenApiParameter("manager", OpenApiTypes.INT),
            OpenApiParameter("tag", OpenApiTypes.STR),
            OpenApiParameter("priority", OpenApiTypes.INT, enum=Priority.values),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The roadmap payload"),
            **error_responses(400, 401),
        },
    )
    def get(self, request):
        query = RoadmapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filterset = ProjectFilterSet(request.query_params, queryset=Project.objects.all())
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        baseline = None
        if "baseline" in query.validated_data:
            baseline = next(
                (b for b in roadmap_baselines() if b.pk == query.validated_data["baseline"]), None
            )
            if baseline is None:
                raise serializers.ValidationError({"baseline": [_("Unknown baseline.")]})
        payload = roadmap_payload(
            filterset, group_by=query.validated_data.get("group_by", "objective"), baseline=baseline
        )
        return Response(payload)
