"""Steering dashboard selectors: the tiles' figures and the lists behind them, for a filtered set of projects.

Every function takes the filtered project queryset (:func:`steering_projects`) and `today`, and runs a
constant number of queries whatever the number of projects. Sources are read directly (see
governance.alerts for the same choice): the latest VALIDATED current flash report of a project is its
"latest weather"; schedule (Project.slippage_days, milestones), portfolio baselines, the budget totals of
the year (budgets' precomputed BudgetTotal), allocations vs a rough capacity (no capacity snapshot model
in this tree).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from budgets.money import money_str, to_cents
from governance.alerts import (
    SCHEDULED_STATUSES,
    alerts_visible_to,
    latest_due_periods,
    missing_reports,
    next_quarter,
    open_latest_items,
    team_loads,
)
from governance.flash_selectors import latest_report_ids
from governance.models import (
    WEATHER_RANK,
    AlertStatus,
    Committee,
    Dimension,
    FlashReport,
    FlashReportDimension,
    FlashReportItem,
    FlashReportStatus,
    ItemKind,
    ItemStatus,
    LatestReport,
    ProjectOffice,
    Weather,
)
from portfolio.models import Objective, Project
from portfolio.rules import ProjectStatus
from portfolio.selectors import project_visible_to
from ppm.models import Directorate

TILE_ROWS = 8  # rows a tile previews; its drill-down lists them all
WEATHERS_WORST_FIRST = list(reversed(Weather.values))
TREND_PERIODS = 6


class SteeringFilterSet(django_filters.FilterSet):
    """The dashboard's filters, shared by the page, its drill-downs and the API."""

    objective = django_filters.ModelChoiceFilter(
        field_name="objectives", queryset=Objective.objects.all(), label=_("Strategic objective")
    )
    directorate = django_filters.ModelChoiceFilter(queryset=Directorate.objects.all(), label=_("Directorate"))
    project_office = django_filters.ModelChoiceFilter(
        field_name="governance__project_office",
        queryset=ProjectOffice.objects.all(),
        label=_("Project office"),
    )
    committee = django_filters.ModelChoiceFilter(
        field_name="governance__committee", queryset=Committee.objects.all(), label=_("Committee")
    )
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"))

    class Meta:
        model = Project
        fields = ["objective", "directorate", "project_office", "committee", "status"]

    @property
    def qs(self):
        queryset = super().qs
        if self.form.cleaned_data.get("objective"):
            # The objective filter joins a many-valued relation: one row per project.
            queryset = Project.objects.filter(pk__in=queryset.values("pk"))
        return queryset


def steering_projects(user, data=None) -> tuple[QuerySet[Project], SteeringFilterSet]:
    """The projects the dashboard covers for `user` and these filters (closed, abandoned and refused
    projects are left out unless the status filter asks for them)."""
    # No tile shows a project's objectives or tags: the list's prefetches are dropped (the missing-reports
    # drill-down loaded them for every project it lists).
    base = project_visible_to(user).prefetch_related(None).order_by()
    filterset = SteeringFilterSet(data if data is not None else {}, queryset=base)
    projects = filterset.qs if filterset.is_valid() else base.none()
    if not (filterset.is_valid() and filterset.form.cleaned_data.get("status")):
        projects = projects.exclude(
            status__in=(ProjectStatus.CLOSED, ProjectStatus.CANCELLED, ProjectStatus.NOT_RETAINED)
        )
    return projects, filterset


# --- (a) weather map ----------------------------------------------------------------------------


@dataclass
class WeatherRow:
    project: Project
    report: FlashReport
    dimensions: dict  # dimension code -> FlashReportDimension
    why: str  # the comment explaining the worst weather

    @property
    def rank(self) -> int:
        return WEATHER_RANK.get(self.report.weather, -1)


def _weather_rank(field: str = "weather") -> Case:
    return Case(
        *(When(**{field: value}, then=Value(position)) for value, position in WEATHER_RANK.items()),
        default=Value(-1),
        output_field=IntegerField(),
    )


def _latest_validated_ids(projects: QuerySet[Project], *, as_of: date) -> list[int]:
    # Read once (one query), not once by a page's count and again by the page itself: that subquery
    # costs a few microseconds per project of the portfolio.
    ids = latest_report_ids(projects, validated=True, as_of=as_of).values_list("latest_report", flat=True)
    return [pk for pk in ids if pk is not None]


def stored_latest(projects: QuerySet[Project]) -> QuerySet[LatestReport]:
    """The stored latest validated report (id and weather) of each of `projects` that has one
    (governance.latest_reports): the tiles count and rank these rows without reading the reports."""
    return LatestReport.objects.filter(project__in=projects)


def latest_validated(projects: QuerySet[Project], *, as_of: date | None = None) -> QuerySet[FlashReport]:
    """The latest validated report of each of `projects`: the stored ones, or "as of" a past day found
    live (its ids read at once)."""
    if as_of is None:
        return FlashReport.objects.filter(pk__in=stored_latest(projects).values("report_id"))
    return FlashReport.objects.filter(pk__in=_latest_validated_ids(projects, as_of=as_of))


def _with_row_data(reports: QuerySet[FlashReport]) -> QuerySet[FlashReport]:
    return reports.select_related(
        "project", "period", "project__manager", "project__directorate"
    ).prefetch_related(Prefetch("dimensions", queryset=FlashReportDimension.objects.order_by("dimension")))


def weather_reports(projects: QuerySet[Project], *, as_of: date | None = None) -> list[FlashReport]:
    """The latest validated report of each project, red (stormy, rainy) first, then by project code,
    ready to be turned into rows (:func:`weather_row`)."""
    return weather_reports_of(weather_report_ids(projects, as_of=as_of))


def _ranked(reports: QuerySet) -> QuerySet:
    """Red (stormy, rainy) first, then by project code (reports, or stored latest reports)."""
    return reports.annotate(rank=_weather_rank()).order_by("-rank", "project__code")


def weather_report_ids(
    projects: QuerySet[Project], *, as_of: date | None = None, limit: int | None = None
) -> list[int]:
    """The ids of :func:`weather_reports`, in its order, from narrow rows (a paginated list counts and
    slices them in Python, then reads one page with :func:`weather_reports_of`); the first `limit`
    ones when given. One query from the stored latest reports (two as of a past day)."""
    if as_of is None:
        ids = _ranked(stored_latest(projects)).values_list("report_id", flat=True)
    else:
        ids = _ranked(latest_validated(projects, as_of=as_of)).values_list("pk", flat=True)
    return list(ids[:limit] if limit is not None else ids)


def weather_reports_of(ids: list[int]) -> list[FlashReport]:
    """The reports of `ids` (a page of :func:`weather_report_ids`) in that order, with what rows show."""
    # Unordered: the rows are put in the order of `ids` here (the model's ordering sorted them by period).
    reports = _with_row_data(FlashReport.objects.filter(pk__in=ids).order_by())
    by_id = {report.pk: report for report in reports}
    return [by_id[pk] for pk in ids if pk in by_id]


def weather_tile_rows(projects: QuerySet[Project], *, limit: int) -> list[WeatherRow]:
    """The rows of the first `limit` reports of :func:`weather_reports`, ranked as
    :func:`weather_report_ids` ranks them (their stored latest report's weather, then project code), in
    one query (those ids a subquery) and one for their dimensions (read straight, not through a
    Prefetch); with what the dashboard's tile shows of them (project code and name, weather, highlights;
    not the period, manager and directorate the lists show)."""
    first = _ranked(stored_latest(projects)).values("report_id")[:limit]
    reports = list(
        FlashReport.objects.filter(pk__in=first)
        .annotate(rank=_weather_rank("latest_of__weather"))
        .order_by("-rank", "latest_of__project__code")
        .select_related("project")
        .only("pk", "project", "weather", "highlights", "project__id", "project__code", "project__name")
    )
    dimensions: dict[int, list[FlashReportDimension]] = {report.pk: [] for report in reports}
    if reports:
        for dimension in FlashReportDimension.objects.filter(report_id__in=list(dimensions)).order_by(
            "dimension"
        ):
            dimensions[dimension.report_id].append(dimension)
    return [weather_row(report, dimensions[report.pk]) for report in reports]


def weather_row(report: FlashReport, dimensions_read: list | None = None) -> WeatherRow:
    """`report`'s row: its dimensions prefetched (ordered by dimension), or `dimensions_read` in that
    order."""
    read = report.dimensions.all() if dimensions_read is None else dimensions_read
    dimensions = {dimension.dimension: dimension for dimension in read}
    worst = sorted(
        (d for d in dimensions.values() if d.weather),
        key=lambda d: -WEATHER_RANK.get(d.weather, -1),
    )
    why = next((dimension.comment for dimension in worst if dimension.comment), "")
    return WeatherRow(report.project, report, dimensions, why or report.highlights)


def weather_rows(projects: QuerySet[Project], *, as_of: date | None = None) -> list[WeatherRow]:
    """One row per project with a validated report, red (stormy, rainy) first, then by code."""
    return [weather_row(report) for report in weather_reports(projects, as_of=as_of)]


def weather_counts_of(projects: QuerySet[Project]) -> list[tuple[str, object, int]]:
    """How many projects are in each weather (one aggregate query over the stored latest reports)."""
    counts = dict(
        stored_latest(projects)
        .order_by()
        .values("weather")
        .annotate(n=Count("pk"))
        .values_list("weather", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in Weather.choices]


DIMENSIONS = [("overall", _("Overall"))] + list(Dimension.choices)


def weather_counts(rows: list[WeatherRow]) -> list[tuple[str, object, int]]:
    counts = Counter(row.report.weather for row in rows)
    return [(value, label, counts.get(value, 0)) for value, label in Weather.choices]


# --- (b) missing reports ------------------------------------------------------------------------


def _missing_queryset(projects: QuerySet[Project], periods) -> QuerySet[Any]:  # annotated: cadence_value
    return (
        missing_reports(periods, projects.filter(status__in=(ProjectStatus.IN_PROGRESS,)))
        .select_related("manager")
        .order_by("code")
    )


def missing_rows(projects: QuerySet[Project], today: date) -> list[dict]:
    """Projects whose report for their cadence's due period is not filed (submitted or validated)."""
    return missing_tile(projects, today)[0]


def missing_count(projects: QuerySet[Project], today: date) -> int:
    """How many projects miss their report (one COUNT, after the periods due)."""
    periods = latest_due_periods(today)
    return _missing_queryset(projects, periods).count() if periods else 0


def missing_tile(
    projects: QuerySet[Project], today: date, *, limit: int | None = None
) -> tuple[list[dict], int]:
    """(rows, count) of the projects missing their report: the first `limit` rows when given (the
    dashboard's tile: one COUNT instead of every missing project built; the rows narrow, what a tile
    shows of a project), else all of them."""
    periods = latest_due_periods(today)
    if not periods:
        return [], 0
    queryset = _missing_queryset(projects, periods)
    if limit is None:
        found = list(queryset)
        return _missing_rows_of(found, periods, today), len(found)
    # No join to the manager and directorate: with them the planner, misjudging the OR of the
    # cadences, chose nested loops (20 ms instead of 2 for eight rows). The count and each row's report
    # status come with the rows (one query).
    found, count = first_rows_and_count(
        _with_report_status(queryset.select_related(None).only("pk", "code", "name"), periods), limit
    )
    statuses = {project.pk: getattr(project, _status_name(project.cadence_value)) or "" for project in found}
    return _missing_rows_of(found, periods, today, statuses=statuses), count


def first_rows_and_count(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The first `limit` rows of `queryset` and how many rows it has in all, in one query: a window
    count, which SQL computes over every row before the LIMIT (what `.count()` would answer)."""
    rows = list(queryset.annotate(rows_in_all=Window(Count("pk")))[:limit])
    return rows, (rows[0].rows_in_all if rows else 0)


def _status_name(cadence: str) -> str:
    return f"report_status_{cadence}"


def _with_report_status(queryset: QuerySet, periods: dict) -> QuerySet:
    """Each project annotated with the status of its current report of each cadence's due period
    (None without one): `report_status_<cadence>`."""
    return queryset.annotate(
        **{
            _status_name(cadence): Subquery(
                FlashReport.objects.filter(project=OuterRef("pk"), period=period, is_current=True)
                .order_by()  # one current report a project and period at most
                .values("status")[:1]
            )
            for cadence, period in periods.items()
        }
    )


class MissingRows:
    """The missing-report rows as a sequence a Paginator slices (the drill-down): it counts them in SQL
    and builds only the rows of the page asked for, not every missing project's."""

    def __init__(self, projects: QuerySet[Project], today: date):
        self.today = today
        self.periods = latest_due_periods(today)
        self.queryset = _missing_queryset(projects, self.periods) if self.periods else None

    def count(self) -> int:
        return self.queryset.count() if self.queryset is not None else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        if not isinstance(index, slice):
            raise TypeError("MissingRows is sliced by pages")
        if self.queryset is None:
            return []
        return _missing_rows_of(list(self.queryset[index]), self.periods, self.today)


def _missing_rows_of(
    found: list[Project], periods: dict, today: date, *, statuses: dict[int, str] | None = None
) -> list[dict]:
    """The rows of the `found` projects; `statuses` (project id -> status of its current report for
    the period due) read here when not given."""
    if statuses is None:
        statuses = {}
        if found:
            current = {}
            for project_id, period_id, status in FlashReport.objects.filter(
                project_id__in=[project.pk for project in found],
                period_id__in=[period.pk for period in periods.values()],
                is_current=True,
            ).values_list("project_id", "period_id", "status"):
                current[(project_id, period_id)] = status
            statuses = {
                project.pk: current.get((project.pk, periods[project.cadence_value].pk), "")  # type: ignore[attr-defined]
                for project in found
            }
    status_labels = dict(FlashReportStatus.choices)
    rows = []
    for project in found:
        period = periods[project.cadence_value]  # type: ignore[attr-defined]  # annotated by the query
        status = statuses.get(project.pk, "")
        rows.append(
            {
                "project": project,
                "period": period,
                "deadline": period.deadline,
                "days_late": (today - period.deadline).days,
                "status": status,
                "status_label": status_labels.get(status, _("Not started")),
            }
        )
    return rows


# --- (c) what slipped ---------------------------------------------------------------------------


def slipped_projects(projects: QuerySet[Project]) -> QuerySet[Project]:
    return (
        projects.filter(status__in=SCHEDULED_STATUSES, slippage_days__gt=0)
        .select_related("manager", "directorate")
        .order_by("-slippage_days", "code")
    )


def late_milestones(projects: QuerySet[Project], today: date) -> QuerySet:
    from portfolio.scheduling.models import Task

    return (
        Task.objects.filter(
            project__in=projects.filter(status__in=SCHEDULED_STATUSES),
            milestone=True,
            finish__lt=today,
            percent_complete__lt=100,
        )
        .select_related("project")
        .order_by("finish", "project__code", "pk")
    )


def baseline_drift(projects: QuerySet[Project]) -> tuple[object | None, list[dict]]:
    """Drift of each project's forecast finish since the latest portfolio baseline (calendar days;
    positive = later), worst first."""
    from portfolio.scheduling.models import PortfolioBaseline, PortfolioBaselineEntry

    baseline = PortfolioBaseline.objects.order_by("-taken_at").first()
    if baseline is None:
        return None, []
    entries = (
        PortfolioBaselineEntry.objects.filter(baseline=baseline, project__in=projects)
        .select_related("project")
        .order_by("project__code")
    )
    rows: list[dict] = []
    for entry in entries:
        reference = entry.forecast_finish or entry.planned_end
        current = entry.project.forecast_finish or entry.project.planned_end
        if reference and current and current != reference:
            rows.append(
                {
                    "project": entry.project,
                    "reference": reference,
                    "current": current,
                    "days": (current - reference).days,
                }
            )
    rows.sort(key=lambda row: -int(row["days"]))
    return baseline, rows


# --- (d) budget ---------------------------------------------------------------------------------


def budget_rows(projects: QuerySet[Project], year: int) -> list[dict]:
    """Per project with budget lines this year: planned, committed, paid (and the share committed), from
    the precomputed budget totals (budgets.totals: a few rows per project, not every line year)."""
    from budgets.models import BudgetTotal

    totals = (
        BudgetTotal.objects.filter(year=year, project__in=projects)
        .values("project_id", "project__code", "project__name")
        .annotate(planned=Sum("planned"), committed=Sum("committed"), paid=Sum("paid"))
        .order_by("project__code")
    )
    rows = []
    for row in totals:
        planned = row["planned"] or Decimal(0)
        rows.append(
            {
                "project_id": row["project_id"],
                "code": row["project__code"],
                "name": row["project__name"],
                "planned": planned,
                "committed": row["committed"] or Decimal(0),
                "paid": row["paid"] or Decimal(0),
                "percent": int((row["committed"] or 0) * 100 / planned) if planned else None,
            }
        )
    rows.sort(key=lambda row: -(row["percent"] or 0))
    return rows


def budget_summary(projects: QuerySet[Project], year: int) -> dict | None:
    """The totals of :func:`budget_rows` (what :func:`budget_totals` makes of them) in one aggregate
    query over the precomputed budget totals, without building a row per project; None when no project
    has budget lines this year."""
    from budgets.models import BudgetTotal

    sums = BudgetTotal.objects.filter(year=year, project__in=projects).aggregate(
        keys=Count("pk"), planned=Sum("planned"), committed=Sum("committed"), paid=Sum("paid")
    )
    if not sums["keys"]:
        return None
    # To the cent, as the stored totals are (SQLite's SUM comes back unquantized: "1700" not "1700.00").
    return _budget_figures(*(to_cents(Decimal(sums[name] or 0)) for name in ("planned", "committed", "paid")))


def _budget_figures(planned: Decimal, committed: Decimal, paid: Decimal) -> dict:
    """The budget tile's figures: the three amounts and what share of the planned is committed, paid."""
    return {
        "planned": planned,
        "committed": committed,
        "paid": paid,
        "percent": int(committed * 100 / planned) if planned else None,
        "paid_percent": int(paid * 100 / planned) if planned else None,
    }


def budget_totals(rows: list[dict]) -> dict | None:
    if not rows:
        return None
    return _budget_figures(
        *(sum((row[name] for row in rows), Decimal(0)) for name in ("planned", "committed", "paid"))
    )


# --- (e) teams ----------------------------------------------------------------------------------


def team_rows(today: date, *, directorate=None, threshold: int = 100) -> tuple[tuple[date, date], list[dict]]:
    quarter = next_quarter(today)
    rows = team_loads(*quarter)
    if directorate is not None:
        rows = [row for row in rows if row["directorate"] == directorate.name]
    for row in rows:
        row["overloaded"] = row["percent"] is None or row["percent"] >= threshold
    return quarter, rows


# --- (f) alerts ---------------------------------------------------------------------------------


def open_alerts(user, projects: QuerySet[Project], *, filtered: bool) -> QuerySet:
    alerts = alerts_visible_to(user).exclude(status=AlertStatus.CLOSED)
    if filtered:
        alerts = alerts.filter(project__in=projects)
    return alerts


# --- (g) decisions ------------------------------------------------------------------------------


def decision_items(projects: QuerySet[Project]) -> QuerySet[FlashReportItem]:
    """Open decisions requested in each project's latest validated report."""
    return (
        FlashReportItem.objects.filter(
            kind=ItemKind.DECISION,
            status=ItemStatus.OPEN,
            report_id__in=stored_latest(projects).values("report_id"),
        )
        .select_related("report__project", "report__period")
        .order_by("due_date", "report__project__code", "pk")
    )


# --- (h) trend ----------------------------------------------------------------------------------


def weather_trend(projects: QuerySet[Project], today: date, *, periods: int = TREND_PERIODS) -> list[dict]:
    """Weather distribution of the validated reports per month of their period's end, the last
    `periods` months (a fortnightly project counts its latest report of the month)."""
    from django.db.models.functions import TruncMonth

    first = date(today.year, today.month, 1)
    for _step in range(periods):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    rows = (
        FlashReport.objects.filter(
            project__in=projects,
            is_current=True,
            status=FlashReportStatus.VALIDATED,
            period__end__gte=first,
            period__end__lte=today,
        )
        .annotate(month=TruncMonth("period__end"))
        .values("month", "weather")
        .annotate(count=Count("project_id", distinct=True))
        .order_by("month")
    )
    by_month: dict = defaultdict(Counter)
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        by_month[month][row["weather"]] += row["count"]
    return [
        {
            "month": month,
            "counts": [(value, label, by_month[month].get(value, 0)) for value, label in Weather.choices],
            "total": sum(by_month[month].values()),
        }
        for month in sorted(by_month)
    ]


# --- the dashboard ------------------------------------------------------------------------------


def steering_tiles(user, projects: QuerySet[Project], filterset, today: date, *, rows: bool = True) -> dict:
    """Every tile's figures and preview rows (a constant number of queries). Without `rows` (the API,
    which answers the figures only), the preview rows are left empty and not read."""
    filtered = bool(filterset.is_valid() and any(filterset.form.cleaned_data.values()))
    weather_counts_list = weather_counts_of(projects)
    weather_total = sum(count for _value, _label, count in weather_counts_list)
    if rows:
        missing, missing_total = missing_tile(projects, today, limit=TILE_ROWS)
    else:
        missing, missing_total = [], missing_count(projects, today)
    # The page's previews bring their tile's count along (first_rows_and_count): one query a tile.
    slipped = slipped_projects(projects)
    milestones = late_milestones(projects, today)
    milestone_count = milestones.count()
    decisions = decision_items(projects)
    if rows:
        # What each tile shows of its rows only (the drill-downs read the lists' full rows).
        slipped_rows, slipped_count = first_rows_and_count(
            slipped.select_related(None).only("code", "name", "slippage_days"), TILE_ROWS
        )
        # The page shows the count of late milestones only: the rows are read if asked for.
        milestone_rows: Any = SimpleLazyObject(lambda: list(milestones[:TILE_ROWS]))
        decision_rows, decision_count = first_rows_and_count(
            decisions.select_related(None)
            .select_related("report__project")
            .only("text", "due_date", "report", "report__project", "report__project__code"),
            TILE_ROWS,
        )
    else:
        slipped_rows, slipped_count = [], slipped.count()
        milestone_rows = []
        decision_rows, decision_count = [], decisions.count()
    baseline, drift = baseline_drift(projects)
    budget = budget_summary(projects, today.year)
    directorate = filterset.form.cleaned_data.get("directorate") if filterset.is_valid() else None
    # Without allocations in the quarter team_loads answers no row (no need to ask whether any exist).
    quarter, teams = team_rows(today, directorate=directorate)
    alerts = open_alerts(user, projects, filtered=filtered)
    # The tile shows an alert's project code and message (not its rule, nor who acknowledged or closed
    # it), and how many are open: both in one query (a window count), as the other tiles.
    if rows:
        alert_rows, alert_count = first_rows_and_count(
            alerts.select_related(None)
            .select_related("project")
            .only("severity", "message", "params", "project", "project__code")
            .order_by("-raised_at", "-pk"),
            TILE_ROWS,
        )
    else:
        alert_rows, alert_count = [], alerts.count()
    trend = weather_trend(projects, today)
    return {
        "weather": {
            "rows": weather_tile_rows(projects, limit=TILE_ROWS) if rows else [],
            "count": weather_total,
            "counts": weather_counts_list,
            "red": sum(
                count
                for value, _label, count in weather_counts_list
                if value in (Weather.RAINY, Weather.STORMY)
            ),
        },
        "missing": {"rows": missing, "count": missing_total},
        "slipped": {
            "rows": slipped_rows,
            "count": slipped_count,
            "milestones": milestone_rows,
            "milestone_count": milestone_count,
            "baseline": baseline,
            "drift": drift[:TILE_ROWS],
            "drift_count": sum(1 for row in drift if row["days"] > 0),
        },
        "budget": {
            "shown": budget is not None,
            # The page shows the totals only: the rows by project are read if asked for.
            "rows": SimpleLazyObject(lambda: budget_rows(projects, today.year)[:TILE_ROWS]),
            "totals": budget,
            "year": today.year,
        },
        "teams": {
            "shown": bool(teams),
            "quarter": quarter,
            "rows": [row for row in teams if row["overloaded"]][:TILE_ROWS],
            "count": sum(1 for row in teams if row["overloaded"]),
            "total": len(teams),
        },
        "alerts": {"rows": alert_rows, "count": alert_count},
        "decisions": {"rows": decision_rows, "count": decision_count},
        "trend": trend,
    }


def steering_figures(tiles: dict) -> dict:
    """The tiles' figures as plain JSON (the API's answer)."""
    return {
        "weather": {value: count for value, _label, count in tiles["weather"]["counts"]},
        "reports_missing": tiles["missing"]["count"],
        "projects_slipped": tiles["slipped"]["count"],
        "milestones_late": tiles["slipped"]["milestone_count"],
        "drifted_since_baseline": tiles["slipped"]["drift_count"],
        "budget": (
            {
                key: money_str(value) if isinstance(value, Decimal) else value
                for key, value in tiles["budget"]["totals"].items()
            }
            if tiles["budget"]["totals"]
            else None
        ),
        "teams_overloaded": tiles["teams"]["count"] if tiles["teams"]["shown"] else None,
        "alerts_open": tiles["alerts"]["count"],
        "decisions_requested": tiles["decisions"]["count"],
        "trend": [
            {"month": row["month"].isoformat(), **{value: count for value, _label, count in row["counts"]}}
            for row in tiles["trend"]
        ],
    }


def open_risks(projects: QuerySet[Project]) -> QuerySet[FlashReportItem]:
    return open_latest_items(ItemKind.RISK).filter(report__project__in=projects)
