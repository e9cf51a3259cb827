"""Reads of the resource register: scoped lists, permission-checked fetches, availability and capacity.

For the other parts of the app (workload, capacity plan, timesheets):

* ``availability_for(resources) -> dict[resource_id, capacity.Availability]`` loads what capacity depends
  on (weekly pattern, active dates, absences, background loads) for any number of resources in ONE query
  per related table (absences, background loads), whatever their number. Pass resource objects (their
  own fields are read, no query) or ids (one more query to read them). Generic resources get an
  Availability with ``generic=True`` (no capacity).
* ``organisation_calendar()`` is the calendar capacity is computed with (the portfolio's: French public
  holidays and the organisation's closures); ``resource_capacity_by_month`` and
  ``capacity_by_month_for`` turn availability into person-days per month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from portfolio.scheduling.baselines import portfolio_calendar
from portfolio.scheduling.calendar import WorkingCalendar
from ppm.models import Directorate
from ppm.permissions import get_for_user
from resources import capacity
from resources.models import (
    Absence,
    Allocation,
    BackgroundLoad,
    Profile,
    Resource,
    ResourceKind,
    Team,
    Vendor,
)
from resources.permissions import RULES

ZERO = Decimal("0")


def organisation_calendar() -> WorkingCalendar:
    """The organisation's working calendar (metropolitan French holidays minus its closed days), shared
    with the schedule: capacity is computed on it."""
    return portfolio_calendar()


# ------------------------------------------------------------------------------------- the register


def resource_list() -> QuerySet[Resource]:
    """Every resource with what a list row shows (directorate, team, vendor, main role). The account and
    the manager are not joined: rows and the API show their ids only, and PostgreSQL's planning of a
    seven-table join cost more than running it (8–30 ms against 2 ms over 500 resources)."""
    return Resource.objects.select_related("directorate", "team", "vendor", "primary_profile").order_by(
        "name", "pk"
    )


def resource_visible_to(user) -> QuerySet[Resource]:
    """The resources `user` may see (every signed-in user sees the register; nobody else)."""
    if not RULES.may_on_some(user, "resource.view"):
        return Resource.objects.none()
    return resource_list()


def resource_get_for_user(*, user, pk, action: str = "view") -> Resource:
    """The resource `pk` if `user` may do `action` on it ("view", "change", "absence.change"…): Http404
    when it is not visible, PermissionDenied when the action is refused."""
    return get_for_user(
        resource_visible_to(user).select_related("user", "manager").prefetch_related("profiles"),
        table=RULES,
        user=user,
        pk=pk,
        action=action if "." in action else f"resource.{action}",
        not_found=_("No such resource."),
    )


def absence_get_for_user(*, user, pk, action: str = "absence.change") -> Absence:
    """An absence (with its resource) if `user` may do `action` on it."""
    queryset = Absence.objects.select_related("resource", "resource__team")
    if not RULES.may_on_some(user, "resource.view"):
        queryset = queryset.none()
    return get_for_user(
        queryset, table=RULES, user=user, pk=pk, action=action, not_found=_("No such absence.")
    )


def background_load_get_for_user(*, user, pk, action: str = "resource.change") -> BackgroundLoad:
    queryset = BackgroundLoad.objects.select_related("resource")
    if not RULES.may_on_some(user, "resource.view"):
        queryset = queryset.none()
    load = get_for_user(queryset, table=RULES, user=user, pk=pk, action="resource.view")
    RULES.check(user, action, load.resource)
    return load


def absence_list(resource: Resource) -> QuerySet[Absence]:
    return Absence.objects.filter(resource=resource).order_by("-start", "pk")


def background_load_list(resource: Resource) -> QuerySet[BackgroundLoad]:
    return BackgroundLoad.objects.filter(resource=resource).order_by("-start", "pk")


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("directorate", "manager").order_by("name", "pk")


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name", "pk")


def profile_list() -> QuerySet[Profile]:
    return Profile.objects.order_by("family", "order", "name", "pk")


def resource_filter_choices() -> dict[str, list[tuple[int, str]]]:
    """Options of the list's filters, one query per reference table."""
    return {
        "directorate": [
            (pk, name)
            for pk, name in Directorate.objects.filter(resources__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")
        ],
        "team": [(pk, name) for pk, name in Team.objects.order_by("name").values_list("pk", "name")],
        "vendor": [(pk, name) for pk, name in Vendor.objects.order_by("name").values_list("pk", "name")],
        "profile": [(pk, name) for pk, name in profile_list().values_list("pk", "name")],
    }


# ------------------------------------------------------------------------------------ availability


def _availability(resource_row, absences, background) -> capacity.Availability:
    return capacity.Availability(
        pattern=capacity.availability_from_pattern(resource_row.week_pattern or ()),
        active_from=resource_row.active_from,
        active_until=resource_row.active_until,
        absences=tuple(absences),
        background=tuple(background),
        generic=resource_row.kind == ResourceKind.GENERIC,
    )


def availability_for(
    resources: Iterable[Resource | int],
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict[int, capacity.Availability]:
    """What capacity depends on, per resource id: weekly pattern, active dates, absences and background
    loads (shares as fractions). ONE query for the absences and ONE for the background loads whatever the
    number of resources (plus one for the resources when given ids). `start`/`end` keep only the absences
    and loads touching that window (a smaller read for a capacity plan over a few months)."""
    items = list(resources)
    rows = [item for item in items if isinstance(item, Resource)]
    ids = [item for item in items if not isinstance(item, Resource)]
    if ids:
        rows += list(
            Resource.objects.filter(pk__in=ids).only(
                "pk", "kind", "week_pattern", "active_from", "active_until"
            )
        )
    if not rows:
        return {}
    pks = [row.pk for row in rows]
    absences_query = Absence.objects.filter(resource_id__in=pks)
    loads_query = BackgroundLoad.objects.filter(resource_id__in=pks)
    if start is not None:
        absences_query = absences_query.filter(end__gte=start)
        loads_query = loads_query.exclude(end__lt=start)
    if end is not None:
        absences_query = absences_query.filter(start__lte=end)
        loads_query = loads_query.filter(start__lte=end)
    absences: dict[int, list] = defaultdict(list)
    for resource_id, first, last, share in absences_query.order_by("start").values_list(
        "resource_id", "start", "end", "day_share"
    ):
        absences[resource_id].append((first, last, float(share)))
    loads: dict[int, list] = defaultdict(list)
    for resource_id, first, until, share in loads_query.order_by("start").values_list(
        "resource_id", "start", "end", "share"
    ):
        loads[resource_id].append((first, until, float(share) / 100))
    return {row.pk: _availability(row, absences[row.pk], loads[row.pk]) for row in rows}


@dataclass(frozen=True)
class MonthCapacity:
    """Person-days of one month: gross (calendar × pattern × active dates), absent, background, net."""

    month: date
    gross: float
    absent: float
    background: float

    @property
    def net(self) -> float:
        return self.gross - self.absent - self.background


def capacity_by_month_for(
    availability: capacity.Availability,
    start: date,
    months: int,
    calendar: WorkingCalendar | None = None,
) -> list[MonthCapacity]:
    calendar = calendar or organisation_calendar()
    periods = capacity.month_periods(start, months)
    return [
        MonthCapacity(first, round(cap.gross, 2), round(cap.absent, 2), round(cap.background, 2))
        for (first, _last), cap in zip(
            periods, capacity.capacity_by_period(availability, calendar, periods), strict=True
        )
    ]


def resource_capacity_by_month(
    resource: Resource, start: date, months: int, *, calendar: WorkingCalendar | None = None
) -> list[MonthCapacity]:
    """A resource's capacity for `months` months from the month of `start` (computed, never stored)."""
    periods = capacity.month_periods(start, months)
    availability = availability_for([resource], start=periods[0][0], end=periods[-1][1])[resource.pk]
    return capacity_by_month_for(availability, start, months, calendar)


def capacity_totals(resources: Iterable[Resource | int], start: date, months: int) -> list[MonthCapacity]:
    """The summed capacity of several resources (a team, a directorate, the holders of a role) per
    month: two queries whatever their number."""
    calendar = organisation_calendar()
    periods = capacity.month_periods(start, months)
    totals = [[0.0, 0.0, 0.0] for _period in periods]
    for availability in availability_for(resources, start=periods[0][0], end=periods[-1][1]).values():
        for index, cap in enumerate(capacity.capacity_by_period(availability, calendar, periods)):
            totals[index][0] += cap.gross
            totals[index][1] += cap.absent
            totals[index][2] += cap.background
    return [
        MonthCapacity(first, round(g, 2), round(a, 2), round(b, 2))
        for (first, _last), (g, a, b) in zip(periods, totals, strict=True)
    ]


def team_capacity_by_month(team: Team, start: date, months: int) -> list[MonthCapacity]:
    return capacity_totals(Resource.objects.filter(team=team, is_active=True), start, months)


def directorate_capacity_by_month(directorate_id: int, start: date, months: int) -> list[MonthCapacity]:
    return capacity_totals(
        Resource.objects.filter(directorate_id=directorate_id, is_active=True), start, months
    )


# ------------------------------------------------------------------------------------- allocations


def resource_planned_by_month(
    resource: Resource, start: date, months: int, *, calendar: WorkingCalendar | None = None
) -> list[float]:
    """Person-days planned on the resource (its allocations, monthly and weekly) per month, weekly
    allocations spread over their working days."""
    calendar = calendar or organisation_calendar()
    periods = capacity.month_periods(start, months)
    first, last = periods[0][0], periods[-1][1]
    totals = [0.0] * len(periods)
    rows = (
        Allocation.objects.filter(resource=resource, period_start__gte=capacity.week_start(first))
        .filter(period_start__lte=last)
        .values_list("grain", "period_start", "days")
    )
    for grain, period_start, days in rows:
        period = capacity.period_of(grain, period_start)
        for index, value in enumerate(capacity.spread(days, period, calendar, periods)):
            totals[index] += value
    return [round(value, 2) for value in totals]


@dataclass
class ProjectMonths:
    project_id: int
    code: str
    name: str
    months: list[Decimal]
    total: Decimal
    is_external: bool


def resource_allocations_by_project(resource: Resource, start: date, months: int) -> list[ProjectMonths]:
    """The resource's allocations by project × month (weeks summed into their month), one query."""
    periods = capacity.month_periods(start, months)
    index = {first: position for position, (first, _last) in enumerate(periods)}
    rows = (
        Allocation.objects.filter(
            resource=resource,
            period_start__gte=capacity.week_start(periods[0][0]),
            period_start__lte=periods[-1][1],
        )
        .values("project_id", "project__code", "project__name", "period_start", "is_external")
        .annotate(days=Sum("days"))
        .order_by("project__code")
    )
    result: dict[int, ProjectMonths] = {}
    for row in rows:
        position = index.get(capacity.month_start(row["period_start"]))
        if position is None:
            continue
        item = result.setdefault(
            row["project_id"],
            ProjectMonths(
                row["project_id"],
                row["project__code"],
                row["project__name"],
                [ZERO] * len(periods),
                ZERO,
                row["is_external"],
            ),
        )
        item.months[position] += row["days"]
        item.total += row["days"]
    return list(result.values())


def resource_detail_prefetch(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    return queryset.prefetch_related(
        Prefetch("profiles", queryset=Profile.objects.order_by("family", "order", "name"))
    )


def month_starts(start: date, months: int) -> Sequence[date]:
    return [first for first, _last in capacity.month_periods(start, months)]
