"""Reads of the register: capacity hand-checked over a month, availability in constant queries."""

import datetime
from decimal import Decimal

import pytest

from portfolio.tests.factories import ProjectFactory
from ppm.testing import assert_same_queries_at_two_sizes, captured_queries
from resources import selectors
from resources.models import Absence, Allocation
from resources.tests.factories import (
    AbsenceFactory,
    BackgroundLoadFactory,
    GenericResourceFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def test_capacity_of_november_2025_by_hand():
    """November 2025: 20 weekdays, minus Armistice Day (Tue 11) = 19 working days (All Saints' Day is a
    Saturday). 80 % with Wednesdays off: 4 Wednesdays (5, 12, 19, 26) → gross 15 days. A half-day absence
    on Monday 17 → 0.5 absent; a day's absence on Wednesday 26, not worked anyway → 0. Background load 20 %
    of what remains: (15 − 0.5) × 0.2 = 2.9. Net = 15 − 0.5 − 2.9 = 11.6."""
    person = ResourceFactory(week_pattern=["1", "1", "0", "1", "1"])
    AbsenceFactory(resource=person, start=D(2025, 11, 17), end=D(2025, 11, 17), day_share=Decimal("0.5"))
    AbsenceFactory(resource=person, start=D(2025, 11, 26), end=D(2025, 11, 26))
    BackgroundLoadFactory(resource=person, start=D(2025, 1, 1), end=None, share=Decimal("20"))

    october, november, december = selectors.resource_capacity_by_month(person, D(2025, 10, 15), 3)

    assert november.month == D(2025, 11, 1)
    assert (november.gross, november.absent, november.background) == (15.0, 0.5, 2.9)
    assert november.net == pytest.approx(11.6)
    # October 2025: 23 weekdays, no holiday, 5 Wednesdays → 18 days; 20 % background → 14.4 net.
    assert (october.gross, october.absent, october.net) == (18.0, 0.0, pytest.approx(14.4))
    assert december.month == D(2025, 12, 1)


def test_capacity_respects_the_active_dates_and_generic_resources_have_none():
    person = ResourceFactory(active_from=D(2025, 11, 17), active_until=D(2025, 11, 21))
    (november,) = selectors.resource_capacity_by_month(person, D(2025, 11, 1), 1)
    assert november.gross == 5.0
    (generic,) = selectors.resource_capacity_by_month(GenericResourceFactory(), D(2025, 11, 1), 1)
    assert generic.gross == 0.0 and generic.net == 0.0


def test_availability_for_reads_absences_and_loads_in_one_query_each():
    def grow(n):
        for _ in range(n):
            person = ResourceFactory()
            AbsenceFactory(resource=person)
            BackgroundLoadFactory(resource=person)

    def action():
        people = list(selectors.resource_list())
        result = selectors.availability_for(people)
        assert len(result) == len(people) and all(a.absences for a in result.values())

    # One query for the resources (the caller's), one for the absences, one for the loads.
    assert assert_same_queries_at_two_sizes(action, grow=grow, ceiling=3) == 3


def test_availability_for_ids_reads_the_resources_too():
    person = ResourceFactory(week_pattern=["1", "0.5", "1", "1", "0"])
    AbsenceFactory(resource=person, start=D(2025, 8, 4), end=D(2025, 8, 8), day_share=Decimal("0.5"))
    result = {}
    queries = captured_queries(lambda: result.update(selectors.availability_for([person.pk])))
    assert len(queries) == 3
    availability = result[person.pk]
    assert availability.pattern == (1.0, 0.5, 1.0, 1.0, 0.0)
    assert availability.absences == ((D(2025, 8, 4), D(2025, 8, 8), 0.5),)
    assert availability.background == ()
    assert not availability.generic


def test_team_capacity_sums_its_active_members():
    first = ResourceFactory()
    ResourceFactory(team=first.team, directorate=first.directorate)
    ResourceFactory(team=first.team, directorate=first.directorate, is_active=False)
    (november,) = selectors.team_capacity_by_month(first.team, D(2025, 11, 1), 1)
    assert november.gross == 38.0  # 19 working days × 2 people


def test_allocations_by_project_and_month_and_the_planned_load():
    person = ResourceFactory()
    erp, crm = ProjectFactory(code="ERP"), ProjectFactory(code="CRM")
    Allocation.objects.create(project=erp, family="moe", resource=person, period_start=D(2025, 11, 1), days=8)
    Allocation.objects.create(project=erp, family="moe", resource=person, period_start=D(2025, 12, 1), days=4)
    Allocation.objects.create(project=crm, family="moe", resource=person, period_start=D(2025, 11, 1), days=3)
    # A week allocation (Monday 1 December): counted in December.
    Allocation.objects.create(
        project=crm, family="moe", resource=person, grain="week", period_start=D(2025, 12, 1), days=2
    )

    rows = selectors.resource_allocations_by_project(person, D(2025, 11, 1), 2)

    assert [(row.code, row.months, row.total) for row in rows] == [
        ("CRM", [Decimal(3), Decimal(2)], Decimal(5)),
        ("ERP", [Decimal(8), Decimal(4)], Decimal(12)),
    ]
    assert selectors.resource_planned_by_month(person, D(2025, 11, 1), 2) == [11.0, 6.0]
    assert not Absence.objects.exists()
