"""The capacity plan's numbers, hand-checked on a small organisation (resources.snapshot).

September–November 2025, metropolitan France: September has 22 working days, October 23, November 19
(1 November is a Saturday, 11 November a Tuesday holiday).

- Alice: full time, team T1, MOE; on leave 6–10 October (5 days).
- Bruno: 80 % (Wednesdays off), team T1, MOE; background load 20 %.
  Wednesdays: 4 in September, 5 in October, 4 in November.
- A generic "MOE developer" resource: load, never capacity.
"""

import datetime
from decimal import Decimal

import pytest

from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm.tests.factories import DirectorateFactory
from resources.capacity import month_periods, week_periods
from resources.models import CapacityLoad, CapacityRow, RoleFamily
from resources.snapshot import PlanParams, snapshot_compute
from resources.tests.factories import (
    AbsenceFactory,
    AllocationFactory,
    BackgroundLoadFactory,
    GenericResourceFactory,
    ProfileFactory,
    ResourceFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

MONTHS = month_periods(datetime.date(2025, 9, 1), 3)


@pytest.fixture
def org():
    directorate = DirectorateFactory(code="DSI")
    team = TeamFactory(name="T1", directorate=directorate)
    developer = ProfileFactory(code="DEV", name="Developer", family=RoleFamily.MOE)
    analyst = ProfileFactory(code="BA", name="Business analyst", family=RoleFamily.MOA)
    alice = ResourceFactory(name="Alice", team=team, primary_profile=developer)
    bruno = ResourceFactory(
        name="Bruno", team=team, primary_profile=developer, week_pattern=["1", "1", "0", "1", "1"]
    )
    AbsenceFactory(resource=alice, start=datetime.date(2025, 10, 6), end=datetime.date(2025, 10, 10))
    BackgroundLoadFactory(resource=bruno, start=datetime.date(2025, 1, 1), share=Decimal("20"))
    generic = GenericResourceFactory(name="MOE developer (to staff)", primary_profile=developer)
    objective = ObjectiveFactory()
    p1 = ProjectFactory(
        code="P1", status=ProjectStatus.IN_PROGRESS, directorate=directorate, objectives=[objective]
    )
    p2 = ProjectFactory(code="P2", status=ProjectStatus.APPROVED)
    p3 = ProjectFactory(code="P3", status=ProjectStatus.DEMAND)
    # Monthly, named: 11 days in September on Alice.
    AllocationFactory(project=p1, resource=alice, period_start=datetime.date(2025, 9, 1), days=Decimal("11"))
    # Weekly, across the month end: week of Monday 29 September = 2 days in September, 3 in October.
    AllocationFactory(
        project=p2, resource=bruno, grain="week", period_start=datetime.date(2025, 9, 29), days=Decimal("5")
    )
    # Generic resource and demand on a family: unstaffed.
    AllocationFactory(
        project=p1, resource=generic, period_start=datetime.date(2025, 10, 1), days=Decimal("23")
    )
    AllocationFactory(
        project=p2,
        family=RoleFamily.MOA,
        profile=analyst,
        period_start=datetime.date(2025, 11, 1),
        days=Decimal("19"),
    )
    # A demand under study: left out by default.
    AllocationFactory(project=p3, resource=alice, period_start=datetime.date(2025, 10, 1), days=Decimal("10"))
    return {
        "team": team,
        "alice": alice,
        "bruno": bruno,
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "objective": objective,
        "directorate": directorate,
        "developer": developer,
        "analyst": analyst,
    }


def _rows(computed, dimension):
    """The computed rows of `dimension` by key, as CapacityRow reads them."""
    return {
        row.dim_key: CapacityRow(**row._asdict()) for row in computed["rows"] if row.dimension == dimension
    }


def test_person_capacity_follows_pattern_holidays_absences_and_background(org):
    people = _rows(snapshot_compute(PlanParams(), MONTHS), "person")
    alice, bruno = people[str(org["alice"].pk)], people[str(org["bruno"].pk)]
    assert alice.gross == [22, 23, 19]
    assert alice.absent == [0, 5, 0]
    assert alice.capacity == [22, 18, 19]
    assert bruno.gross == [18, 18, 15]
    assert bruno.background == [3.6, 3.6, 3.0]
    assert bruno.capacity == [14.4, 14.4, 12.0]
    assert alice.load == [11, 0, 0]
    assert bruno.load == [2, 3, 0]
    assert alice.ratio == [0.5, 0, 0]


def test_team_and_family_rows_and_unstaffed_demand(org):
    computed = snapshot_compute(PlanParams(), MONTHS)
    team = _rows(computed, "team")[str(org["team"].pk)]
    assert team.capacity == [36.4, 32.4, 31.0]
    assert team.load == [13, 3, 0]
    assert team.ratio[0] == pytest.approx(13 / 36.4, abs=0.001)
    families = _rows(computed, "family")
    assert families["moe"].load == [13, 26, 0]
    assert families["moe"].load_unstaffed == [0, 23, 0]
    assert families["moe"].capacity == [36.4, 32.4, 31.0]
    # No analyst on staff: load without capacity, no ratio.
    assert families["moa"].load == [0, 0, 19]
    assert families["moa"].capacity == [0, 0, 0]
    assert families["moa"].ratio == [None, None, None]
    # Generic load never counts in a team: it is the "unstaffed" row.
    unstaffed = _rows(computed, "team")["-"]
    assert unstaffed.label == "Unstaffed demand"
    assert unstaffed.load == [0, 23, 19]
    assert unstaffed.capacity == [0, 0, 0]


def test_weekly_grain_spreads_months_over_weeks(org):
    weeks = week_periods(datetime.date(2025, 9, 29), 2)
    bruno = _rows(snapshot_compute(PlanParams(grain="week"), weeks), "person")[str(org["bruno"].pk)]
    alice = _rows(snapshot_compute(PlanParams(grain="week"), weeks), "person")[str(org["alice"].pk)]
    assert bruno.load == [5, 0]
    # Alice's 11 September days over 22 working days: 0.5 a day, Monday 29 and Tuesday 30 September.
    assert alice.load == [1, 0]
    assert alice.capacity == [5, 0]  # on leave the whole week of 6 October
    assert bruno.gross == [4, 4]


def test_filters_status_objective_directorate(org):
    under_study = PlanParams(statuses=("approved", "in_progress", "demand", "framing"))
    alice = str(org["alice"].pk)
    assert _rows(snapshot_compute(under_study, MONTHS), "person")[alice].load == [11, 10, 0]
    by_objective = snapshot_compute(PlanParams(objective=org["objective"].pk), MONTHS)
    assert _rows(by_objective, "family")["moe"].load == [11, 23, 0]
    by_directorate = snapshot_compute(PlanParams(directorate=org["directorate"].pk), MONTHS)
    assert _rows(by_directorate, "person")[str(org["bruno"].pk)].load == [0, 0, 0]


def test_drill_down_loads_name_projects_and_people(org):
    loads = snapshot_compute(PlanParams(), MONTHS)["loads"]
    october_moe = sorted(
        (load["project_id"], load["resource_id"], load["values"][1 - load["offset"]])
        for load in loads
        if load["family"] == "moe" and load["offset"] <= 1 < load["offset"] + len(load["values"])
    )
    assert october_moe == sorted(
        [(org["p2"].pk, org["bruno"].pk, 3.0), (org["p1"].pk, october_moe[0][1], 23.0)]
    )
    assert all(load["project_id"] != org["p3"].pk for load in loads)


def test_build_stores_rows_of_arrays(org):
    from resources.capacity_plan import capacity_snapshot_run
    from resources.snapshot import PlanParams, snapshot_get_or_create

    snapshot = snapshot_get_or_create(PlanParams(), today=datetime.date(2025, 9, 15))
    assert capacity_snapshot_run(snapshot_id=snapshot.pk) == "built"
    snapshot.refresh_from_db()
    assert snapshot.status == "ready" and snapshot.built_at and snapshot.build_ms is not None
    rows = CapacityRow.objects.filter(snapshot=snapshot, dimension="team")
    assert {row.label for row in rows} == {"T1", "Unstaffed demand"}
    assert len(rows[0].load) == len(snapshot.periods) == 36
    assert CapacityLoad.objects.filter(snapshot=snapshot).count() == 4
    # Idempotent: nothing changed, nothing built.
    assert capacity_snapshot_run(snapshot_id=snapshot.pk) == "unchanged"
    AllocationFactory(project=org["p1"], resource=org["alice"], period_start=datetime.date(2025, 12, 1))
    assert capacity_snapshot_run(snapshot_id=snapshot.pk) == "built"


def test_build_stores_what_compute_gives(org):
    """Rows and drill-down loads stored as computed (COPY on PostgreSQL), a label with what COPY would
    read as escapes included, and the pages' figures decoded from them."""
    from resources.snapshot import snapshot_build, snapshot_get_or_create, snapshot_periods

    org["team"].name = "R&D\t«Équipe»\\n 2\nbis"
    org["team"].save()
    snapshot = snapshot_get_or_create(PlanParams(grain="week"), today=datetime.date(2025, 9, 15))
    computed = snapshot_compute(PlanParams(grain="week"), snapshot_periods(snapshot))
    snapshot_build(snapshot)

    stored = CapacityRow.objects.filter(snapshot=snapshot).order_by("dimension", "order")
    assert [(row.dimension, row.dim_key, row.label, row.order, bytes(row.data)) for row in stored] == sorted(
        computed["rows"], key=lambda row: (row.dimension, row.order)
    )
    team = stored.get(dimension="team", dim_key=str(org["team"].pk))
    assert team.label == "R&D\t«Équipe»\\n 2\nbis"
    # Alice: 0.5 a day in September (two weeks, then 29-30 September); Bruno: 5 days the week of the 29th.
    assert team.load[:3] == [2.5, 2.5, 6.0]
    loads = CapacityLoad.objects.filter(snapshot=snapshot).order_by("pk")
    assert [
        {
            **{name: getattr(load, name) for name in computed["loads"][0] if name != "values"},
            "values": load.values,
        }
        for load in loads
    ] == computed["loads"]


def test_sums_and_products_as_one_call_each_give_the_same_values():
    """The build's sums (np.bincount) and its product by blocks of rows are the np.add.at sums and the
    single product they replace, to the last bit."""
    import numpy as np

    from resources.snapshot import _product, _sum_rows

    rng = np.random.default_rng(7)
    values = rng.random((460, 30)) * rng.integers(0, 3, (460, 1)) / 7
    index = rng.integers(0, 40, 460)
    expected = np.zeros((45, 30))
    np.add.at(expected, index, values)
    assert np.array_equal(_sum_rows(index, values, 45), expected)
    assert _sum_rows(index[:0], values[:0], 3).shape == (3, 30)

    left, right = rng.random((2400, 15)) / 3, rng.random((15, 156)) / 7
    assert np.array_equal(_product(left, right), left @ right)


def test_a_cells_loads_with_equal_days_on_one_project_come_by_person_then_as_written(org):
    """Ties never follow the table's physical order (which changes from one build to the next)."""
    from resources.capacity_plan import snapshot_cell_loads
    from resources.snapshot import snapshot_get_or_create

    snapshot = snapshot_get_or_create(PlanParams(), today=datetime.date(2025, 9, 15))
    zoe = ResourceFactory(name="Zoé", team=org["team"], primary_profile=org["developer"])
    common = {"snapshot": snapshot, "project": org["p1"], "family": "moe", "team_key": "t", "offset": 0}
    written = [
        CapacityLoad.objects.create(resource=zoe, values=[2.0], **common),
        CapacityLoad.objects.create(resource=None, values=[2.0], **common),
        CapacityLoad.objects.create(resource=org["alice"], values=[2.0], **common),
        CapacityLoad.objects.create(resource=None, values=[2.0], **common),
        CapacityLoad.objects.create(resource=org["bruno"], values=[5.0], **common),
    ]
    loads = [item["load"].pk for item in snapshot_cell_loads(snapshot, "team", "t", 0)]
    assert loads == [written[4].pk, written[1].pk, written[3].pk, written[2].pk, written[0].pk]
