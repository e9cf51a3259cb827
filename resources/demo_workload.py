"""Demo workload plans (part 2 of resources/demo.py): the département's ratio template applied to most
approved and in-progress projects, part of the demand staffed, and two teams overloaded.

* Most approved and in-progress projects with planned dates (five in six, chosen per project with
  `random.Random(<seed>:<code>)`) get the default template (MOE 1 : MOA 1 : AMOA 0.5) from an MOE estimate
  of 8 to 25 days per month of the project, spread following the schedule where there is one.
* Part of the MOE and AMOA demand is staffed with internal people of the teams that are not
  DEMO_OVERLOADED_TEAMS (2 days a month per project, at most 4 projects per person: well under capacity).
* The people of DEMO_OVERLOADED_TEAMS (DSI-ETU, DSI-DATA) get named allocations over the current month and
  the next four, spread over two or three projects, of 130 % of their gross working days: more than 120 %
  of their net capacity whatever their absences and background load.

Resources come from the people part (resources/demo_people.py): looked up by team code and main role's
family only; a team without people gets nothing, and without any resource this part does nothing.
Idempotent (a project that already has allocations is skipped) and deterministic. Writes go through the
services (audited, actor None like the other demo parts).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import ngettext_lazy

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.scheduling.services import base_calendar
from ppm.exceptions import DomainValidationError
from resources import workload
from resources.capacity import (
    Availability,
    add_months,
    availability_from_pattern,
    month_start,
    period_capacity,
)
from resources.demo import DEMO_OVERLOADED_TEAMS
from resources.models import Allocation, RatioTemplate, Resource, ResourceKind, RoleFamily
from resources.workload import month_end

SEED = 20250301
PLANNED_STATUSES = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
OVERLOAD_MONTHS = 5  # the current month and the next four: the next quarter whatever today is
OVERLOAD = Decimal("1.3")  # of gross working days: above 120 % of any net capacity
STAFF_DAYS = Decimal("2")
STAFF_MAX_PROJECTS = 4
HALF = Decimal("0.5")

KINDS = {
    "workload plans": ngettext_lazy("%(count)d workload plan", "%(count)d workload plans", "count"),
    "allocations": ngettext_lazy("%(count)d allocation", "%(count)d allocations", "count"),
}


def _people(*, overloaded: bool) -> list[Resource]:
    people = Resource.objects.filter(kind=ResourceKind.PERSON, is_active=True, team__isnull=False)
    if overloaded:
        people = people.filter(team__code__in=DEMO_OVERLOADED_TEAMS)
    else:
        people = people.exclude(team__code__in=DEMO_OVERLOADED_TEAMS).filter(is_external=False)
    return list(
        people.select_related("primary_profile", "team").prefetch_related("profiles").order_by("name", "pk")
    )


def _round_half(value: Decimal) -> Decimal:
    return (value / HALF).quantize(Decimal("1")) * HALF


@transaction.atomic
def load(*, today: date) -> Counter:
    created: Counter = Counter()
    template = RatioTemplate.objects.filter(is_default=True).order_by("pk").first()
    if template is None or not Resource.objects.exists():
        return created
    before = Allocation.objects.count()
    projects = list(
        Project.objects.filter(status__in=PLANNED_STATUSES, allocations__isnull=True)
        .exclude(planned_start__isnull=True)
        .exclude(planned_end__isnull=True)
        .order_by("code")
    )
    planned = []
    for project in projects:
        assert project.planned_start is not None and project.planned_end is not None
        rng = random.Random(f"{SEED}:{project.code}")
        if rng.randrange(6) == 0:
            continue  # one project in six stays unplanned: the tab shows how to start
        start, end = month_start(project.planned_start), month_start(project.planned_end)
        months = len(workload.months_between(start, end))
        workload.ratio_template_apply(
            actor=None,
            project=project,
            template=template,
            estimate_days=Decimal(months * rng.randint(8, 25)),
            start_month=start,
            end_month=end,
            spread="schedule" if project.tasks.exists() else "even",
        )
        planned.append(project)
        created["workload plans"] += 1
    if not planned:
        return created
    _staff_others(planned)
    _overload(planned, today)
    created["allocations"] += Allocation.objects.count() - before
    return created


def _staff_others(projects: list[Project]) -> None:
    """Name internal people of the teams that are not overloaded on part of the MOE and AMOA demand."""
    people = _people(overloaded=False)
    by_family: dict[str, list[Resource]] = defaultdict(list)
    for person in people:
        by_family[person.primary_profile.family].append(person)
    load: Counter = Counter()
    for project in projects:
        rng = random.Random(f"{SEED}:staff:{project.code}")
        assert project.planned_start is not None and project.planned_end is not None
        start, end = month_start(project.planned_start), month_start(project.planned_end)
        for family in (RoleFamily.MOE, RoleFamily.AMOA):
            candidates = [p for p in by_family[family] if load[p.pk] < STAFF_MAX_PROJECTS]
            if not candidates:
                continue
            person = rng.choice(candidates)
            try:
                workload.allocation_staff(
                    actor=None,
                    project=project,
                    family=family,
                    start_month=start,
                    end_month=end,
                    assignments=[workload.Assignment(person, days=STAFF_DAYS)],
                )
            except DomainValidationError:
                continue  # a month with less generic demand than 2 days: leave this project generic
            load[person.pk] += 1


def _overload(projects: list[Project], today: date) -> None:
    """Named allocations of 130 % of their gross working days for the overloaded teams' people."""
    calendar = base_calendar()
    first = month_start(today)
    months = [add_months(first, i) for i in range(OVERLOAD_MONTHS)]
    for person in _people(overloaded=True):
        rng = random.Random(f"{SEED}:overload:{person.name}")
        family = person.primary_profile.family
        availability = Availability(pattern=availability_from_pattern(person.week_pattern))
        for month in months:
            gross = Decimal(str(period_capacity(availability, calendar, (month, month_end(month))).gross))
            total = _round_half(gross * OVERLOAD)
            if total <= 0:
                continue
            running = [  # the projects under way that month
                p
                for p in projects
                if p.planned_start
                and p.planned_end
                and p.planned_start <= month_end(month)
                and p.planned_end >= month
            ]
            choices = rng.sample(running or projects, k=min(rng.choice((2, 3)), len(running or projects)))
            shares = workload.distribute(total, [rng.randint(2, 5) for _choice in choices])
            for project, days in zip(choices, shares, strict=True):
                days = _round_half(days)
                if days <= 0:
                    continue
                current = (
                    Allocation.objects.filter(
                        project=project,
                        family=family,
                        resource=person,
                        profile=None,
                        grain="month",
                        period_start=month,
                    )
                    .values_list("days", flat=True)
                    .first()
                )
                workload.allocation_cell_set(
                    actor=None,
                    project=project,
                    family=family,
                    resource=person,
                    period_start=month,
                    days=(current or Decimal(0)) + days,
                )
