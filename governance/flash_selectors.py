"""Reads of flash reports: scoped lists, one report with what its page shows, the history strip, the
project office's queue, and the latest validated weather of many projects at once (the list column and
payload extensions registered in governance.apps)."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import periods
from governance.models import (
    WEATHER_RANK,
    FlashReport,
    FlashReportDimension,
    FlashReportItem,
    FlashReportStatus,
    LatestReport,
    ProjectGovernance,
    ReportingPeriod,
    Weather,
)
from governance.permissions import RULES
from portfolio.models import Project
from ppm.permissions import get_for_user, role_of
from ppm.roles import Role

S = FlashReportStatus
WEATHER_ICONS = {"sunny": "sun", "cloudy": "cloud", "rainy": "rain", "stormy": "storm"}
STRIP_LENGTH = 12


def flash_report_visible_to(user) -> QuerySet[FlashReport]:
    """The reports `user` may see: every report, but validated ones only for readers (none for others)."""
    queryset = FlashReport.objects.select_related("project", "period")
    role = role_of(user)
    if role is None:
        return queryset.none()
    if role == Role.READER.value:
        return queryset.filter(status=S.VALIDATED)
    return queryset


def flash_report_get_for_user(*, user, pk, action: str = "flash_report.view") -> FlashReport:
    """The report `pk` if `user` may do `action` on it: 404 when it does not exist, 403 when the rule
    refuses it (a reader opening a report that is not validated)."""
    queryset = FlashReport.objects.select_related(
        "project", "period", "author", "validated_by", "project__manager"
    )
    queryset = queryset.prefetch_related(
        Prefetch("dimensions", queryset=FlashReportDimension.objects.order_by("pk")),
        Prefetch("items", queryset=FlashReportItem.objects.select_related("carried_from")),
    )
    return get_for_user(queryset, table=RULES, user=user, pk=pk, action=action)


def _latest_reports(*, validated: bool = False, as_of: date | None = None) -> QuerySet[FlashReport]:
    """The reports of the outer query's project, latest first: the current revisions (whatever their
    status: a new period's draft starts with the open items carried over and is where they are kept up
    to date), or with `validated` the validated ones, revisions included (while a validated report is
    being revised, its validated revision is still the latest word); with `as_of`, among the periods
    begun by that day."""
    reports = FlashReport.objects.filter(project_id=OuterRef("pk"))
    reports = reports.filter(status=S.VALIDATED) if validated else reports.filter(is_current=True)
    if as_of is not None:
        reports = reports.filter(period__start__lte=as_of)
    return reports.order_by("-period__end", "-revision")


def latest_report_ids(
    projects: QuerySet | None = None, *, validated: bool = False, as_of: date | None = None
) -> QuerySet:
    """Ids of each project's latest report (see `_latest_reports`) as one subquery, NULL for a project
    without one; `projects` narrows the projects (all by default). Use it with `in_ids`
    (ppm.lookups): ``FlashReport.objects.filter(pk__in_ids=latest_report_ids())``."""
    latest = _latest_reports(validated=validated, as_of=as_of).values("pk")[:1]
    if projects is None:
        projects = Project.objects.all()
    return projects.order_by().annotate(latest_report=Subquery(latest)).values("latest_report")


def weather_rank_expression(field: str) -> Case:
    return Case(
        *[When(**{field: value}, then=Value(rank)) for value, rank in WEATHER_RANK.items()],
        default=Value(None),
        output_field=IntegerField(),
    )


def annotate_weather(queryset: QuerySet) -> QuerySet:
    """Projects with `flash_weather` (the latest validated report's overall weather, or None) and its
    rank (`flash_weather_rank`, 0 = sunny), from the stored latest reports (governance.latest_reports:
    one join instead of two subqueries per project)."""
    field = "latest_validated_report__weather"
    return queryset.annotate(flash_weather=F(field), flash_weather_rank=weather_rank_expression(field))


def filter_by_weather(queryset: QuerySet, value: str) -> QuerySet:
    if value == "none":
        return queryset.filter(flash_weather__isnull=True)
    if value in Weather.values:
        return queryset.filter(flash_weather=value)
    return queryset


def latest_weather_by_project(project_ids) -> dict[int, dict]:
    """{project id: {weather, weather_label, trend, report, period_end, dimensions: {dim: weather}}} of
    the latest validated report of each project that has one. Three queries whatever the number of
    projects."""
    # Words and icons once per weather value, not once per row (5 rows per project: its dimensions).
    heading = str(_("Weather"))
    words = {value: str(label) for value, label in Weather.choices}
    icons = {value: static(f"img/weather/{name}.svg") for value, name in WEATHER_ICONS.items()}
    result: dict[int, dict] = {}
    # Three statements, each reading one table by key: the stored rows, their reports (with the 39 rows
    # of the periods), the reports' dimensions. Joined in one statement, PostgreSQL hashed every report
    # (or every dimension) of the portfolio: a sequential scan of 12,000 (60,000) rows for 350 projects.
    stored = dict(
        LatestReport.objects.filter(project_id__in=list(project_ids)).values_list("report_id", "project_id")
    )
    dimensions: dict[int, dict[str, str]] = {}
    for report_id, dimension, dimension_weather in (
        FlashReportDimension.objects.filter(report_id__in=list(stored))
        .values_list("report_id", "dimension", "weather")
        .order_by()
    ):
        dimensions.setdefault(report_id, {})[dimension] = dimension_weather
    for report_id, weather, trend, period_end in (
        FlashReport.objects.filter(pk__in=list(stored))
        .values_list("pk", "weather", "trend", "period__end")
        .order_by()
    ):
        result[stored[report_id]] = {
            "weather": weather,
            "weather_label": words.get(weather, "") if weather else "",
            "trend": trend,
            "report": report_id,
            "period_end": period_end.isoformat(),
            "dimensions": dimensions.get(report_id, {}),
            # What a generic page shows (ppm.slots: the project cards of the portfolio board).
            "badge": {
                "label": heading,
                "text": words.get(weather, "") if weather else "",
                "icon": icons.get(weather, "") if weather else "",
            },
        }
    return result


def weather_strip(project, *, limit: int = STRIP_LENGTH) -> list[FlashReport]:
    """The project's latest validated reports (one per period, the latest revision), oldest first."""
    reports = list(
        FlashReport.objects.filter(project_id=project.pk, status=S.VALIDATED)
        .select_related("period")
        .prefetch_related(Prefetch("dimensions", queryset=FlashReportDimension.objects.order_by("pk")))
        .order_by("-period__start", "-revision")[: limit * 2]
    )
    seen: set[int] = set()
    strip = []
    for report in reports:
        if report.period_id in seen:
            continue
        seen.add(report.period_id)
        strip.append(report)
    return list(reversed(strip[:limit]))


def project_reports(project, *, user) -> QuerySet[FlashReport]:
    """The project's reports the user may see, newest period first (every revision)."""
    return (
        flash_report_visible_to(user)
        .filter(project_id=project.pk)
        .select_related("author", "validated_by")
        .order_by("-period__start", "-revision")
    )


def current_report(project, *, today: date | None = None) -> FlashReport | None:
    """The current revision of the project's report for its current period, if it exists (no write)."""
    cadence = (
        ProjectGovernance.objects.filter(project_id=project.pk).values_list("cadence", flat=True).first()
    )
    start, _end = periods.period_bounds(cadence or periods.Cadence.MONTHLY, today or timezone.localdate())
    return FlashReport.objects.filter(
        project_id=project.pk,
        period__cadence=cadence or periods.Cadence.MONTHLY,
        period__start=start,
        is_current=True,
    ).first()


def queue(
    *, status: str = "", project_office: int | None = None, committee: int | None = None
) -> QuerySet[FlashReport]:
    """The project office's queue: current reports submitted (to validate) or returned, oldest first."""
    statuses = [status] if status in (S.SUBMITTED, S.RETURNED, S.DRAFT) else [S.SUBMITTED, S.RETURNED]
    queryset = FlashReport.objects.filter(is_current=True, status__in=statuses).select_related(
        "project", "period", "author", "project__manager"
    )
    if project_office:
        queryset = queryset.filter(project__governance__project_office_id=project_office)
    if committee:
        queryset = queryset.filter(project__governance__committee_id=committee)
    return queryset.order_by("status", "submitted_at", "period__start", "project__code")


def reporting_periods() -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.all().order_by("cadence", "-start")


def report_filter_q(*, project=None, period=None, status=None) -> Q:
    query = Q()
    if project:
        query &= Q(project_id=project)
    if period:
        query &= Q(period_id=period)
    if status:
        query &= Q(status=status)
    return query
