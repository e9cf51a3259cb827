"""The portfolio roadmap's data: every project as a bar with its milestones, in groups.

One compact payload (rows of arrays), read in a constant number of queries whatever the number of
projects: the projects, their objectives (only when grouping by objective), their milestones, and the
chosen portfolio baseline's entries.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portfolio.rules import ProjectStatus

GROUP_BY_CHOICES = (
    ("objective", _("Strategic objective")),
    ("directorate", _("Directorate")),
    ("status", _("Status")),
)
ROADMAP_COLUMNS = [
    "id",
    "code",
    "name",
    "group",
    "status",
    "start",
    "finish",
    "planned_start",
    "planned_end",
    "forecast_start",
    "forecast_finish",
    "slippage_days",
    "baseline_start",
    "baseline_finish",
    "url",
]
MILESTONE_COLUMNS = ["project_id", "task_id", "name", "date", "baseline_date"]
NO_GROUP = ""


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def roadmap_baselines() -> list:
    """The portfolio baselines a roadmap may be compared with, newest first."""
    from portfolio.scheduling.models import PortfolioBaseline

    return list(PortfolioBaseline.objects.order_by("-taken_at", "-pk").only("pk", "name", "taken_at"))


def roadmap_payload(filterset, *, group_by: str = "objective", baseline=None) -> dict:
    """The roadmap of the projects ``filterset`` selects (a ProjectFilterSet, bound or not).

    ``{"group_by", "groups": [[key, label], ...], "columns", "rows": [[...]], "milestone_columns",
    "milestones": [[...]], "baseline": {"id", "name", "taken_at"}|null, "today"}``. A project's bar
    runs over its forecast dates where it has a schedule, else over its planned dates; its baseline
    columns are the chosen baseline's planned dates (the plan the committee approved). Grouped by
    objective, a project with several objectives appears once under each; projects with no group
    come last under the key "". Five queries at most (one for the payload extensions), whatever the
    number of projects."""
    from portfolio.models import Objective, Project
    from portfolio.scheduling.models import PortfolioBaselineEntry, Task

    if group_by not in dict(GROUP_BY_CHOICES):
        group_by = "objective"
    projects: QuerySet = filterset.qs if filterset is not None else Project.objects.all()
    projects = projects.order_by()
    rows_by_project = list(
        projects.values_list(
            "pk",
            "code",
            "name",
            "status",
            "directorate_id",
            "directorate__name",
            "planned_start",
            "planned_end",
            "forecast_start",
            "forecast_finish",
            "slippage_days",
        ).distinct()
    )
    ids = [row[0] for row in rows_by_project]

    baseline_dates: dict[int, tuple] = {}
    baseline_milestones: dict[int, str] = {}
    if baseline is not None:
        for project_id, planned_start, planned_end, milestones in PortfolioBaselineEntry.objects.filter(
            baseline=baseline, project_id__in=ids
        ).values_list("project_id", "planned_start", "planned_end", "milestones"):
            baseline_dates[project_id] = (planned_start, planned_end)
            for item in milestones or []:
                if isinstance(item, list | tuple) and len(item) >= 3 and item[2]:
                    baseline_milestones[item[0]] = str(item[2])[:10]

    groups: list[list] = []
    memberships: dict[int, list] = {}
    if group_by == "objective":
        through = Project.objectives.through
        for project_id, objective_id in (
            through.objects.filter(project_id__in=ids)
            .order_by("objective__code", "objective_id")
            .values_list("project_id", "objective_id")
        ):
            memberships.setdefault(project_id, []).append(objective_id)
        used = {oid for values in memberships.values() for oid in values}
        groups = [
            [oid, f"{code} – {name}"]
            for oid, code, name in Objective.objects.filter(pk__in=used)
            .order_by("code", "pk")
            .values_list("pk", "code", "name")
        ]
    elif group_by == "directorate":
        seen: dict = {}
        for row in rows_by_project:
            if row[4] is not None:
                seen[row[4]] = row[5]
                memberships[row[0]] = [row[4]]
        groups = [[key, label] for key, label in sorted(seen.items(), key=lambda kv: kv[1] or "")]
    else:
        present = {row[3] for row in rows_by_project}
        groups = [[value, str(label)] for value, label in ProjectStatus.choices if value in present]
        memberships = {row[0]: [row[3]] for row in rows_by_project}
    if any(not memberships.get(row[0]) for row in rows_by_project):
        groups.append([NO_GROUP, str(_("None"))])
    order = {group[0]: index for index, group in enumerate(groups)}

    rows: list[list] = []
    url_template = reverse("portfolio:project_detail", args=[0])
    for pk, code, name, status, _dir_id, _dir_name, p_start, p_end, f_start, f_end, slip in rows_by_project:
        start = f_start or p_start
        finish = f_end or p_end
        b_start, b_end = baseline_dates.get(pk, (None, None))
        rows.extend(
            [
                pk,
                code,
                name,
                key,
                status,
                _iso(start),
                _iso(finish),
                _iso(p_start),
                _iso(p_end),
                _iso(f_start),
                _iso(f_end),
                slip,
                _iso(b_start),
                _iso(b_end),
                url_template.replace("/0/", f"/{pk}/"),
            ]
            for key in memberships.get(pk) or [NO_GROUP]
        )
    rows.sort(key=lambda row: (order.get(row[3], len(order)), row[5] or "9999", row[1]))

    milestones = (
        [
            [project_id, task_id, name, _iso(start or finish), baseline_milestones.get(task_id)]
            for project_id, task_id, name, start, finish in Task.objects.filter(
                project_id__in=ids, milestone=True
            )
            .order_by("project_id", "start", "pk")
            .values_list("project_id", "pk", "name", "start", "finish")
        ]
        if ids
        else []
    )

    from ppm.slots import payload_extensions

    return {
        # What other apps add per project (ppm.slots.payload_extensions: the weather…), by project id.
        "extensions": {str(pk): data for pk, data in payload_extensions(ids).items()},
        "group_by": group_by,
        "groups": groups,
        "columns": ROADMAP_COLUMNS,
        "rows": rows,
        "milestone_columns": MILESTONE_COLUMNS,
        "milestones": milestones,
        "baseline": (
            {"id": baseline.pk, "name": baseline.name, "taken_at": baseline.taken_at.isoformat()}
            if baseline is not None
            else None
        ),
        "today": timezone.localdate().isoformat(),
    }
