"""Reads of the portfolio: querysets and plain data whose query count does not grow with rows."""

import hashlib

from django.db import connection
from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portfolio import permissions
from portfolio.models import Objective, PortfolioSnapshot, Project, ProjectStatusChange, StrategicAxis, Tag
from portfolio.rules import ProjectFacts, ProjectStatus, available_transitions
from ppm.lifecycle import Moves
from ppm.memo import memo_cached
from ppm.models import AuditEntry, Directorate, User
from ppm.permissions import get_for_user
from ppm.usercache import cached_shared


def project_list() -> QuerySet[Project]:
    """Projects with everything a list row shows, in a fixed number of queries."""
    return Project.objects.select_related("directorate", "manager").prefetch_related(
        _objectives_prefetch(), Prefetch("tags", queryset=Tag.objects.only("id", "name"))
    )


def _objectives_prefetch() -> Prefetch:
    return Prefetch("objectives", queryset=Objective.objects.only("id", "code", "name", "axis_id"))


def project_list_page(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """`queryset` (of `project_list()`) for the project list page, whose rows show the objectives but
    not the tags: without the tags' prefetch (a query and some 100 Tag objects a page)."""
    return queryset.prefetch_related(None).prefetch_related(_objectives_prefetch())


def roadmap_rows(
    *,
    axis: int | None = None,
    objective: int | None = None,
    directorate: int | None = None,
    year: int | None = None,
) -> list[dict]:
    """The dashboard roadmap's rows (as `dashboard_data()["roadmap"]`) for the projects of a strategic
    axis, an objective, a directorate and/or whose plan overlaps a year; one query."""
    queryset = Project.objects.filter(planned_start__isnull=False, planned_end__isnull=False).exclude(
        status=ProjectStatus.CANCELLED
    )
    if directorate is not None:
        queryset = queryset.filter(directorate_id=directorate)
    if objective is not None:
        queryset = queryset.filter(
            pk__in=Project.objectives.through.objects.filter(objective_id=objective).values("project_id")
        )
    if axis is not None:
        queryset = queryset.filter(
            pk__in=Project.objectives.through.objects.filter(objective__axis_id=axis).values("project_id")
        )
    if year is not None:
        queryset = queryset.filter(planned_start__year__lte=year, planned_end__year__gte=year)
    rows = queryset.order_by("planned_start", "code").values(
        "id", "code", "name", "status", "planned_start", "planned_end", "directorate__name"
    )
    return [dict(row) for row in rows]


def project_visible_to(user) -> QuerySet[Project]:
    """The projects `user` may see, loaded like `project_list` (every signed-in user sees them all)."""
    if not permissions.RULES.may_on_some(user, "project.view"):
        return Project.objects.none()
    return project_list()


def project_get_for_user(
    *, user, pk, action: str = "view", queryset: QuerySet[Project] | None = None
) -> Project:
    """The project `pk` if `user` may do `action` on it ("view", "change", "transition", ... or a full
    rule name): Http404 when it is not visible to them, PermissionDenied (403) when the action is refused.
    Loaded with its directorate and manager, not the list's prefetches (objectives, tags: two queries a
    page of one project rarely reads); `queryset` loads more."""
    return get_for_user(
        project_visible_to(user).prefetch_related(None) if queryset is None else queryset,
        table=permissions.RULES,
        user=user,
        pk=pk,
        action=action if "." in action else f"project.{action}",
        not_found=_("No such project."),
    )


def project_detail_get(*, user, pk, action: str = "view") -> Project:
    """A project with its tags and its lifecycle history loaded, for its page and its PDF sheet (both
    read its objectives with their axes: objective_list(), not the list's prefetch)."""
    return project_get_for_user(
        user=user,
        pk=pk,
        action=action,
        queryset=project_visible_to(user)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("id", "name")),
            Prefetch("status_changes", queryset=ProjectStatusChange.objects.select_related("actor")),
        ),
    )


def project_transitions_for(project: Project, *, actor=None) -> Moves:
    """The lifecycle moves offered from the project's status (those `actor`'s role may make)."""
    facts = ProjectFacts(
        status=project.status,
        has_manager=project.manager_id is not None,
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        status_before_hold=project.status_before_hold or None,
        status_before_end=project.status_before_end or None,
    )
    return available_transitions(facts, actor=actor)


# What the API's project list reads of each project (ProjectSerializer's fields, by values()).
PROJECT_ROW_FIELDS = (
    "id",
    "code",
    "name",
    "description",
    "status",
    "directorate_id",
    "directorate__name",
    "manager_id",
    "manager__first_name",
    "manager__last_name",
    "manager__username",
    "planned_start",
    "planned_end",
    "priority",
    "calendar_subdiv",
    "status_before_hold",
    "status_before_end",
    "version",
    "created_at",
    "updated_at",
)


def project_rows(queryset: QuerySet[Project]) -> QuerySet:
    """`queryset`'s projects as plain rows of PROJECT_ROW_FIELDS (its filters and order kept; the
    annotations it only sorts or filters by are not selected)."""
    return queryset.prefetch_related(None).values(*PROJECT_ROW_FIELDS)


def project_row_links(rows: list[dict]) -> list[dict]:
    """Give each row of a page `objective_ids` and `tag_names` (sorted like `project_list()`'s
    prefetches) from the link tables, in two queries that load no Objective or Tag object: on a page of
    100 projects, some 350 fewer model instances than the prefetches."""
    objectives, tags = _page_links([row["id"] for row in rows])
    for row in rows:
        row["objective_ids"] = objectives[row["id"]]
        row["tag_names"] = tags[row["id"]]
    return rows


def _page_links(ids: list[int]) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """Objective ids and tag names of projects `ids`, by project, sorted like the prefetches."""
    objectives: dict[int, list[int]] = {pk: [] for pk in ids}
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    if ids:
        links = Project.objectives.through.objects.filter(project_id__in=ids)
        for project_id, objective_id in links.order_by(*_related_order(Objective, "objective")).values_list(
            "project_id", "objective_id"
        ):
            objectives[project_id].append(objective_id)
        tag_links = Project.tags.through.objects.filter(project_id__in=ids)
        for project_id, name in tag_links.order_by(*_related_order(Tag, "tag")).values_list(
            "project_id", "tag__name"
        ):
            tags[project_id].append(name)
    return objectives, tags


def _related_order(model, through_field: str) -> list[str]:
    """The related model's default ordering, seen from the link table (what a prefetch returns)."""
    ordering = [*model._meta.ordering, "pk"]
    return [
        f"-{through_field}__{name[1:]}" if name.startswith("-") else f"{through_field}__{name}"
        for name in ordering
    ]


def objective_list() -> QuerySet[Objective]:
    return Objective.objects.select_related("axis")


def axis_list() -> QuerySet[StrategicAxis]:
    return StrategicAxis.objects.prefetch_related("objectives")


def portfolio_counts() -> dict:
    """Counts by status, objective and directorate (3 grouped queries, whatever the size)."""
    by_status = dict(Project.objects.order_by().values_list("status").annotate(n=Count("id")))
    by_objective = dict(Objective.objects.order_by().values_list("code").annotate(n=Count("projects")))
    return {
        "total": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in ProjectStatus.values},
        "by_objective": by_objective,
    }


# The dashboard's summary is cached until the portfolio changes: at most this long, in case a change
# escapes the fingerprint below (a bulk UPDATE that touches neither version nor updated_at).
DASHBOARD_CACHE_SECONDS = 600


def _portfolio_fingerprint() -> str:
    """What the dashboard depends on, in ONE cheap query: the projects' count, last change and summed
    versions (any create, edit, transition or delete moves one of them), the last snapshot taken, and
    the last audit entry (every service write records one: renamed objectives, axes, directorates)."""
    project = connection.ops.quote_name(Project._meta.db_table)
    snapshot = connection.ops.quote_name(PortfolioSnapshot._meta.db_table)
    audit = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(updated_at), SUM(version), "  # noqa: S608 - table names from models
            f"(SELECT MAX(taken_at) FROM {snapshot}), (SELECT MAX(id) FROM {audit}) FROM {project}"
        )
        row = cursor.fetchone()
    return "|".join(str(value) for value in row)


def dashboard_data() -> dict:
    """Everything the portfolio home shows, as plain data ready for the charts.

    Computed once per state of the portfolio and language, then served from the cache: a page view
    costs one small query while nothing changes (see `_portfolio_fingerprint`). Read-only: the value is
    shared by the process's requests (ppm.memo.memo_value)."""
    fingerprint = _portfolio_fingerprint()
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
    key = f"portfolio:dashboard:v2:{get_language() or 'default'}:{digest}"

    def compute() -> dict:
        data = _dashboard_data_live()
        # What the page derives from these data (its charts, its trend table) is cached under it too.
        data["fingerprint"] = digest
        return data

    # In the shared cache and in the process (the key names the data's state): not unpickled per view.
    return memo_cached(key, compute, DASHBOARD_CACHE_SECONDS)


def _dashboard_data_live() -> dict:
    objectives = list(
        Objective.objects.select_related("axis").annotate(
            n_projects=Count("projects"),
            n_active=Count(
                "projects", filter=Q(projects__status__in=[ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS])
            ),
        )
    )
    # portfolio_counts()'s figures, with the counts by objective taken from the query above.
    by_status = dict(Project.objects.order_by().values_list("status").annotate(n=Count("id")))
    counts = {
        "total": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in ProjectStatus.values},
        "by_objective": {objective.code: objective.n_projects for objective in objectives},
    }
    directorates = list(
        Directorate.objects.annotate(n_projects=Count("projects"))
        .filter(n_projects__gt=0)
        .order_by("-n_projects", "name")
    )
    roadmap = list(
        Project.objects.filter(planned_start__isnull=False, planned_end__isnull=False)
        .exclude(status=ProjectStatus.CANCELLED)
        .order_by("planned_start", "code")
        .values("id", "code", "name", "status", "planned_start", "planned_end", "directorate__name")
    )
    trend = list(PortfolioSnapshot.objects.order_by("-day")[:90].values("day", "total", "by_status"))
    trend.reverse()
    return {
        "counts": counts,
        # Translated once here (plain strings), not once per roadmap row by the charts.
        "status_labels": {value: str(label) for value, label in ProjectStatus.choices},
        "objectives": objectives,
        "directorates": directorates,
        "roadmap": roadmap,
        "trend": trend,
    }


# ppm.usercache namespace of the filter options below (shared by everyone; see portfolio.apps).
FILTER_CHOICES = "project-filter-choices"


def project_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The options of the four reference-data filters (the project list, the portfolio board...): from
    the cache until a directorate, objective, tag, user or project changes (ppm.usercache; at most its
    TTL for what a bulk update escapes), else in one query."""
    return cached_shared(FILTER_CHOICES, _project_filter_choices)


def _project_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The options of the four reference-data filters in ONE query (a UNION), not four: the list
    page stays within its query budget whatever the data. Same sets as ProjectFilterSet's."""
    text: CharField = CharField()
    parts = [
        Directorate.objects.order_by()
        .annotate(kind=Value("directorate", text), value=Cast("pk", text))
        .values_list("kind", "value", "name", Value("", text)),
        Objective.objects.order_by()
        .annotate(kind=Value("objective", text), value=Cast("pk", text))
        .values_list("kind", "value", "code", "name"),
        User.objects.order_by()
        .filter(managed_projects__isnull=False)
        .annotate(
            kind=Value("manager", text),
            value=Cast("pk", text),
            full_name=Concat("first_name", Value(" ", text), "last_name", output_field=text),
        )
        .values_list("kind", "value", "full_name", "username")
        .distinct(),
        Tag.objects.order_by()
        .annotate(kind=Value("tag", text))
        .values_list("kind", "name", "name", Value("", text)),
    ]
    choices: dict[str, list[tuple[str, str]]] = {"directorate": [], "objective": [], "manager": [], "tag": []}
    for kind, value, label, extra in parts[0].union(*parts[1:], all=True):
        if kind == "objective":
            label = f"{label} · {extra}"
        elif kind == "manager":
            label = label.strip() or extra
        choices[kind].append((value, label))
    for options in choices.values():
        options.sort(key=lambda option: option[1].casefold())
    return choices


# --- Reference data, as the project office's management pages list it ---------------------------


def axis_visible_to(user) -> QuerySet[StrategicAxis]:
    """Strategic axes with their number of objectives (one query)."""
    if not permissions.RULES.may_on_some(user, "axis.view"):
        return StrategicAxis.objects.none()
    return StrategicAxis.objects.annotate(n_objectives=Count("objectives")).order_by("order", "code", "pk")


def objective_visible_to(user) -> QuerySet[Objective]:
    """Objectives with their axis and number of projects (one query)."""
    if not permissions.RULES.may_on_some(user, "objective.view"):
        return Objective.objects.none()
    return (
        Objective.objects.select_related("axis")
        .annotate(n_projects=Count("projects"))
        .order_by("axis__order", "axis__code", "order", "code", "pk")
    )


def tag_visible_to(user) -> QuerySet[Tag]:
    """Tags with their number of projects (one query)."""
    if not permissions.RULES.may_on_some(user, "tag.view"):
        return Tag.objects.none()
    return Tag.objects.annotate(n_projects=Count("projects")).order_by("name", "pk")
