"""Where the figures a flash report is prefilled with come from: one small function per source.

The other apps (schedule, budgets, resources) are read directly through their models, in a fixed number of
queries per call; each function returns None when its app holds no data for the project (no task, no
budget line, no allocation, no alert ever raised), so that the report leaves the figure out rather than
showing a misleading zero. The integrator may point them at the other apps' selectors later.

Every value returned is JSON-ready (dates as ISO strings, amounts and days as decimal strings), as the
report keeps them in `FlashReport.figures`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from governance import periods as periods_module

ZERO = Decimal("0")


def _decimal(value) -> str:
    return str((value or ZERO).quantize(Decimal("0.01")))


def schedule(project, period) -> dict[str, Any] | None:
    """Milestones reached in the period, missed (due by the period's end, not 100 %), due next period;
    forecast finish, slippage, and the percent complete rolled up from the leaf tasks (weighted by their
    duration). Two queries; None when the project has no task."""
    from portfolio.models import Project
    from portfolio.scheduling.models import Task

    leaves = list(
        Task.objects.filter(project_id=project.pk, is_summary=False).values_list(
            "name", "milestone", "finish", "percent_complete", "duration"
        )
    )
    if not leaves:
        return None
    _next_start, next_end = periods_module.next_bounds(period.cadence, period.end)
    reached, missed, due_next = [], [], []
    weight = done = 0
    for name, milestone, finish, percent, duration in leaves:
        percent = percent or 0
        if milestone:
            if finish is None:
                continue
            if percent >= 100 and period.start <= finish <= period.end:
                reached.append(name)
            elif percent < 100 and finish <= period.end:
                missed.append(name)
            elif percent < 100 and period.end < finish <= next_end:
                due_next.append(name)
        else:
            span = max(int(duration or 0), 1)
            weight += span
            done += span * percent
    row = (
        Project.objects.filter(pk=project.pk)
        .values("forecast_finish", "slippage_days", "planned_end")
        .first()
    )
    dates: dict[str, Any] = dict(row) if row else {}
    forecast = dates.get("forecast_finish")
    return {
        "milestones_reached": sorted(reached),
        "milestones_missed": sorted(missed),
        "milestones_due_next": sorted(due_next),
        "forecast_finish": forecast.isoformat() if forecast else None,
        "planned_end": dates["planned_end"].isoformat() if dates.get("planned_end") else None,
        "slippage_days": dates.get("slippage_days"),
        "percent_complete": round(done / weight) if weight else None,
    }


def budget(project, year: int) -> dict[str, Any] | None:
    """The project's budget lines for `year` summed: planned (voted), committed, paid, forecast. One
    query; None when the project has no budget line for the year."""
    from budgets.models import BudgetLineYear

    money: DecimalField = DecimalField(max_digits=16, decimal_places=2)
    zero = Value(ZERO, output_field=money)
    sums = BudgetLineYear.objects.filter(line__project_id=project.pk, year=year).aggregate(
        lines=Count("id"),
        planned=Coalesce(Sum("planned"), zero),
        committed=Coalesce(Sum("committed"), zero),
        paid=Coalesce(Sum("paid"), zero),
        forecast=Coalesce(Sum("forecast"), zero),
    )
    if not sums["lines"]:
        return None
    return {
        "year": year,
        "planned": _decimal(sums["planned"]),
        "committed": _decimal(sums["committed"]),
        "paid": _decimal(sums["paid"]),
        "forecast": _decimal(sums["forecast"]),
    }


def workload(project, until: date) -> dict[str, Any] | None:
    """Person-days planned (allocations whose period started by `until`) against the approved time
    spent on the project up to `until`. Two queries; None when the project has no allocation."""
    from resources.models import Allocation, LineApproval, TimeEntry

    planned = Allocation.objects.filter(project_id=project.pk).aggregate(
        count=Count("id"),
        to_date=Sum("days", filter=Q(period_start__lte=until)),
    )
    if not planned["count"]:
        return None
    actual = TimeEntry.objects.filter(
        line__project_id=project.pk, line__approval=LineApproval.APPROVED, day__lte=until
    ).aggregate(total=Sum(F("days")))["total"]
    return {"planned": _decimal(planned["to_date"]), "actual": _decimal(actual)}


def alerts(project) -> dict[str, Any] | None:
    """The project's open (or acknowledged, not yet closed) alerts: how many, how many critical, and their
    messages. One query; None when no alert was ever raised on the project."""
    from governance.models import Alert, AlertStatus

    rows = list(
        Alert.objects.filter(project_id=project.pk).values_list("status", "severity", "message")[:200]
    )
    if not rows:
        return None
    open_rows = [(severity, message) for status, severity, message in rows if status != AlertStatus.CLOSED]
    return {
        "open": len(open_rows),
        "critical": sum(1 for severity, _message in open_rows if severity == "critical"),
        "messages": [message for _severity, message in open_rows[:10]],
    }
