"""The budgets' LINES part of the benchmark (`make bench`, see ppm/bench.py and budgets/bench.py).

seed(*, projects): one envelope per ~200 projects (AP/AE sections and CP 2024–2027), 20 lines per project
(20,000 at 1,000 projects) with 1–4 years each, dated execution entries (≥ 100,000 at 1,000 projects: a
commitment and monthly payments of the past years of a line), fundings financing one line in ten.
Bulk inserts, deterministic (seeded generator), anchored on portfolio.bench.ANCHOR; then the precomputed
budget totals of it all (budgets.totals.budget_totals_rebuild), as the services would have kept them.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from budgets.models import (
    BudgetAllYearsTotal,
    BudgetLine,
    BudgetLineYear,
    BudgetTotal,
    Envelope,
    EnvelopePaymentCredit,
    EnvelopeSection,
    ExecutionEntry,
    FiscalYear,
    FundingShare,
    FundingSource,
    FundingTotal,
)
from budgets.totals import budget_totals_rebuild
from portfolio.bench import ANCHOR, CODE_PREFIX
from portfolio.models import Project
from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Screen, at_most_queries
from ppm.bulk import bulk_update

SEED = 1792
LINES_PER_PROJECT = 20
YEARS = (2024, 2025, 2026, 2027)
NATURES = ("studies", "licences", "services", "hardware", "hosting", "internal")
SEEDED_MODELS = (
    FiscalYear,
    Envelope,
    EnvelopeSection,
    EnvelopePaymentCredit,
    FundingSource,
    BudgetLine,
    BudgetLineYear,
    FundingShare,
    ExecutionEntry,
    BudgetTotal,
    BudgetAllYearsTotal,
    FundingTotal,
)
WATCHED_TABLES = (
    "budgets_budgetline",
    "budgets_budgetlineyear",
    "budgets_executionentry",
    "budgets_budgettotal",
    "budgets_budgetallyearstotal",
    "budgets_fundingtotal",
)


def seed(*, projects: int) -> None:
    rng = random.Random(SEED)  # noqa: S311 - benchmark data
    FiscalYear.objects.bulk_create([FiscalYear(year=y) for y in YEARS], ignore_conflicts=True)
    project_ids = list(
        Project.objects.filter(code__startswith=CODE_PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    envelope_count = max(1, len(project_ids) // 200)
    envelopes = Envelope.objects.bulk_create(
        Envelope(code=f"BENCH-ENV-{n + 1}", name=f"Programme {n + 1}", first_year=2024, last_year=2027)
        for n in range(envelope_count)
    )
    sections = EnvelopeSection.objects.bulk_create(
        EnvelopeSection(envelope=e, section=s, authority=Decimal("90000000.00"))
        for e in envelopes
        for s in ("investment", "operating")
    )
    EnvelopePaymentCredit.objects.bulk_create(
        EnvelopePaymentCredit(envelope_section=s, year=y, amount=Decimal("22000000.00"))
        for s in sections
        for y in YEARS
    )
    fundings = FundingSource.objects.bulk_create(
        FundingSource(
            name=f"Bench funding {n + 1}",
            kind=("state", "eu", "recovery", "region")[n % 4],
            amount=Decimal("2000000.00"),
            justify_by=date(2027, 6, 30),
        )
        for n in range(20)
    )
    lines = BudgetLine.objects.bulk_create(
        BudgetLine(
            project_id=pid,
            label=f"Ligne {k + 1}",
            section="investment" if k % 3 else "operating",
            nature=NATURES[k % len(NATURES)],
            envelope=envelopes[index * envelope_count // max(1, len(project_ids))],
            external_ref=f"BENCH-{pid}-{k + 1}",
        )
        for index, pid in enumerate(project_ids)
        for k in range(LINES_PER_PROJECT)
    )
    years, entries, shares = [], [], []
    for n, line in enumerate(lines):
        first = rng.choice(YEARS)
        span = YEARS[YEARS.index(first) : YEARS.index(first) + rng.randint(1, 4)]
        for year in span:
            planned = Decimal(rng.randrange(5, 200) * 500)
            years.append(BudgetLineYear(line=line, year=year, planned=planned, forecast=planned))
            if year <= ANCHOR.year:
                months = range(1, 13) if year < ANCHOR.year else range(1, ANCHOR.month + 1)
                entries.append(
                    ExecutionEntry(
                        line=line, kind="committed", date=date(year, 1, 15), amount=planned, source="import"
                    )
                )
                monthly = (planned * Decimal("0.8") / 12).quantize(Decimal("0.01"))
                entries.extend(
                    ExecutionEntry(
                        line=line, kind="paid", date=date(year, month, 20), amount=monthly, source="import"
                    )
                    for month in months
                )
        if n % 10 == 0:
            shares.append(
                FundingShare(line=line, funding=fundings[n % len(fundings)], share=Decimal("40.00"))
            )
    BudgetLineYear.objects.bulk_create(years, batch_size=5000)
    ExecutionEntry.objects.bulk_create(entries, batch_size=5000)
    FundingShare.objects.bulk_create(shares, batch_size=5000)
    # The yearly totals, as the services keep them (one pass over the seeded entries).
    totals: dict[tuple[int, int], dict[str, Decimal]] = {}
    for entry in entries:
        key = (entry.line_id, entry.date.year)
        totals.setdefault(key, {"committed": Decimal("0"), "paid": Decimal("0")})[entry.kind] += entry.amount
    for line_year in years:
        figures = totals.get((line_year.line_id, line_year.year))
        if figures:
            line_year.committed, line_year.paid = figures["committed"], figures["paid"]
    bulk_update(BudgetLineYear, years, ["committed", "paid"], batch_size=5000)
    # The precomputed totals of what was just bulk-inserted (budgets.totals).
    budget_totals_rebuild()


def screens() -> list[Screen]:
    project_id = (
        Project.objects.filter(code__startswith=CODE_PREFIX, budget_lines__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return [
        Screen("Portfolio budget page", "/budgets/", [QUALITY_BAR, at_most_queries(25), NO_LARGE_SEQ_SCAN]),
        Screen(
            "Project budget tab",
            f"/projects/{project_id}/budget/",
            [QUALITY_BAR, at_most_queries(30), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "API budget lines, page of 100",
            "/api/v1/budget-lines/?page_size=100",
            [QUALITY_BAR, at_most_queries(10), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
        Screen(
            "API budget summary",
            "/api/v1/budgets/summary/",
            [QUALITY_BAR, at_most_queries(15), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
    ]
