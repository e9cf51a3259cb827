"""The workload demo: templates applied, part of the demand staffed, DSI-ETU and DSI-DATA overloaded next
quarter (≥ 120 % of their capacity), the other teams not; idempotent and deterministic."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from portfolio.rules import ProjectStatus
from portfolio.scheduling.services import base_calendar
from portfolio.tests.factories import ProjectFactory
from resources import demo_workload
from resources.capacity import Availability, add_months, month_periods, period_capacity
from resources.models import Allocation, AllocationSource, Profile
from resources.tests.factories import ResourceFactory, TeamFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 9, 15)


def _world():
    teams = {code: TeamFactory(code=code) for code in ("DSI-ETU", "DSI-DATA", "DSI-INFRA", "DINS-MET")}
    moe, amoa = Profile.objects.get(code="MOE-DEV"), Profile.objects.get(code="AMOA-ANA")
    people = {}
    for code, team in teams.items():
        for n, profile in enumerate((moe, moe, amoa)):
            people[f"{code}-{n}"] = ResourceFactory(name=f"{code} {n}", team=team, primary_profile=profile)
    for n in range(8):
        ProjectFactory(
            code=f"DEMO-{n}",
            status=ProjectStatus.IN_PROGRESS if n % 2 else ProjectStatus.APPROVED,
            planned_start=datetime.date(2025, 1, 6),
            planned_end=datetime.date(2026, 12, 18),
        )
    return people


def _load_by_team(months):
    loads = defaultdict(Decimal)
    rows = (
        Allocation.objects.filter(resource__isnull=False, period_start__in=months)
        .values("resource__team__code", "resource")
        .annotate(days=Sum("days"))
    )
    for row in rows:
        loads[row["resource__team__code"]] += row["days"]
    return loads


def _gross_by_team(people, months):
    calendar = base_calendar()
    gross = defaultdict(float)
    for person in people.values():
        for period in month_periods(months[0], len(months)):
            gross[person.team.code] += period_capacity(Availability(), calendar, period).gross
    return gross


def test_demo_overloads_two_teams_and_is_idempotent():
    people = _world()
    created = demo_workload.load(today=TODAY)
    assert created["workload plans"] >= 5
    assert Allocation.objects.filter(source=AllocationSource.TEMPLATE).exists()
    months = [add_months(datetime.date(2025, 10, 1), i) for i in range(3)]  # the next quarter
    loads, gross = _load_by_team(months), _gross_by_team(people, months)
    for team in ("DSI-ETU", "DSI-DATA"):
        assert float(loads[team]) >= 1.2 * gross[team], team
    for team in ("DSI-INFRA", "DINS-MET"):
        assert float(loads[team]) < 0.8 * gross[team], team
    assert loads["DSI-INFRA"] + loads["DINS-MET"] > 0, "part of the demand is staffed"
    snapshot = sorted(Allocation.objects.values_list("pk", "days", "version"))
    assert demo_workload.load(today=TODAY)["allocations"] == 0
    assert sorted(Allocation.objects.values_list("pk", "days", "version")) == snapshot


def test_demo_does_nothing_without_people():
    ProjectFactory(status=ProjectStatus.IN_PROGRESS)
    assert demo_workload.load(today=TODAY) == {}
    assert not Allocation.objects.exists()
