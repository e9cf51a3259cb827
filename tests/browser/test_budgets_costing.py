"""The portfolio costing in a real browser: the page reads the stored costing, "Recompute now" shows the
computation queued and then the new figures; axe finds no serious or critical violation."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from playwright.sync_api import expect

from budgets.tests.factories import BudgetLineFactory, BudgetLineYearFactory
from resources.capacity_plan import capacity_plan_changed
from resources.tests.factories import AllocationFactory, ResourceFactory
from tests.axe import axe_violations, format_violations


def _serious(page):
    return [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]


def test_costing_page_reads_the_snapshot_and_recomputes(signed_in, world, eager_tasks):
    project = world.projects[0]
    BudgetLineYearFactory(line=BudgetLineFactory(project=project), year=2025, planned=Decimal("1000.00"))
    person = ResourceFactory(daily_cost=Decimal("480.01"))
    AllocationFactory(project=project, resource=person, period_start=date(2025, 9, 1), days=Decimal("10"))
    capacity_plan_changed(reason="allocations")  # what the workload services call after their writes

    page = signed_in("finance")
    page.goto(reverse("budgets:costing"))
    freshness = page.locator("#costing-freshness")
    expect(freshness).to_contain_text("Computed on")  # each committed change was computed (eager)
    expect(freshness).to_contain_text("Up to date.")
    row = page.locator("tbody tr", has_text=project.code)
    expect(row).to_contain_text("€4,800.10")  # 10 days × 480.01
    violations = _serious(page)
    assert not violations, format_violations(violations)

    # A change written behind the services' back (no signal): "Recompute now" picks it up.
    AllocationFactory(project=project, resource=person, period_start=date(2025, 10, 1), days=Decimal("1"))
    freshness.get_by_role("button", name="Recompute now").click()
    # The computation ran with the request; the banner's poll reloads the page, up to date.
    expect(page.locator("tbody tr", has_text=project.code)).to_contain_text("€5,280.11", timeout=15000)
    expect(page.locator("#costing-freshness")).to_contain_text("Up to date.")
    page.get_by_role("link", name="Objective").click()
    expect(page.locator("main")).to_contain_text("Objective")
    violations = _serious(page)
    assert not violations, format_violations(violations)
