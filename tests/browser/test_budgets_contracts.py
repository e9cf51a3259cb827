"""A finance officer draws an order on a framework agreement for a project, signs it, and sees the
project's committed amount and the agreement's consumption move (accessible pages)."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from budgets.models import BudgetLineYear, Order
from budgets.tests.factories import AgreementPriceFactory, BudgetLineFactory, FrameworkAgreementFactory
from tests.axe import assert_accessible


def test_order_signed_moves_committed_and_consumption(page, world, login):
    today = timezone.localdate()
    agreement = FrameworkAgreementFactory(
        reference="AC-BROWSER",
        start=today - timedelta(days=300),
        end=today + timedelta(days=400),
        ceiling=Decimal("100000.00"),
        minimum=Decimal("0.00"),
    )
    price = AgreementPriceFactory(
        agreement=agreement,
        code="DEV",
        label="Développeur·se",
        unit_price=Decimal("620.00"),
        valid_from=today - timedelta(days=300),
    )
    project = world.projects[0]
    line = BudgetLineFactory(project=project, label="Prestations externes")
    login(page, "finance")

    page.goto(reverse("budgets:order_create") + f"?project={project.pk}&agreement={agreement.pk}")
    page.get_by_label("Title").fill("Sprint 1")
    page.get_by_label("Budget line").select_option(str(line.pk))
    page.get_by_label("Price of line 1").select_option(str(price.pk))
    page.get_by_label("Quantity of line 1").fill("12.5")
    page.get_by_label("Quantity of line 1").press("Tab")
    expect(page.locator("#order-total")).to_contain_text("7,750.00")
    assert_accessible(page, "order form")
    page.get_by_role("button", name="Create the draft order").click()
    expect(page.locator("#order-amount")).to_have_text("€7,750.00")
    assert_accessible(page, "order page")

    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(".page-header__lead")).to_contain_text("Signed")
    order = Order.objects.get(title="Sprint 1")
    assert order.status == "signed"
    assert BudgetLineYear.objects.get(line=line, year=today.year).committed == Decimal("7750.00")

    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    panel = page.locator(".contracts-project-panel")
    expect(panel).to_contain_text(order.number)
    expect(panel).to_contain_text("€7,750.00")

    page.goto(reverse("budgets:agreement_detail", args=[agreement.pk]))
    expect(page.locator("main")).to_contain_text("7.8")  # 7,750 of 100,000
    expect(page.locator("main")).to_contain_text("€7,750.00 of €100,000.00")
    assert_accessible(page, "agreement page")
