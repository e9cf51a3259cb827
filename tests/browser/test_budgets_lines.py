"""The project budget tab in a browser: the manager reforecasts a line with a comment and the S-curve
follows; the page is accessible (axe)."""

import datetime

from django.urls import reverse
from playwright.sync_api import expect

from budgets import services
from portfolio.models import Project
from tests.axe import assert_accessible


def _budget(world) -> Project:
    project = Project.objects.filter(manager=world.user("manager")).order_by("pk").first()
    pmo = world.user("pmo")
    envelope = services.envelope_create(
        actor=pmo,
        code="FRN",
        name="Feuille de route",
        first_year=2025,
        last_year=2026,
        sections=[{"section": "investment", "authority": "1000000", "payment_credits": {2025: "500000"}}],
    )
    line = services.budget_line_create(
        actor=pmo,
        project=project,
        data={
            "label": "Licences bureautiques",
            "section": "investment",
            "nature": "licences",
            "envelope": envelope,
        },
        planned={2025: "120000"},
    )
    services.execution_entry_add(
        actor=pmo, line=line, kind="paid", date=datetime.date(2025, 3, 5), amount="30000"
    )
    return project


def test_manager_reforecasts_and_the_s_curve_follows(page, world, login):
    project = _budget(world)
    login(page, "manager")
    page.goto(reverse("budgets:project_budget", args=[project.pk]))
    chart = page.locator("#chart-s-curve")
    expect(chart.locator(".main-svg").first).to_be_attached()
    last_row = page.locator("#s-curve-table tbody tr").last
    expect(last_row.locator("td").nth(1)).to_have_text("120,000.00")  # forecast, December
    assert_accessible(page, "project budget tab")

    page.locator("details.reforecast summary").first.click()
    page.get_by_label("New forecast (€)").fill("150 000")
    page.get_by_label("Why").fill("Licences supplémentaires pour les collèges")
    page.get_by_role("button", name="Save the forecast").click()

    expect(page.locator("#forecast-history")).to_contain_text("Licences supplémentaires pour les collèges")
    expect(page.locator("#s-curve-table tbody tr").last.locator("td").nth(1)).to_have_text("150,000.00")
    expect(page.locator("#chart-s-curve .main-svg").first).to_be_attached()
    # The chart was drawn again from the new figure: its forecast trace ends at the new amount.
    last_forecast = page.evaluate(
        "() => { const d = document.getElementById('chart-s-curve').data[1].y; return d[d.length - 1]; }"
    )
    assert str(last_forecast) == "150000.00"
    assert_accessible(page, "project budget tab after a reforecast")


def test_portfolio_budget_page_is_accessible(page, world, login):
    _budget(world)
    login(page, "pmo")
    page.goto(reverse("budgets:portfolio_budget"))
    expect(page.locator("#chart-cp .main-svg").first).to_be_attached()
    assert_accessible(page, "portfolio budget page")
    # A section's projects come on demand, in place, and are links to their budget tab.
    table = page.locator("#by-envelope")
    more = table.get_by_role("link", name="Show its project")
    expect(more).to_have_count(1)
    more.click()
    expect(table.locator("tr.budget-leaf")).to_have_count(1)
    expect(table.locator("tr.budget-more")).to_have_count(0)
    expect(table.locator("tr.budget-leaf a")).to_have_attribute(
        "href",
        reverse(
            "budgets:project_budget", args=[Project.objects.filter(budget_lines__isnull=False).first().pk]
        ),
    )
    assert_accessible(page, "portfolio budget page, a section open")


def test_the_project_office_deletes_a_line_entered_by_mistake_after_confirming(page, world, login):
    from budgets.models import BudgetLine

    project = _budget(world)
    kept = BudgetLine.objects.get(project=project)  # it has payments: it stays
    mistake = services.budget_line_create(
        actor=world.user("pmo"),
        project=project,
        data={"label": "Doublon <saisie>", "section": "investment", "nature": "studies", "envelope": None},
        planned={2025: "999"},
    )
    login(page, "pmo")
    page.goto(reverse("budgets:line_edit", args=[mistake.pk]))
    assert_accessible(page, "budget line page")
    button = page.get_by_role("button", name="Delete the line")
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        if len(messages) == 1:
            dialog.dismiss()  # first time: changed their mind
        else:
            dialog.accept()

    page.on("dialog", answer)
    button.click()
    page.wait_for_timeout(300)  # nothing was sent: still the line's page
    assert page.url.endswith(reverse("budgets:line_edit", args=[mistake.pk]))
    assert BudgetLine.objects.filter(pk=mistake.pk).exists()
    assert messages == ["Delete the budget line “Doublon <saisie>” and its amounts?"]
    button.click()
    expect(page.locator(".message--success")).to_contain_text("Budget line “Doublon <saisie>” deleted.")
    assert page.url.endswith(reverse("budgets:project_budget", args=[project.pk]))
    assert list(BudgetLine.objects.filter(project=project)) == [kept]
    # The line with payments says why it stays.
    page.goto(reverse("budgets:line_edit", args=[kept.pk]))
    page.get_by_role("button", name="Delete the line").click()
    expect(page.locator(".message--error")).to_contain_text("committed or paid amounts")
    assert BudgetLine.objects.filter(pk=kept.pk).exists()
