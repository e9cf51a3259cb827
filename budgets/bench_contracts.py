"""The contracts' part of the benchmark: 20 framework agreements, 5,000 orders with their lines drawn on
the budget lines of 1,000 projects (budgets/bench_lines.py's when present, else one services line per
project), and the execution entries of the signed and invoiced ones (bulk, deterministic; fewer orders
for fewer than 1,000 projects, ppm.bench.scaled)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from budgets.models import (
    AgreementLot,
    AgreementPrice,
    BudgetLine,
    ExecutionEntry,
    ExecutionKind,
    ExecutionSource,
    FrameworkAgreement,
    Nature,
    Order,
    OrderLine,
    OrderStatus,
    Section,
)
from ppm.bench import scaled
from ppm.bulk import bulk_update

SEED = 8
AGREEMENTS = 20
ORDERS = 5_000
PROJECTS = 1_000
PREFIX = "BENCH-AC-"
SEEDED_MODELS = (FrameworkAgreement, AgreementLot, AgreementPrice, Order, OrderLine, ExecutionEntry)
WATCHED_TABLES = ("budgets_order", "budgets_orderline", "budgets_executionentry")
STATUSES = (
    [OrderStatus.DRAFT] + [OrderStatus.SIGNED] * 3 + [OrderStatus.DELIVERED] * 2 + [OrderStatus.INVOICED] * 3
)
STATUSES += [OrderStatus.CANCELLED]


def seed(*, projects: int) -> None:
    from budgets.services import line_year_totals_refresh
    from portfolio.models import Project
    from resources.models import Vendor

    rng = random.Random(SEED)
    start = date(2024, 1, 1)
    vendors = [Vendor.objects.get_or_create(name=f"Bench contracts vendor {n + 1}")[0] for n in range(4)]
    agreements = FrameworkAgreement.objects.bulk_create(
        FrameworkAgreement(
            reference=f"{PREFIX}{n + 1:02d}",
            title=f"Accord-cadre de banc d'essai {n + 1}",
            vendor=vendors[n % len(vendors)],
            start=start,
            end=date(2027, 12, 31),
            ceiling=Decimal("8000000.00"),
            minimum=Decimal("100000.00"),
            alert_thresholds=[80, 95],
        )
        for n in range(AGREEMENTS)
    )
    AgreementLot.objects.bulk_create(
        AgreementLot(agreement=agreement, number=number, title=title)
        for agreement in agreements
        for number, title in ((1, "Développement"), (2, "TMA"))
    )
    prices = AgreementPrice.objects.bulk_create(
        AgreementPrice(
            agreement=agreement, kind="profile", code=code, label=label, unit_price=amount, valid_from=start
        )
        for agreement in agreements
        for code, label, amount in (
            ("CP", "Chef·fe de projet", Decimal("780.00")),
            ("DEV", "Développeur·se", Decimal("620.00")),
            ("EXP", "Expert·e", Decimal("950.00")),
        )
    )
    by_agreement: dict[int, list[AgreementPrice]] = {}
    for price in prices:
        by_agreement.setdefault(price.agreement_id, []).append(price)
    chosen = list(Project.objects.order_by("pk").values_list("pk", flat=True)[: min(projects, PROJECTS)])
    lines: dict[int, BudgetLine] = {}
    for line in BudgetLine.objects.filter(project_id__in=chosen).order_by("project_id", "pk"):
        lines.setdefault(line.project_id, line)
    missing = [pk for pk in chosen if pk not in lines]
    for line in BudgetLine.objects.bulk_create(
        BudgetLine(
            project_id=pk, label="Prestations (banc)", section=Section.INVESTMENT, nature=Nature.SERVICES
        )
        for pk in missing
    ):
        lines[line.project_id] = line
    orders, order_lines, entries = [], [], []
    for n in range(scaled(ORDERS, projects, least=AGREEMENTS * 5)):
        project_id = chosen[n % len(chosen)]
        agreement = agreements[n % AGREEMENTS]
        day = start + timedelta(days=rng.randrange(0, 1000))
        status = STATUSES[rng.randrange(len(STATUSES))]
        orders.append(
            Order(
                number=f"BC-BENCH-{n + 1:05d}",
                title=f"Commande {n + 1}",
                agreement=agreement,
                project_id=project_id,
                budget_line=lines[project_id],
                status=status,
                ordered_on=day,
                signed_on=day if status not in (OrderStatus.DRAFT,) else None,
            )
        )
    Order.objects.bulk_create(orders, batch_size=1000)
    for order in orders:
        total = Decimal("0.00")
        for price in rng.sample(by_agreement[order.agreement_id], 2):
            quantity = Decimal(rng.randrange(5, 60))
            amount = (quantity * price.unit_price).quantize(Decimal("0.01"))
            total += amount
            order_lines.append(
                OrderLine(
                    order=order, price=price, quantity=quantity, unit_price=price.unit_price, amount=amount
                )
            )
        order.amount = total
        if order.status == OrderStatus.INVOICED:
            order.invoiced = total
        if order.status != OrderStatus.DRAFT:
            entries.append(
                ExecutionEntry(
                    line_id=order.budget_line_id,
                    kind=ExecutionKind.COMMITTED,
                    date=cast(date, order.signed_on),
                    amount=total,
                    source=ExecutionSource.ORDER,
                    order=order,
                    label=order.number,
                )
            )
        if order.status == OrderStatus.CANCELLED:
            entries.append(
                ExecutionEntry(
                    line_id=order.budget_line_id,
                    kind=ExecutionKind.COMMITTED,
                    date=cast(date, order.signed_on) + timedelta(days=30),
                    amount=-total,
                    source=ExecutionSource.ORDER,
                    order=order,
                    label=order.number,
                )
            )
        if order.status == OrderStatus.INVOICED:
            entries.append(
                ExecutionEntry(
                    line_id=order.budget_line_id,
                    kind=ExecutionKind.PAID,
                    date=cast(date, order.signed_on) + timedelta(days=60),
                    amount=total,
                    source=ExecutionSource.ORDER,
                    order=order,
                    label=order.number,
                )
            )
    OrderLine.objects.bulk_create(order_lines, batch_size=2000)
    bulk_update(Order, orders, ["amount", "invoiced"], batch_size=1000)
    ExecutionEntry.objects.bulk_create(entries, batch_size=2000)
    line_year_totals_refresh(line.pk for line in lines.values())


def screens() -> list:
    from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Screen, at_most_queries

    agreement = FrameworkAgreement.objects.filter(reference__startswith=PREFIX).order_by("pk").first()
    if agreement is None:
        return []
    return [
        Screen(
            "Agreements list with consumption",
            "/agreements/",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "Agreement page",
            f"/agreements/{agreement.pk}/",
            [QUALITY_BAR, at_most_queries(16), NO_LARGE_SEQ_SCAN],
        ),
        Screen("Orders list", "/orders/", [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN]),
        Screen(
            "API agreements consumption",
            "/api/v1/agreements/consumption/",
            [QUALITY_BAR, at_most_queries(10), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
    ]
