"""Serializers of the portfolio API.

Output serializers read objects loaded by the selectors (no query of their own); input serializers
validate a request body into the keyword arguments of a service. Neither saves anything.
"""

from datetime import date

from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from portfolio import permissions, rules
from portfolio.models import Objective, Priority, Project, StrategicAxis
from portfolio.rules import (
    MAX_OBJECTIVES,
    MAX_TAGS,
    TRANSITION_NAMES,
    ProjectFacts,
    ProjectStatus,
    available_transitions,
)
from portfolio.scheduling.models import CalendarSubdivision
from ppm.api.serializers import FastRowsMixin, id_field, related_field
from ppm.exceptions import DomainValidationError
from ppm.models import Directorate, User

LIFECYCLE_ACTIONS = TRANSITION_NAMES


def allowed_transition_names(user, project: Project, cache: dict | None = None) -> list[str]:
    """Lifecycle actions `user` could apply to `project` now: allowed to them, by the table and the guards.

    The answer depends only on the facts the guards look at: `cache` (one dict per request) keeps it
    for projects in the same situation, so a page of 500 projects checks the rules a handful of times.
    """
    if not permissions.can_transition_project(user, project):
        return []
    start, end = project.planned_start, project.planned_end
    key = (
        project.status,
        project.manager_id is not None,
        start is None,
        end is None,
        bool(rules.plan_errors(start, end)),
        project.status_before_hold,
        project.status_before_end,
        user.role,
    )
    if cache is not None and key in cache:
        return cache[key]
    facts = ProjectFacts(
        status=project.status,
        has_manager=project.manager_id is not None,
        planned_start=start,
        planned_end=end,
        status_before_hold=project.status_before_hold or None,
        status_before_end=project.status_before_end or None,
    )
    names = [move.name for move in available_transitions(facts, actor=user) if move.refusal is None]
    if cache is not None:
        cache[key] = names
    return names


# --------------------------------------------------------------------------------- reference data


class StrategicAxisSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    objectives = serializers.SerializerMethodField(help_text=_("Ids of the axis' objectives."))

    def get_objectives(self, axis: StrategicAxis) -> list[int]:
        return [objective.pk for objective in axis.objectives.all()]


class StrategicAxisInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=20000, allow_blank=True, required=False, trim_whitespace=False
    )
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class ObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    axis = serializers.IntegerField(source="axis_id", read_only=True)
    axis_code = serializers.CharField(source="axis.code", read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True)


class ObjectiveInputSerializer(serializers.Serializer):
    axis = related_field(StrategicAxis.objects.all())
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=20000, allow_blank=True, required=False, trim_whitespace=False
    )
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class TagInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)


# ---------------------------------------------------------------------------------------- projects


class ProjectSerializer(FastRowsMixin, serializers.Serializer):
    """A project as the API shows it; reads only what `selectors.project_list()` loads. Its rows skip
    DRF's per-field walk (FastRowsMixin), as a page of 100 projects is 2,000 field calls."""

    row_model = Project

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, read_only=True)
    status_label = serializers.SerializerMethodField()
    directorate = serializers.IntegerField(source="directorate_id", read_only=True)
    directorate_name = serializers.CharField(source="directorate.name", read_only=True)
    manager = serializers.IntegerField(source="manager_id", read_only=True, allow_null=True)
    manager_name = serializers.SerializerMethodField()
    planned_start = serializers.DateField(read_only=True, allow_null=True)
    planned_end = serializers.DateField(read_only=True, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)
    priority_label = serializers.SerializerMethodField()
    calendar_subdiv = serializers.ChoiceField(choices=CalendarSubdivision.choices, read_only=True)
    objectives = serializers.SerializerMethodField(help_text=_("Ids of the strategic objectives served."))
    tags = serializers.SerializerMethodField(help_text=_("Tag names."))
    allowed_transitions = serializers.SerializerMethodField(
        help_text=_(
            "Lifecycle actions the requesting user can apply now (their rights, the lifecycle table and its "
            "guards, e.g. approval needs a manager and planned dates). Any other action is refused."
        )
    )
    version = serializers.IntegerField(read_only=True, help_text=_("Incremented by every change."))
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    url = serializers.SerializerMethodField()

    def _per_request(self, name: str, build):
        """A value computed once per response (the context is shared by every row of a list)."""
        cache = self.context.setdefault("_project_serializer_cache", {})
        if name not in cache:
            cache[name] = build()
        return cache[name]

    def get_status_label(self, project: Project) -> str:
        labels = self._per_request(
            "status", lambda: {value: str(label) for value, label in ProjectStatus.choices}
        )
        return labels.get(project.status, project.status)

    def get_priority_label(self, project: Project) -> str:
        labels = self._per_request(
            "priority", lambda: {value: str(label) for value, label in Priority.choices}
        )
        return labels.get(project.priority, str(project.priority))

    def get_manager_name(self, project: Project) -> str | None:
        manager = project.manager
        return (manager.get_full_name() or manager.username) if manager is not None else None

    def get_objectives(self, project: Project) -> list[int]:
        return [objective.pk for objective in project.objectives.all()]

    def get_tags(self, project: Project) -> list[str]:
        return [tag.name for tag in project.tags.all()]

    def get_allowed_transitions(self, project: Project) -> list[str]:
        cache = self._per_request("transitions", dict)
        return list(allowed_transition_names(self.context["request"].user, project, cache))

    def get_url(self, project: Project) -> str:
        # Detail URLs are the list URL plus the id: reverse once per response, not once per row.
        base = self._per_request(
            "url", lambda: reverse("api:project-list", request=self.context.get("request"))
        )
        return f"{base}{project.pk}/"


class _RowFacts:
    """What the lifecycle rules read of a project (allowed_transition_names), from a plain row."""

    __slots__ = (
        "manager_id",
        "pk",
        "planned_end",
        "planned_start",
        "status",
        "status_before_end",
        "status_before_hold",
    )

    def __init__(self, row: dict):
        self.pk = row["id"]
        self.status = row["status"]
        self.manager_id = row["manager_id"]
        self.planned_start = row["planned_start"]
        self.planned_end = row["planned_end"]
        self.status_before_hold = row["status_before_hold"]
        self.status_before_end = row["status_before_end"]


def _datetime_writer(field: serializers.DateTimeField):
    """DRF's DateTimeField.to_representation for aware datetimes in ISO 8601 (the API's format), with
    the time zone looked up once per response instead of once per value; the field's own otherwise."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None or output_format is None or output_format.lower() != ISO_8601:
        return field.to_representation

    def write(value):
        if not value or isinstance(value, str) or not django_timezone.is_aware(value):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def project_list_data(rows: list[dict], *, request) -> list[dict]:
    """The projects of a list page as ProjectSerializer writes them, key for key and in its order, from
    plain rows (selectors.project_rows with project_row_links): no model instance, no DRF call per
    field. A page of 100 projects is ~300 model instances fewer than the serializer needs."""
    fields = ProjectSerializer._declared_fields  # the declared fields: no per-request deep copy
    status_values = fields["status"].choice_strings_to_values
    priority_values = fields["priority"].choice_strings_to_values
    subdiv_values = fields["calendar_subdiv"].choice_strings_to_values
    status_labels = {value: str(label) for value, label in ProjectStatus.choices}
    priority_labels = {value: str(label) for value, label in Priority.choices}
    date_format = getattr(fields["planned_start"], "format", api_settings.DATE_FORMAT)
    iso_dates = date_format is not None and date_format.lower() == ISO_8601
    date_text = date.isoformat if iso_dates else fields["planned_start"].to_representation
    created_text = _datetime_writer(fields["created_at"])
    updated_text = _datetime_writer(fields["updated_at"])
    base = reverse("api:project-list", request=request)
    user = request.user
    transitions: dict = {}

    def choice(values: dict, value):
        return value if value in ("", None) else values.get(str(value), value)

    data = []
    for row in rows:
        status = row["status"]
        priority = row["priority"]
        start, end = row["planned_start"], row["planned_end"]
        manager_id = row["manager_id"]
        if manager_id is None:
            manager_name = None
        else:
            full_name = f"{row['manager__first_name']} {row['manager__last_name']}".strip()
            manager_name = full_name or row["manager__username"]
        data.append(
            {
                "id": int(row["id"]),
                "code": str(row["code"]),
                "name": str(row["name"]),
                "description": str(row["description"]),
                "status": choice(status_values, status),
                "status_label": status_labels.get(status, status),
                "directorate": int(row["directorate_id"]),
                "directorate_name": str(row["directorate__name"]),
                "manager": None if manager_id is None else int(manager_id),
                "manager_name": manager_name,
                "planned_start": None if start is None else date_text(start),
                "planned_end": None if end is None else date_text(end),
                "priority": choice(priority_values, priority),
                "priority_label": priority_labels.get(priority, str(priority)),
                "calendar_subdiv": choice(subdiv_values, row["calendar_subdiv"]),
                "objectives": row["objective_ids"],
                "tags": row["tag_names"],
                "allowed_transitions": list(allowed_transition_names(user, _RowFacts(row), transitions)),
                "version": int(row["version"]),
                "created_at": None if row["created_at"] is None else created_text(row["created_at"]),
                "updated_at": None if row["updated_at"] is None else updated_text(row["updated_at"]),
                "url": f"{base}{row['id']}/",
            }
        )
    return data


class ProjectInputSerializer(serializers.Serializer):
    """The body of a project create or update; validated data are the service's keyword arguments.

    With PATCH every field is optional; with PUT and POST `code`, `name` and `directorate` are required
    and the fields left out keep their value (POST: their default).
    """

    code = serializers.CharField(max_length=rules.CODE_MAX_LENGTH)
    name = serializers.CharField(max_length=rules.NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=rules.DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, trim_whitespace=False
    )
    directorate = related_field(Directorate.objects.all())
    manager = related_field(User.objects.filter(is_active=True), allow_null=True, required=False)
    planned_start = serializers.DateField(allow_null=True, required=False)
    planned_end = serializers.DateField(allow_null=True, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    calendar_subdiv = serializers.ChoiceField(
        choices=CalendarSubdivision.choices,
        required=False,
        allow_blank=True,
        help_text=_(
            "Public holidays of the project's calendar: metropolitan France (empty) or Alsace-Moselle."
        ),
    )
    objectives = serializers.ListField(
        child=id_field(),
        max_length=MAX_OBJECTIVES,
        required=False,
        help_text=_("Ids of strategic objectives."),
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=rules.TAG_MAX_LENGTH),
        max_length=MAX_TAGS,
        required=False,
        help_text=_("Tag names; unknown tags are created."),
    )

    def validate_objectives(self, ids: list[int]) -> list[Objective]:
        found = Objective.objects.in_bulk(set(ids))
        missing = sorted(set(ids) - set(found))
        if missing:
            raise serializers.ValidationError(
                _("Unknown objective ids: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing)}
            )
        return [found[pk] for pk in dict.fromkeys(ids)]

    def validate_tags(self, names: list[str]) -> list[str]:
        try:
            return rules.clean_tag_names(names)
        except DomainValidationError as error:
            raise serializers.ValidationError(error.field_errors["tags"]) from None

    def validate(self, attrs):
        project: Project | None = self.context.get("project")
        start = attrs.get("planned_start", project.planned_start if project else None)
        end = attrs.get("planned_end", project.planned_end if project else None)
        errors = rules.plan_errors(start, end)
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        return attrs


class TransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(name, name) for name in LIFECYCLE_ACTIONS],
        help_text=_("A lifecycle action, e.g. `approve`; `allowed_transitions` lists those possible now."),
    )
    comment = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Why; required to reopen a project."),
    )


# ----------------------------------------------------------------------------------------- history


class StatusChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    source = serializers.CharField(help_text=_("Status before (empty at creation)."))
    source_label = serializers.CharField(source="get_source_display")
    target = serializers.CharField(help_text=_("Status after."))
    target_label = serializers.CharField(source="get_target_display")
    comment = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.SerializerMethodField()

    def get_actor_name(self, change) -> str | None:
        actor = change.actor
        return (actor.get_full_name() or actor.username) if actor is not None else None


class AuditChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class AuditEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField(help_text=_("create, update, delete or transition."))
    action_label = serializers.CharField(source="get_action_display")
    object_type = serializers.CharField(
        source="content_type.model", help_text=_("What changed: `project`, or an object attached to it.")
    )
    object_id = serializers.IntegerField()
    object_repr = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.SerializerMethodField()
    changes = serializers.DictField(
        child=AuditChangeSerializer(), help_text=_("Changed fields: old and new values as displayed.")
    )

    def get_actor_name(self, entry) -> str | None:
        actor = entry.actor
        return (actor.get_full_name() or actor.username) if actor is not None else None


class ProjectHistorySerializer(serializers.Serializer):
    """The history answer: lifecycle moves, and a page of audit entries with the list envelope."""

    project = serializers.IntegerField()
    status_changes = StatusChangeSerializer(many=True, help_text=_("Lifecycle moves, oldest first."))
    count = serializers.IntegerField(help_text=_("Number of audit entries in all pages."))
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AuditEntrySerializer(
        many=True, help_text=_("Recorded changes of the project and its attached objects, newest first.")
    )
