"""Reads of a project's workload plan: the grid of the workload tab, the project page's panel, the
proposal from the schedule and its reconciliation with the plan, and planned vs actual (approved time).

Every function issues a fixed number of queries whatever the size of the plan (tested at two sizes).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.models import Project
from portfolio.scheduling.models import Task
from portfolio.scheduling.services import project_calendar
from resources.capacity import add_months, month_periods, month_start, week_periods, week_start
from resources.models import (
    Allocation,
    LineApproval,
    PeriodGrain,
    RatioTemplate,
    Resource,
    RoleFamily,
    TimeEntry,
)
from resources.workload import distribute, months_between, plan_etag_of, working_days_by_month

ZERO = Decimal("0")
FAMILY_ORDER = (RoleFamily.MOE.value, RoleFamily.MOA.value, RoleFamily.AMOA.value)
MAX_GRID_PERIODS = 53


def ratio_template_list():
    return RatioTemplate.objects.prefetch_related("lines__profile").order_by("-is_default", "name")


def ratio_template_default() -> RatioTemplate | None:
    return (
        RatioTemplate.objects.filter(is_default=True).order_by("pk").first()
        or RatioTemplate.objects.order_by("name").first()
    )


def allocation_list(*, project: Project):
    """The project's allocations (every grain), loaded for listing and the API."""
    return (
        Allocation.objects.filter(project=project)
        .select_related("profile", "resource")
        .order_by("family", "grain", "period_start", "pk")
    )


def _periods(grain: str, start: date, count: int) -> list[tuple[date, date]]:
    count = max(1, min(count, MAX_GRID_PERIODS))
    if grain == PeriodGrain.WEEK:
        return week_periods(week_start(start), count)
    return month_periods(month_start(start), count)


def _actuals(project: Project, grain: str, first: date, last: date) -> dict[tuple[str, date], Decimal]:
    """Approved time on the project by family (of the person's main role) and period."""
    trunc = TruncWeek("day") if grain == PeriodGrain.WEEK else TruncMonth("day")
    rows = (
        TimeEntry.objects.filter(
            line__project=project, line__approval=LineApproval.APPROVED, day__gte=first, day__lte=last
        )
        .annotate(period=trunc, family=F("line__timesheet__resource__primary_profile__family"))
        .values("family", "period")
        .annotate(days=Sum("days"))
        .order_by()
    )
    result: dict[tuple[str, date], Decimal] = {}
    for row in rows:
        period = row["period"]
        if isinstance(period, datetime):
            period = period.date()
        result[(row["family"], period)] = Decimal(row["days"] or 0)
    return result


def _row_label(allocation: Allocation | None, family: str, profile, resource) -> str:
    if resource is not None:
        return resource.name
    if profile is not None:
        return profile.name
    return _("%(family)s (not staffed)") % {"family": RoleFamily(family).label}


def project_workload_grid(
    project: Project, *, grain: str = PeriodGrain.MONTH, start: date, months: int = 12
) -> dict[str, Any]:
    """The workload tab's grid: for each family (MOE, MOA, AMOA) its rows (generic demand by role, named
    people) × periods, each cell with its id, version, days and template deviation; totals per row,
    period and family, split internal/external; and planned vs approved actual per family and period.

    Three queries: the allocations in range, the approved time, and the plan's (id, version) pairs for
    its ETag."""
    grain = grain if grain in PeriodGrain.values else PeriodGrain.MONTH
    periods = _periods(grain, start, months)
    first, last = periods[0][0], periods[-1][1]
    index = {period[0]: i for i, period in enumerate(periods)}
    n = len(periods)
    allocations = list(
        Allocation.objects.filter(
            project=project, grain=grain, period_start__gte=first, period_start__lte=last
        ).select_related("profile", "resource")
    )
    rows: dict[tuple, dict[str, Any]] = {}
    key: tuple[str, int | None, int | None, bool]
    for family in FAMILY_ORDER:  # an empty generic row per family: where demand is typed first
        key = (family, None, None, False)
        rows[key] = _new_row(key, family, None, None, False, n)
    for allocation in allocations:
        key = (allocation.family, allocation.profile_id, allocation.resource_id, allocation.is_external)
        if key not in rows:
            rows[key] = _new_row(
                key, allocation.family, allocation.profile, allocation.resource, allocation.is_external, n
            )
        row = rows[key]
        i = index.get(allocation.period_start)
        if i is None:
            continue
        deviates = allocation.deviates
        row["cells"][i].update(
            id=allocation.pk,
            version=allocation.version,
            days=allocation.days,
            template_days=allocation.template_days,
            deviates=deviates,
        )
        row["total"] += allocation.days
        row["deviations"] += int(deviates)
        if allocation.template_days is not None:
            row["template_total"] = (row["template_total"] or ZERO) + allocation.template_days
    actuals = _actuals(project, grain, first, last)
    families = []
    totals = [ZERO] * n
    internal = [ZERO] * n
    external = [ZERO] * n
    for family in FAMILY_ORDER:
        family_rows = sorted(
            (row for key, row in rows.items() if key[0] == family),
            key=lambda r: (r["resource"] is not None, r["is_external"], r["label"].lower()),
        )
        column = [ZERO] * n
        for row in family_rows:
            for i, cell in enumerate(row["cells"]):
                column[i] += cell["days"]
                (external if row["is_external"] else internal)[i] += cell["days"]
                totals[i] += cell["days"]
        actual = [actuals.get((family, period[0]), ZERO) for period in periods]
        families.append(
            {
                "family": family,
                "label": RoleFamily(family).label,
                "rows": family_rows,
                "totals": column,
                "total": sum(column, ZERO),
                "actuals": actual,
                "actual_total": sum(actual, ZERO),
                "deviations": sum(row["deviations"] for row in family_rows),
            }
        )
    return {
        "grain": grain,
        "periods": [
            {
                "start": p[0],
                "end": p[1],
                "iso": p[0].isoformat(),
                "current": p[0] <= timezone.localdate() <= p[1],
            }
            for p in periods
        ],
        "families": families,
        "totals": totals,
        "total": sum(totals, ZERO),
        "internal": internal,
        "internal_total": sum(internal, ZERO),
        "external": external,
        "external_total": sum(external, ZERO),
        "actual_totals": [sum((f["actuals"][i] for f in families), ZERO) for i in range(n)],
        "deviations": sum(f["deviations"] for f in families),
        "etag": plan_etag_of(Allocation.objects.filter(project=project).values_list("pk", "version")),
    }


def _new_row(key, family, profile, resource, is_external, n) -> dict[str, Any]:
    return {
        "key": key,
        "family": family,
        "profile": profile,
        "resource": resource,
        "is_external": is_external,
        "label": _row_label(None, family, profile, resource),
        "cells": [
            {"id": None, "version": 0, "days": ZERO, "template_days": None, "deviates": False}
            for _i in range(n)
        ],
        "total": ZERO,
        "template_total": None,
        "deviations": 0,
    }


def project_workload_summary(project: Project, *, today: date | None = None) -> dict[str, Any]:
    """The project page's panel: planned person-days by family (internal / outsourced), planned up to
    the current month vs approved time to date. Two queries."""
    today = today or timezone.localdate()
    planned = (
        Allocation.objects.filter(project=project)
        .values("family", "is_external")
        .annotate(days=Sum("days"))
        .order_by()
    )
    to_date = month_start(today)
    planned_to_date = dict(
        Allocation.objects.filter(project=project, period_start__lte=to_date)
        .values("family")
        .annotate(days=Sum("days"))
        .order_by()
        .values_list("family", "days")
    )
    actual = dict(
        TimeEntry.objects.filter(line__project=project, line__approval=LineApproval.APPROVED, day__lte=today)
        .values(family=F("line__timesheet__resource__primary_profile__family"))
        .annotate(days=Sum("days"))
        .order_by()
        .values_list("family", "days")
    )
    by_family: dict[str, dict[str, Decimal]] = {
        family: {"internal": ZERO, "external": ZERO} for family in FAMILY_ORDER
    }
    for row in planned:
        by_family[row["family"]]["external" if row["is_external"] else "internal"] += row["days"] or ZERO
    families: list[dict[str, Any]] = [
        {
            "family": family,
            "label": RoleFamily(family).label,
            "internal": values["internal"],
            "external": values["external"],
            "total": values["internal"] + values["external"],
            "planned_to_date": Decimal(planned_to_date.get(family) or 0),
            "actual_to_date": Decimal(actual.get(family) or 0),
        }
        for family, values in by_family.items()
    ]
    return {
        "families": families,
        "total": sum((f["total"] for f in families), ZERO),
        "internal": sum((f["internal"] for f in families), ZERO),
        "external": sum((f["external"] for f in families), ZERO),
        "planned_to_date": sum((f["planned_to_date"] for f in families), ZERO),
        "actual_to_date": sum((f["actual_to_date"] for f in families), ZERO),
        "empty": not any(f["total"] for f in families),
    }


def plan_propose_from_tasks(project: Project) -> dict[str, Any]:
    """What the schedule says the plan should be: for each leaf task with dates and an assignee who has
    a resource, its estimate (else its duration, one person-day per working day) spread over its working
    days month by month, on the assignee's resource and the family of their main role.

    Returns {"rows": [{family, resource_id, resource, period_start, days}], "skipped": [task names whose
    assignee has no resource], "tasks": number of tasks used}."""
    tasks = list(
        Task.objects.filter(project=project, is_summary=False, assignee__isnull=False)
        .exclude(start__isnull=True)
        .exclude(finish__isnull=True)
        .values("name", "assignee_id", "start", "finish", "estimate_days", "duration", "milestone")
        .order_by("wbs", "pk")
    )
    users = {task["assignee_id"] for task in tasks}
    resources = {
        r.user_id: r
        for r in Resource.objects.filter(user_id__in=users, is_active=True).select_related("primary_profile")
    }
    calendar = project_calendar(project) if tasks else None
    totals: dict[tuple[str, int, date], Decimal] = defaultdict(lambda: ZERO)
    skipped: list[str] = []
    used = 0
    for task in tasks:
        assert calendar is not None and task["start"] is not None and task["finish"] is not None
        resource = resources.get(task["assignee_id"])
        if resource is None:
            skipped.append(task["name"])
            continue
        days = task["estimate_days"]
        if days is None:
            days = Decimal(0 if task["milestone"] else task["duration"])
        if days <= 0:
            continue
        months = months_between(task["start"], task["finish"])
        weights = working_days_by_month(calendar, task["start"], task["finish"], months)
        for month, amount in zip(months, distribute(days, weights), strict=True):
            if amount:
                totals[(resource.primary_profile.family, resource.pk, month)] += amount
        used += 1
    by_id = {r.pk: r for r in resources.values()}
    rows = [
        {
            "family": family,
            "resource_id": resource_id,
            "resource": by_id[resource_id],
            "period_start": month,
            "days": days,
        }
        for (family, resource_id, month), days in sorted(
            totals.items(),
            key=lambda item: (FAMILY_ORDER.index(item[0][0]), by_id[item[0][1]].name, item[0][2]),
        )
    ]
    return {"rows": rows, "skipped": skipped, "tasks": used}


def plan_reconciliation(project: Project) -> dict[str, Any]:
    """Current plan vs the schedule's proposal per family and month (monthly rows): the current named
    allocations, all current allocations, and the proposal."""
    proposal = plan_propose_from_tasks(project)
    current = (
        Allocation.objects.filter(project=project, grain=PeriodGrain.MONTH)
        .values("family", "period_start")
        .annotate(days=Sum("days"))
        .order_by()
    )
    current_map = {(row["family"], row["period_start"]): row["days"] for row in current}
    proposed: dict[tuple[str, date], Decimal] = defaultdict(lambda: ZERO)
    for row in proposal["rows"]:
        proposed[(row["family"], row["period_start"])] += row["days"]
    months = sorted({key[1] for key in proposed} | {key[1] for key in current_map})
    if months:
        months = [m for m in months_between(months[0], months[-1])]
    families = []
    for family in FAMILY_ORDER:
        lines = [
            {
                "month": month,
                "current": current_map.get((family, month), ZERO),
                "proposed": proposed.get((family, month), ZERO),
            }
            for month in months
            if (family, month) in current_map or (family, month) in proposed
        ]
        for line in lines:
            line["difference"] = line["proposed"] - line["current"]
        families.append(
            {
                "family": family,
                "label": RoleFamily(family).label,
                "lines": lines,
                "current": sum((line["current"] for line in lines), ZERO),
                "proposed": sum((line["proposed"] for line in lines), ZERO),
                "has_proposal": any(line["proposed"] for line in lines),
            }
        )
    return {"families": families, "proposal": proposal}


def grid_start_for(project: Project, year: int | None = None) -> date:
    """The grid's first month: January of `year`, else the project's planned start month, else this
    month's."""
    if year is not None:
        return date(year, 1, 1)
    return month_start(project.planned_start or timezone.localdate())


def plan_months(project: Project) -> tuple[date, date]:
    """The months a template is applied over by default: the project's planned dates, else a year from
    this month."""
    start = month_start(project.planned_start or timezone.localdate())
    end = month_start(project.planned_end) if project.planned_end else add_months(start, 11)
    return start, max(start, end)
