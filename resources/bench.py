"""The resources' part of the benchmark (`make bench`, see ppm/bench.py): its seed and screens.

Seed (bulk inserts, deterministic): on the core's 40 directorates and the portfolio's projects, 60
teams, 500 resources (400 internal people, 60 external consultants of 4 vendors, 40 generic
resources), about 5 absences and one background load per person, and the workload plan of every
framing, approved, in-progress and on-hold project: per month of its plan, days by family on generic
demand and on named people of a few teams. At 1,000 projects that is some 60,000 allocations.
The parts of the app add their own seed and screens in `resources/bench_<part>.py` (`seed(*, projects)`
after this one, `screens()`), listed in PARTS.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from datetime import date, timedelta
from decimal import Decimal

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from ppm.models import Directorate
from resources.capacity import add_months, month_start
from resources.models import (
    Absence,
    AbsenceKind,
    Allocation,
    BackgroundLoad,
    Profile,
    Resource,
    ResourceKind,
    RoleFamily,
    Team,
    Vendor,
)

SEED = 1793
ANCHOR = date(2025, 6, 30)  # the portfolio benchmark's "today"
TEAM_PREFIX = "BENCH-T"
VENDOR_PREFIX = "Bench vendor"
PEOPLE, EXTERNALS, GENERICS = 400, 60, 40
PLANNED_STATUSES = (
    ProjectStatus.FRAMING,
    ProjectStatus.APPROVED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.ON_HOLD,
)
MAX_PLAN_MONTHS = 36
WATCHED_TABLES = ("resources_allocation", "resources_absence", "resources_timeentry")
# Parents first (wiped in reverse): this module's rows, then its parts' (timesheets, capacity snapshots).
_OWN_MODELS = (Vendor, Team, Resource, BackgroundLoad, Absence, Allocation)
# The app's parts, each optional module with seed() and/or screens() (see the module docstring).
PARTS = (
    "resources.bench_people",
    "resources.bench_workload",
    "resources.bench_capacity",
    "resources.bench_timesheets",
)


def __getattr__(name: str):
    if name == "SEEDED_MODELS":
        return _OWN_MODELS + tuple(model for part in _parts() for model in getattr(part, "SEEDED_MODELS", ()))
    raise AttributeError(name)


def _parts() -> list:
    return [importlib.import_module(name) for name in PARTS if importlib.util.find_spec(name) is not None]


def seed(*, projects: int) -> None:
    rng = random.Random(SEED)
    directorates = list(Directorate.objects.order_by("pk"))
    profiles = {
        family: list(Profile.objects.filter(family=family).order_by("pk")) for family in RoleFamily.values
    }
    teams = Team.objects.bulk_create(
        Team(
            code=f"{TEAM_PREFIX}{n + 1:02d}",
            name=f"Équipe {n + 1:02d}",
            directorate=directorates[n % len(directorates)],
        )
        for n in range(60)
    )
    vendors = Vendor.objects.bulk_create(Vendor(name=f"{VENDOR_PREFIX} {n + 1}") for n in range(4))
    families = [RoleFamily.MOE] * 5 + [RoleFamily.MOA] * 3 + [RoleFamily.AMOA] * 2
    patterns = [["1"] * 5] * 8 + [["1", "1", "0", "1", "1"], ["1", "1", "0.5", "1", "0.5"]]
    rows = []
    for n in range(PEOPLE + EXTERNALS + GENERICS):
        family = families[n % len(families)]
        profile = rng.choice(profiles[family])
        if n < PEOPLE:
            team = teams[n % len(teams)]
            rows.append(
                Resource(
                    name=f"Agent {n + 1:03d}",
                    directorate=team.directorate,
                    team=team,
                    primary_profile=profile,
                    week_pattern=rng.choice(patterns),
                    daily_cost=Decimal(rng.randrange(300, 600)),
                )
            )
        elif n < PEOPLE + EXTERNALS:
            rows.append(
                Resource(
                    name=f"Consultant {n + 1:03d}",
                    is_external=True,
                    vendor=vendors[n % len(vendors)],
                    directorate=rng.choice(directorates),
                    primary_profile=profile,
                    daily_cost=Decimal(rng.randrange(550, 900)),
                )
            )
        else:
            rows.append(
                Resource(
                    name=f"{profile.name} (à pourvoir) {n + 1}",
                    kind=ResourceKind.GENERIC,
                    is_external=rng.random() < 0.5,
                    directorate=rng.choice(directorates),
                    primary_profile=profile,
                )
            )
    resources = Resource.objects.bulk_create(rows, batch_size=1000)
    Resource.profiles.through.objects.bulk_create(
        Resource.profiles.through(resource_id=r.pk, profile_id=r.primary_profile_id) for r in resources
    )
    people = [r for r in resources if r.kind == ResourceKind.PERSON]
    absences, background = [], []
    for person in people:
        for _i in range(5):
            start = ANCHOR + timedelta(days=rng.randrange(-365, 730))
            absences.append(
                Absence(
                    resource=person,
                    kind=rng.choice(AbsenceKind.values),
                    start=start,
                    end=start + timedelta(days=rng.randrange(0, 10)),
                )
            )
        if not person.is_external:
            background.append(
                BackgroundLoad(
                    resource=person,
                    label="Run",
                    start=date(2024, 1, 1),
                    share=Decimal(rng.choice((10, 20, 30, 40))),
                )
            )
    Absence.objects.bulk_create(absences, batch_size=2000)
    BackgroundLoad.objects.bulk_create(background, batch_size=2000)

    by_family: dict[str, list[Resource]] = {family: [] for family in RoleFamily.values}
    for resource in resources:
        by_family[resource.primary_profile.family].append(resource)
    ratios = {RoleFamily.MOE: Decimal("1"), RoleFamily.MOA: Decimal("1"), RoleFamily.AMOA: Decimal("0.5")}
    allocations = []
    planned = (
        Project.objects.filter(status__in=PLANNED_STATUSES)
        .order_by("pk")
        .values_list("pk", "planned_start", "planned_end")
    )
    for project_id, plan_start, plan_end in planned:
        first: date = month_start(plan_start or ANCHOR)
        months = (
            6
            if plan_end is None or plan_start is None
            else (plan_end.year - first.year) * 12 + plan_end.month - first.month + 1
        )
        months = max(1, min(months, MAX_PLAN_MONTHS))
        moe = Decimal(rng.randrange(4, 30))
        staffed = {family: rng.sample(by_family[family], 2) for family in RoleFamily.values}
        for i in range(months):
            period = add_months(first, i)
            for family, ratio in ratios.items():
                total = (moe * ratio).quantize(Decimal("0.5"))
                named = (total * Decimal("0.6")).quantize(Decimal("0.5"))
                allocations.append(
                    Allocation(
                        project_id=project_id,
                        family=family,
                        period_start=period,
                        days=total - named,
                        is_external=family == RoleFamily.AMOA,
                    )
                )
                allocations.extend(
                    Allocation(
                        project_id=project_id,
                        family=family,
                        resource=resource,
                        period_start=period,
                        days=named / 2,
                        is_external=resource.is_external,
                    )
                    for resource in staffed[family]
                )
    Allocation.objects.bulk_create(allocations, batch_size=5000)
    for part in _parts():
        if hasattr(part, "seed"):
            part.seed(projects=projects)


def screens() -> list:
    result: list = []
    for part in _parts():
        if hasattr(part, "screens"):
            result.extend(part.screens())
    return result


def figures() -> list[str]:
    lines: list[str] = []
    for part in _parts():
        if hasattr(part, "figures"):
            lines.extend(part.figures())
    return lines
