"""The capacity plan in a real browser: the heatmap draws, a cell drills down to its projects, "Rebuild
now" shows the new freshness; axe finds no serious or critical violation."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ProjectFactory
from resources.capacity import month_start
from resources.capacity_plan import capacity_snapshot_run
from resources.models import RoleFamily
from resources.snapshot import PlanParams, snapshot_get_or_create
from resources.tests.factories import AllocationFactory, ProfileFactory, ResourceFactory, TeamFactory
from tests.axe import axe_violations, format_violations


@pytest.fixture
def plan(world):
    profile = ProfileFactory(code="DEV-B", name="Developer", family=RoleFamily.MOE)
    team = TeamFactory(name="Études et développements")
    person = ResourceFactory(name="Alice Martin", team=team, primary_profile=profile)
    project = ProjectFactory(code="SIRH", name="New HR system", status=ProjectStatus.IN_PROGRESS)
    AllocationFactory(
        project=project, resource=person, period_start=month_start(timezone.localdate()), days=Decimal("40")
    )
    snapshot = snapshot_get_or_create(PlanParams())
    capacity_snapshot_run(snapshot_id=snapshot.pk)
    return {"team": team, "project": project, "person": person}


def _serious(page):
    return [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]


def test_heatmap_draws_and_a_cell_drills_down(signed_in, plan):
    page = signed_in("committee")
    page.goto(reverse("resources:capacity"))
    expect(page.locator("#cap-heatmap .main-svg").first).to_be_attached()
    expect(page.locator("#capacity-freshness")).to_contain_text("Snapshot built on")
    table = page.locator(".cap-table")
    expect(table).to_contain_text("Études et développements")
    expect(table.locator("td.cap-cell--over").first).to_contain_text("overloaded")
    violations = _serious(page)
    assert not violations, format_violations(violations)

    table.locator("td.cap-cell--over a").first.click()
    page.wait_for_url("**/capacity/cell/**")
    expect(page.locator("main")).to_contain_text("SIRH · New HR system")
    expect(page.locator("main")).to_contain_text("Alice Martin")
    violations = _serious(page)
    assert not violations, format_violations(violations)

    page.get_by_role("link", name="Études et développements").click()
    expect(page.locator("#cap-line .main-svg").first).to_be_attached()
    violations = _serious(page)
    assert not violations, format_violations(violations)


def test_rebuild_now_shows_the_new_freshness(signed_in, plan, eager_tasks):
    page = signed_in("pmo")
    AllocationFactory(
        project=plan["project"],
        resource=plan["person"],
        family=RoleFamily.MOA,
        period_start=month_start(timezone.localdate()),
        days=Decimal("5"),
    )
    page.goto(reverse("resources:capacity"))
    freshness = page.locator("#capacity-freshness")
    expect(freshness).to_contain_text("Out of date")
    freshness.get_by_role("button", name="Rebuild now").click()
    # The build ran; the poll reloads the page, which says it is up to date.
    expect(page.locator("#capacity-freshness")).to_contain_text("Up to date.", timeout=15000)
    expect(page.locator("#capacity-freshness")).not_to_contain_text("Out of date")
