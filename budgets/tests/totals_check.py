"""The precomputed budget totals checked against an independent computation: every line year, execution
entry and funding share read one by one and summed in Python (not the SQL of budgets.totals)."""

from collections import defaultdict
from decimal import Decimal

from budgets.models import (
    PAID_MONTHS,
    BudgetAllYearsTotal,
    BudgetLineYear,
    BudgetTotal,
    ExecutionEntry,
    FundingShare,
    FundingTotal,
)
from budgets.totals import budget_totals_differences

FIGURES = ("planned", "forecast", "committed", "paid")
ZERO = Decimal("0.00")


def live_totals() -> tuple[dict, dict]:
    """{(project, envelope, section, year): {figure: amount}} and the same per (funding, share, …)."""
    budget: dict = defaultdict(lambda: dict.fromkeys((*FIGURES, *PAID_MONTHS), ZERO))
    for line_year in BudgetLineYear.objects.select_related("line"):
        line = line_year.line
        values = budget[(line.project_id, line.envelope_id, line.section, line_year.year)]
        for name in FIGURES:
            values[name] += getattr(line_year, name)
    for entry in ExecutionEntry.objects.filter(kind="paid").select_related("line"):
        line = entry.line
        values = budget[(line.project_id, line.envelope_id, line.section, entry.date.year)]
        values[PAID_MONTHS[entry.date.month - 1]] += entry.amount
    funding: dict = defaultdict(lambda: dict.fromkeys(FIGURES, ZERO))
    for share in FundingShare.objects.select_related("line").prefetch_related("line__years"):
        line = share.line
        for line_year in line.years.all():
            key = (
                share.funding_id,
                share.share,
                line.project_id,
                line.envelope_id,
                line.section,
                line_year.year,
            )
            for name in FIGURES:
                funding[key][name] += getattr(line_year, name)
    return dict(budget), dict(funding)


def stored_totals() -> tuple[dict, dict]:
    budget = {
        (row.project_id, row.envelope_id, row.section, row.year): {
            name: getattr(row, name) for name in (*FIGURES, *PAID_MONTHS)
        }
        for row in BudgetTotal.objects.all()
    }
    funding = {
        (row.funding_id, row.share, row.project_id, row.envelope_id, row.section, row.year): {
            name: getattr(row, name) for name in FIGURES
        }
        for row in FundingTotal.objects.all()
    }
    assert len(budget) == BudgetTotal.objects.count(), "a key is stored twice"
    assert len(funding) == FundingTotal.objects.count(), "a funding key is stored twice"
    return budget, funding


def assert_totals_exact() -> None:
    """The stored totals equal the live sums, key by key and to the cent; and the payments by month of a
    key add up to its paid amount (the line years' paid totals follow the entries)."""
    live_budget, live_funding = live_totals()
    stored_budget, stored_funding = stored_totals()
    for stored, live in ((stored_budget, live_budget), (stored_funding, live_funding)):
        wrong = {
            key: {"stored": stored.get(key), "live": live.get(key)}
            for key in set(stored) | set(live)
            if stored.get(key) != live.get(key)
        }
        assert not wrong, wrong
    for key, values in stored_budget.items():
        assert sum((values[name] for name in PAID_MONTHS), ZERO) == values["paid"], key
    # The sums over the years per (project, envelope, section): one row per key with a yearly total.
    live_all_years: dict = defaultdict(lambda: dict.fromkeys(FIGURES, ZERO))
    for (project_id, envelope_id, section, _year), values in live_budget.items():
        for name in FIGURES:
            live_all_years[project_id, envelope_id, section][name] += values[name]
    stored_all_years = {
        (row.project_id, row.envelope_id, row.section): {name: getattr(row, name) for name in FIGURES}
        for row in BudgetAllYearsTotal.objects.all()
    }
    assert len(stored_all_years) == BudgetAllYearsTotal.objects.count(), "an all-years key is stored twice"
    assert stored_all_years == dict(live_all_years)
    assert budget_totals_differences() == []
